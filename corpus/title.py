"""The title page: municipality (base and genitive form), kind, month, year, evaluators."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .municipalities import lookup

MONTHS = {m: i for i, m in enumerate(
    ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
     "oktober", "november", "december"), start=1)}
_MONTH = "|".join(m.upper() for m in MONTHS)
_UPPER = r"[A-ZÅÄÖÉ][A-ZÅÄÖÉ\-]*(?: [A-ZÅÄÖÉ][A-ZÅÄÖÉ\-]*)*?"
# Title forms seen on real reports, most specific first. Groups: name, kind, month?, year?.
TITLES = (
    # "KommunKompassen ANALYS AV ENKÖPINGS KOMMUN MAJ 2016", "Kommun Kompassen KALIX KOMMUN 2012",
    # "KOMMUNKOMPASSEN ANALYS AV SIMRISHAMNS KOMMUN" (no year), "… HELSINGBORGS STAD 2014"
    re.compile(r"(?:ANALYS AV\s+)?(?P<name>" + _UPPER + r")\s+(?P<kind>KOMMUN|STAD)\b"
               r"(?:\s+(?P<month>" + _MONTH + r"))?(?:\s+(?P<year>(?:19|20)\d\d))?"),
    # "PM Utvärdering enligt Kommunkompassen i Sundbybergs kommun"
    re.compile(r"[Kk]ommun\s?[Kk]ompassen i (?P<name>[A-ZÅÄÖ][\w\-]+(?: [A-ZÅÄÖ][\w\-]+)?)\s+"
               r"(?P<kind>kommun|stad)\b(?:\s+(?P<month>[a-zåäö]+))?(?:\s+(?P<year>(?:19|20)\d\d))?"),
    # "KommunKompassen UPPLANDS VÄSBY 2011" (no KOMMUN/STAD)
    re.compile(r"[Kk]ommun\s?[Kk]ompassen\s+(?P<name>" + _UPPER + r")\s+(?:(?P<month>" + _MONTH
               + r")\s+)?(?P<year>(?:19|20)\d\d)(?P<kind>)"),
    # "Regionkompass … Region Skåne 2014"
    re.compile(r"(?P<kind>Region)(?:en)?\s+(?P<name>[A-ZÅÄÖ][\w\-]+(?: [A-ZÅÄÖ][\w\-]+)?)"
               r"(?:\s+(?P<month>[a-zåäö]+))?(?:\s+(?P<year>(?:19|20)\d\d))?"),
)
LOOKS_LIKE_REPORT = re.compile(r"kommun\s?kompass|regionkompass", re.IGNORECASE)


@dataclass(frozen=True)
class Title:
    municipality: str  # "Enköping"
    display_name: str  # "Enköpings kommun"
    kind: str  # kommun | stad | region
    year: int | None
    month: int | None
    evaluators: list[str]
    text: str


def parse_title(head: str, body: str = "") -> Title | None:
    """The title on a report's first page, or None when no known form matches. `body` (the
    report's text) tells a genitive s from a name's own s when the name is not in the list of
    municipalities."""
    for pattern in TITLES:
        match = pattern.search(head)
        if match is None:
            continue
        kind = match.group("kind").lower() or "kommun"
        name = re.sub(r"^(?:KOMMUN ?KOMPASSEN\s+)?(?:RAPPORT\s+)?(?:ANALYS AV\s+)?", "", match.group("name"))
        if not name:
            continue
        if kind == "region":
            base = genitive = match.group("name")
            display = f"Region {base}"
        else:
            base, genitive = municipality_names(name, body)
            display = f"{genitive} {kind}" if match.group("kind") else genitive
        month = MONTHS.get((match.group("month") or "").lower())
        year = int(match.group("year")) if match.group("year") else None
        rest = head[match.end():]
        if year is None:  # "… KOMMUN /27 UTVÄRDERARE: …" or a year further on the page
            found = re.search(r"\b((?:19|20)\d\d)\b", rest[:200])
            year = int(found.group(1)) if found else None
        rest = re.sub(r"^[\s/\d.]*", "", rest)
        # The title page ends at the contents or the first chapter ("… kommun 1 Vad är …"),
        # which matters where the file records no page break after it.
        rest = re.split(r"\s(?:Innehåll|INNEHÅLL|Sammanfattning)\b|\s\d{1,2}\.?\s+[A-ZÅÄÖ][a-zåäö]", rest)[0]
        return Title(base, display, kind, year, month, evaluators(rest[:400]),
                     head[:match.end()].strip())
    return None


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def municipality_names(name_in_title: str, body: str = "") -> tuple[str, str]:
    """(`Enköping`, `Enköpings`) from `ENKÖPINGS`: base name and the form the title uses.

    A name in the list of municipalities (corpus/municipalities.py) is resolved there, so
    `VÄSTERÅS` and `KRAMFORS` keep their s. A name the list does not hold keeps its final s
    unless the report also writes the name without it as a word of its own ("i Granbyn" beside
    "GRANBYNS KOMMUN"): `STENFORS` stays Stenfors.
    """
    words = [w.capitalize() if not w.isupper() or len(w) > 1 else w
             for w in name_in_title.lower().split()]
    words = ["-".join(p.capitalize() for p in w.split("-")) for w in words]
    written = " ".join(words)
    known = lookup(written)
    if known is not None and known.kind == "kommun":
        return known.name, written
    base = written
    if base.endswith("s") and len(base) > 2 and body:
        bare = re.escape(base[:-1])
        if re.search(r"(?<![\w-])" + bare + r"(?![\w-])", body):
            base = base[:-1]
    return base, written


def evaluators(text: str) -> list[str]:
    """`Leif Eldås och Lotta Ricklander, SKL Anna Marnell, Katrineholms kommun` → 3 people."""
    text = re.sub(r"(?i)^(?:(?:rapport|analys av)\.?\s*)*(?:utvärderare:\s*)?", "", text.strip())
    org_re = re.compile(r"^(SKL|SKR|Sveriges Kommuner och \w+|(?:senior )?konsult(?: \(\w+\))?|"
                        r"[A-ZÅÄÖ][\w\-]+ (?:kommun|stad|län)|Landstinget i [\w ]+ län|Lt \w+)"
                        r"(?:\s+(?P<rest>[A-ZÅÄÖ].*))?$")
    people: list[str] = []
    pending: list[str] = []
    for part in re.split(r"(?i),\s*|\s+och\s+", text):
        part = part.strip()
        if not part:
            continue
        match = org_re.match(part)
        if match is None and pending and " " not in part:
            # A lone word after a name is where that person comes from: "…, Halmstad".
            people += [f"{name} ({part})" for name in pending]
            pending = []
            continue
        if match:
            org = part[:match.start("rest")].strip() if match.group("rest") else part
            people += [f"{name} ({org})" for name in pending]
            pending = [match.group("rest")] if match.group("rest") else []
        else:
            pending.append(part)
    return people + pending
