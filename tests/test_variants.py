"""Parser variants: title forms, kommun/stad/region, evaluators, the 2020 area set, reports
without the per-question table, and text that is only partly recognised."""
from __future__ import annotations

import pytest

from corpus.document import Document
from corpus.parser import parse_report
from corpus.taxonomy import AREAS

SAMPLE_TITLE = ("KommunKompassen ANALYS AV ENKÖPINGS KOMMUN MAJ 2016 Leif Eldås och Lotta Ricklander, "
                "SKL Anna Marnell, Katrineholms kommun")


@pytest.fixture(scope="module")
def sample_text(sample_path):
    return sample_path.read_text(encoding="utf-8").split("Transkript:", 1)[1]


@pytest.mark.parametrize("title,expected", [
    ("Kommun Kompassen KALIX KOMMUN 2012 ANALYS AV. Kalix kommun Märit Melbi, SKL Ingmar Kärrsten, Halmstad",
     ("kalix-2012", "Kalix", "Kalix kommun", "kommun", 2012, ["Märit Melbi (SKL)", "Ingmar Kärrsten (Halmstad)"])),
    ("KommunKompassen HELSINGBORGS STAD 2017 ANALYS AV. Utvärderare: Lars Strid, senior konsult (SKL) och "
     "Anna Marnell, Katrineholms kommun",
     ("helsingborg-2017", "Helsingborg", "Helsingborgs stad", "stad", 2017,
      ["Lars Strid (senior konsult (SKL))", "Anna Marnell (Katrineholms kommun)"])),
    ("KOMMUNKOMPASSEN ANALYS AV SIMRISHAMNS KOMMUN /27 UTVÄRDERARE: LARS STRID (F.D. SKL) OCH JOSEPHINE HÄRDIN",
     ("simrishamn-2016", "Simrishamn", "Simrishamns kommun", "kommun", 2016,
      ["LARS STRID (F.D. SKL)", "JOSEPHINE HÄRDIN"])),
    ("PM Utvärdering enligt Kommunkompassen i Sundbybergs kommun 2019 Utvärderare: Lars Strid, SKR",
     ("sundbyberg-2019", "Sundbyberg", "Sundbybergs kommun", "kommun", 2019, ["Lars Strid (SKR)"])),
    ("Regionkompass - en pilotstudie 2014 Region Skåne 2014 Utvärderare: Lars Strid, SKL",
     ("skane-2014", "Skåne", "Region Skåne", "region", 2014, ["Lars Strid (SKL)"])),
    ("KommunKompassen VÄNNÄS KOMMUN JANUARI 2016 ANALYS AV. Leif Eldås, SKL Henrik Bergström, SKL",
     ("vannas-2016", "Vännäs", "Vännäs kommun", "kommun", 2016, ["Leif Eldås (SKL)", "Henrik Bergström (SKL)"])),
])
def test_title_variants(sample_text, title, expected):
    report = parse_report(Document("r.txt", "0", "text", text=sample_text.replace(SAMPLE_TITLE, title)))
    got = (report.report_id, report.municipality, report.display_name, report.kind, report.year,
           report.evaluators)
    assert got == expected
    # A title without a year takes it from the running header, and says so.
    assert any("året" in w for w in report.warnings) == ("SIMRISHAMN" in title)
    assert report.total_score == 434 and len(report.areas) == 8


def _report_2020() -> str:
    """A compact report laid out by the 2020 area set (its names and numbers)."""
    by_2020 = sorted(AREAS, key=lambda a: a.number_2020)
    parts = ["KommunKompassen ANALYS AV TESTBY KOMMUN OKTOBER 2021 Utvärderare: Lars Strid, SKR",
             "Sveriges Kommuner och Regioner 2021-11-01 2 (12)",
             "1 Vad är Kommunkompassen? Text om verktyget."]
    for area in by_2020:
        parts.append(f"Sveriges Kommuner och Regioner 2021-11-01 {area.number_2020 + 2} (12)")
        parts.append(f"Område {area.number_2020} {area.names_2020[0]} Rubriker Strategi Uppföljning "
                     f"Poäng {40 + area.number_2020} Allmänt Allmän text om området. Sammanfattning "
                     f"Testby arbetar med {area.names_2020[0].lower()}. Styrkor Tydlig strategi "
                     f"Förbättringsmöjligheter Utveckla uppföljningen")
    return " ".join(parts)


def test_2020_area_set_maps_to_the_canonical_areas():
    report = parse_report(Document("t.txt", "0", "text", text=_report_2020()))
    assert report.publisher == "Sveriges Kommuner och Regioner"
    assert [a.area for a in report.areas] == list(range(1, 9))
    by_canonical = {a.area: a for a in report.areas}
    assert by_canonical[2].name_in_report == "Brukarens fokus" and by_canonical[2].score == 45
    assert by_canonical[8].name_in_report == "Samhällsutveckling" and by_canonical[8].score == 42
    assert by_canonical[4].name_in_report == "Chefs- och ledarskap samt medarbetarskap"
    assert by_canonical[6].styrkor[0].text == "Tydlig strategi"
    assert by_canonical[6].forbattringsmojligheter[0].text == "Utveckla uppföljningen"
    assert all(a.questions == [] for a in report.areas)  # no per-question table: fine


def test_report_without_per_question_table(sample_text):
    text = sample_text[: sample_text.index("4 Översikt av poängfördelning")]
    report = parse_report(Document("r.txt", "0", "text", text=text))
    assert len(report.areas) == 8 and all(a.questions == [] for a in report.areas)
    assert report.warnings == []


def test_missing_areas_are_named_in_warnings(sample_text):
    text = sample_text[: sample_text.index("Område 6 Kommunen som arbetsgivare")]
    report = parse_report(Document("r.txt", "0", "text", text=text))
    assert [a.area for a in report.areas] == [1, 2, 3, 4, 5]
    assert {"Område 6 saknas i rapporten", "Område 8 saknas i rapporten"} <= set(report.warnings)
