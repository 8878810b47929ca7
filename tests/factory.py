"""Build realistic report files (.docx and PDF) from the sample report, for tests and benchmarks.

The files are laid out the way KommunKompassen reports are: a title page; a running header
with publisher, date and `N (M)` page numbers; headings; a Rubriker | Poäng table per area; the
Styrkor | Förbättringsmöjligheter table as two columns of bullets that runs over a page break
where the original did (an item broken across the break, one word hyphenated); the chapter 2
and chapter 4 score tables. Page N of the generated files holds what page N of the original
held, so a parser must find the same pages in all three formats.

The .docx is what Word saves: body text, a header with PAGE/NUMPAGES fields, tables, and
`w:lastRenderedPageBreak` marks where Word's layout broke pages (how a reader can know pages
in a .docx at all). The PDF is drawn directly with reportlab page by page.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus.models import ListItem, Report
from corpus.parser import parse_file

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "corpus" / "samples" / "enkoping_2016.txt"
TRUTH = HERE / "data" / "enkoping_2016_lists.json"


def true_lists() -> dict[int, tuple[list[ListItem], list[ListItem]]]:
    """The sample's Styrkor / Förbättringsmöjligheter as read by a person."""
    data = json.loads(TRUTH.read_text(encoding="utf-8"))["areas"]
    return {int(area): tuple([ListItem(t, p, e if e != p else None) for t, p, e in lists[kind]]
                             for kind in ("styrkor", "forbattringsmojligheter"))
            for area, lists in data.items()}


def reference_report(municipality: str | None = None) -> Report:
    """The parsed sample with the true lists; optionally renamed (for benchmark copies)."""
    report = parse_file(SAMPLE)
    lists = true_lists()
    for area in report.areas:
        area.styrkor, area.forbattringsmojligheter = lists[area.area]
    if municipality:
        report = replace(report, municipality=municipality, display_name=f"{municipality}s kommun")
    return report


# -- a page-by-page layout model shared by both writers --------------------------------------
@dataclass
class Para:
    text: str
    bold: bool = False
    size: float = 9.0


@dataclass
class Table:
    rows: list[list[str]]
    widths: list[float]  # shares of the text width
    header: bool = True


@dataclass
class Columns:
    """Part of a Styrkor | Förbättringsmöjligheter table on one page. `left`/`right` are item
    texts; a leading '…' marks the rest of an item begun on the previous page."""
    left: list[str]
    right: list[str]
    header: bool


@dataclass
class Page:
    number: int
    blocks: list[object] = field(default_factory=list)


def _split_item(text: str, hyphenate: bool) -> tuple[str, str]:
    """Break an item where a page break falls, two thirds in; with `hyphenate`, inside the
    first long word from there (as the original's "mötesplat-" / "ser")."""
    words = text.split()
    cut = max(1, len(words) * 2 // 3)
    if hyphenate:
        long_word = next((i for i in range(cut, len(words)) if len(words[i]) > 7), None)
        if long_word is not None:
            word = words[long_word]
            half = len(word) // 2
            return (" ".join(words[:long_word] + [word[:half] + "-"]),
                    " ".join([word[half:]] + words[long_word + 1:]))
    return " ".join(words[:cut]), " ".join(words[cut:])


def layout(report: Report) -> list[Page]:
    pages: dict[int, Page] = {}

    def on(number: int) -> Page:
        return pages.setdefault(number, Page(number))

    title_page = on(1)
    title_page.blocks += [Para("KommunKompassen", bold=True, size=28),
                          Para(f"ANALYS AV {report.display_name.upper()}", bold=True, size=16),
                          Para(f"MAJ {report.year}", size=14)]
    people = report.inledning[0].text.split(str(report.year), 1)[-1].strip()
    title_page.blocks.append(Para(people, size=11))
    for span in report.inledning[1:]:
        on(span.page_start).blocks.append(Para(span.text))
        if span.text.endswith("Sammanfattning av resultat"):
            rows = [["", f"Resultat {report.year}"]]
            rows += [[f"{n}. {report.summary_names[n]}", str(s)] for n, s in sorted(report.summary_scores.items())]
            rows.append(["TOTALT", str(report.total_score)])
            on(span.page_start).blocks.append(Table(rows, [0.7, 0.3]))
    for area in report.areas:
        page = on(area.page)
        page.blocks.append(Para(f"Område {area.area} {area.name_in_report}", bold=True, size=12))
        page.blocks.append(Table([["Rubriker", "Poäng"], ["\n".join(area.rubriker), str(area.score)]],
                                 [0.75, 0.25]))
        for heading, spans in (("Allmänt", area.allmant), ("Sammanfattning", area.sammanfattning)):
            on(spans[0].page_start).blocks.append(Para(heading, bold=True, size=10))
            for span in spans:
                on(span.page_start).blocks.append(Para(span.text))
        _columns(area.styrkor, area.forbattringsmojligheter, on)
    for area in report.areas:
        if not area.questions:
            continue
        page = on(area.questions[0].page)
        if not any(isinstance(b, Para) and b.text.startswith("4 Översikt") for b in page.blocks):
            page.blocks.append(Para("4 Översikt av poängfördelning", bold=True, size=12))
            page.blocks.append(Para(f"I nedanstående tabeller visas {report.display_name}s resultat "
                                    "fördelat på delfrågor inom respektive område."))
        rows = [[f"{area.area}. {area.name_in_report}", "Uppnått", "Max", "Procent"]]
        rows += [[f"{q.number} {q.question}", str(q.achieved), str(q.maximum), f"{q.percent}%"]
                 for q in area.questions]
        rows.append(["", str(area.question_total), "100", f"{area.question_total}%"])
        page.blocks.append(Table(rows, [0.64, 0.12, 0.12, 0.12]))
    return [pages[n] for n in sorted(pages)]


def _columns(left: list[ListItem], right: list[ListItem], on) -> None:
    first = min(i.page for i in left + right)
    last = max(i.last_page for i in left + right)
    parts = {p: ([], []) for p in range(first, last + 1)}
    for column, items in ((0, left), (1, right)):
        for item in items:
            if item.last_page > item.page:
                head, tail = _split_item(item.text, hyphenate=column == 0)
                parts[item.page][column].append(head)
                parts[item.last_page][column].append("…" + tail)
            else:
                parts[item.page][column].append(item.text)
    for page in range(first, last + 1):
        on(page).blocks.append(Columns(parts[page][0], parts[page][1], header=page == first))


# -- PDF ------------------------------------------------------------------------------------
def write_pdf(report: Report, path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    width, height = A4
    left_margin, right_margin, top, bottom = 62.0, 62.0, height - 70.0, 60.0
    text_width = width - left_margin - right_margin
    pages = layout(report)
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle(f"KommunKompassen {report.display_name} {report.year}")

    def lines(text: str, size: float, bold: bool, w: float) -> list[str]:
        font = "Helvetica-Bold" if bold else "Helvetica"
        out: list[str] = []
        for part in text.split("\n"):
            out += simpleSplit(part, font, size, w) or [""]
        return out

    for page in pages:
        if page.number > 1:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(left_margin, height - 40, f"{report.publisher} {report.date}")
            canvas.drawRightString(width - right_margin, height - 40, f"{page.number} ({report.page_count})")
        y = top if page.number > 1 else height - 250
        for block in page.blocks:
            if isinstance(block, Para):
                font = "Helvetica-Bold" if block.bold else "Helvetica"
                leading = block.size * 1.25
                if block.bold:
                    y -= 4
                for line in lines(block.text, block.size, block.bold, text_width):
                    canvas.setFont(font, block.size)
                    canvas.drawString(left_margin, y, line)
                    y -= leading
                y -= 4
            elif isinstance(block, Table):
                xs = [left_margin]
                for share in block.widths[:-1]:
                    xs.append(xs[-1] + share * text_width)
                for r, row in enumerate(block.rows):
                    bold = block.header and r == 0
                    cells = [lines(cell, 8.5, bold, share * text_width - 6)
                             for cell, share in zip(row, block.widths)]
                    for c, cell_lines in enumerate(cells):
                        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", 8.5)
                        for k, line in enumerate(cell_lines):
                            canvas.drawString(xs[c] + 2, y - k * 10.5, line)
                    y -= 10.5 * max(len(c) for c in cells) + 3
                y -= 6
            elif isinstance(block, Columns):
                half = text_width / 2
                if block.header:
                    canvas.setFont("Helvetica-Bold", 9)
                    canvas.drawString(left_margin + 2, y, "Styrkor")
                    canvas.drawString(left_margin + half + 4, y, "Förbättringsmöjligheter")
                    y -= 13
                bottoms = []
                for c, items in enumerate((block.left, block.right)):
                    cy = y
                    x = left_margin + 2 + c * (half + 2)
                    canvas.setFont("Helvetica", 8.5)
                    for item in items:
                        text = item[1:] if item.startswith("…") else "• " + item
                        for line in lines(text, 8.5, False, half - 10):
                            canvas.drawString(x, cy, line)
                            cy -= 10.5
                        cy -= 2
                    bottoms.append(cy)
                y = min(bottoms) - 6
            if y < bottom:
                raise ValueError(f"page {page.number} overflows; the layout must keep original pages")
        canvas.showPage()
    canvas.save()
    return path


# -- DOCX ------------------------------------------------------------------------------------
def write_docx(report: Report, path: Path) -> Path:
    from docx import Document as WordDocument
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = WordDocument()
    doc.styles["Normal"].font.size = Pt(9)
    header = doc.sections[0].header.paragraphs[0]
    header.text = f"{report.publisher} {report.date}\t\t"

    def field(paragraph, instruction: str, shown: str) -> None:
        """A field as Word saves it: the instruction and the value it last showed."""
        for kind, text in (("begin", None), ("instr", instruction), ("separate", None),
                           ("shown", shown), ("end", None)):
            if kind == "shown":
                paragraph.add_run(shown)
                continue
            run = paragraph.add_run()
            if kind == "instr":
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = f" {text} "
            else:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            run._r.append(element)

    field(header, "PAGE", "1")
    header.add_run(" (")
    field(header, "NUMPAGES", str(report.page_count))
    header.add_run(")")

    def rendered_break(paragraph) -> None:
        paragraph.add_run()._r.append(OxmlElement("w:lastRenderedPageBreak"))

    pending_break = False
    open_list: tuple[object, list[object]] | None = None  # (table, [left cell, right cell])

    for page in layout(report):
        if page.number > 1:
            pending_break = True
        for block in page.blocks:
            if isinstance(block, Columns) and not block.header and open_list is not None:
                table, cells = open_list
                for cell, items in zip(cells, (block.left, block.right)):
                    for k, item in enumerate(items):
                        if item.startswith("…"):  # the rest of an item: same paragraph, new page
                            paragraph = cell.paragraphs[-1]
                            last = paragraph.runs[-1]
                            # Word stores the word whole; the PDF's hyphen is only layout.
                            joined = last.text.endswith("-")
                            last.text = last.text[:-1] if joined else last.text
                            rendered_break(paragraph)
                            paragraph.add_run(("" if joined else " ") + item[1:])
                            continue
                        paragraph = cell.add_paragraph(style="List Bullet")
                        if k == 0:
                            rendered_break(paragraph)
                        paragraph.add_run(item)
                pending_break = False
                continue
            open_list = None
            if isinstance(block, Para):
                paragraph = doc.add_paragraph()
                if pending_break:
                    rendered_break(paragraph)
                    pending_break = False
                run = paragraph.add_run(block.text)
                run.bold = block.bold
                run.font.size = Pt(block.size)
            elif isinstance(block, Table):
                table = doc.add_table(rows=len(block.rows), cols=len(block.rows[0]))
                for r, row in enumerate(block.rows):
                    for c, text in enumerate(row):
                        cell = table.cell(r, c)
                        paragraph = cell.paragraphs[0]
                        if pending_break and r == 0 and c == 0:
                            rendered_break(paragraph)
                            pending_break = False
                        for k, line in enumerate(text.split("\n")):
                            paragraph = paragraph if k == 0 else cell.add_paragraph()
                            run = paragraph.add_run(line)
                            run.bold = block.header and r == 0
            elif isinstance(block, Columns):
                table = doc.add_table(rows=2, cols=2)
                for c, label in enumerate(("Styrkor", "Förbättringsmöjligheter")):
                    run = table.cell(0, c).paragraphs[0].add_run(label)
                    run.bold = True
                cells = [table.cell(1, 0), table.cell(1, 1)]
                for cell, items in zip(cells, (block.left, block.right)):
                    first = cell.paragraphs[0]
                    for k, item in enumerate(items):
                        paragraph = first if k == 0 else cell.add_paragraph()
                        paragraph.style = doc.styles["List Bullet"]
                        paragraph.add_run(item)
                open_list = (table, cells)
    doc.core_properties.title = f"KommunKompassen {report.display_name} {report.year}"
    doc.save(str(path))
    return path


# -- HTML --------------------------------------------------------------------------------------
def write_html(path: Path) -> Path:
    """The sample transcript as the web page it came from: navigation, a list of other
    documents, the transcript in paragraphs, a script and a footer that are not report text."""
    from html import escape

    raw = SAMPLE.read_text(encoding="utf-8")
    title, _, rest = raw.partition("\n")
    documents, _, transcript = rest.partition("Transkript:")
    items = "".join(f"<li><a href='#'>{escape(line)}</a></li>" for line in documents.splitlines() if line.strip())
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in transcript.split("\n\n") if p.strip())
    path.write_text(
        "<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><script>var s = 'Område 9 i ett skript';</script>"
        "<style>p { margin: 0 }</style></head><body>"
        "<nav><a href='/'>Start</a> | <a href='/sok'>Sök dokument</a></nav>"
        f"<main><h1>{escape(title)}</h1><section><h2>Relevanta dokument</h2><ul>{items}</ul></section>"
        f"<h2>Transkript:</h2><div class='transcript'>{paragraphs}</div></main>"
        "<footer>Dokumentarkivet &amp; co</footer></body></html>", encoding="utf-8")
    return path


def build_all(directory: Path, municipality: str | None = None) -> dict[str, Path]:
    """The sample as transcript, web page, .docx and PDF in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    report = reference_report(municipality)
    stem = (municipality or "enkoping").lower()
    return {"text": SAMPLE, "html": write_html(directory / f"{stem}_2016.html"),
            "docx": write_docx(report, directory / f"{stem}_2016.docx"),
            "pdf": write_pdf(report, directory / f"{stem}_2016.pdf")}


if __name__ == "__main__":
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/kompass-fixtures")
    for kind, file in build_all(out).items():
        print(kind, file)


def mini_transcript(path: Path, name: str = "TESTBY", upto_page: int = 9) -> Path:
    """A short, distinct report: the sample's first pages (areas 1-2) for another municipality."""
    raw = SAMPLE.read_text(encoding="utf-8")
    cut = raw.index(f"2016-09-06 {upto_page} (23)")
    text = raw[:raw.rindex("Sveriges Kommuner", 0, cut)]
    text = text.replace("ENKÖPINGS", f"{name.upper()}S").replace("Enköping", name.capitalize())
    path.write_text(text, encoding="utf-8")
    return path
