"""Precedent wording: how earlier reports worded a finding, sentence by sentence, verbatim.

An evaluator writing a new report asks "hur har man formulerat att servicedeklarationer
saknas?" and wants sentences to paste, not passages to read. Every unit (sentence or list
item) in scope is scored against the topic: its embedding similarity plus its share of the
topic's words (compounds included, see examples.Units.coverage). Units that say the same
thing in (nearly) the same words — the standard phrasings evaluators reuse — are folded into
one entry that lists every report, year, area, section and page that used them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from corpus.models import SECTION_LABELS, SectionKind
from corpus.taxonomy import area_name

from .lexical_query import analyse
from .models import source_label

COVERAGE_WEIGHT = 0.15
CANDIDATES = 60
NEAR_DUPLICATE = 0.6  # share of words two units have in common (Jaccard) to count as one wording
MIN_WORDS = 4
# What a wording question says about itself, not about its topic.
_META = re.compile(
    r"^\s*(?:hur\s+(?:har\s+(?:man|de|rapporterna|utvärderarna)\s+)?(?:skrivs|skrev|skrivit|formuleras|"
    r"formulerats|formulerat|uttrycks|uttryckt|beskrivs|beskrivit)\s*(?:det\s+)?(?:när|att|om)?|"
    r"(?:ge\s+mig\s+|visa\s+)?(?:exempel\s+på\s+)?(?:formuleringar|formulering|skrivningar|skrivning|"
    r"wording|phrasing)\w*\s*(?:för|om|kring|av|när|där|att|on|about|for)?|"
    r"how\s+(?:is|was|do|did)\s+\w+\s+(?:worded|phrased|written)\s*(?:that|about)?)\s*", re.IGNORECASE)
SKIPPED_SECTIONS = frozenset({SectionKind.ALLMANT.value, SectionKind.POANG.value,
                              SectionKind.RESULTAT.value, SectionKind.DELFRAGOR.value,
                              SectionKind.INLEDNING.value})


def wording_topic(question: str, drop: tuple[str, ...] = ()) -> str:
    """"Hur har man formulerat att servicedeklarationer saknas?" → "servicedeklarationer saknas";
    `drop`: words that became filters ("förbättringsmöjligheter")."""
    topic = question
    for words in drop:
        topic = re.sub(r"(?<!\w)" + re.escape(words) + r"(?!\w)\s*(?:om|kring|för|när det gäller)?", " ",
                       topic, count=1, flags=re.IGNORECASE)
    topic = _META.sub("", re.sub(r"\s+", " ", topic), count=1).strip(" ?.!")
    return topic or question.strip(" ?.!")


@dataclass(frozen=True)
class Use:
    """One place a wording was used."""

    passage_id: int
    report_id: str
    municipality: str
    display_name: str
    year: int | None
    area: int | None
    section: str
    page: int | None
    page_end: int | None

    def source_label(self) -> str:
        return source_label(self.display_name, self.year, self.area, self.section, self.page, self.page_end)

    def to_dict(self) -> dict[str, object]:
        return {"passage_id": self.passage_id, "report_id": self.report_id, "municipality": self.municipality,
                "display_name": self.display_name, "year": self.year, "area": self.area,
                "area_name": area_name(self.area) if self.area else None, "section": self.section,
                "section_label": SECTION_LABELS[SectionKind(self.section)], "page": self.page,
                "page_end": self.page_end, "source": self.source_label()}


@dataclass
class WordingEntry:
    text: str  # verbatim, as the first (best-matching) report wrote it
    score: float
    uses: list[Use] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # other near-identical wordings folded in

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "score": round(self.score, 4), "reports": len({u.report_id for u in self.uses}),
                "uses": [u.to_dict() for u in self.uses], "variants": self.variants}


@dataclass
class WordingResult:
    query: str
    topic: str
    applied: list
    notes: list[str]
    entries: list[WordingEntry]

    @property
    def message(self) -> str:
        if not self.entries:
            return "Inga formuleringar i de indexerade rapporterna matchar."
        return f"{len(self.entries)} formuleringar, bäst matchande först."

    def to_dict(self) -> dict[str, object]:
        return {"query": self.query, "topic": self.topic,
                "filters_applied": [a.to_dict() for a in self.applied], "notes": self.notes,
                "message": self.message, "entries": [e.to_dict() for e in self.entries]}


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def find_wording(units, vector: np.ndarray, topic: str, store, allowed: np.ndarray | None,
                 section: str | None, top: int) -> list[WordingEntry]:
    """The best `top` wordings among `units` (examples.Units) for the topic."""
    lexical = analyse(topic, store)
    score = units.vectors @ vector + COVERAGE_WEIGHT * units.coverage(lexical)
    mask = np.array([s not in SKIPPED_SECTIONS and (section is None or s == section)
                     for s in units.section], dtype=bool)
    mask &= np.array([len(t.split()) >= MIN_WORDS for t in units.text], dtype=bool)
    if allowed is not None:
        mask &= np.isin(units.passage, allowed)
    candidates = np.flatnonzero(mask)
    if not len(candidates):
        return []
    best = candidates[np.argsort(-score[candidates])][:CANDIDATES * 3]
    entries: list[WordingEntry] = []
    by_key: dict[str, int] = {}
    for i in best:
        i = int(i)
        report_id = units.report_names[units.report[i]]
        municipality, display_name, year = units.report_meta[report_id]
        page, page_end = units.pages[i]
        use = Use(int(units.passage[i]), report_id, municipality, display_name, year, int(units.area_number[i]) or None,
                  units.section[i], page, page_end)
        text = units.text[i]
        key = _key(text)
        index = by_key.get(key)
        if index is None:
            words = set(key.split())
            for j, entry in enumerate(entries):
                other = set(_key(entry.text).split())
                if len(words & other) / len(words | other) >= NEAR_DUPLICATE:
                    index = j
                    break
        if index is None:
            if len(entries) >= top:
                continue
            by_key[key] = len(entries)
            entries.append(WordingEntry(text, float(score[i]), [use]))
            continue
        entry = entries[index]
        by_key.setdefault(key, index)
        if use not in entry.uses:
            entry.uses.append(use)
        if key != _key(entry.text) and text not in entry.variants:
            entry.variants.append(text)
    return entries
