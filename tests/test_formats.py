"""The sample as transcript, web page, .docx and PDF: the same Report, page-exact citations.

The .docx and PDF are generated like real reports (tests/factory.py) with the Styrkor /
Förbättringsmöjligheter lists as a person reads them (tests/data/enkoping_2016_lists.json);
page N of each file holds what page N of the original held.
"""
from __future__ import annotations

import re
import shutil

import pytest

from corpus.chunker import chunk_report
from corpus.parser import parse_report
from corpus.readers import read_document
from factory import build_all, true_lists

FORMATS = ("text", "html", "docx", "pdf")


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="session")
def reports(files):
    return {kind: parse_report(read_document(path)) for kind, path in files.items()}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("kind", FORMATS[1:])
def test_same_report_as_the_transcript(reports, kind):
    expected, got = reports["text"], reports[kind]
    for field in ("report_id", "municipality", "display_name", "kind", "year", "month", "evaluators",
                  "publisher", "date", "page_count", "total_score", "summary_scores"):
        assert getattr(got, field) == getattr(expected, field), field
    assert got.warnings == []
    assert [a.area for a in got.areas] == [a.area for a in expected.areas]
    for a, b in zip(expected.areas, got.areas):
        assert (b.name_in_report, b.score, b.rubriker, b.page) == (a.name_in_report, a.score, a.rubriker, a.page)
        for section in ("allmant", "sammanfattning"):
            assert _norm(" ".join(s.text for s in getattr(b, section))) == \
                _norm(" ".join(s.text for s in getattr(a, section))), (a.area, section)
            # the text on each page is the same text
            assert [(s.page_start, _norm(s.text)) for s in getattr(b, section)] == \
                [(s.page_start, _norm(s.text)) for s in getattr(a, section)], (a.area, section)
        assert [(q.number, q.achieved, q.maximum, q.percent, q.page) for q in b.questions] == \
            [(q.number, q.achieved, q.maximum, q.percent, q.page) for q in a.questions]
    assert [_norm(s.text) for s in got.inledning] == [_norm(s.text) for s in expected.inledning]


@pytest.mark.parametrize("kind", ("docx", "pdf"))
def test_lists_come_out_whole_with_their_pages(reports, kind):
    truth = true_lists()
    for area in reports[kind].areas:
        assert (area.styrkor, area.forbattringsmojligheter) == truth[area.area], (kind, area.area)


def test_pdf_item_broken_over_a_page_and_a_hyphen(reports):
    area4 = reports["pdf"].area(4)
    [item] = [i for i in area4.styrkor if i.text.startswith("Den relativt nytillträdde")]
    assert (item.page, item.page_end) == (12, 13)
    assert "  " not in item.text and "-" not in item.text.split("ska finnas")[1]


def test_transcript_lists_mostly_agree_with_a_reader(reports):
    """The transcript has lost the columns; the heuristic must still get most items right."""
    truth = true_lists()
    total = agree = 0
    for area in reports["text"].areas:
        for got, want in zip((area.styrkor, area.forbattringsmojligheter), truth[area.area]):
            total += len(want)
            agree += len({(i.text, i.page) for i in got} & {(i.text, i.page) for i in want})
    assert agree / total >= 0.9, (agree, total)


def test_every_pdf_passage_is_on_the_page_it_cites(files, reports):
    import pypdfium2 as pdfium

    def squash(text: str) -> str:  # line ends, hyphens and spaces do not matter here
        return re.sub(r"[\s\-\x02]+", "", text)

    pdf = pdfium.PdfDocument(str(files["pdf"]))
    pages = {i + 1: squash(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))}
    pdf.close()
    checked = 0
    for passage in chunk_report(reports["pdf"]):
        if passage.section.value in ("resultat", "poang", "delfragor"):
            continue  # rewritten sentences, not quotes
        for unit in passage.units:
            words = unit.text.split()
            # A few words, so they sit on one line: the page text interleaves the two columns
            # line by line, and a unit that runs over a page break has few words on each side.
            n = 3 if passage.is_list or unit.page_start != unit.page_end else 5
            head, tail = squash(" ".join(words[:n])), squash(" ".join(words[-2:]))
            assert head in pages[unit.page_start], (unit.page_start, unit.text)
            assert tail in pages[unit.page_end], (unit.page_end, unit.text)
            checked += 1
    assert checked > 300


def test_format_is_detected_from_content_not_extension(files, tmp_path):
    renamed = tmp_path / "rapport.txt"
    shutil.copy(files["pdf"], renamed)
    assert read_document(renamed).format == "pdf"
    docx_as_pdf = tmp_path / "rapport.pdf"
    shutil.copy(files["docx"], docx_as_pdf)
    assert read_document(docx_as_pdf).format == "docx"
