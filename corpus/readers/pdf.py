"""PDF reports (as Word makes them): text with positions → page texts and two-column tables.

Extractor: pypdfium2 (PDFium; Apache-2.0/BSD-3). Compared on the generated 21-page report
(tests/factory.py; 2 cores, median of 5 runs):

| extractor | what | time | pages/s |
|---|---|---|---|
| pypdfium2 5.15 | text segments with boxes (`get_rect` + `get_text_bounded`) | 49 ms | ~430 |
| pdfplumber 0.11 (pdfminer.six) | `extract_words()` | 1,365 ms | ~15 |
| pdfplumber 0.11 | `extract_text_lines()` | 1,472 ms | ~14 |

Both give the positions the layout problems need (headers by their place on the page, the two
columns by x); pdfplumber is ~28× slower and could not reach the 50 pages/s parsing target.
PyMuPDF is AGPL and out.

Layout repair (corpus/readers/pdf_layout.py, corpus/furniture.py):
- running headers and footers are found by repetition in the top and bottom bands of the pages
  (corpus.furniture), removed wherever they fall, and give the page number;
- lines are grouped by baseline, with a tolerance that follows the font size;
- table rows keep each cell whole over its lines (a wrapped question text, a Rubriker list);
- list markers of every kind (Word's Symbol U+F0B7, Wingdings, •, ◦, ▪, –, o) become `•`;
- a word hyphenated at a line end or a page end is joined again (`mötesplat-` + `ser`);
- the Styrkor | Förbättringsmöjligheter table is read by column, over page breaks; items come
  out whole, each with the page it starts (and ends) on.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from pathlib import Path

from ..document import Document, TwoColumnTable
from ..errors import InputError
from ..furniture import find_furniture
from ..pages import PageHeader
from .pdf_layout import Columns, Line, Row, Segment, join_lines, lines, segment

_HEADER = re.compile(r"(?P<publisher>[A-ZÅÄÖ][^\d]*?)\s*(?P<date>(?:19|20)\d\d-\d\d-\d\d)\s*(?P<page>\d{1,3})"
                     r"\s*\(\s*(?P<total>\d{1,3})\s*\)")


def _segments(textpage) -> list[Segment]:
    import pypdfium2.raw as raw

    x, y = ctypes.c_double(), ctypes.c_double()
    name, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    result = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        # PDFium reports a hyphen that ends a line as \x02.
        text = text.replace("\x02", "-").replace("\r", " ").replace("\n", " ")
        # The baseline and font size of the run's first glyph: runs of one line share the
        # baseline whatever their glyphs' heights.
        index = raw.FPDFText_GetCharIndexAtPos(textpage.raw, left + 0.5, (top + bottom) / 2, 2.0, 4.0)
        baseline, size, font = bottom, top - bottom, ""
        if index >= 0 and raw.FPDFText_GetCharOrigin(textpage.raw, index, x, y):
            baseline = y.value
            size = max(raw.FPDFText_GetFontSize(textpage.raw, index), size * 0.8)
            length = raw.FPDFText_GetFontInfo(textpage.raw, index, name, len(name), flags)
            font = name.raw[:max(length - 1, 0)].decode("latin-1")
        found = segment(text, left, right, baseline, size, font)
        if found is not None:
            result.append(found)
    return result


@dataclass
class _Page:
    index: int
    height: float
    lines: list[Line]


def read_pdf(path: Path, data: bytes, sha256: str) -> Document:
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise InputError("pypdfium2 saknas: kör `pip install pypdfium2`") from exc
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise InputError(f"{path}: PDF-filen är lösenordsskyddad; spara en kopia utan lösenord") from None
        raise InputError(f"{path}: PDF-filen är skadad och kan inte läsas ({exc})") from None
    try:
        pages, characters = _extract(pdf)
    finally:
        pdf.close()
    if characters == 0:
        raise InputError(f"{path}: PDF-filen har inget textlager (skannad?); kör OCR på den först")
    return _layout(path, pages, sha256)


def _extract(pdf) -> tuple[list[_Page], int]:
    pages: list[_Page] = []
    characters = 0
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        try:
            _, height = page.get_size()
            characters += textpage.count_chars()
            segments = _segments(textpage)
        finally:
            textpage.close()
            page.close()
        pages.append(_Page(index, height, lines(segments)))
    return pages, characters


def _layout(path: Path, pages: list[_Page], sha256: str) -> Document:
    furniture = find_furniture([(p.lines, p.height) for p in pages])
    texts: list[tuple[int, list[Row | str]]] = []
    tables: list[TwoColumnTable] = []
    header: PageHeader | None = None
    open_table: Columns | None = None
    row: Row | None = None
    for page in pages:
        number = page.index + 1
        body: list[Line] = []
        running: list[str] = []
        for line in page.lines:
            if furniture.is_furniture(line, page.height):
                number = furniture.page_number(line) or number
                running.append(line.text)
            else:
                body.append(line)
        # "publisher date N (M)", also when the header wrapped onto two lines.
        match = _HEADER.search(join_lines(running)) if header is None else None
        if match:
            header = PageHeader(match.group("publisher").strip(), match.group("date"),
                                int(match.group("total")))
        kept: list[Row | str] = []
        new_page = True
        for line in body:
            if open_table is not None:
                if not open_table.ends_before(line):
                    open_table.add(line, number)
                    continue
                tables.append(TwoColumnTable(open_table.page, *open_table.items()))
                open_table = None
            split = Columns.opens(line)
            if split is not None:
                open_table = Columns(number, split)
                kept.append("Styrkor Förbättringsmöjligheter")
                row = None
                continue
            if row is not None and row.take(line, new_page):
                new_page = False
                continue
            new_page = False
            row = Row(line)
            kept.append(row)
        texts.append((number, kept))
    if open_table is not None:
        tables.append(TwoColumnTable(open_table.page, *open_table.items()))
    result = [(n, join_lines([k if isinstance(k, str) else k.text for k in kept])) for n, kept in texts]
    # The parser places list items by the table; the page text keeps the section markers and
    # the items in reading order so that search text and sections line up.
    result = _with_items(result, tables)
    return Document(path=str(path), sha256=sha256, format="pdf", pages=tuple(result), header=header,
                    tables=tuple(tables))


def _with_items(pages: list[tuple[int, str]], tables: list[TwoColumnTable]) -> list[tuple[int, str]]:
    """Put each table's items into the page text after its header, left column first."""
    texts = dict(pages)
    for table in tables:
        left = " ".join(i.text for i in table.left)
        right = " ".join(i.text for i in table.right)
        texts[table.page] = texts[table.page].replace(
            "Styrkor Förbättringsmöjligheter", f"Styrkor {left} Förbättringsmöjligheter {right}", 1)
    return [(n, texts[n]) for n, _ in pages]
