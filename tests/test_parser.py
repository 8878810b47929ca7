"""The transcript parser on the real Enköping 2016 report."""
from __future__ import annotations

import re

import pytest

from corpus.errors import NotAReportError
from corpus.parser import parse_report
from corpus.document import Document
from corpus.readers import read_document


def test_title_metadata(report):
    assert report.report_id == "enkoping-2016"
    assert (report.municipality, report.display_name, report.kind) == ("Enköping", "Enköpings kommun", "kommun")
    assert (report.year, report.month) == (2016, 5)
    assert report.evaluators == ["Leif Eldås (SKL)", "Lotta Ricklander (SKL)",
                                 "Anna Marnell (Katrineholms kommun)"]
    assert report.publisher == "Sveriges Kommuner och Landsting"
    assert report.date == "2016-09-06"
    assert report.page_count == 23
    assert report.warnings == []


def test_scores_summary_and_areas_agree(report):
    expected = {1: 54, 2: 55, 3: 63, 4: 42, 5: 43, 6: 55, 7: 56, 8: 66}
    assert report.summary_scores == expected
    assert {a.area: a.score for a in report.areas} == expected
    assert report.total_score == 434 == sum(expected.values())
    assert report.summary_names[6] == "Kommunen som arbetsgivare personalpolitik"


def test_areas_map_to_canonical_taxonomy(report):
    assert [a.area for a in report.areas] == list(range(1, 9))
    assert report.area(2).name_in_report == "Tillgänglighet, bemötande och brukarorientering"
    assert report.area(6).name_in_report == "Kommunen som arbetsgivare"


def test_rubriker(report):
    assert report.area(6).rubriker == ["Personalstrategi", "Rekrytering", "Kompetens- och medarbetarutveckling",
                                       "Individuell lönesättning", "Arbetsmiljöarbete", "Mångfald"]
    # Area 2 lays Rubriker and Poäng out as a table: the score comes after the headings.
    assert report.area(2).rubriker[-1] == "Deklarationer och synpunkts-/klagomålshantering"
    assert report.area(2).score == 55
    assert len(report.area(1).rubriker) == 4


def test_prose_sections_and_pages(report):
    area2 = report.area(2)
    assert area2.allmant[0].text.startswith("Med brukarorientering avses")
    text = " ".join(s.text for s in area2.sammanfattning)
    assert text.startswith("Utifrån ett strategiskt perspektiv")
    assert text.endswith("som beskriver de tjänster man kan erhålla.")
    page_of = {s.text: s.page_start for s in area2.sammanfattning}
    [servicedekl] = [t for t in page_of if "servicedeklarationer" in t]
    assert page_of[servicedekl] == 8


def test_running_headers_removed_everywhere(report):
    texts = [s.text for s in report.inledning]
    for area in report.areas:
        texts += [s.text for s in area.allmant + area.sammanfattning]
        texts += [i.text for i in area.styrkor + area.forbattringsmojligheter]
    assert texts
    assert not any(re.search(r"Landsting 2016-09-06", t) for t in texts)


def test_word_broken_across_page_is_rejoined(report):
    styrkor = [i.text for i in report.area(4).styrkor]
    assert any("bygger för närvarande upp mötesplatser och dialogytor" in t for t in styrkor)


def test_two_column_lists_split_across_page_break(report):
    area1 = report.area(1)
    assert [i.page for i in area1.styrkor if i.text.startswith("Facebook")] == [7]
    assert not any(i.text.startswith("Facebook") for i in area1.forbattringsmojligheter)
    area3 = report.area(3)
    styrkor = [i.text for i in area3.styrkor]
    forbattringar = [i.text for i in area3.forbattringsmojligheter]
    assert "Tydlig ansvarsfördelning och roller mellan politiker/tjänstemän" in styrkor
    assert any(t.startswith("Vid intervjuerna framfördes") for t in forbattringar)
    assert "Mer externa och interna resultatjämförelser i uppföljnings- och rapporteringssystemet" in forbattringar
    assert any(i.text.startswith("Synliggör/belöna") and i.page == 13
               for i in report.area(4).forbattringsmojligheter)
    area7 = report.area(7)
    assert "Vitalisera arbetet i utskotten" in [i.text for i in area7.forbattringsmojligheter]
    assert any("Skolkommission" in i.text for i in area7.styrkor)


def test_per_question_table(report):
    area2 = {q.number: q for q in report.area(2).questions}
    # 2.1 and 2.2 arrive interleaved ("2.1 Q? 2.2 Q? 8 15 50% 13 25 53%").
    assert (area2["2.1"].achieved, area2["2.1"].maximum, area2["2.1"].percent) == (8, 15, 50)
    assert (area2["2.2"].achieved, area2["2.2"].maximum, area2["2.2"].percent) == (13, 25, 53)
    q13 = next(q for q in report.area(1).questions if q.number == "1.3")
    assert (q13.question, q13.achieved, q13.maximum, q13.percent, q13.page) == (
        "Informeras invånare om resultat?", 8, 25, 30, 21)
    assert report.area(1).question_total == 54
    assert [len(report.area(n).questions) for n in (1, 2, 3)] == [5, 5, 5]
    assert report.area(4).questions == []  # the transcript ends after area 3's table


def test_relevanta_dokument_list_is_not_report_text(report):
    everything = " ".join(s.text for s in report.inledning)
    assert "VALLENTUNA" not in everything
    assert "Transkript" not in everything


def test_text_that_is_not_a_report_is_refused(tmp_path):
    path = tmp_path / "recept.txt"
    path.write_text("Kanelbullar\n\nSmör, socker, kanel. Grädda i 225 grader.", encoding="utf-8")
    with pytest.raises(NotAReportError, match="Kommunkompass"):
        parse_report(read_document(path))


def test_report_without_recognisable_areas_is_kept_as_text_with_a_warning():
    doc = Document("umea.txt", "0", "text", text="KommunKompassen ANALYS AV UMEÅ KOMMUN 2016 "
                   "Utvärderare: Lars Strid, SKL. Kommunen arbetar med medborgardialog.")
    report = parse_report(doc)
    assert (report.report_id, report.municipality, report.year) == ("umea-2016", "Umeå", 2016)
    assert report.areas == [] and "medborgardialog" in report.unplaced[0].text
    assert any("Område 1" in w for w in report.warnings)


def test_unknown_title_but_kommunkompass_text_is_kept():
    doc = Document("rapport-x.txt", "0", "text",
                   text="Utvärdering enligt Kommunkompassen. Område 1 Offentlighet och demokrati "
                        "Poäng 50 Allmänt Text. Sammanfattning Mer text.")
    report = parse_report(doc)
    assert report.municipality == "rapport-x" and report.year is None
    assert any("titeln" in w for w in report.warnings)
