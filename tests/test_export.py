"""An answer exported with its sources: Markdown and Word (ui/export.py), and the inline SVG
charts (ui/charts.py). Pure functions: no index, no model."""
from __future__ import annotations

import io
from datetime import date
from xml.etree import ElementTree

from docx import Document

from assistant.models import Citation, Hit
from ui import charts
from ui.export import answer_docx, answer_markdown, source_of

QUESTION = "Hur arbetar kommunen med medborgardialog?"
TEXT = ("Beskrivning:\n– Enköpings kommun 2016: Arbetet med medborgardialog har utvecklats. [1]\n"
        "– Furbys kommun 2014: Kommunen har en policy för medborgardialog. [2]")


def hit(pid: int, name: str, year: int, area: int | None, section: str, page: int | None) -> Hit:
    return Hit(passage_id=pid, text="…", score=0.0, report_id=f"r{pid}", municipality=name.split()[0],
               display_name=name, year=year, area=area, section=section, page=page, page_end=page,
               heading="")


CITATIONS = [
    Citation(1, hit(10, "Enköpings kommun", 2016, 1, "sammanfattning", 5),
             "Arbetet med medborgardialog har utvecklats.", 5, 5),
    Citation(2, hit(11, "Furbys kommun", 2014, 2, "styrkor", 3),
             "Kommunen har en policy för medborgardialog.", 3, 4),
]


def test_markdown_has_question_answer_and_numbered_sources():
    md = answer_markdown(QUESTION, TEXT, CITATIONS, when=date(2024, 5, 1))
    assert md.startswith("# Svar från Kompass\n")
    assert f"**Fråga:** {QUESTION}" in md
    assert "Kommunen har en policy för medborgardialog. [2]" in md
    sources = md.split("## Källor", 1)[1]
    assert "1. Enköpings kommun 2016, Område 1 Offentlighet och demokrati, Sammanfattning, s. 5" in sources
    assert "2. Furbys kommun 2014, Område 2 Tillgänglighet och brukarorientering, Styrkor, s. 3–4" in sources
    assert "> ”Arbetet med medborgardialog har utvecklats.”" in sources
    assert "2024-05-01" in md


def test_markdown_escapes_markup_and_accepts_dicts():
    cited = {**CITATIONS[0].to_dict(), "quote": "<script>x</script> *fet*"}
    md = answer_markdown("Vad är *det*?", "Svar <b>", [cited])
    assert "<script>" not in md and "\\<script\\>" in md
    assert "Vad är \\*det\\*?" in md
    assert source_of(cited).label.startswith("Enköpings kommun 2016, Område 1")


def test_docx_opens_and_holds_the_answer_and_sources():
    data = answer_docx(QUESTION, TEXT, CITATIONS)
    assert data[:2] == b"PK"  # a zip, as every .docx
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "Svar från Kompass"
    assert f"Fråga: {QUESTION}" in paragraphs
    assert "– Furbys kommun 2014: Kommunen har en policy för medborgardialog. [2]" in paragraphs
    assert "[1] Enköpings kommun 2016, Område 1 Offentlighet och demokrati, Sammanfattning, s. 5" in paragraphs
    assert "[2] Furbys kommun 2014, Område 2 Tillgänglighet och brukarorientering, Styrkor, s. 3–4" in paragraphs
    assert "”Kommunen har en policy för medborgardialog.”" in paragraphs
    assert text.index("Källor") < text.index("[1] Enköpings")
    assert document.core_properties.title == "Svar från Kompass"


def test_answer_without_sources_says_so():
    assert "Inga källor." in answer_markdown("Fråga?", "Inget svar.", [])
    document = Document(io.BytesIO(answer_docx("Fråga?", "Inget svar.", [])))
    assert "Inga källor." in [p.text for p in document.paragraphs]


def test_source_without_area_or_page():
    source = source_of(Citation(1, hit(12, "Enköpings kommun", 2016, None, "inledning", None), "Om utvärderingen.",
                                None, None))
    assert source.label == "Enköpings kommun 2016, Inledning"


def test_radar_is_valid_svg_with_a_series_and_legend_entry_each():
    axes = [f"{n} Område {n}" for n in range(1, 9)]
    svg = charts.radar_svg(axes, [("A & B 2016", [54, 55, 63, 42, 43, 55, 56, 66]),
                                  ("C 2014", [63, None, 46, 47, 64, 44, 59, 58])], title="Jämförelse")
    root = ElementTree.fromstring(svg)  # well-formed, names escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}g[@class='series']")) == 2
    legend = [g.find(f"{ns}text").text for g in root.findall(f"{ns}g[@class='legend-item']")]
    assert legend == ["A & B 2016", "C 2014"]
    assert len(root.findall(f"{ns}line")) == 8  # a spoke per area
    # A score of 100 lies on the outer ring, 0 at the centre.
    full = charts.radar_svg(axes, [("x", [100] * 8)])
    outer = ElementTree.fromstring(full).findall(f"{ns}polygon")[4].get("points")
    series = ElementTree.fromstring(full).find(f"{ns}g[@class='series']/{ns}polygon").get("points")
    assert outer == series


def test_score_bar_marks_the_median():
    svg = charts.score_bar_svg(47, 100, 55, "Område 2")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    value = root.find(f"{ns}rect[@class='value']")
    median = root.find(f"{ns}line[@class='median']")
    assert float(value.get("width")) < float(median.get("x1"))  # below the median
    assert "median 55" in root.find(f"{ns}title").text
    assert ElementTree.fromstring(charts.score_bar_svg(80, 100, None)).find(f"{ns}line") is None
