"""Files made the way real reports are (tests/wordlike.py): a python-docx .docx with Word's own
structures and the PDFs LibreOffice makes of it in three header/footer layouts, checked against
the truth: every list item whole, in its area and section and on its page; Rubriker and question
texts whole; no page furniture and no Private Use Area glyph in any passage."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from assistant.config import Config
from assistant.kompass import Kompass
from corpus.bullets import canonical, strip_bullet, strip_number
from corpus.chunker import chunk_report, sentences
from corpus.furniture import find_furniture
from corpus.models import Span
from corpus.parser import parse_report
from corpus.readers import read_document
from corpus.readers.pdf_layout import Segment, lines
from wordlike import FURNITURE, LAYOUTS, PdfPages, assess, build, soffice

from conftest import run_cli

PDFS = [f"pdf-{layout}" for layout in LAYOUTS]


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    if soffice() is None:
        pytest.fail("LibreOffice saknas: `make test` installerar det (apt-get install libreoffice-writer-nogui)")
    return build(tmp_path_factory.mktemp("wordlike"))


@pytest.fixture(scope="session")
def parsed(files):
    return {kind: parse_report(read_document(path)) for kind, path in files.items()}


@pytest.mark.parametrize("kind", [*PDFS, "docx-utan-sidbrytningar"])
def test_every_item_rubrik_and_question_whole(files, parsed, kind):
    report = parsed[kind]
    pages = PdfPages(files[kind]) if kind.startswith("pdf") else None
    result = assess(report, chunk_report(report), pages)
    assert (result.whole, result.merged, result.split, result.lost, result.misplaced, result.junk) == \
        (result.items, 0, 0, 0, 0, 0), result.details
    assert result.items == 90
    assert result.rubriker == 8, result.details
    assert result.questions_whole == result.questions == 15, result.details
    assert result.furniture == 0 and result.private_use == 0, result.details
    assert result.evaluators_right, report.evaluators
    assert [a.area for a in report.areas] == list(range(1, 9))
    assert all(a.score is not None for a in report.areas)
    assert report.total_score == 434
    if pages is not None:
        assert result.pages_right == result.whole, result.details


@pytest.mark.parametrize("kind", PDFS)
def test_pdf_cites_the_printed_page_and_keeps_no_furniture(files, parsed, kind):
    report = parsed[kind]
    assert report.pages_known and report.warnings == []
    pages = PdfPages(files[kind])
    # Every quoted unit starts on the page the PDF shows it on (the page footer/header number
    # equals the sheet here: no page is numbered differently).
    checked = 0
    for passage in chunk_report(report):
        if passage.section.value in ("resultat", "poang", "delfragor"):
            continue  # rewritten sentences, not quotes
        assert not FURNITURE.search(passage.text), passage.text
        for unit in passage.units:
            words = unit.text.split()
            head = re.sub(r"[\s\-•]+", "", " ".join(words[:6]))
            found = [n + 1 for n, start in enumerate(pages.starts)
                     if head in pages.text[start:pages.starts[n + 1] if n + 1 < len(pages.starts) else None]]
            if len(found) == 1:  # a unique opening: its page is known
                assert unit.page_start == found[0], (unit.page_start, found, unit.text[:60])
                checked += 1
    assert checked > 150


def test_header_with_date_gives_publisher_date_and_page_count(files, parsed):
    report = parsed["pdf-datumhuvud"]
    assert (report.publisher, report.date) == ("Sveriges Kommuner och Landsting", "2016-09-06")
    assert report.page_count == len(PdfPages(files["pdf-datumhuvud"]).starts)


def test_docx_without_page_marks_reads_by_document_order(parsed):
    report = parsed["docx-utan-sidbrytningar"]
    assert report.pages_known is False and report.page_count is None
    assert any("sidbrytningar" in w for w in report.warnings)
    lists = [tuple(i.text for i in a.styrkor) for a in report.areas]
    assert len(set(lists)) == 8  # never the same lists in every area


def test_ingest_warns_and_prefers_a_file_with_pages(files, home_copy):
    """The index holds the transcript (with pages): the page-less .docx of the same report is
    kept as a duplicate, and `ingest` says why its pages are missing."""
    result = run_cli("ingest", str(files["docx-utan-sidbrytningar"]), home=home_copy)
    assert result.returncode == 0, result.stderr
    assert "varning:" in result.stderr and "sidbrytningar" in result.stderr
    listed = run_cli("reports", "--json", home=home_copy, check=True)
    [report] = json.loads(listed.stdout)
    formats = {s["format"]: s["role"] for s in report["sources"]}
    assert formats == {"text": "primary", "docx utan sidnummer": "duplicate"}


def test_citations_name_the_section_when_the_file_has_no_pages(files, home_copy):
    kompass = Kompass(Config.from_env(home=home_copy))
    try:
        [result] = kompass.ingest([files["docx-utan-sidbrytningar"]], force=True)
        assert result.status == "updated" and result.error is None
        assert result.reused > result.embedded  # the transcript's unchanged text is not re-embedded
        answer = kompass.ask("Vilka styrkor finns inom ledarskap?")
        assert answer.citations
        for citation in answer.citations:
            data = citation.to_dict()
            assert data["page"] is None and data["pages"] == [] and data["passage_pages"] == []
            assert ", s. " not in citation.source_label() and "Område" in citation.source_label()
        assert all(hit.page is None for hit in kompass.search("styrkor ledarskap"))
    finally:
        kompass.close()


# -- the pieces, one by one ------------------------------------------------------------------------
@pytest.mark.parametrize("text, rest", [
    ("\uf0b7 Demokratikommitté", "Demokratikommitté"),  # Word's Symbol bullet
    ("\uf0a7 Demokratikommitté", "Demokratikommitté"),  # Wingdings §
    ("\uf0d8Demokratikommitté", "Demokratikommitté"),
    ("• Demokratikommitté", "Demokratikommitté"), ("◦ Text", "Text"), ("▪ Text", "Text"),
    ("– Text", "Text"), ("- Text", "Text"), ("Demokratikommitté", None),
    ("– och ansvar", None),  # a dash at a line break in running text
])
def test_bullets(text, rest):
    assert strip_bullet(text) == rest


def test_bullet_glyph_standing_alone_and_numbers():
    assert strip_bullet("o", standalone=True) == "" and strip_bullet("o") is None
    assert strip_number("1. Styrmodell") == "Styrmodell" and strip_number("a) Styrmodell") == "Styrmodell"
    assert strip_number("2016 års budget") is None
    assert canonical("\uf0b7 Text \uf0e0") == "• Text"


def test_a_bullet_set_lower_stays_on_its_line():
    """The bullet glyph 1.9 pt below its text, the next column's "Ö" higher: one line each."""
    segments = [Segment("•", 71, 74, 758.2, 10, bullet=True), Segment("Tydligheten kring", 89, 200, 760.1, 10),
                Segment("Övergripande", 316, 400, 760.1, 10), Segment("roll", 89, 120, 748.4, 10)]
    found = lines(segments)
    assert [sorted(s.text for s in line.segments) for line in found] == \
        [["Tydligheten kring", "Övergripande", "•"], ["roll"]]


@dataclass
class _Line:
    text: str
    baseline: float


def test_furniture_by_repetition_and_its_page_number():
    height = 842.0
    pages = []
    for n in range(1, 11):
        body = [_Line(f"Brödtext på sidan {n} med ett årtal 2016.", 700 - n)]
        if n in (3, 4, 7):  # the same body text low on a few pages is not furniture
            body.append(_Line("Styrkor Förbättringsmöjligheter", 60.0))
        if n > 1:  # no header on the title page; page number printed as n + 2 (after a cover)
            body.insert(0, _Line(f"Sveriges Kommuner och Landsting {n + 2}", 800.0))
        body.append(_Line("KommunKompassen – Testby kommun 2016", 40.0))
        pages.append((body, height))
    furniture = find_furniture(pages)
    header, footer = pages[3][0][0], pages[3][0][-1]
    assert furniture.is_furniture(header, height) and furniture.is_furniture(footer, height)
    assert furniture.page_number(header) == 6 and furniture.page_number(footer) is None
    assert not any(furniture.is_furniture(line, height) for line in pages[3][0][1:-1])


def test_transcript_with_symbol_bullets_and_no_headers(sample_path, tmp_path, report):
    """A transcript copied out of a Word PDF: a U+F0B7 bullet, no running headers."""
    expected = report
    text = sample_path.read_text(encoding="utf-8")
    text = re.sub(r"Sveriges Kommuner och Landsting 2016-09-06 \d+ \(23\)", " ", text)
    text = text.replace("Rubriker Strategi for", "Rubriker \uf0b7 Strategi for")
    path = tmp_path / "utan_sidhuvud.txt"
    path.write_text(text, encoding="utf-8")
    report = parse_report(read_document(path))
    assert [a.rubriker for a in report.areas] == [a.rubriker for a in expected.areas]
    assert not report.pages_known and report.page_count is None
    assert any("sidnummer" in w for w in report.warnings)
    assert report.area(1).rubriker[0].startswith("Strategi for demokratiutveckling")
    assert all("\uf0b7" not in p.text for p in chunk_report(report))


def test_prose_bullets_are_units_of_their_own():
    spans = [Span("Tre källor: • Intervjuer • Officiella dokument", 2, 2), Span("• Webbsidan Resultatet sammanställs.", 3, 3)]
    assert [(s.text, s.page_start) for s in sentences(spans)] == \
        [("Tre källor:", 2), ("Intervjuer", 2), ("Officiella dokument", 2), ("Webbsidan Resultatet sammanställs.", 3)]
