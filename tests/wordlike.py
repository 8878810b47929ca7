"""Report files made the way real ones are: a .docx with Word's own structures, and the PDF
LibreOffice makes of it.

tests/factory.py draws its PDF directly and writes the page marks Word would; this module does
neither. It writes the sample report as a person would in Word (python-docx, Word's default
template): a header and a footer with PAGE / NUMPAGES fields, Heading styles, Rubriker as a
bullet list (Word's Symbol bullet, U+F0B7) in a table cell, the Styrkor | Förbättringsmöjligheter
table with one bullet paragraph per item, Tabell 1 with a bar chart picture under it, bullet
lists in the prose, and the chapter 4 question tables in a narrow column so long questions wrap.
It records no `w:lastRenderedPageBreak` (LibreOffice's own DOCX export writes none either).
LibreOffice then lays it out and exports the PDF: where pages break, how bullets are set and
where the running text lands is LibreOffice's doing, not ours.

`assess()` compares what Kompass reads from such a file with the truth (items whole / merged /
split / lost / junk, Rubriker, question texts, page furniture in passages). `python
tests/wordlike.py [DIR]` builds the files and prints those figures for every format.
"""
from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus.models import Report  # noqa: E402
from factory import reference_report, true_lists  # noqa: E402

# Running text each layout puts on the page. `{PAGE}` and `{NUMPAGES}` become Word fields; a
# leading ">" aligns the paragraph right.
LAYOUTS: dict[str, dict[str, str | bool]] = {
    # header: publisher left, page number right; footer: report name; no header on the title page
    "sidhuvud": {"header": "Sveriges Kommuner och Landsting\t\t{PAGE}",
                 "footer": "\tKommunKompassen – Enköpings kommun 2016\t", "first_page": True},
    # header top right with date and "N (M)"; centred footer
    "datumhuvud": {"header": ">Sveriges Kommuner och Landsting 2016-09-06 {PAGE} ({NUMPAGES})",
                   "footer": "\tKommunKompassen Enköpings kommun 2016\t", "first_page": False},
    # footer only
    "sidfot": {"header": "", "footer": "KommunKompassen Enköping 2016\t\tSida {PAGE} av {NUMPAGES}",
               "first_page": False},
}
# Page furniture of every layout, as it could leak into text (never in the report's prose).
FURNITURE = re.compile(r"KommunKompassen\s*[–-]\s*Enköpings kommun|Landsting\s+\d{1,2}\b|"
                       r"2016-09-06\s+\d|KommunKompassen Enköpings kommun 2016|"
                       r"KommunKompassen Enköping 2016|Sida \d+ av \d+")
# Run-in lists in the sample's prose that a Word author writes as bullet lists.
PROSE_LISTS = {
    "samspelet mellan:": ["Det politiska systemet", "Kommunernas förmedling av tjänster",
                          "Kommunen som arbetsplats", "Utvecklingen av lokalsamhället"],
    "tre källor:": ["Intervjuer", "Officiella dokument", "Kommunens webbsida"],
}
INTRO_HEADINGS = (("1 Vad är Kommunkompassen?", 1), ("2 Enköpings kommun: En sammanfattande genomgång", 1),
                  ("Utvärderingen", 2), ("Sammanfattning av resultat", 2), ("Jämförelser", 2))


# -- the chart picture -------------------------------------------------------------------------
def bar_chart_png(values: list[int], compare: list[int], width: int = 480, height: int = 200) -> bytes:
    """A plain bar chart as a PNG, written by hand (two bars per area, no text in it)."""
    pixels = [[255] * (width * 3) for _ in range(height)]
    slot = width // len(values)
    for i, (a, b) in enumerate(zip(values, compare)):
        for k, (value, colour) in enumerate(((a, (31, 78, 121)), (b, (200, 120, 40)))):
            x0 = i * slot + 6 + k * (slot // 2 - 3)
            top = height - int(value / 100 * (height - 10))
            for y in range(top, height):
                for x in range(x0, x0 + slot // 2 - 8):
                    pixels[y][3 * x:3 * x + 3] = colour
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# -- the .docx -----------------------------------------------------------------------------------
def _fields(paragraph, text: str, numpages: int) -> None:
    """`text` with {PAGE}/{NUMPAGES} as Word fields (w:fldSimple, with the value last shown)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if text.startswith(">"):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        text = text[1:]
    for part in re.split(r"(\{PAGE\}|\{NUMPAGES\})", text):
        if part in ("{PAGE}", "{NUMPAGES}"):
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {part[1:-1]} \\* MERGEFORMAT ")
            run = OxmlElement("w:r")
            shown = OxmlElement("w:t")
            shown.text = "1" if part == "{PAGE}" else str(numpages)
            run.append(shown)
            simple.append(run)
            paragraph._p.append(simple)
        elif part:
            for k, piece in enumerate(part.split("\t")):
                if k:
                    paragraph.add_run().add_tab()
                if piece:
                    paragraph.add_run(piece)


def _prose(doc, text: str, lists: bool = True) -> None:
    """Paragraphs of at most four sentences; the run-in lists of PROSE_LISTS as bullet lists."""
    for lead, items in PROSE_LISTS.items():
        if lists and lead in text:
            before, after = text.split(lead, 1)
            run_in = " ".join(items)
            assert after.lstrip().startswith(run_in), (lead, after[:80])
            _prose(doc, before + lead, lists=False)
            for item in items:
                doc.add_paragraph(item, style="List Bullet")
            _prose(doc, after.lstrip()[len(run_in):])
            return
    sentences = re.split(r"(?<=[.?!])\s+(?=[A-ZÅÄÖ])", text.strip())
    for i in range(0, len(sentences), 4):
        if " ".join(sentences[i:i + 4]).strip():
            doc.add_paragraph(" ".join(sentences[i:i + 4]))


def _intro(doc, text: str) -> None:
    """Prose of chapters 1-2 with its headings as Heading paragraphs."""
    pattern = "|".join(re.escape(h) for h, _ in INTRO_HEADINGS)
    levels = dict(INTRO_HEADINGS)
    position = 0
    done: set[str] = set()
    for match in re.finditer(pattern, text):
        if match.group(0) in done:  # "Utvärderingen Utvärderingen av …": heading, then text
            continue
        done.add(match.group(0))
        _prose(doc, text[position:match.start()])
        doc.add_heading(match.group(0), levels[match.group(0)])
        position = match.end()
    _prose(doc, text[position:])


def _table(doc, rows: list[list[str | list[str]]], widths_cm: list[float], bold_header: bool = True):
    """A bordered table; a cell given as a list holds one bullet paragraph per entry."""
    from docx.shared import Cm

    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)  # the grid LibreOffice lays out by
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.width = Cm(widths_cm[c])
            if isinstance(value, list):
                for k, item in enumerate(value):
                    paragraph = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                    paragraph.style = doc.styles["List Bullet"]
                    paragraph.add_run(item)
            else:
                run = cell.paragraphs[0].add_run(value)
                run.bold = bold_header and r == 0
    return table


def write_docx(report: Report, path: Path, layout: str = "sidhuvud", title_break: bool = True) -> Path:
    """`title_break`: a hard page break after the title page (without one, nothing in the file
    says where the title page ends)."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    spec = LAYOUTS[layout]
    doc = WordDocument()
    doc.styles["Normal"].font.size = Pt(10)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.different_first_page_header_footer = bool(spec["first_page"])
    numpages = report.page_count or 20
    if spec["header"]:
        _fields(section.header.paragraphs[0], str(spec["header"]), numpages)
    if spec["footer"]:
        _fields(section.footer.paragraphs[0], str(spec["footer"]), numpages)

    # Title page.
    doc.add_paragraph("KommunKompassen", style="Title")
    for text in (f"ANALYS AV {report.display_name.upper()}", f"MAJ {report.year}"):
        doc.add_paragraph().add_run(text).bold = True
    doc.add_paragraph("Utvärderare:")
    people = report.inledning[0].text.split(str(report.year), 1)[-1].strip()
    for line in re.split(r"(?<=SKL) ", people):
        doc.add_paragraph(line)
    if title_break:
        doc.add_page_break()

    # Chapters 1-2, Tabell 1 and the chart after "Sammanfattning av resultat".
    intro = " ".join(s.text for s in report.inledning[1:])
    before, marker, after = intro.partition("Sammanfattning av resultat")
    _intro(doc, before + marker)
    caption = doc.add_paragraph()
    caption.add_run(f"Tabell 1. Resultat för {report.display_name} {report.year}").italic = True
    rows: list[list[str | list[str]]] = [["Område", f"Resultat {report.year}"]]
    rows += [[f"{n}. {report.summary_names[n]}", str(s)] for n, s in sorted(report.summary_scores.items())]
    rows.append(["TOTALT", str(report.total_score)])
    _table(doc, rows, [10.0, 4.0])
    doc.add_picture(io.BytesIO(bar_chart_png(
        [report.summary_scores[n] for n in sorted(report.summary_scores)],
        [78, 70, 80, 74, 77, 72, 79, 68])), width=Cm(12))
    _intro(doc, after)

    # Chapter 3: one Heading 2 per area, Rubriker | Poäng, prose, the two-column lists.
    doc.add_heading("3 Genomgång av de åtta områdena", 1)
    for area in report.areas:
        doc.add_heading(f"Område {area.area} {area.name_in_report}", 2)
        _table(doc, [["Rubriker", "Poäng"], [list(area.rubriker), str(area.score)]], [12.0, 4.0])
        for heading, spans in (("Allmänt", area.allmant), ("Sammanfattning", area.sammanfattning)):
            doc.add_heading(heading, 3)
            _prose(doc, " ".join(s.text for s in spans))
        _table(doc, [["Styrkor", "Förbättringsmöjligheter"],
                     [[i.text for i in area.styrkor], [i.text for i in area.forbattringsmojligheter]]],
               [8.0, 8.0])

    # Chapter 4: the question tables, questions in a narrow column so that long ones wrap.
    doc.add_heading("4 Översikt av poängfördelning", 1)
    doc.add_paragraph(f"I nedanstående tabeller visas {report.display_name}s resultat fördelat på "
                      "delfrågor inom respektive område.")
    for area in report.areas:
        rows = [[f"{area.area}. {area.name_in_report}", "Uppnått", "Max", "Procent"]]
        rows += [[f"{q.number} {q.question}", str(q.achieved), str(q.maximum), f"{q.percent}%"]
                 for q in area.questions]
        rows.append(["", str(area.question_total), "100", f"{area.question_total}%"])
        _table(doc, rows, [7.5, 2.0, 2.0, 2.0])
        doc.add_paragraph()
    for paragraph in doc.paragraphs:
        if paragraph.style.name == "Title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.core_properties.title = f"KommunKompassen {report.display_name} {report.year}"
    doc.save(str(path))
    return path


# -- the PDF, by LibreOffice ---------------------------------------------------------------------
def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path, out_dir: Path) -> Path:
    """Convert with LibreOffice in a private profile (parallel runs must not share one)."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice saknas: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([binary, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(out_dir), str(docx)],
                       check=True, capture_output=True, timeout=300)
    pdf = out_dir / (docx.stem + ".pdf")
    if not pdf.exists():
        raise RuntimeError(f"LibreOffice made no PDF of {docx}")
    return pdf


def build(directory: Path) -> dict[str, Path]:
    """docx (no page marks) and one LibreOffice PDF per layout."""
    directory.mkdir(parents=True, exist_ok=True)
    report = reference_report()
    files: dict[str, Path] = {}
    for layout in LAYOUTS:
        docx = write_docx(report, directory / f"enkoping_2016_{layout}.docx", layout)
        files[f"pdf-{layout}"] = to_pdf(docx, directory)
    files["docx-utan-sidbrytningar"] = write_docx(report, directory / "enkoping_2016_utan_brytningar.docx",
                                                  title_break=False)
    return files


# -- what came out, against the truth ------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class PdfPages:
    """The PDF's raw text, squashed (no spaces, hyphens or bullets), with each page's offset:
    the oracle for the page an item is on. Items are looked for after their own area's
    "Styrkor Förbättringsmöjligheter" header, where the same words in the prose cannot fool it."""

    def __init__(self, path: Path):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        try:
            texts = [squash(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
        finally:
            pdf.close()
        self.starts = [sum(len(t) for t in texts[:i]) for i in range(len(texts))]
        self.text = "".join(texts)
        header = squash("Styrkor Förbättringsmöjligheter")
        self.tables = [m.start() for m in re.finditer(re.escape(header), self.text)]

    def page_at(self, offset: int) -> int:
        return max(i for i, start in enumerate(self.starts) if start <= offset) + 1

    def _find(self, words: list[str], start: int, suffix: bool) -> tuple[int, int]:
        for k in range(min(len(words), 12), 0, -1):
            part = squash(" ".join(words[-k:] if suffix else words[:k]))
            at = self.text.find(part, start, start + 4000)  # a table runs over a page or two
            if at >= 0:
                return at, at + len(part) - 1
        return -1, -1

    def item(self, table: int, text: str) -> tuple[int, int]:
        words = text.split()
        head, _ = self._find(words, self.tables[table], suffix=False)
        _, tail = self._find(words, max(head, 0), suffix=True)
        return self.page_at(head), self.page_at(tail)


def squash(text: str) -> str:
    return re.sub(r"[\s\-\x02\uf0b7•]+", "", text)


@dataclass
class Assessment:
    items: int = 0
    whole: int = 0
    merged: int = 0
    split: int = 0
    lost: int = 0
    misplaced: int = 0  # whole, but in another area or section
    junk: int = 0
    pages_right: int = 0  # of the whole items, those whose first and last page are right
    pages_cited: bool = True  # False: the file records no pages and none are cited
    rubriker: int = 0  # areas whose Rubriker are exactly right
    questions: int = 0
    questions_whole: int = 0
    furniture: int = 0  # passages with header or footer text in them
    private_use: int = 0  # passages with a Private Use Area character (a Symbol bullet)
    evaluators_right: bool = False
    details: list[str] = field(default_factory=list)

    def row(self) -> str:
        return (f"{self.whole}/{self.items} whole, {self.merged} merged, {self.split} split, "
                f"{self.lost} lost, {self.misplaced} misplaced, {self.junk} junk; "
                + (f"pages right {self.pages_right}/{self.whole}" if self.pages_cited else "no pages cited")
                + f"; Rubriker {self.rubriker}/8; questions "
                f"{self.questions_whole}/{self.questions}; furniture in {self.furniture} passages; "
                f"PUA in {self.private_use}; evaluators {'right' if self.evaluators_right else 'wrong'}")


def assess(report: Report, passages, pages: PdfPages | None) -> Assessment:
    """`pages`: the PDF's text for the page check (None: the file has no pages)."""
    reference = reference_report()
    truth = true_lists()
    result = Assessment()
    got = {(area.area, kind): [_norm(i.text) for i in getattr(area, kind)]
           for area in report.areas for kind in ("styrkor", "forbattringsmojligheter")}
    got_items = {(area.area, kind, _norm(i.text)): i for area in report.areas
                 for kind in ("styrkor", "forbattringsmojligheter") for i in getattr(area, kind)}
    everything = [(key, text) for key, texts in got.items() for text in texts]
    truth_texts = []
    for table, (area, lists) in enumerate(sorted(truth.items())):
        for kind, items in zip(("styrkor", "forbattringsmojligheter"), lists):
            for item in items:
                text = _norm(item.text)
                truth_texts.append(text)
                result.items += 1
                if text in got.get((area, kind), []):
                    result.whole += 1
                    found = got_items[(area, kind, text)]
                    if pages is None:
                        pass
                    elif (found.page, found.last_page) == pages.item(table, text):
                        result.pages_right += 1
                    else:
                        result.details.append(f"page {found.page}-{found.last_page} != "
                                              f"{pages.item(table, text)}: {text[:60]}")
                elif any(t == text for _, t in everything):
                    result.misplaced += 1
                    result.details.append(f"misplaced: {text[:70]}")
                elif any(text in t for _, t in everything):
                    result.merged += 1
                    result.details.append(f"merged: {text[:70]}")
                elif sum(1 for _, t in everything if len(t) > 3 and t in text) >= 1:
                    result.split += 1
                    result.details.append(f"split: {text[:70]}")
                else:
                    result.lost += 1
                    result.details.append(f"lost: {text[:70]}")
    for _, text in everything:
        if not any(text in t or t in text for t in truth_texts):
            result.junk += 1
            result.details.append(f"junk: {text[:70]}")
    for area in reference.areas:
        mine = report.area(area.area)
        if mine is not None and [_norm(r) for r in mine.rubriker] == [_norm(r) for r in area.rubriker]:
            result.rubriker += 1
        elif mine is not None:
            result.details.append(f"rubriker {area.area}: {mine.rubriker}")
        for q in area.questions:
            result.questions += 1
            mq = next((x for x in (mine.questions if mine else []) if x.number == q.number), None)
            if mq is not None and _norm(mq.question) == _norm(q.question) and \
                    (mq.achieved, mq.maximum) == (q.achieved, q.maximum):
                result.questions_whole += 1
            else:
                result.details.append(f"question {q.number}: {mq.question if mq else None!r}")
    for passage in passages:
        if FURNITURE.search(passage.text):
            result.furniture += 1
            result.details.append(f"furniture: {FURNITURE.search(passage.text).group(0)!r} in "
                                  f"{passage.section.value} {passage.area}")
        if re.search("[\ue000-\uf8ff]", passage.text):
            result.private_use += 1
    result.pages_cited = report.pages_known
    result.evaluators_right = report.evaluators == reference.evaluators
    if not result.evaluators_right:
        result.details.append(f"evaluators: {report.evaluators}")
    return result


def main() -> None:
    from corpus.chunker import chunk_report
    from corpus.parser import parse_report
    from corpus.readers import read_document

    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="wordlike-"))
    verbose = "-v" in sys.argv
    files = build(directory)
    for kind, path in files.items():
        report = parse_report(read_document(path))
        assessment = assess(report, chunk_report(report), PdfPages(path) if kind.startswith("pdf") else None)
        print(f"{kind:24} {assessment.row()}")
        if report.warnings:
            print(f"{'':24} varningar: {report.warnings}")
        if verbose:
            for line in assessment.details:
                print(f"{'':26}{line}")


if __name__ == "__main__":
    main()
