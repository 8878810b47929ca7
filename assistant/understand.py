"""Filters read from the question: municipality, years, area and section.

"Hur arbetar Västerås stad med Lean sedan 2015?" becomes the topic "Hur arbetar … med Lean"
with the filters municipality = Västerås, year ≥ 2015. Each applied filter records the words
that gave it, so the CLI, the API and the UI can show it and the user can switch it off
(`--no-auto-filters`). A filter the user gave explicitly always wins over one read from the
question. A municipality is a filter only when the index holds a report of it; otherwise the
result says that it is not indexed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from corpus.models import SectionKind
from corpus.municipalities import find_in_text, genitive
from corpus.taxonomy import AREAS, fold
from index.records import Filters

_YEAR = r"((?:19|20)\d\d)"
# (pattern, how to turn its groups into (from, to)), most specific first.
_YEAR_FORMS: tuple[tuple[re.Pattern[str], object], ...] = (
    (re.compile(rf"\bmellan\s+(?:åren\s+)?{_YEAR}\s+och\s+{_YEAR}\b", re.IGNORECASE), lambda a, b: (int(a), int(b))),
    (re.compile(rf"\b(?:åren\s+)?{_YEAR}\s*[-–]\s*{_YEAR}\b", re.IGNORECASE), lambda a, b: (int(a), int(b))),
    (re.compile(rf"\b(?:sedan|från|fr\.o\.m\.|since|from)\s+(?:år\s+)?{_YEAR}\b", re.IGNORECASE), lambda a: (int(a), None)),
    (re.compile(rf"\b(?:efter|after)\s+(?:år\s+)?{_YEAR}\b", re.IGNORECASE), lambda a: (int(a) + 1, None)),
    (re.compile(rf"\b(?:före|innan|before)\s+(?:år\s+)?{_YEAR}\b", re.IGNORECASE), lambda a: (None, int(a) - 1)),
    (re.compile(rf"\b(?:till och med|t\.o\.m\.|until)\s+(?:år\s+)?{_YEAR}\b", re.IGNORECASE), lambda a: (None, int(a))),
    (re.compile(rf"\b(?:år\s+|in\s+)?{_YEAR}\b", re.IGNORECASE), lambda a: (int(a), int(a))),
)
_AREA_NUMBER = re.compile(r"\b(?:område|området|area)\s+([1-8])\b", re.IGNORECASE)
_SECTIONS: tuple[tuple[re.Pattern[str], SectionKind], ...] = (
    (re.compile(r"\b(?:styrkor|styrkorna|starka sidor|strengths)\b", re.IGNORECASE), SectionKind.STYRKOR),
    (re.compile(r"\b(?:förbättringsområden\w*|förbättringsmöjligheter\w*|förbättringsförslag\w*|"
                r"utvecklingsområden\w*|svagheter\w*|weaknesses|improvements?)\b", re.IGNORECASE),
     SectionKind.FORBATTRINGSMOJLIGHETER),
)


@dataclass(frozen=True)
class AppliedFilter:
    kind: str  # municipality | year | area | section
    value: str  # as a user would write it for the CLI option: "Västerås", "2014-2017", "2", "styrkor"
    words: str  # the words of the question that gave it

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value, "words": self.words}


@dataclass(frozen=True)
class Understood:
    question: str
    topic: str  # the question without the words that became filters
    filters: Filters
    applied: tuple[AppliedFilter, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. a municipality that is not indexed


def _named_year(text: str, match: re.Match[str]) -> bool:
    """`Vision 2030`, `Agenda 2030`: a year that is part of a name, or one still to come."""
    years = [int(y) for y in match.groups() if y]
    if any(y > date.today().year + 1 for y in years):
        return True
    before = text[:match.start()].split()
    return bool(before) and before[-1][:1].isupper() and match.group(0)[:1].isdigit()


def _cut(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", (text[:start] + " " + text[end:])).strip()


def understand(question: str, given: Filters, indexed: dict[str, str], sections: bool = True) -> Understood:
    """`indexed`: folded municipality key -> name of every municipality with a report."""
    topic = question
    filters = given
    applied: list[AppliedFilter] = []
    notes: list[str] = []

    # Municipalities: the 290 (any form) and every name in the index (fictional ones too).
    named: list[tuple[str, str]] = []  # (folded key, words)
    for place, form in find_in_text(question):
        pattern = r"[\s\-]+".join(re.escape(w) for w in form.split())
        written = re.search(r"(?<!\w)" + pattern + r"(?!\w)", question, re.IGNORECASE)
        named.append((fold(place.name), written.group(0) if written else form))
    for key, name in indexed.items():
        if any(k == key for k, _ in named):
            continue
        for form in {name, genitive(name)}:
            if re.search(r"(?<!\w)" + re.escape(form) + r"(?!\w)", question):
                named.append((key, form))
                break
    if len(named) == 1 and filters.municipality is None:
        key, words = named[0]
        if key in indexed:
            filters = replace(filters, municipality=key)
            applied.append(AppliedFilter("municipality", indexed[key], words))
            topic = _remove_words(topic, words, with_kind=True)
        else:
            notes.append(f"{words} finns inte bland de indexerade rapporterna")
            topic = _remove_words(topic, words, with_kind=True)
    elif len(named) > 1:
        notes.append("flera kommuner nämns; ingen kommun används som filter")

    if filters.year_from is None and filters.year_to is None:
        for pattern, convert in _YEAR_FORMS:
            match = next((m for m in pattern.finditer(topic) if not _named_year(topic, m)), None)
            if match:
                start, end = convert(*match.groups())
                if start and end and start > end:
                    break
                filters = replace(filters, year_from=start, year_to=end)
                value = (f"{start}" if start == end else f"{start or ''}-{end or ''}")
                applied.append(AppliedFilter("year", value, match.group(0).strip()))
                topic = _cut(topic, match.start(), match.end())
                break

    if filters.area is None:
        match = _AREA_NUMBER.search(topic)
        number = int(match.group(1)) if match else None
        if match is None:
            folded = fold(topic)
            for area in AREAS:
                for name in sorted({area.name, *area.names_2010, *area.names_2020}, key=len, reverse=True):
                    if len(name.split()) >= 2 and fold(name) in folded:
                        number = area.number
                        match = re.search(re.escape(name), topic, re.IGNORECASE)
                        break
                if number:
                    break
        if number:
            filters = replace(filters, area=number)
            words = match.group(0) if match else str(number)
            applied.append(AppliedFilter("area", str(number), words))
            if match:
                topic = _cut(topic, match.start(), match.end())

    if sections and filters.section is None:
        for pattern, kind in _SECTIONS:
            match = pattern.search(topic)
            if match:
                filters = replace(filters, section=kind)
                applied.append(AppliedFilter("section", kind.value, match.group(0)))
                break
    topic = re.sub(r"\s+", " ", topic).strip(" ,.;:") or question
    return Understood(question, topic, filters, tuple(applied), tuple(notes))


def _remove_words(text: str, words: str, with_kind: bool) -> str:
    """Drop a municipality's words (and "kommun"/"stad" after them, "i" before them)."""
    pattern = r"(?:\bi\s+)?" + r"[\s\-]+".join(re.escape(w) for w in words.split())
    if with_kind:
        pattern += r"(?:\s+(?:kommun|stad)\b)?"
    return re.sub(pattern, " ", text, count=1, flags=re.IGNORECASE)
