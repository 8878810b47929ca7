"""Fact answers: questions about scores, rankings, totals, evaluators, dates and the compared
Kvalitetskommun, computed from the structured tables instead of read from passages.

"Vilket område fick lägst poäng?" is not a passage search: the scores are parsed at ingest
(areas, questions, reports), so the answer is computed (min, max, a threshold, a difference
between two evaluations) and stated first in one plain Swedish sentence, cited to the table's
page. `classify` decides whether a question is such a question; `answer` computes it over the
reports the filters allow, one report or many.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from corpus.taxonomy import AREA_WORDS, SHORT_NAMES, area_name, fold
from index.lexical import terms
from index.records import Filters
from index.store import Store

from .models import Answer, Citation, Hit

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december")
AREA_MAX = 100
TOTAL_MAX = 800
MAX_LINES = 10

_Q = re.IGNORECASE
_SUPER_LOW = re.compile(r"\b(?:lägst\w*|lägsta|sämst\w*|svagast\w*|lowest|weakest|worst)\b", _Q)
_SUPER_HIGH = re.compile(r"\b(?:högst\w*|bäst\w*|starkast\w*|highest|strongest|best)\b", _Q)
_SCORE = re.compile(r"\b(?:poäng\w*|score[sd]?|points?|betyg\w*|rankas|rankning|ranking)\b", _Q)
_AREA_WORD = re.compile(r"\b(?:område\w*|huvudområde\w*|areas?|delområde\w*)\b", _Q)
_PLURAL = re.compile(r"\b(?:områdena|områden|huvudområdena|huvudområden|areas|kommuner|kommunerna|"
                     r"municipalities|vilka|which (?:areas|municipalities))\b", _Q)
_MUNICIPALITIES = re.compile(r"\b(?:kommuner\w*|kommunerna|municipalities|vilka kommuner|vilken kommun|"
                             r"which municipalit\w*|rapporter\w*)\b", _Q)
_THRESHOLD = re.compile(
    r"\b(?P<op>under|över|mindre än|lägre än|färre än|mer än|fler än|högre än|minst|som mest|"
    r"below|above|over|less than|more than|at least|lower than|higher than)\s+(?P<n>\d{1,3})\b", _Q)
_SUBQUESTIONS = re.compile(r"\b(?:delfråg\w*|frågor\w*|fråga|frågan|sub-?questions?|questions?)\b", _Q)
_ABOUT = re.compile(r"\b(?:fråga|frågan|delfrågan|delfråga|question)\s+(?:om|kring|gällande|about|on)\s+"
                    r"(?P<topic>.+?)\s*[?.!]*$", _Q)
_PERCENT = re.compile(r"(?:\bprocent\w*|%|\bpercent\w*|\bandel(?:en)?\b)", _Q)
_QUESTION = re.compile(r"\b(?:fråga|frågan|delfråga|delfrågan|question)\s+(?P<n>[1-8]\.\d{1,2})\b", _Q)
_BARE_QUESTION = re.compile(r"(?<![\d.])(?P<n>[1-8]\.\d{1,2})(?![\d.])")
_TOTAL = re.compile(r"\b(?:totalpoäng\w*|totalt|sammanlagt|sammanlagd\w*|total(?: score)?|in total|"
                    r"overall(?: score)?|summa\w*|slutpoäng\w*)\b", _Q)
_TOTAL_SCORE = re.compile(r"\b(?:totalpoäng\w*|slutpoäng\w*|total score|overall score)\b", _Q)
_GOT = re.compile(r"\b(?:fick|fått|får|hade|got|get|scored|received)\b", _Q)
_EVALUATORS = re.compile(r"\b(?:utvärderade|utvärderare\w*|utvärderat|utvärderades av|granskade|"
                         r"(?:gjorde|genomförde|höll i|ledde|utförde|stod för) (?:utvärderingen|analysen|"
                         r"granskningen|bedömningen|intervjuerna)|evaluated|evaluators?|"
                         r"(?:did|made|carried out|conducted|led) the (?:evaluation|assessment))\b", _Q)
_WHO = re.compile(r"\b(?:vem|vilka|who)\b", _Q)
_DATE = re.compile(r"\b(?:när|vilket år|vilken månad|vilket datum|datum|when|what year|which year|date)\b", _Q)
_EVALUATION = re.compile(r"\b(?:utvärdering\w*|utvärderades|utvärderad|kommunkompass\w*|analys\w*|"
                         r"rapport\w*|evaluat\w*|report\w*|assessment)\b", _Q)
_KVALITETSKOMMUN = re.compile(r"\b(?:kvalitetskommun\w*|quality municipality)\b", _Q)
_CHANGE = re.compile(r"\b(?:förändr\w*|ändrats|ändrades|skillnad\w*|utvecklats|utvecklades|förbättrats|"
                     r"förbättrades|försämrats|försämrades|ökat|ökade|minskat|minskade|gått (?:upp|ned|ner|fram)|"
                     r"change[sd]?|differ\w*|improved|progress)\b", _Q)
_TWO_EVALUATIONS = re.compile(r"\b(?:två|båda|flera|tidigare|förra|föregående|senaste|mellan|jämfört|"
                              r"two|both|previous|last|between|since)\b", _Q)
_COMPARE = re.compile(r"\bjämför\w*|\bcompare\w*", _Q)
_KVK_IN_TEXT = re.compile(
    r"jämförelse med (?P<name>[A-ZÅÄÖ][\wåäöé-]+(?: [A-ZÅÄÖ][\wåäöé-]+)?),? "
    r"(?:som (?:var |blev |är )?)?(?:Sveriges )?[Kk]valitetskommun (?P<year>\d{4})")


@dataclass(frozen=True)
class FactQuestion:
    """What a fact question asks: the measure and the computation."""

    measure: str  # area | question | total | evaluators | date | kvalitetskommun | change
    op: str  # min | max | below | above | value | list
    count: int = 1  # how many for min / max
    threshold: int | None = None
    number: str | None = None  # the sub-question, "2.4"
    topic: str | None = None  # the sub-question by its words: "frågan om invånardialog"
    area: int | None = None  # an area named by a single everyday word ("inom ledarskap")


def _area_word(text: str) -> int | None:
    lowered = text.lower()
    for number, words in AREA_WORDS.items():
        for word in (SHORT_NAMES.get(number, ""), *words):
            if word and re.search(r"\b" + re.escape(word) + r"\w*\b", lowered):
                return number
    return None


_BELOW_WORDS = frozenset({"under", "mindre än", "lägre än", "färre än", "som mest", "below", "less than",
                          "lower than"})


def _threshold_op(match: re.Match[str]) -> str:
    return "below" if match.group("op").lower() in _BELOW_WORDS else "above"


def classify(question: str, area: int | None = None) -> FactQuestion | None:
    """The fact question asked, or None for a question to answer from passages. `area`: an
    area already read from the question as a filter."""
    text = question
    if _KVALITETSKOMMUN.search(text):
        return FactQuestion("kvalitetskommun", "value")
    if _EVALUATORS.search(text) and (_WHO.search(text) or "utvärderare" in text.lower()):
        return FactQuestion("evaluators", "value")
    if _DATE.search(text) and _EVALUATION.search(text) and not _SCORE.search(text):
        return FactQuestion("date", "value")
    number = _QUESTION.search(text) or (_BARE_QUESTION.search(text) if _SCORE.search(text) else None)
    threshold = _THRESHOLD.search(text)
    low, high = _SUPER_LOW.search(text), _SUPER_HIGH.search(text)
    scored = bool(_SCORE.search(text) or _TOTAL_SCORE.search(text)
                  or _TOTAL.search(text) and (low or high or threshold or _GOT.search(text)))
    if number:
        return FactQuestion("question", "value", number=number.group("n"))
    about = _ABOUT.search(text)
    if about and (scored or _PERCENT.search(text)):
        return FactQuestion("question", "value", topic=about.group("topic"), area=area)
    if _SUBQUESTIONS.search(text) and (low or high or threshold):
        plural_q = bool(re.search(r"\b(?:delfrågor\w*|frågor\w*|questions)\b", text, _Q))
        named = area or _area_word(_SUBQUESTIONS.sub(" ", text))
        if threshold:
            return FactQuestion("question", _threshold_op(threshold), threshold=int(threshold.group("n")),
                                area=named)
        return FactQuestion("question", "min" if low and (not high or low.start() < high.start()) else "max",
                            count=3 if plural_q else 1, area=named)
    if _CHANGE.search(text) and (_TWO_EVALUATIONS.search(text) or scored) \
            and (scored or _EVALUATION.search(text)):
        return FactQuestion("change", "list")
    plural = bool(_PLURAL.search(text))
    areas_asked = bool(_AREA_WORD.search(text))
    if not (scored or ((low or high or threshold) and areas_asked)
            or (threshold and _MUNICIPALITIES.search(text))):
        return None
    total = bool(_TOTAL.search(text)) or (bool(_MUNICIPALITIES.search(text)) and not areas_asked
                                         and area is None and _area_word(text) is None)
    if threshold and total and int(threshold.group("n")) <= AREA_MAX and not _TOTAL.search(text):
        total = False  # "kommuner under 50" is about area scores
    measure = "total" if total else "area"
    named_area = area or (None if areas_asked and not total else _area_word(text))
    if threshold:
        return FactQuestion(measure, _threshold_op(threshold), threshold=int(threshold.group("n")),
                            area=named_area)
    if low or high:
        # "svagaste områden", "vilka kommuner fick högst": a few; "vilket område": one.
        count = 3 if plural and not re.search(r"\b(?:vilket|vilken|which area|what area)\b", text, _Q) else 1
        return FactQuestion(measure, "min" if low and not high or (low and high and low.start() < high.start())
                            else "max", count=count, area=named_area)
    return FactQuestion(measure, "value" if named_area or total else "list", area=named_area)


# -- computing ------------------------------------------------------------------------------

@dataclass
class _Cited:
    """Collects citations: one number per cited passage; its quote gathers the parts of the
    table that the answer used ("4. Ledarskap, ansvar och delegation 42 poäng")."""

    hits: dict[int, Hit]
    units: dict[int, list]

    def __post_init__(self) -> None:
        self._numbers: dict[int, int] = {}
        self._quotes: dict[int, list[str]] = {}
        self._pages: dict[int, tuple[int | None, int | None]] = {}

    def cite(self, passage_id: int | None, needle: str | None = None) -> str:
        if passage_id is None or passage_id not in self.hits:
            return ""
        hit = self.hits[passage_id]
        units = self.units.get(passage_id, [])
        unit = next((u for u in units if needle and needle in u.text), units[0] if units else None)
        quote = hit.text if unit is None else unit.text
        if needle and unit is not None and len(unit.text) > 200:
            quote = _segment(unit.text, needle)
        if passage_id not in self._numbers:
            self._numbers[passage_id] = len(self._numbers) + 1
            self._quotes[passage_id] = []
            self._pages[passage_id] = (unit.page_start, unit.page_end) if unit is not None \
                else (hit.page, hit.page_end)
        if quote not in self._quotes[passage_id]:
            self._quotes[passage_id].append(quote)
        return f" [{self._numbers[passage_id]}]"

    @property
    def citations(self) -> list[Citation]:
        return [Citation(number, self.hits[pid], " … ".join(self._quotes[pid]), *self._pages[pid])
                for pid, number in self._numbers.items()]


def _segment(text: str, needle: str) -> str:
    """The `;`-separated part of a long table line that holds `needle`."""
    for part in re.split(r";\s*|:\s+(?=\d\.)", text):
        if needle in part:
            return part.strip().rstrip(".") + "."
    return text


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


def _area_label(number: int) -> str:
    return f"område {number} {area_name(number)}"


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value] if value else []
        return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


@dataclass
class _Report:
    row: dict[str, object]
    areas: dict[int, int]  # area -> score
    passages: list[Hit]  # its title page, chapters 1-2 and score tables

    @property
    def id(self) -> str:
        return str(self.row["report_id"])

    @property
    def name(self) -> str:
        return f"{self.row['display_name']} {self.row['year'] or ''}".strip()

    def passage(self, section: str, area: int | None = None, contains: str | None = None) -> int | None:
        for p in self.passages:
            if p.section == section and (area is None or p.area == area) \
                    and (contains is None or contains in p.text):
                return p.passage_id
        return None

    def title_passage(self) -> int | None:
        """The first passage of the report (its title page: name, month, evaluators)."""
        first = min((p for p in self.passages if p.section == "inledning"), key=lambda p: p.page or 0,
                    default=None)
        return first.passage_id if first else None

    def area_citation(self, cited: _Cited, area: int) -> str:
        table = self.passage("resultat")
        if table is not None:
            return cited.cite(table, f"{area}. ")
        return cited.cite(self.passage("poang", area))


@dataclass
class _Tables:
    """What the computations read: every report's row and area scores, read once per answer."""

    store: Store
    rows: list[dict[str, object]]
    scores: dict[str, dict[int, int]]  # report id -> area -> score


def _in_scope(rows: list[dict[str, object]], filters: Filters) -> list[dict[str, object]]:
    return [r for r in rows
            if (filters.report_id is None or r["report_id"] == filters.report_id)
            and (filters.municipality is None or r["municipality_key"] == filters.municipality)
            and (filters.year_from is None or (r["year"] or 0) >= filters.year_from)
            and (filters.year_to is None or (r["year"] or 9999) <= filters.year_to)]


def answer(question: str, fact: FactQuestion, store: Store, filters: Filters,
           hits_for: Callable[[list[int]], dict[int, Hit]]) -> Answer:
    """Compute the fact over the reports in scope; the first line states it."""
    tables = _Tables(store, store.report_rows(), _area_scores(store))
    rows = _in_scope(tables.rows, filters)
    area = filters.area or fact.area
    if not rows:
        return Answer(question, "Det finns ingen indexerad rapport som matchar frågans filter.", [], [],
                      kind="fact")
    pids = store.table_passage_ids(str(r["report_id"]) for r in rows)
    hits = hits_for(pids)
    passages_by_report: dict[str, list[Hit]] = {}
    for pid in pids:
        if pid in hits:
            passages_by_report.setdefault(hits[pid].report_id, []).append(hits[pid])
    reports = [_Report(r, tables.scores.get(str(r["report_id"]), {}),
                       passages_by_report.get(str(r["report_id"]), [])) for r in rows]
    cited = _Cited(hits, store.sentences_of(pids))
    compute = {"area": _areas, "total": _totals, "question": _question, "evaluators": _evaluators,
               "date": _date, "kvalitetskommun": _kvalitetskommun, "change": _change}[fact.measure]
    lines = compute(fact, reports, area, cited, tables)
    citations = cited.citations
    used = {c.hit.passage_id for c in citations}
    return Answer(question, "\n".join(lines), citations, [hits[p] for p in pids if p in used],
                  kind="fact")


def _area_scores(store: Store) -> dict[str, dict[int, int]]:
    scores: dict[str, dict[int, int]] = {}
    for report_id, area, score, _page, _rubriker in store.area_table():
        if score is not None:
            scores.setdefault(report_id, {})[int(area)] = int(score)
    return scores


def _latest(reports: list[_Report]) -> list[_Report]:
    """The latest report of each municipality (for rankings across municipalities)."""
    best: dict[object, _Report] = {}
    for r in reports:
        key = r.row["municipality_key"]
        if key not in best or (r.row["year"] or 0) > (best[key].row["year"] or 0):
            best[key] = r
    return list(best.values())


def _areas(fact: FactQuestion, reports: list[_Report], area: int | None, cited: _Cited, tables: _Tables) -> list[str]:
    if area is not None:
        return _one_area(fact, reports, area, cited)
    if len(reports) > 1 and fact.op in ("min", "max", "below", "above"):
        return _areas_across(fact, reports, cited)
    lines: list[str] = []
    for report in reports[:MAX_LINES]:
        pairs = sorted(report.areas.items(), key=lambda kv: (kv[1], kv[0]), reverse=fact.op == "max")
        if not pairs:
            lines.append(f"{report.name}: rapporten anger inga poäng per område.")
            continue
        if fact.op in ("min", "max"):
            word = "lägst" if fact.op == "min" else "högst"
            chosen = pairs[:fact.count]
            edge = chosen[-1][1]
            chosen += [p for p in pairs[fact.count:] if p[1] == edge]  # ties
            parts = [f"{_area_label(a)} ({s} poäng){report.area_citation(cited, a)}" for a, s in chosen]
            verb = "fick" if len(chosen) == 1 else "fick, i tur och ordning,"
            lines.append(f"{report.name} {verb} {word} poäng inom {_join(parts)}, av {AREA_MAX} möjliga.")
            rest = pairs[len(chosen):len(chosen) + 2]
            if rest and len(reports) == 1:
                lines.append("Därefter: " + ", ".join(f"{_area_label(a)} {s}" for a, s in rest) + ".")
        elif fact.op in ("below", "above"):
            lines.append(_threshold_line(fact, report, pairs, cited))
        else:
            parts = [f"{_area_label(a)}: {s}{report.area_citation(cited, a)}" for a, s in sorted(report.areas.items())]
            total = report.row["total_score"]
            lines.append(f"{report.name} fick följande poäng (av {AREA_MAX} per område): " + "; ".join(parts)
                         + (f". Totalt {total} av {TOTAL_MAX}{_total_cite(report, cited)}." if total else
                            ". Rapporten anger ingen totalpoäng."))
    if len(reports) > MAX_LINES:
        lines.append(f"(Visar {MAX_LINES} av {len(reports)} rapporter; begränsa med kommun eller år.)")
    return lines


def _threshold_line(fact: FactQuestion, report: _Report, pairs, cited: _Cited) -> str:
    below = fact.op == "below"
    word = "under" if below else "över"
    hits = [(a, s) for a, s in sorted(report.areas.items()) if (s < fact.threshold if below else s > fact.threshold)]
    if not hits:
        edge = min(pairs, key=lambda kv: kv[1]) if below else max(pairs, key=lambda kv: kv[1])
        return (f"Inget område i {report.name} fick {word} {fact.threshold} poäng; "
                f"{'lägst' if below else 'högst'} fick {_area_label(edge[0])} med {edge[1]} poäng"
                f"{report.area_citation(cited, edge[0])}.")
    parts = [f"{_area_label(a)} ({s}){report.area_citation(cited, a)}" for a, s in hits]
    count = "ett område" if len(hits) == 1 else f"{len(hits)} områden"
    return f"{report.name} fick {word} {fact.threshold} poäng i {count}: {_join(parts)}."


def _one_area(fact: FactQuestion, reports: list[_Report], area: int, cited: _Cited) -> list[str]:
    scored = [(r, r.areas[area]) for r in reports if area in r.areas]
    if not scored:
        return [f"Ingen av rapporterna anger poäng för {_area_label(area)}."]
    if len(scored) == 1 or fact.op in ("value", "list"):
        return [f"{r.name} fick {s} av {AREA_MAX} poäng inom {_area_label(area)}{r.area_citation(cited, area)}."
                for r, s in scored[:MAX_LINES]]
    ranked = sorted(((r, s) for r, s in scored if r in _latest([x for x, _ in scored])),
                    key=lambda rs: rs[1], reverse=fact.op != "min")
    if fact.op in ("below", "above"):
        below = fact.op == "below"
        ranked = [(r, s) for r, s in ranked if (s < fact.threshold if below else s > fact.threshold)]
        word = "under" if below else "över"
        if not ranked:
            return [f"Ingen av de {len(scored)} rapporterna fick {word} {fact.threshold} poäng inom {_area_label(area)}."]
        head = f"{len(ranked)} kommuner fick {word} {fact.threshold} poäng inom {_area_label(area)}:"
    else:
        ranked = ranked[:max(fact.count, 1)]
        head = f"{'Lägst' if fact.op == 'min' else 'Högst'} poäng inom {_area_label(area)} fick:"
    parts = [f"{r.name} ({s}){r.area_citation(cited, area)}" for r, s in ranked[:MAX_LINES]]
    return [f"{head} {_join(parts)}."]


def _areas_across(fact: FactQuestion, reports: list[_Report], cited: _Cited) -> list[str]:
    rows = [(r, a, s) for r in _latest(reports) for a, s in r.areas.items()]
    if fact.op in ("below", "above"):
        below = fact.op == "below"
        rows = [x for x in rows if (x[2] < fact.threshold if below else x[2] > fact.threshold)]
        word = "under" if below else "över"
        if not rows:
            return [f"Inget område i de {len(reports)} rapporterna fick {word} {fact.threshold} poäng."]
        rows.sort(key=lambda x: x[2], reverse=not below)
        head = f"{len(rows)} områden i {len({r.id for r, _, _ in rows})} rapporter fick {word} {fact.threshold} poäng:"
    else:
        rows.sort(key=lambda x: x[2], reverse=fact.op == "max")
        rows = rows[:max(fact.count, 1)]
        head = f"{'Lägst' if fact.op == 'min' else 'Högst'} poäng i ett område fick"
    parts = [f"{r.name}, {_area_label(a)} ({s}){r.area_citation(cited, a)}" for r, a, s in rows[:MAX_LINES]]
    return [f"{head} {_join(parts)}."]


def _total_cite(report: _Report, cited: _Cited) -> str:
    return cited.cite(report.passage("resultat"), "Totalt")


def _totals(fact: FactQuestion, reports: list[_Report], area, cited: _Cited, tables: _Tables) -> list[str]:
    with_total = [r for r in reports if r.row["total_score"] is not None]
    if not with_total:
        return ["Rapporten anger ingen totalpoäng." if len(reports) == 1 else
                "Ingen av rapporterna anger en totalpoäng."]
    if fact.op in ("value", "list") or len(with_total) == 1 and fact.op in ("min", "max"):
        return [f"{r.name} fick totalt {r.row['total_score']} av {TOTAL_MAX} poäng{_total_cite(r, cited)}."
                for r in with_total[:MAX_LINES]]
    latest = _latest(with_total)
    if fact.op in ("below", "above"):
        below = fact.op == "below"
        word = "under" if below else "över"
        chosen = sorted((r for r in latest if (int(r.row["total_score"]) < fact.threshold if below
                                               else int(r.row["total_score"]) > fact.threshold)),
                        key=lambda r: int(r.row["total_score"]), reverse=not below)
        if not chosen:
            edge = (min if below else max)(latest, key=lambda r: int(r.row["total_score"]))
            if len(latest) == 1:
                return [(f"Ingen kommun fick {word} {fact.threshold} poäng totalt: den enda indexerade, "
                        f"{edge.name}, fick {edge.row['total_score']} poäng{_total_cite(edge, cited)}.")]
            return [(f"Ingen av de {len(latest)} kommunerna fick {word} {fact.threshold} poäng totalt; "
                    f"{'lägst' if below else 'högst'} fick {edge.name} med {edge.row['total_score']} poäng"
                    f"{_total_cite(edge, cited)}.")]
        head = (f"{len(chosen)} {'kommun' if len(chosen) == 1 else 'kommuner'} fick {word} "
                f"{fact.threshold} poäng totalt:")
    else:
        chosen = sorted(latest, key=lambda r: int(r.row["total_score"]), reverse=fact.op == "max")[:fact.count]
        head = f"{'Lägst' if fact.op == 'min' else 'Högst'} totalpoäng fick"
    parts = [f"{r.name} ({r.row['total_score']}){_total_cite(r, cited)}" for r in chosen[:MAX_LINES]]
    return [f"{head} {_join(parts)}."]


def _question(fact: FactQuestion, reports: list[_Report], area, cited: _Cited, tables: _Tables) -> list[str]:
    """A sub-question by number or by its words, or the sub-questions ranked by their share of
    the points (the maxima differ: 15, 20, 25, 30)."""
    wanted = {r.id for r in reports}
    rows = [row for row in tables.store.question_rows() if row[0] in wanted]
    by_id = {r.id: r for r in reports}
    if fact.number:
        rows = [row for row in rows if row[2] == fact.number]
        if not rows:
            return [f"Fråga {fact.number} finns inte i poängtabellerna för de rapporter frågan gäller."]
        return [_question_line(by_id[row[0]], row, cited, len(reports) > 1) for row in rows[:MAX_LINES]]
    if area is not None:
        rows = [row for row in rows if row[1] == area]
    rows = [row for row in rows if _share(row) is not None]
    if not rows:
        where = f" inom {_area_label(area)}" if area else ""
        return [f"Poängtabellerna anger inga delfrågor{where} för de rapporter frågan gäller."]
    if fact.topic:
        words = set(terms(fact.topic))
        best: dict[str, tuple[float, tuple]] = {}
        for row in rows:
            held = set(terms(row[3]))
            match = sum(1.0 if w in held else 0.5 if any(h.startswith(w) or w.startswith(h) for h in held
                                                          if min(len(h), len(w)) >= 5) else 0.0
                        for w in words)
            share = match / max(len(words), 1)
            if share >= 0.5 and share > best.get(row[0], (0.0, ()))[0]:
                best[row[0]] = (share, row)
        if not best:
            return [f"Ingen delfråga om ”{fact.topic}” finns i poängtabellerna."]
        return [_question_line(by_id[rid], row, cited, len(best) > 1) for rid, (_, row) in list(best.items())[:MAX_LINES]]
    many = len({row[0] for row in rows}) > 1
    where = f" inom {_area_label(area)}" if area else ""
    if fact.op in ("below", "above"):
        below = fact.op == "below"
        chosen = sorted((row for row in rows if (_share(row) < fact.threshold if below
                                                 else _share(row) > fact.threshold)),
                        key=_share, reverse=not below)
        word = "under" if below else "över"
        if not chosen:
            return [f"Ingen delfråga{where} fick {word} {fact.threshold} % av poängen."]
        head = f"{len(chosen)} delfrågor{where} fick {word} {fact.threshold} % av poängen:"
    else:
        ordered = sorted(rows, key=_share, reverse=fact.op == "max")
        chosen = ordered[:fact.count]
        chosen += [row for row in ordered[fact.count:] if _share(row) == _share(chosen[-1])]  # ties
        word = "Lägst" if fact.op == "min" else "Högst"
        head = f"{word} andel av poängen{where} fick"
    parts = [_question_part(by_id[row[0]], row, cited, many) for row in chosen[:MAX_LINES]]
    return [f"{head} {_join(parts)}."]


def _share(row: tuple) -> float | None:
    """A sub-question's share of its points in percent: as the report states it, else computed
    from the points (the maxima differ: 15, 20, 25, 30, so points alone do not rank)."""
    achieved, maximum, percent = row[4], row[5], row[6]
    if percent is not None:
        return float(percent)
    if achieved is None or not maximum:
        return None
    return round(100 * achieved / maximum, 1)


def _question_part(report: _Report, row: tuple, cited: _Cited, named: bool) -> str:
    _rid, q_area, number, text, achieved, maximum, _percent, _page = row
    pid = report.passage("delfragor", q_area, f"{number} ")
    who = f"{report.name}: " if named else ""
    return (f"{who}fråga {number} ”{text}” ({achieved} av {maximum} poäng, {_share(row):.0f} %)"
            f"{cited.cite(pid, f'{number} ')}")


def _question_line(report: _Report, row: tuple, cited: _Cited, named: bool) -> str:
    _rid, q_area, number, text, achieved, maximum, percent, _page = row
    pid = report.passage("delfragor", q_area, f"{number} ")
    share = f" ({percent} %)" if percent is not None else ""
    return (f"{report.name} fick {achieved} av {maximum} poäng{share} på fråga {number} "
            f"”{text}”{cited.cite(pid, f'{number} ')}.")


def _evaluators(fact: FactQuestion, reports: list[_Report], area, cited: _Cited, tables: _Tables) -> list[str]:
    lines = []
    for report in reports[:MAX_LINES]:
        names = _as_list(report.row.get("evaluators"))
        cite = cited.cite(report.title_passage())
        if names:
            lines.append(f"{report.name} utvärderades av {_join(names)}{cite}.")
        else:
            lines.append(f"Rapporten för {report.name} anger inte vilka som utvärderade.")
    return lines


def _date(fact: FactQuestion, reports: list[_Report], area, cited: _Cited, tables: _Tables) -> list[str]:
    lines = []
    for report in reports[:MAX_LINES]:
        year, month = report.row["year"], report.row["month"]
        when = f"{MONTHS[int(month) - 1]} {year}" if month else f"{year}"
        dated = f"; rapporten är daterad {report.row['date']}" if report.row.get("date") else ""
        lines.append(f"Utvärderingen av {report.row['display_name']} gjordes i {when}"
                     f"{cited.cite(report.title_passage())}{dated}.")
    return lines


def find_kvalitetskommun(text: str) -> tuple[str, int] | None:
    """(name, year) of the Kvalitetskommun a report's text says it is compared with."""
    match = _KVK_IN_TEXT.search(text)
    return (match.group("name"), int(match.group("year"))) if match else None


def _kvalitetskommun(fact: FactQuestion, reports: list[_Report], area, cited: _Cited, tables: _Tables) -> list[str]:
    lines = []
    by_key = {str(r["municipality_key"]): r for r in tables.rows}
    for report in reports[:MAX_LINES]:
        found = None
        for p in report.passages:
            match = _KVK_IN_TEXT.search(p.text)
            if match:
                found = (p, match)
                break
        if found is None:
            lines.append(f"Rapporten för {report.name} jämför inte med någon Kvalitetskommun.")
            continue
        passage, match = found
        name, year = match.group("name"), match.group("year")
        lines.append(f"{report.name} jämförs med {name}, Sveriges Kvalitetskommun {year}"
                     f"{cited.cite(passage.passage_id, name)}.")
        other = by_key.get(fold(name))
        if other is None:
            lines.append(f"{name}s poäng finns bara i rapportens diagram; ingen rapport för {name} är indexerad.")
            continue
        theirs = tables.scores.get(str(other["report_id"]), {})
        diffs = [f"{_area_label(a)} {s} mot {theirs[a]} ({s - theirs[a]:+d})"
                 for a, s in sorted(report.areas.items()) if a in theirs]
        if diffs:
            lines.append(f"Jämfört med {other['display_name']} {other['year']}: " + "; ".join(diffs) + ".")
    return lines


def _change(fact: FactQuestion, reports: list[_Report], area, cited: _Cited, tables: _Tables) -> list[str]:
    by_municipality: dict[object, list[_Report]] = {}
    for r in reports:
        by_municipality.setdefault(r.row["municipality_key"], []).append(r)
    lines = []
    for group in list(by_municipality.values())[:MAX_LINES]:
        group.sort(key=lambda r: r.row["year"] or 0)
        if len(group) < 2:
            only = group[0]
            lines.append(f"Det finns bara en utvärdering av {only.row['municipality']} i indexet "
                         f"({only.row['year']}), så ingen förändring kan beräknas.")
            continue
        first, last = group[0], group[-1]
        t0, t1 = first.row["total_score"], last.row["total_score"]
        head = f"{first.row['municipality']} utvärderades {first.row['year']} och {last.row['year']}"
        if t0 is not None and t1 is not None:
            head += (f": totalt {t0} → {t1} poäng ({int(t1) - int(t0):+d})"
                     f"{_total_cite(first, cited)}{_total_cite(last, cited)}")
        lines.append(head + ".")
        areas = [area] if area else sorted(set(first.areas) & set(last.areas))
        changes = sorted(((a, last.areas[a] - first.areas[a]) for a in areas
                          if a in first.areas and a in last.areas), key=lambda x: x[1])
        if changes:
            lines.append("Per område: " + "; ".join(
                f"{_area_label(a)} {first.areas[a]} → {last.areas[a]} ({d:+d})" for a, d in
                sorted(changes, key=lambda x: -x[1])) + ".")
    if not lines:
        lines.append("Ingen kommun i urvalet har två utvärderingar i indexet.")
    return lines
