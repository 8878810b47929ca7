"""`Report` → `Passage`s: section-aware chunks that never mix two areas or two sections.

Prose is cut at sentence ends into passages of about `TARGET_WORDS` words; a sentence that runs
across a page break keeps both pages. List items are grouped whole. Scores become small
passages of their own so that "vilken poäng fick …" finds them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from .models import AreaResult, ListItem, Passage, Report, SectionKind, Span
from .taxonomy import area_name

TARGET_WORDS = 80
MAX_WORDS = 120
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-ZÅÄÖ0-9])")


def heading_for(report: Report, area: int | None, section: SectionKind) -> str:
    parts = [f"{report.display_name} {report.year or ''}".strip()]
    if area is not None:
        parts.append(f"Område {area} {area_name(area)}")
    parts.append(section.label)
    return " · ".join(parts)


def _sentences(spans: list[Span]) -> list[tuple[str, int, int]]:
    """Sentences of consecutive page pieces, each with its first and last page."""
    text, starts = "", []
    for span in spans:
        if text:
            text += " "
        starts.append((len(text), span.page_start))
        text += span.text

    def page_at(offset: int) -> int:
        page = starts[0][1]
        for start, number in starts:
            if start <= offset:
                page = number
        return page

    result, position = [], 0
    for piece in _SENTENCE_END.split(text):
        begin = text.index(piece, position)
        position = begin + len(piece)
        if piece.strip():
            result.append((piece.strip(), page_at(begin), page_at(position - 1)))
    return result


def chunk_prose(spans: list[Span]) -> list[Span]:
    if not spans:
        return []
    chunks: list[Span] = []
    current: list[tuple[str, int, int]] = []
    words = 0
    for sentence in _sentences(spans):
        n = len(sentence[0].split())
        if current and (words >= TARGET_WORDS or words + n > MAX_WORDS):
            chunks.append(_join(current))
            current, words = [], 0
        current.append(sentence)
        words += n
    if current:
        # A short tail reads better merged into the chunk before it.
        if chunks and words < TARGET_WORDS // 3:
            last = chunks.pop()
            current.insert(0, (last.text, last.page_start, last.page_end))
        chunks.append(_join(current))
    return chunks


def _join(sentences: list[tuple[str, int, int]]) -> Span:
    return Span(" ".join(s for s, _, _ in sentences), sentences[0][1], max(e for _, _, e in sentences))


def chunk_items(items: list[ListItem], max_words: int = 100) -> list[Span]:
    groups: list[list[ListItem]] = []
    words = 0
    for item in items:
        n = len(item.text.split())
        if not groups or words + n > max_words:
            groups.append([])
            words = 0
        groups[-1].append(item)
        words += n
    return [Span("\n".join(f"• {i.text}" for i in g), min(i.page for i in g),
                 max(i.page for i in g)) for g in groups]


def _points(value: int | None, maximum: int | None = None) -> str:
    if value is None:
        return "poäng saknas"
    return f"{value} av {maximum} poäng" if maximum else f"{value} poäng"


def _area_spans(area: AreaResult) -> Iterable[tuple[SectionKind, Span]]:
    name = f"Område {area.area} {area_name(area.area)}"
    if area.name_in_report and area.name_in_report != area_name(area.area):
        name += f" (i rapporten: {area.name_in_report})"
    lines = [f"{name}: {_points(area.score, 100)}."]
    if area.rubriker:
        lines.append("Rubriker: " + "; ".join(area.rubriker) + ".")
    yield SectionKind.POANG, Span(" ".join(lines), area.page, area.page)
    for kind, spans in ((SectionKind.ALLMANT, chunk_prose(area.allmant)),
                        (SectionKind.SAMMANFATTNING, chunk_prose(area.sammanfattning)),
                        (SectionKind.STYRKOR, chunk_items(area.styrkor)),
                        (SectionKind.FORBATTRINGSMOJLIGHETER,
                         chunk_items(area.forbattringsmojligheter))):
        for span in spans:
            yield kind, span
    if area.questions:
        rows = [f"{q.number} {q.question} {_points(q.achieved, q.maximum)}"
                + (f" ({q.percent} %)" if q.percent is not None else "") for q in area.questions]
        if area.question_total is not None:
            rows.append(f"Summa för området: {area.question_total} av 100 poäng")
        pages = [q.page for q in area.questions]
        yield SectionKind.DELFRAGOR, Span("\n".join(rows), min(pages), max(pages))


_UNIT_SPLIT = re.compile(r"\n+|(?<=[.?!])\s+(?=[A-ZÅÄÖ0-9])")


def units(text: str) -> tuple[str, ...]:
    """Sentences, list items or table rows of a passage text, verbatim (bullets dropped)."""
    parts = (p.strip().removeprefix("•").strip() for p in _UNIT_SPLIT.split(text))
    return tuple(p for p in parts if p)


def chunk_report(report: Report) -> list[Passage]:
    pieces: list[tuple[int | None, SectionKind, Span]] = []
    pieces += [(None, SectionKind.INLEDNING, s) for s in chunk_prose(report.inledning[1:])]
    if report.inledning:
        pieces.insert(0, (None, SectionKind.INLEDNING, report.inledning[0]))  # title page
    if report.summary_scores or report.total_score is not None:
        rows = [f"{n}. {report.summary_names.get(n, area_name(n))} {score} poäng"
                for n, score in sorted(report.summary_scores.items())]
        text = (f"Resultat för {report.display_name} {report.year}, per huvudområde: "
                + "; ".join(rows) + f". Totalt {_points(report.total_score, 800)}.")
        page = min((a.page for a in report.areas), default=1)
        summary_page = next((s.page_start for s in report.inledning if "Sammanfattning av resultat" in s.text),
                            page)
        pieces.append((None, SectionKind.RESULTAT, Span(text, summary_page, summary_page)))
    for area in report.areas:
        pieces += [(area.area, kind, span) for kind, span in _area_spans(area)]
    return [
        Passage(report_id=report.report_id, ordinal=i, municipality=report.municipality,
                year=report.year, area=area, section=kind, page_start=span.page_start,
                page_end=span.page_end, heading=heading_for(report, area, kind), text=span.text,
                sentences=units(span.text))
        for i, (area, kind, span) in enumerate(pieces)
    ]
