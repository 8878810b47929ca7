"""An answer with its sources, exported as Markdown or as a Word file (.docx): pure functions.

A source is a `Citation` (assistant/models.py), its `to_dict()`, or any mapping with the same
keys (number, display_name, year, area, area_name, section_label, page, page_end, quote)."""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from corpus.taxonomy import area_name


@dataclass(frozen=True)
class Source:
    number: int
    municipality: str
    year: int | None
    area: str  # "Område 2 Tillgänglighet och brukarorientering", or "" (chapters 1-2)
    section: str  # "Styrkor"
    pages: str  # "s. 8", "s. 8–9", or "" when the file records no pages
    quote: str

    @property
    def label(self) -> str:
        parts = [f"{self.municipality} {self.year or ''}".strip()]
        parts += [p for p in (self.area, self.section, self.pages) if p]
        return ", ".join(parts)


def source_of(item: object, number: int | None = None) -> Source:
    """A `Source` from a Citation, its dict, or a compatible mapping."""
    data: Mapping = item.to_dict() if hasattr(item, "to_dict") else item  # type: ignore[assignment]
    area = data.get("area")
    name = data.get("area_name") or (area_name(int(area)) if area else "")
    page, page_end = data.get("page"), data.get("page_end")
    pages = "" if page is None else (f"s. {page}" if not page_end or page_end == page
                                     else f"s. {page}–{page_end}")
    return Source(number=int(data.get("number") or number or 0),
                  municipality=str(data.get("display_name") or data.get("municipality") or ""),
                  year=data.get("year"), area=f"Område {area} {name}" if area else "",
                  section=str(data.get("section_label") or data.get("section") or ""),
                  pages=pages, quote=" ".join(str(data.get("quote") or "").split()))


def sources_of(items: Iterable[object]) -> list[Source]:
    return [source_of(item, i) for i, item in enumerate(items, 1)]


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_<>#|])", r"\\\1", text)


def answer_markdown(question: str, text: str, citations: Iterable[object], title: str = "Svar från Kompass",
                    when: date | None = None) -> str:
    """The question, the answer as given (its [n] marks kept), and the numbered sources: each
    with municipality, year, area, section, page and the quoted words."""
    sources = sources_of(citations)
    when = when or date.today()
    lines = [f"# {title}", "", f"**Fråga:** {_md_escape(question.strip())}", "",
             "## Svar", ""]
    lines += [_md_escape(line) if line.strip() else "" for line in text.strip().splitlines()]
    lines += ["", "## Källor", ""]
    if not sources:
        lines.append("Inga källor.")
    for s in sources:
        lines.append(f"{s.number}. {_md_escape(s.label)}")
        if s.quote:
            lines.append(f"   > ”{_md_escape(s.quote)}”")
    lines += ["", f"*Exporterat från Kompass {when.isoformat()}. Källa: SKR:s KommunKompassen-rapporter.*", ""]
    return "\n".join(lines)


def answer_docx(question: str, text: str, citations: Iterable[object], title: str = "Svar från Kompass",
                when: date | None = None) -> bytes:
    """The same as `answer_markdown`, as a Word document (python-docx): the bytes of a .docx."""
    from docx import Document
    from docx.shared import Pt

    sources = sources_of(citations)
    when = when or date.today()
    document = Document()
    document.core_properties.title = title
    document.core_properties.language = "sv-SE"
    document.add_heading(title, level=1)
    paragraph = document.add_paragraph()
    paragraph.add_run("Fråga: ").bold = True
    paragraph.add_run(question.strip())
    document.add_heading("Svar", level=2)
    for line in text.strip().splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    document.add_heading("Källor", level=2)
    if not sources:
        document.add_paragraph("Inga källor.")
    for s in sources:
        item = document.add_paragraph()
        item.add_run(f"[{s.number}] ").bold = True
        item.add_run(s.label)
        if s.quote:
            quote = document.add_paragraph(f"”{s.quote}”")
            quote.paragraph_format.left_indent = Pt(18)
            for run in quote.runs:
                run.italic = True
    note = document.add_paragraph(f"Exporterat från Kompass {when.isoformat()}. "
                                  "Källa: SKR:s KommunKompassen-rapporter.")
    for run in note.runs:
        run.font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
