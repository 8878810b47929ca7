"""Word (.docx) reports: body text and tables in document order, with the pages Word saw.

A .docx has no pages of its own; Word records where its layout last broke them as
`w:lastRenderedPageBreak` (and hard breaks as `w:br w:type="page"` or "page break before").
Those marks give each paragraph, table row and list item its page, so citations from a .docx
point at the same pages as its PDF. A table's row is on the page it starts on; the page after
it is that plus the most breaks seen in any one of its cells (cells run side by side).
The Styrkor | Förbättringsmöjligheter table is read as two lists, one item per paragraph.

A file with no `w:lastRenderedPageBreak` at all (LibreOffice's DOCX export, generated files)
does not know its pages: the document says so (`pages_known=False`), everything is read in
document order, and citations name the area and section instead of a page. Paragraphs of a
list (numbering on the paragraph or its style) start with `•`, as the PDF reader writes them.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from ..bullets import BULLET, remove_private_use
from ..document import Document, TwoColumnTable
from ..errors import InputError
from ..models import ListItem
from ..pages import PageHeader

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADER = re.compile(r"(?P<publisher>\S.*?)\s+(?P<date>(?:19|20)\d\d-\d\d-\d\d)\s+\d{1,3}\s*\((?P<total>\d{1,3})\)")


def _pieces(element) -> list[str]:
    """Text of a paragraph split at page breaks: one string per page it runs over."""
    pieces = [""]
    fresh_hard_break = False
    properties = element.find(f"{W}pPr")
    if properties is not None and properties.find(f"{W}pageBreakBefore") is not None:
        pieces = ["", ""]
    for node in element.iter():
        tag = node.tag
        if tag == f"{W}t":
            pieces[-1] += node.text or ""
            fresh_hard_break = False
        elif tag == f"{W}tab":
            pieces[-1] += " "
        elif tag == f"{W}br":
            if node.get(f"{W}type") == "page":
                pieces.append("")
                fresh_hard_break = True
            else:
                pieces[-1] += " "
        elif tag == f"{W}lastRenderedPageBreak":
            if not fresh_hard_break:  # Word marks the page after a hard break too
                pieces.append("")
            fresh_hard_break = False
    return pieces


def _clean(text: str) -> str:
    return remove_private_use(re.sub(r"\s+", " ", text)).strip()


def _list_styles(word) -> set[str]:
    """Paragraph styles that number their paragraphs ("List Bullet", "Punktlista" …), also
    through the styles they are based on."""
    result: set[str] = set()
    for style in word.styles:
        base = style
        while base is not None:
            properties = base.element.find(f"{W}pPr")
            if properties is not None and properties.find(f"{W}numPr") is not None:
                result.add(style.style_id)
                break
            base = getattr(base, "base_style", None)
    return result


def _is_list(paragraph, list_styles: set[str]) -> bool:
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        return False
    numbering = properties.find(f"{W}numPr")
    if numbering is not None:
        number = numbering.find(f"{W}numId")
        return number is None or number.get(f"{W}val") != "0"  # numId 0 switches a list off
    style = properties.find(f"{W}pStyle")
    return style is not None and style.get(f"{W}val") in list_styles


class _Pages:
    def __init__(self, list_styles: set[str]) -> None:
        self.number = 1
        self.texts: dict[int, list[str]] = {}
        self.list_styles = list_styles

    def add(self, text: str, page: int | None = None) -> None:
        if _clean(text):
            self.texts.setdefault(page or self.number, []).append(_clean(text))

    def paragraph(self, element) -> None:
        pieces = _pieces(element)
        if _is_list(element, self.list_styles) and _clean("".join(pieces)):
            first = next(i for i, p in enumerate(pieces) if _clean(p) or i == len(pieces) - 1)
            pieces[first] = f"{BULLET} {pieces[first]}"
        for i, piece in enumerate(pieces):
            if i:
                self.number += 1
            self.add(piece)


def _cell_paragraphs(cell, start: int, list_styles: set[str] = frozenset()
                     ) -> tuple[list[tuple[str, int, int]], int]:
    """(text, first page, last page) of each paragraph in a table cell, and the breaks seen;
    `list_styles` given: a list paragraph starts with `•`."""
    page = start
    result = []
    for paragraph in cell.iter(f"{W}p"):
        pieces = _pieces(paragraph)
        first = page + (1 if len(pieces) > 1 and not _clean(pieces[0]) else 0)
        page += len(pieces) - 1
        text = _clean("".join(pieces))  # a page break inside a paragraph is not a space
        if text and list_styles and _is_list(paragraph, list_styles):
            text = f"{BULLET} {text}"
        if text:
            result.append((text, first, page))
    return result, page - start


def read_docx(path: Path, data: bytes, sha256: str) -> Document:
    try:
        from docx import Document as WordDocument
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise InputError("python-docx saknas: kör `pip install python-docx`") from exc
    try:
        word = WordDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{path}: DOCX-filen är skadad och kan inte läsas ({exc})") from None
    except Exception as exc:  # lxml parse errors and the like in a damaged package
        raise InputError(f"{path}: DOCX-filen är skadad och kan inte läsas ({type(exc).__name__})") from None

    pages = _Pages(_list_styles(word))
    tables: list[TwoColumnTable] = []
    body = word.element.body
    pages_known = next(body.iter(f"{W}lastRenderedPageBreak"), None) is not None
    for child in body.iterchildren():
        if child.tag == f"{W}p":
            pages.paragraph(child)
        elif child.tag == f"{W}tbl":
            _table(child, pages, tables)

    header = None
    for section in word.sections:
        text = _clean(" ".join(p.text for p in section.header.paragraphs))
        if match := _HEADER.search(text):
            header = PageHeader(match.group("publisher"), match.group("date"), int(match.group("total")))
            break
    if not any(pages.texts.values()):
        raise InputError(f"{path}: DOCX-filen innehåller ingen text")
    texts = [(n, " ".join(pages.texts.get(n, []))) for n in range(1, pages.number + 1)]
    return Document(path=str(path), sha256=sha256, format="docx", pages=tuple(texts), header=header,
                    tables=tuple(tables), pages_known=pages_known)


def _table(element, pages: _Pages, tables: list[TwoColumnTable]) -> None:
    rows = element.findall(f"{W}tr")
    if not rows:
        return
    first_cells = [_clean(" ".join(t.text or "" for t in c.iter(f"{W}t"))) for c in rows[0].findall(f"{W}tc")]
    two_columns = first_cells[:2] == ["Styrkor", "Förbättringsmöjligheter"]
    left: list[ListItem] = []
    right: list[ListItem] = []
    header_page = pages.number
    for r, row in enumerate(rows):
        start = pages.number
        cells = row.findall(f"{W}tc")
        read = [_cell_paragraphs(cell, start, set() if two_columns else pages.list_styles)
                for cell in cells]
        breaks = max((b for _, b in read), default=0)
        if two_columns and r > 0:
            for column, (paragraphs, _) in zip((left, right), read[:2]):
                column += [ListItem(text, first, last if last != first else None)
                           for text, first, last in paragraphs]
        elif not two_columns or r > 0:
            pages.add(" ".join(text for paragraphs, _ in read for text, _, _ in paragraphs), start)
        pages.number = start + breaks
    if two_columns:
        pages.add("Styrkor " + " ".join(i.text for i in left) + " Förbättringsmöjligheter "
                  + " ".join(i.text for i in right), header_page)
        tables.append(TwoColumnTable(header_page, tuple(left), tuple(right)))
