"""Generate KommunKompassen reports for FICTIONAL municipalities, with the truth behind them.

Every fictional municipality has a hidden level per topic of the catalogue (catalogue.py):
strong, partial or absent. The report says so the way real reports do:

- strong: in the area's assessment (Sammanfattning), and also as a Styrkor item, or in the
  summary of chapter 2, or only in the prose;
- partial: in the prose, often with a Förbättringsmöjligheter item;
- absent: written as absence in the prose ("Kommunen har inte tagit fram några …"), or only as a
  Förbättringsmöjligheter item, or not at all (reports do not cover everything).

Area and sub-question scores follow the levels, with noise. Reports dated 2020 and later use the
2020 area set (names and numbers), earlier ones the 2010 set. One municipality in five has two
reports, the later one better on average. The names are made up, checked against the list of the
290 real municipalities, and every report says on its title page and in every running header that
it is fictional. Deterministic by seed; `pool` picks the catalogue's phrasings ("a" to tune,
"b" to report).
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.municipalities import genitive, lookup
from corpus.taxonomy import AREAS, BY_NUMBER
from corpus.title import slugify

from .catalogue import TOPICS, Topic
from .render import Columns, Document, Para, Rows, paginate, transcript, write_pdf

LEVELS = ("strong", "partial", "absent")
FICTIONAL = "Fiktiv testrapport (påhittad kommun, genererad av Kompass)"
PUBLISHER = "Fiktiv testrapport Kompass"
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")
_PREFIXES = ("Sten", "Gran", "Ek", "Björk", "Lind", "Hav", "Älv", "Rönn", "Asp", "Hassel", "Sjö",
             "Ljung", "Myr", "Fur", "Al", "Lövs", "Berg", "Mos", "Strand", "Kvarn", "Ugg", "Ravn",
             "Tall", "Bäck", "Ängs", "Hägg", "Slån", "Vass", "Kärr", "Dunge")
_SUFFIXES = ("fors", "näs", "ås", "by", "vik", "dal", "berga", "hult", "torp", "sund", "holm",
             "köping", "ryd", "måla", "sele", "tuna", "lunda", "mark", "bo", "åker")
_PEOPLE = ("Anna Testare", "Per Prövning", "Karin Exempel", "Lars Fiktiv", "Eva Påhitt",
           "Johan Provsson", "Maria Modell", "Olof Utkast")

# How each level reads in the report (placement) and where its score lies (percent, with noise).
_STRONG_PLACES = (("styrkor", 0.45), ("summary", 0.25), ("prose", 0.30))
_ABSENT_PLACES = (("prose", 0.45), ("forbattring", 0.30), ("silent", 0.25))
_PERCENT = {"strong": 78, "partial": 52, "absent": 22}
_ASSESSMENT = {
    "high": ("Området är väl utvecklat och arbetet präglas av systematik.",
             "Sammantaget bedöms området som en av kommunens starkare sidor.",
             "Utvärderarna ser ett genomtänkt och samordnat arbete inom området."),
    "mid": ("Området är delvis utvecklat och det finns både goda inslag och tydliga brister.",
            "Sammantaget är arbetet inom området ojämnt mellan förvaltningarna.",
            "Utvärderarna ser en grund att bygga vidare på, men arbetet behöver bli mer systematiskt."),
    "low": ("Området har stora utvecklingsbehov.",
            "Sammantaget är detta ett av kommunens svagare områden.",
            "Utvärderarna bedömer att arbetet inom området i stor utsträckning återstår."),
}
_ALLMANT = (
    "Området beskriver hur kommunen arbetar med frågorna i sin helhet. En kommun som lyckas här har "
    "strategier, tydliga ansvarsförhållanden och en uppföljning som leder till förbättringar.",
    "Bedömningen bygger på dokument, kommunens webbplats och intervjuer med förtroendevalda, chefer "
    "och medarbetare. Arbetssätten jämförs med det som andra kommuner har visat fungerar väl.",
)


@dataclass
class Truth:
    """The hidden facts of one generated report."""

    report_id: str
    municipality: str
    year: int
    area_set: int  # 2010 | 2020
    file: str  # transcript file name
    levels: dict[str, str]  # topic key -> strong | partial | absent
    placements: dict[str, str]  # topic key -> styrkor | summary | prose | forbattring | silent
    area_scores: dict[int, int]  # canonical area -> Poäng
    question_percent: dict[str, int]  # topic key -> percent of its sub-question
    total: int = 0
    fictional: bool = True


@dataclass
class Corpus:
    seed: int
    pool: str
    reports: list[Truth] = field(default_factory=list)

    def latest(self) -> dict[str, Truth]:
        """Each municipality's latest report: the one goda exempel ranks it by."""
        out: dict[str, Truth] = {}
        for truth in sorted(self.reports, key=lambda t: t.year):
            out[truth.municipality] = truth
        return out


def fictional_names(rng: random.Random, count: int) -> list[str]:
    """Made-up municipality names that are none of the 290 real ones (some end in s)."""
    names: list[str] = []
    combos = [p + s for p in _PREFIXES for s in _SUFFIXES]
    rng.shuffle(combos)
    for name in combos:
        name = name[0] + name[1:].lower()
        if lookup(name) is None and lookup(genitive(name)) is None and name not in names:
            names.append(name)
        if len(names) == count:
            return names
    raise ValueError(f"cannot make {count} fictional names")


def _choose(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _levels(rng: random.Random, maturity: float) -> dict[str, str]:
    levels = {}
    for topic in TOPICS:
        strong = 0.1 + 0.55 * maturity
        absent = 0.1 + 0.55 * (1 - maturity)
        levels[topic.key] = rng.choices(LEVELS, [strong, 1 - strong - absent + 0.2, absent])[0]
    return levels


def _improve(rng: random.Random, levels: dict[str, str]) -> dict[str, str]:
    """A later evaluation: most topics stay, some improve, a few slip."""
    step = {"absent": "partial", "partial": "strong", "strong": "strong"}
    back = {"strong": "partial", "partial": "absent", "absent": "absent"}
    out = {}
    for key, level in levels.items():
        r = rng.random()
        out[key] = step[level] if r < 0.35 else back[level] if r > 0.93 else level
    return out


def plan_corpus(seed: int = 7, count: int = 30, pool: str = "b") -> Corpus:
    """The truth of `count` reports; no text yet."""
    if pool not in ("a", "b"):
        raise ValueError("pool must be 'a' or 'b'")
    rng = random.Random(seed)
    corpus = Corpus(seed, pool)
    municipalities = max(1, round(count / 1.2))
    names = fictional_names(rng, municipalities)
    plans: list[tuple[str, int, dict[str, str]]] = []
    for name in names:
        maturity = rng.random()
        levels = _levels(rng, maturity)
        year = rng.randint(2012, 2024)
        plans.append((name, year, levels))
    index = 0
    while len(plans) < count:  # second reports, a few years later
        name, year, levels = plans[index % municipalities]
        plans.append((name, year + rng.randint(3, 5), _improve(rng, levels)))
        index += 1
    for name, year, levels in plans[:count]:
        corpus.reports.append(_truth(rng, name, year, levels))
    return corpus


def _truth(rng: random.Random, name: str, year: int, levels: dict[str, str]) -> Truth:
    placements = {}
    for key, level in levels.items():
        if level == "strong":
            placements[key] = _choose(rng, _STRONG_PLACES)
        elif level == "partial":
            placements[key] = "forbattring" if rng.random() < 0.5 else "prose"
        else:
            placements[key] = _choose(rng, _ABSENT_PLACES)
    percent = {}
    for key, level in levels.items():
        base = _PERCENT[level] - (8 if placements[key] == "silent" else 0)
        percent[key] = max(0, min(100, round(rng.gauss(base, 11))))
    area_scores = {}
    for area in AREAS:
        topics = [t for t in TOPICS if t.area == area.number]
        area_scores[area.number] = _points(topics, percent)[1]
    set_ = 2020 if year >= 2020 else 2010
    report_id = f"{slugify(name)}-{year}"
    truth = Truth(report_id, name, year, set_, f"{report_id}.txt", dict(levels), placements,
                  area_scores, percent)
    truth.total = sum(area_scores.values())
    return truth


def _points(topics: list[Topic], percent: dict[str, int]) -> tuple[list[tuple[Topic, int, int]], int]:
    """Each topic's sub-question: (topic, achieved, max); maxima add up to 100 per area."""
    base = 100 // len(topics)
    maxima = [base] * len(topics)
    maxima[-1] += 100 - base * len(topics)
    rows = [(t, round(m * percent[t.key] / 100), m) for t, m in zip(topics, maxima)]
    return rows, sum(a for _, a, _ in rows)


def _area_label(number: int, area_set: int) -> tuple[int, str]:
    area = BY_NUMBER[number]
    return (area.number_2020, area.names_2020[0]) if area_set == 2020 else (area.number, area.name)


def write_report(truth: Truth, pool: str, seed: int) -> tuple[Document, str]:
    """The report's pages as a layout document, and the page title of its transcript."""
    rng = random.Random(f"{seed}:{truth.report_id}")
    name, year = truth.municipality, truth.year
    month = rng.randint(1, 12)
    kind_title = f"{genitive(name)} kommun"
    people = rng.sample(_PEOPLE, 2)
    title = f"KommunKompassen ANALYS AV {kind_title.upper()} {MONTHS[month - 1].upper()} {year}"
    date = f"{year}-{month:02d}-{rng.randint(10, 28):02d}"
    by_topic = {t.key: t for t in TOPICS}

    def say(topic: Topic, what: str, n: int = 1) -> list[str]:
        phrasings = list(getattr(topic, what).pool(pool))
        return rng.sample(phrasings, min(n, len(phrasings)))

    blocks: list[object] = []
    blocks.append(Para("1 Vad är Kommunkompassen?", heading=True))
    blocks.append(Para(
        "Kommunkompassen är ett verktyg för utvärdering och analys av kommuners sätt att arbeta. "
        "Den här rapporten är fiktiv: kommunen, personerna och bedömningarna är påhittade och "
        "används för att pröva sökverktyget Kompass."))
    blocks.append(Para(f"2 {kind_title}: En sammanfattande genomgång", heading=True))
    summary = [f"Utvärderingen av {kind_title} genomfördes i {MONTHS[month - 1]} år {year}. "
               f"Utvärderarna har studerat dokument, granskat webbplatsen och genomfört intervjuer "
               f"i {name} med förtroendevalda, chefer och medarbetare."]
    for key, place in truth.placements.items():
        if place == "summary":
            summary += say(by_topic[key], "strong")
    blocks.append(Para(" ".join(summary)))
    order = sorted(AREAS, key=lambda a: _area_label(a.number, truth.area_set)[0])
    rows = [[f"{_area_label(a.number, truth.area_set)[0]}. {_area_label(a.number, truth.area_set)[1]}",
             str(truth.area_scores[a.number])] for a in order]
    blocks.append(Para(f"Sammanfattning av resultat Tabell 1 {kind_title} {year} i förhållande till "
                       f"Kommunkompassens huvudområden. Resultat {year}"))
    blocks.append(Rows(rows + [["TOTALT", str(truth.total)]]))
    blocks.append(Para("3 Genomgång utifrån de åtta huvudområdena", heading=True))
    chapter4: list[object] = []
    for area in order:
        shown, label = _area_label(area.number, truth.area_set)
        topics = [t for t in TOPICS if t.area == area.number]
        blocks.append("pagebreak")
        blocks.append(Para(f"Område {shown} {label}", heading=True))
        blocks.append(Para("Rubriker " + " ".join(t.rubrik for t in topics)))
        blocks.append(Para(f"Poäng {truth.area_scores[area.number]}"))
        blocks.append(Para("Allmänt", heading=True))
        blocks += [Para(text) for text in _ALLMANT]
        blocks.append(Para("Sammanfattning", heading=True))
        score = truth.area_scores[area.number]
        band = "high" if score >= 62 else "mid" if score >= 42 else "low"
        prose = [rng.choice(_ASSESSMENT[band])]
        styrkor: list[str] = []
        forbattringar: list[str] = []
        shuffled = topics[:]
        rng.shuffle(shuffled)
        for topic in shuffled:
            level, place = truth.levels[topic.key], truth.placements[topic.key]
            if level == "strong":
                prose += say(topic, "strong", rng.choice((1, 2)))
                if place == "styrkor":
                    styrkor += say(topic, "styrka")
            elif level == "partial":
                prose += say(topic, "partial", rng.choice((1, 2)))
                if place == "forbattring":
                    forbattringar += say(topic, "forbattring")
            else:
                if place == "prose":
                    prose += say(topic, "absent")
                elif place == "forbattring":
                    forbattringar += say(topic, "forbattring")
        for start in range(0, len(prose), 4):
            blocks.append(Para(" ".join(prose[start:start + 4])))
        if not styrkor:
            styrkor = ["Engagerade medarbetare och en vilja till utveckling"]
        if not forbattringar:
            forbattringar = ["Fortsätt att dokumentera och sprida de goda arbetssätten"]
        blocks.append(Columns(styrkor, forbattringar))
        points, total = _points(topics, truth.question_percent)
        table = [[f"{shown}. {label}", "Uppnått", "Max", "Procent"]]
        for i, (topic, achieved, maximum) in enumerate(points, start=1):
            table.append([f"{shown}.{i} {topic.fraga}", str(achieved), str(maximum),
                          f"{round(100 * achieved / maximum) if maximum else 0}%"])
        table.append(["", str(total), "100", f"{total}%"])
        chapter4.append(Rows(table))
    blocks.append("pagebreak")
    blocks.append(Para("4 Översikt av poängfördelning", heading=True))
    blocks.append(Para(f"I nedanstående tabeller visas {kind_title}s resultat fördelat på delfrågor "
                       "inom respektive område."))
    blocks += chapter4
    title_lines = [FICTIONAL, title, f"Utvärderare: {people[0]} (SKR) och {people[1]} (SKR)"]
    document = Document(title_lines, blocks, PUBLISHER, date, f"{FICTIONAL}: {title}")
    return document, f"{title} ({FICTIONAL})"


def generate(out: Path, seed: int = 7, count: int = 30, pool: str = "b", pdf: bool = False) -> Corpus:
    """Write `count` transcripts (and PDFs) and `truth.json` into `out`."""
    corpus = plan_corpus(seed, count, pool)
    out.mkdir(parents=True, exist_ok=True)
    for truth in corpus.reports:
        document, page_title = write_report(truth, pool, seed)
        pages = paginate(document)
        (out / truth.file).write_text(transcript(document, pages, page_title), encoding="utf-8")
        if pdf:
            write_pdf(document, pages, out / truth.file.replace(".txt", ".pdf"))
    (out / "truth.json").write_text(json.dumps(
        {"seed": seed, "pool": pool, "fictional": True,
         "note": "Fiktiva kommuner och rapporter, genererade för att mäta Kompass.",
         "topics": [{"key": t.key, "area": t.area, "rubrik": t.rubrik,
                     "queries": list(t.queries.pool(pool))} for t in TOPICS],
         "reports": [asdict(t) for t in corpus.reports]}, ensure_ascii=False, indent=1),
        encoding="utf-8")
    return corpus


def load_truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))
