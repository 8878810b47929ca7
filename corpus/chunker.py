"""`Report` → `Passage`s: section-aware chunks that never mix two areas or two sections.

Every passage is built from units, each a `Span` with its own pages: sentences for prose, whole
items for the Styrkor / Förbättringsmöjligheter lists, rows for score tables. Prose is cut at
sentence ends into passages of about `TARGET_WORDS` words (a sentence across a page break keeps
both pages); list items are grouped whole. A citation can then name the page of the very
sentence it quotes, not just the passage's page range.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from .models import AreaResult, ListItem, Passage, Report, SectionKind, Span
from .taxonomy import area_name

TARGET_WORDS = 80
MAX_WORDS = 120
LIST_WORDS = 100
# A sentence ends at . ? ! before a capital, and at a list bullet (`•`, what readers make of
# every list marker): each item of a list in the prose is a unit of its own, without the bullet.
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-ZÅÄÖ0-9])|\s*•\s*")

Chunk = list[Span]  # the units of one passage


def heading_for(report: Report, area: int | None, section: SectionKind) -> str:
    parts = [f"{report.display_name} {report.year or ''}".strip()]
    if area is not None:
        parts.append(f"Område {area} {area_name(area)}")
    parts.append(section.label)
    return " · ".join(parts)


def sentences(spans: list[Span]) -> list[Span]:
    """Sentences of consecutive page pieces, each with its first and last page."""
    result: list[Span] = []
    carry: tuple[str, int, int] | None = None  # a sentence still open at the end of a piece
    for span in spans:
        parts = _SENTENCE_END.split(span.text)
        for i, part in enumerate(parts):
            part = part.strip()
            if carry and (i > 0 or not part):  # the piece starts a new sentence or item
                result.append(Span(*carry))
                carry = None
            if not part:
                continue
            if carry:
                text, first = f"{carry[0]} {part}", carry[1]
                carry = None
            else:
                text, first = part, span.page_start
            if i == len(parts) - 1 and not re.search(r"[.?!]$", text):
                carry = (text, first, span.page_end)
            else:
                result.append(Span(text, first, span.page_end))
    if carry:
        result.append(Span(*carry))
    return result


def _group(units: list[Span], target: int, maximum: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: Chunk = []
    words = 0
    for unit in units:
        n = len(unit.text.split())
        if current and (words >= target or words + n > maximum):
            chunks.append(current)
            current, words = [], 0
        current.append(unit)
        words += n
    if current:
        if chunks and words < target // 3:
            chunks[-1] += current  # a short tail reads better with the chunk before it
        else:
            chunks.append(current)
    return chunks


def chunk_prose(spans: list[Span]) -> list[Chunk]:
    return _group(sentences(spans), TARGET_WORDS, MAX_WORDS) if spans else []


def chunk_items(items: list[ListItem]) -> list[Chunk]:
    return _group([Span(i.text, i.page, i.last_page) for i in items], LIST_WORDS, LIST_WORDS)


def _points(value: int | None, maximum: int | None = None) -> str:
    if value is None:
        return "poäng saknas"
    return f"{value} av {maximum} poäng" if maximum else f"{value} poäng"


def _area_chunks(area: AreaResult) -> Iterable[tuple[SectionKind, Chunk]]:
    name = f"Område {area.area} {area_name(area.area)}"
    if area.name_in_report and area.name_in_report != area_name(area.area):
        name += f" (i rapporten: {area.name_in_report})"
    units = [Span(f"{name}: {_points(area.score, 100)}.", area.page, area.page)]
    if area.rubriker:
        units.append(Span("Rubriker: " + "; ".join(area.rubriker) + ".", area.page, area.page))
    yield SectionKind.POANG, units
    for kind, chunks in ((SectionKind.ALLMANT, chunk_prose(area.allmant)),
                         (SectionKind.SAMMANFATTNING, chunk_prose(area.sammanfattning)),
                         (SectionKind.STYRKOR, chunk_items(area.styrkor)),
                         (SectionKind.FORBATTRINGSMOJLIGHETER, chunk_items(area.forbattringsmojligheter))):
        for chunk in chunks:
            yield kind, chunk
    if area.questions:
        rows = [Span(f"{q.number} {q.question} {_points(q.achieved, q.maximum)}"
                     + (f" ({q.percent} %)" if q.percent is not None else ""), q.page, q.page)
                for q in area.questions]
        if area.question_total is not None:
            last = rows[-1].page_end
            rows.append(Span(f"Summa för området: {area.question_total} av 100 poäng", last, last))
        yield SectionKind.DELFRAGOR, rows


def _resultat(report: Report) -> Chunk:
    rows = [f"{n}. {report.summary_names.get(n, area_name(n))} {score} poäng"
            for n, score in sorted(report.summary_scores.items())]
    page = next((s.page_start for s in report.inledning if "Sammanfattning av resultat" in s.text),
                min((a.page for a in report.areas), default=1))
    return [Span(f"Resultat för {report.display_name} {report.year}, per huvudområde: "
                 + "; ".join(rows) + ".", page, page),
            Span(f"Totalt {_points(report.total_score, 800)}.", page, page)]


def chunk_report(report: Report) -> list[Passage]:
    pieces: list[tuple[int | None, SectionKind, Chunk]] = []
    if report.inledning:
        pieces.append((None, SectionKind.INLEDNING, [report.inledning[0]]))  # title page
        pieces += [(None, SectionKind.INLEDNING, c) for c in chunk_prose(report.inledning[1:])]
    if report.summary_scores or report.total_score is not None:
        pieces.append((None, SectionKind.RESULTAT, _resultat(report)))
    for area in report.areas:
        pieces += [(area.area, kind, chunk) for kind, chunk in _area_chunks(area)]
    pieces += [(None, SectionKind.TEXT, c) for c in chunk_prose(report.unplaced)]
    return [
        Passage(report_id=report.report_id, ordinal=i, municipality=report.municipality,
                year=report.year, area=area, section=kind, heading=heading_for(report, area, kind),
                units=tuple(chunk))
        for i, (area, kind, chunk) in enumerate(pieces)
    ]
