"""Lay out a generated report on A4 pages once, then write it as a transcript and as a PDF.

Both outputs come from the same pages, so a passage cites the same page in either. Lines are
wrapped by a character budget that fits Helvetica at the drawn size, so the transcript needs no
font metrics; the PDF needs reportlab (the `test` extra).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

LINES_PER_PAGE = 58
CHARS_PER_LINE = 92  # body text at 9 pt across 471 pt
CHARS_PER_COLUMN = 44  # one column of the Styrkor | Förbättringsmöjligheter table


@dataclass
class Para:
    text: str
    heading: bool = False  # bold, with space before


@dataclass
class Rows:
    """A table: each row is its cells; the first cell takes the width that is left."""

    rows: list[list[str]]


@dataclass
class Columns:
    left: list[str]
    right: list[str]


@dataclass
class Page:
    number: int
    blocks: list[object] = field(default_factory=list)
    used: int = 0


@dataclass
class Document:
    title_lines: list[str]  # page 1
    blocks: list[object]  # pages 2 …, flowed
    publisher: str
    date: str
    pdf_title: str


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def _height(block: object) -> int:
    if isinstance(block, Para):
        return len(_wrap(block.text, CHARS_PER_LINE)) + (2 if block.heading else 1)
    if isinstance(block, Rows):
        return sum(len(_wrap(row[0], CHARS_PER_LINE - 8 * (len(row) - 1))) for row in block.rows) + 1
    if isinstance(block, Columns):
        def column(items: list[str]) -> int:
            return sum(len(_wrap(i, CHARS_PER_COLUMN)) for i in items)
        return max(column(block.left), column(block.right)) + 2
    raise TypeError(block)


def paginate(document: Document) -> list[Page]:
    """Flow the blocks onto pages. A paragraph may break across pages (as in real reports, the
    running header then interrupts a sentence); a table and the two-column lists are kept on
    one page."""
    pages = [Page(1, [Para(line) for line in document.title_lines], LINES_PER_PAGE)]
    page = Page(2)
    pages.append(page)
    for block in document.blocks:
        if block == "pagebreak":
            if page.blocks:
                page = Page(page.number + 1)
                pages.append(page)
            continue
        height = _height(block)
        room = LINES_PER_PAGE - page.used
        if height > room and isinstance(block, Para) and not block.heading and room >= 3:
            lines = _wrap(block.text, CHARS_PER_LINE)
            head = " ".join(lines[:room - 1])
            page.blocks.append(Para(head))
            page = Page(page.number + 1)
            pages.append(page)
            block = Para(block.text[len(head):].strip())
            height = _height(block)
        elif height > room and page.blocks:
            page = Page(page.number + 1)
            pages.append(page)
        page.blocks.append(block)
        page.used += height
    return pages


def _block_text(block: object) -> str:
    if isinstance(block, Para):
        return block.text
    if isinstance(block, Rows):
        return " ".join(" ".join(row) for row in block.rows)
    if isinstance(block, Columns):
        # What text extraction gives for the table: the left column, then the right one.
        return " ".join(["Styrkor", *block.left, "Förbättringsmöjligheter", *block.right])
    raise TypeError(block)


def transcript(document: Document, pages: list[Page], page_title: str) -> str:
    """The report as the web archive's transcript: a title line, an empty document list, then
    each page on a line of its own behind its running header."""
    out = [page_title, "", "Relevanta dokument", "", "Transkript:", ""]
    total = len(pages)
    for page in pages:
        body = " ".join(_block_text(b) for b in page.blocks if _block_text(b))
        if page.number > 1:
            body = f"{document.publisher} {document.date} {page.number} ({total}) {body}"
        out += [body, ""]
    return "\n".join(out)


def write_pdf(document: Document, pages: list[Page], path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    width, height = A4
    left, right, top = 62.0, 62.0, height - 70.0
    text_width = width - left - right
    leading = 11.25
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle(document.pdf_title)
    total = len(pages)
    for page in pages:
        y = top
        if page.number > 1:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(left, height - 40, f"{document.publisher} {document.date}")
            canvas.drawRightString(width - right, height - 40, f"{page.number} ({total})")
        else:
            y = height - 200
        for block in page.blocks:
            if isinstance(block, Para):
                if block.heading:
                    y -= leading
                canvas.setFont("Helvetica-Bold" if block.heading or page.number == 1 else "Helvetica",
                               9 if page.number > 1 else 14)
                for line in _wrap(block.text, CHARS_PER_LINE if page.number > 1 else 60):
                    canvas.drawString(left, y, line)
                    y -= leading if page.number > 1 else 20
                y -= 3
            elif isinstance(block, Rows):
                canvas.setFont("Helvetica", 9)
                cells = len(block.rows[0])
                xs = [left + text_width - 48 * (cells - 1 - i) for i in range(1, cells)]
                for row in block.rows:
                    lines = _wrap(row[0], CHARS_PER_LINE - 8 * (cells - 1))
                    for k, line in enumerate(lines):
                        canvas.drawString(left, y - k * leading, line)
                    for x, cell in zip(xs, row[1:]):
                        canvas.drawRightString(x + 40, y, cell)
                    y -= leading * len(lines)
                y -= leading
            elif isinstance(block, Columns):
                half = text_width / 2
                canvas.setFont("Helvetica-Bold", 9)
                canvas.drawString(left + 2, y, "Styrkor")
                canvas.drawString(left + half + 4, y, "Förbättringsmöjligheter")
                y -= leading + 2
                bottoms = []
                canvas.setFont("Helvetica", 8.5)
                for c, items in enumerate((block.left, block.right)):
                    cy = y
                    for item in items:
                        for k, line in enumerate(_wrap(item, CHARS_PER_COLUMN)):
                            canvas.drawString(left + 2 + c * (half + 2), cy, ("• " if k == 0 else "  ") + line)
                            cy -= 10.5
                        cy -= 2
                    bottoms.append(cy)
                y = min(bottoms) - leading
        canvas.showPage()
    canvas.save()
    return path
