"""Typed values the library API returns: hits, answers, ingest results."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from corpus.models import SECTION_LABELS, QuestionScore, SectionKind
from corpus.taxonomy import area_name
from index.records import StoredPassage


class PlainValue:
    """A value that is its fields: `to_dict` is `dataclasses.asdict`."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Hit:
    passage_id: int
    text: str
    score: float
    report_id: str
    municipality: str
    display_name: str
    year: int | None
    area: int | None
    section: str
    page: int | None  # None: the report's file records no pages (a .docx without page marks)
    page_end: int | None
    heading: str

    @classmethod
    def from_stored(cls, passage: StoredPassage, score: float) -> "Hit":
        return cls(passage_id=passage.id, text=passage.text, score=round(score, 6),
                   report_id=passage.report_id, municipality=passage.municipality,
                   display_name=passage.display_name, year=passage.year, area=passage.area,
                   section=passage.section, page=passage.page_start, page_end=passage.page_end,
                   heading=passage.heading)

    @property
    def area_name(self) -> str | None:
        return area_name(self.area) if self.area else None

    @property
    def section_label(self) -> str:
        return SECTION_LABELS[SectionKind(self.section)]

    def source_label(self, page: int | None = None, page_end: int | None = None) -> str:
        """`Enköpings kommun 2016, Område 2 Tillgänglighet och brukarorientering, Styrkor, s. 8`
        (the passage's pages, or the given ones)."""
        first, last = (page, page_end or page) if page else (self.page, self.page_end)
        return source_label(self.display_name, self.year, self.area, self.section, first, last)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.update(area_name=self.area_name, section_label=self.section_label,
                    pages=page_range(self.page, self.page_end))
        return data


def source_label(display_name: str, year: int | None, area: int | None, section: str,
                 first: int | None, last: int | None) -> str:
    """`Enköpings kommun 2016, Område 2 Tillgänglighet och brukarorientering, Styrkor, s. 8`."""
    parts = [f"{display_name} {year or ''}".strip()]
    if area:
        parts.append(f"Område {area} {area_name(area)}")
    parts.append(SECTION_LABELS[SectionKind(section)])
    if first is not None:  # without pages, area and section are the reference
        last = last or first
        parts.append(f"s. {first}" if first == last else f"s. {first}–{last}")
    return ", ".join(parts)


def page_range(first: int | None, last: int | None) -> list[int]:
    return [] if first is None else list(range(first, (last or first) + 1))


@dataclass(frozen=True)
class Citation:
    """`[number]` in an answer: the quoted unit, its own page(s), and the passage it is from."""

    number: int
    hit: Hit
    quote: str
    page: int | None
    page_end: int | None

    def source_label(self) -> str:
        return self.hit.source_label(self.page, self.page_end)

    def to_dict(self) -> dict[str, object]:
        passage = {k: v for k, v in self.hit.to_dict().items() if k != "score"}
        return {**passage, "number": self.number, "quote": self.quote, "source": self.source_label(),
                "page": self.page, "page_end": self.page_end,
                "pages": page_range(self.page, self.page_end),
                "passage_pages": passage["pages"]}


ANSWER_KINDS = ("fact", "passage", "none")


@dataclass(frozen=True)
class Answer:
    """An answer: `text` with `[n]` marks resolved by `citations`.

    `kind`: "fact" (computed from the score tables and report metadata, assistant/facts.py),
    "passage" (verbatim sentences from passages, assistant/answer.py) or "none" (nothing in the
    index answers the question: `citations` is empty). `groups` names the parts of a broad
    passage answer (strengths, improvements, description) in the order they appear."""

    query: str
    text: str
    citations: list[Citation]
    hits: list[Hit]
    kind: str = "passage"
    confidence: float | None = None
    groups: tuple[str, ...] = ()
    generation: dict[str, object] | None = None  # the optional LLM step (assistant/generate.py)

    def to_dict(self) -> dict[str, object]:
        return {"query": self.query, "answer": self.text, "kind": self.kind,
                "confidence": None if self.confidence is None else round(self.confidence, 4),
                "groups": list(self.groups), "generation": self.generation,
                "citations": [c.to_dict() for c in self.citations],
                "hits": [h.to_dict() for h in self.hits]}


@dataclass
class IngestResult:
    path: str
    report_id: str | None = None
    status: str = "failed"  # new | updated | unchanged | duplicate | removed | failed
    duplicate_of: str | None = None
    passages: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class AreaScore:
    """One of the eight areas of a report: its score (of AREA_MAXIMUM) and where it is stated."""

    area: int
    name: str  # the canonical name (corpus/taxonomy.py)
    name_in_report: str | None
    score: int | None
    page: int | None
    rubriker: list[str] = field(default_factory=list)
    question_total: int | None = None
    questions: list[QuestionScore] = field(default_factory=list)


AREA_MAXIMUM = 100  # each of the eight areas is scored out of 100 points (800 in all)


@dataclass(frozen=True)
class SourceFile:
    """A file a report was read from: `primary`, or a `duplicate` of the same report."""

    path: str
    format: str
    role: str


@dataclass(frozen=True)
class ReportSummary(PlainValue):
    """An indexed report: its metadata, area scores (with sub-questions when asked for) and files."""

    report_id: str
    municipality: str
    display_name: str
    kind: str | None
    year: int | None
    month: int | None
    title: str | None
    evaluators: list[str]
    publisher: str | None
    date: str | None
    page_count: int | None
    total_score: int | None
    source_path: str | None
    source_sha256: str | None
    parser_version: int | None
    warnings: list[str]
    ingested_at: float | None
    areas: list[AreaScore]
    sources: list[SourceFile]


@dataclass(frozen=True)
class PageText(PlainValue):
    """The text of one page of a report as indexed, in reading order: what a source pane shows.
    Each part is one passage (or the part of it on that page), with its id, so that the cited
    one can be marked."""

    report_id: str
    display_name: str
    year: int | None
    page: int
    page_count: int | None
    parts: list[PagePart]


@dataclass(frozen=True)
class PagePart:
    passage_id: int
    heading: str
    section: str
    area: int | None
    text: str


@dataclass(frozen=True)
class ComparisonRow:
    """One area across the compared reports: their scores in order, and the last minus the first."""

    area: int
    name: str
    scores: list[int | None]
    change: int | None


@dataclass(frozen=True)
class Comparison(PlainValue):
    """Reports side by side, area by area (two municipalities, or two years of one)."""

    reports: list[ReportSummary]
    rows: list[ComparisonRow]
    totals: list[int | None]
    total_change: int | None


@dataclass(frozen=True)
class KvalitetskommunRef(PlainValue):
    """The Kvalitetskommun a report compares itself with, where the report says so, and that
    municipality's own report when it is indexed (else its scores exist only in the chart)."""

    name: str
    year: int
    passage_id: int
    page: int | None
    report: ReportSummary | None


@dataclass(frozen=True)
class IndexStatus(PlainValue):
    """What a health check reports: the index's size, model and schema (no model is loaded)."""

    reports: int
    passages: int
    model: str
    schema_version: int
    generation: int
    store: str  # "sqlite" or "postgresql"
