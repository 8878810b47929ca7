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

Layout repair done here:
- running headers and footers are recognised by position (top/bottom band) and text
  (`Sveriges Kommuner och Landsting 2016-09-06 5 (23)`), removed, and give the page number;
- a word hyphenated at a line end or a page end is joined again (`mötesplat-` + `ser`);
- the Styrkor | Förbättringsmöjligheter table is read by column: the x of the
  "Förbättringsmöjligheter" header splits each line; bullets start items; the table goes on
  over the page break until a heading or a full-width line. Items come out whole, each with
  the page it starts (and ends) on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..document import Document, TwoColumnTable
from ..errors import InputError
from ..models import ListItem
from ..pages import PageHeader, continues_hyphenated

HEADER_BAND = 0.07  # share of the page height at the top (and bottom) where headers live
_HEADER = re.compile(r"^(?P<publisher>.*?)\s*(?P<date>(?:19|20)\d\d-\d\d-\d\d)?\s*(?P<page>\d{1,3})\s*\((?P<total>\d{1,3})\)\s*$")
_FOOTER_PAGE = re.compile(r"^(?:[Ss]ida\s+)?(?P<page>\d{1,3})(?:\s*(?:\(|av|/)\s*(?P<total>\d{1,3})\)?)?$")
_STOP = re.compile(r"^(?:Område\s+\d|\d{1,2}\s+[A-ZÅÄÖ]|[1-8]\.\s.*Uppnått|Styrkor\b)")
_BULLETS = ("•", "", "▪", "–", "-", "◦", "·")


@dataclass
class Segment:
    text: str
    left: float
    right: float
    top: float
    bottom: float


@dataclass
class Line:
    segments: list[Segment]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in sorted(self.segments, key=lambda s: s.left))

    @property
    def top(self) -> float:
        return max(s.top for s in self.segments)


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph or cell → text; a word hyphenated at a line end is joined."""
    text = ""
    for line in (l.strip() for l in lines):
        if not line:
            continue
        if text and continues_hyphenated(text, line):
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text


def _segments(textpage) -> list[Segment]:
    result = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        # PDFium reports a hyphen that ends a line as \x02.
        text = text.replace("\x02", "-").replace("\r", " ").replace("\n", " ").strip()
        if text:
            result.append(Segment(text, left, right, top, bottom))
    return result


def _lines(segments: list[Segment]) -> list[Line]:
    lines: list[Line] = []
    for segment in sorted(segments, key=lambda s: (-s.top, s.left)):
        if lines and abs(lines[-1].top - segment.top) < 2.5:
            lines[-1].segments.append(segment)
        else:
            lines.append(Line([segment]))
    return lines


class _Columns:
    """A two-column table being read, possibly over several pages."""

    def __init__(self, page: int, split: float):
        self.page = page
        self.split = split
        self.left: list[ListItem] = []
        self.right: list[ListItem] = []

    def fits(self, line: Line) -> bool:
        return all(s.right <= self.split + 4 or s.left >= self.split - 4 for s in line.segments)

    def add(self, line: Line, page: int) -> None:
        for segment in sorted(line.segments, key=lambda s: s.left):
            column = self.left if segment.left < self.split - 4 else self.right
            text = segment.text
            if text.startswith(_BULLETS) and (len(text) < 2 or text[1] == " "):
                column.append(ListItem(text[1:].strip(), page))
            elif column:
                last = column[-1]
                joined = join_lines([last.text, text])
                column[-1] = ListItem(joined, last.page, page if page != last.page else last.page_end)
            else:
                column.append(ListItem(text, page))

    def table(self) -> TwoColumnTable:
        return TwoColumnTable(self.page, tuple(self.left), tuple(self.right))


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
        return _read(path, pdf, sha256)
    finally:
        pdf.close()


def _read(path: Path, pdf, sha256: str) -> Document:
    pages: list[tuple[int, str]] = []
    tables: list[TwoColumnTable] = []
    header: PageHeader | None = None
    open_table: _Columns | None = None
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
        number = index + 1
        lines = _lines(segments)
        body: list[Line] = []
        for line in lines:
            in_band = line.top > height * (1 - HEADER_BAND) or \
                max(s.bottom for s in line.segments) < height * HEADER_BAND
            match = _HEADER.match(line.text) if in_band else None
            if match:
                number = int(match.group("page"))
                if match.group("date") and header is None:
                    header = PageHeader(match.group("publisher").strip(), match.group("date"),
                                        int(match.group("total")))
            elif in_band and (footer := _FOOTER_PAGE.match(line.text)):
                number = int(footer.group("page"))
            else:
                body.append(line)

        kept: list[str] = []
        for line in body:
            text = line.text
            if open_table is not None:
                if _STOP.match(text) or not open_table.fits(line):
                    tables.append(open_table.table())
                    open_table = None
                else:
                    open_table.add(line, number)
                    continue
            labels = {s.text.strip() for s in line.segments}
            if "Styrkor" in labels and "Förbättringsmöjligheter" in labels:
                split = min(s.left for s in line.segments if s.text.strip() == "Förbättringsmöjligheter")
                open_table = _Columns(number, split)
                kept.append("Styrkor Förbättringsmöjligheter")
                continue
            kept.append(text)
        pages.append((number, join_lines(kept)))
    if open_table is not None:
        tables.append(open_table.table())
    if characters == 0:
        raise InputError(f"{path}: PDF-filen har inget textlager (skannad?); kör OCR på den först")
    # The parser places list items by the table; the page text keeps the section markers and
    # the items in reading order so that search text and sections line up.
    pages = _with_items(pages, tables)
    return Document(path=str(path), sha256=sha256, format="pdf", pages=tuple(pages), header=header,
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
