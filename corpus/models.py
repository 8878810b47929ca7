"""Typed values that flow from the reader through the parser to the chunker."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class SectionKind(str, Enum):
    """Kinds of passages. Values are stable: they appear in the CLI contract and the index."""

    INLEDNING = "inledning"  # chapters 1-2: what Kommunkompassen is, how the evaluation was done
    RESULTAT = "resultat"  # the total and per-area score table
    POANG = "poang"  # one area: heading, Rubriker, Poäng
    ALLMANT = "allmant"  # generic text, identical in every report
    SAMMANFATTNING = "sammanfattning"
    STYRKOR = "styrkor"
    FORBATTRINGSMOJLIGHETER = "forbattringsmojligheter"
    DELFRAGOR = "delfragor"  # chapter 4: per-question points
    TEXT = "text"  # anything the parser could not place

    @property
    def label(self) -> str:
        return SECTION_LABELS[self]


SECTION_LABELS: dict[SectionKind, str] = {
    SectionKind.INLEDNING: "Inledning",
    SectionKind.RESULTAT: "Resultat",
    SectionKind.POANG: "Poäng",
    SectionKind.ALLMANT: "Allmänt",
    SectionKind.SAMMANFATTNING: "Sammanfattning",
    SectionKind.STYRKOR: "Styrkor",
    SectionKind.FORBATTRINGSMOJLIGHETER: "Förbättringsmöjligheter",
    SectionKind.DELFRAGOR: "Delfrågor",
    SectionKind.TEXT: "Text",
}


SCORE_SECTIONS = frozenset({SectionKind.POANG, SectionKind.RESULTAT, SectionKind.DELFRAGOR})


@dataclass(frozen=True)
class Span:
    """A piece of report text and the pages it came from (1-based, inclusive)."""

    text: str
    page_start: int
    page_end: int


@dataclass(frozen=True)
class ListItem:
    """One bullet of a Styrkor / Förbättringsmöjligheter list; an item broken by a page break
    starts on `page` and ends on `page_end`."""

    text: str
    page: int
    page_end: int | None = None

    @property
    def last_page(self) -> int:
        return self.page_end or self.page


@dataclass(frozen=True)
class QuestionScore:
    """One row of the chapter 4 table: `1.3 Informeras invånare om resultat? 8 25 30%`."""

    number: str
    question: str
    achieved: int | None
    maximum: int | None
    percent: int | None
    page: int | None  # None once stored from a file that records no pages


@dataclass
class AreaResult:
    """One of the eight main areas of a report, mapped to the canonical taxonomy."""

    area: int  # canonical number (1-8), see corpus.taxonomy
    name_in_report: str
    page: int
    score: int | None = None
    rubriker: list[str] = field(default_factory=list)
    allmant: list[Span] = field(default_factory=list)
    sammanfattning: list[Span] = field(default_factory=list)
    styrkor: list[ListItem] = field(default_factory=list)
    forbattringsmojligheter: list[ListItem] = field(default_factory=list)
    questions: list[QuestionScore] = field(default_factory=list)
    question_total: int | None = None  # the area's row sum in chapter 4, when present


@dataclass
class Report:
    report_id: str
    municipality: str  # "Enköping"
    display_name: str  # "Enköpings kommun", as the title writes it
    kind: str  # "kommun" | "stad" | "region"
    year: int | None
    month: int | None
    title: str
    evaluators: list[str]
    publisher: str | None
    date: str | None  # ISO date from the running header
    page_count: int | None
    areas: list[AreaResult]
    total_score: int | None
    summary_scores: dict[int, int]  # canonical area -> score in the chapter 2 table
    summary_names: dict[int, str]  # canonical area -> its name as that table writes it
    inledning: list[Span]
    unplaced: list[Span]  # text of a file whose structure was not recognised
    source_path: str
    source_sha256: str
    warnings: list[str] = field(default_factory=list)
    # False when the source file records no pages: the page numbers above are all 1 and are
    # not stored; citations name area and section.
    pages_known: bool = True

    def area(self, number: int) -> AreaResult | None:
        return next((a for a in self.areas if a.area == number), None)


@dataclass(frozen=True)
class Passage:
    """The unit of retrieval, built from units (sentences, list items, table rows) that each
    keep their own pages. `heading` is the context prefixed to the text for indexing."""

    report_id: str
    ordinal: int
    municipality: str
    year: int | None
    area: int | None
    section: SectionKind
    heading: str
    units: tuple[Span, ...]

    @property
    def is_list(self) -> bool:
        return self.section in (SectionKind.STYRKOR, SectionKind.FORBATTRINGSMOJLIGHETER)

    @property
    def text(self) -> str:
        if self.is_list:
            return "\n".join(f"• {u.text}" for u in self.units)
        if self.section is SectionKind.DELFRAGOR:
            return "\n".join(u.text for u in self.units)
        return " ".join(u.text for u in self.units)

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(u.text for u in self.units)

    @property
    def page_start(self) -> int:
        return min(u.page_start for u in self.units)

    @property
    def page_end(self) -> int:
        return max(u.page_end for u in self.units)

    @property
    def indexed_text(self) -> str:
        return f"{self.heading}\n{self.text}"

    @property
    def context(self) -> str:
        """The heading without the report's name and year ("Område 2 … · Sammanfattning"):
        what the embedded texts are prefixed with, so that the same text in the same place of
        two reports (the generic Allmänt text, a list item, a standard phrase) is embedded once.
        A question that names a municipality gets it as a filter (assistant/understand.py)."""
        return " · ".join(self.heading.split(" · ")[1:]) or self.section.label

    @property
    def embedded_text(self) -> str:
        """The passage's own vector is made from its full heading (the report's name helps
        a passage stand for its report), except for the generic Allmänt text, which is the same
        in every report and is embedded once."""
        if self.section is SectionKind.ALLMANT:
            return f"{self.context}\n{self.text}"
        return self.indexed_text

    @property
    def sentence_texts_for_index(self) -> list[str]:
        """Units embedded on their own (with the context) besides the whole passage.

        Small units let a precise question find the one sentence that answers it inside an
        80-word passage; scores, the generic Allmänt text and one-sentence passages gain
        nothing from it.
        """
        if self.section in SCORE_SECTIONS or self.section is SectionKind.ALLMANT \
                or len(self.units) < 2:
            return []
        return [f"{self.context}\n{s}" for s in self.sentences]
