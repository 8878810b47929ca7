from __future__ import annotations

import pytest

from corpus.municipalities import lookup
from corpus.taxonomy import match_area, parse_area_argument
from corpus.title import municipality_names


@pytest.mark.parametrize("name,version,expected", [
    ("Offentlighet och demokrati", 2010, 1),
    ("Tillgänglighet, bemötande och brukarorientering", 2010, 2),
    ("Kommunen som arbetsgivare personalpolitik", 2010, 6),
    ("Kommun som samhällsbyggare", 2010, 8),
    ("Ständiga förbättringar", 2010, 7),
    ("Brukarens fokus", 2020, 2),
    ("Chefs- och ledarskap samt medarbetarskap", 2020, 4),
    ("Samhällsutveckling", 2020, 8),
    ("Arbetsliv", 2020, 6),
    ("Något helt annat", 2010, None),
])
def test_area_crosswalk(name, version, expected):
    assert match_area(name, version) == expected


def test_area_argument():
    assert parse_area_argument("4") == 4
    assert parse_area_argument("ledarskap") == 4
    for bad in ("9", "0", "foo"):
        with pytest.raises(ValueError, match="1–8"):
            parse_area_argument(bad)


@pytest.mark.parametrize("title,base,genitive", [
    ("ENKÖPINGS", "Enköping", "Enköpings"),
    ("HELSINGBORGS", "Helsingborg", "Helsingborgs"),
    ("VÄNNÄS", "Vännäs", "Vännäs"),
    ("VÅRGÅRDA", "Vårgårda", "Vårgårda"),
    ("UPPLANDS VÄSBY", "Upplands Väsby", "Upplands Väsby"),
])
def test_municipality_names(title, base, genitive):
    assert municipality_names(title) == (base, genitive)


# Issue 8: a final s is the genitive only when the name itself does not end in s.
@pytest.mark.parametrize("title,base", [
    ("VÄSTERÅS", "Västerås"), ("BORÅS", "Borås"), ("VÄNNÄS", "Vännäs"), ("SOTENÄS", "Sotenäs"),
    ("BOLLNÄS", "Bollnäs"), ("STRÄNGNÄS", "Strängnäs"), ("TRANÅS", "Tranås"),
    ("MÖNSTERÅS", "Mönsterås"), ("KRAMFORS", "Kramfors"), ("HOFORS", "Hofors"),
    ("DEGERFORS", "Degerfors"), ("HAGFORS", "Hagfors"), ("MUNKFORS", "Munkfors"),
    ("STORFORS", "Storfors"), ("BENGTSFORS", "Bengtsfors"), ("ROBERTSFORS", "Robertsfors"),
    ("FALU", "Falun"), ("MALUNG-SÄLENS", "Malung-Sälen"), ("UPPLANDS-BROS", "Upplands-Bro"),
])
def test_names_ending_in_s_keep_it(title, base):
    assert municipality_names(title)[0] == base


def test_unknown_names_are_kept_as_written_unless_the_report_writes_them_without_s():
    # Fictional names (not among the 290): the title's form is the name ...
    assert municipality_names("STENFORS") == ("Stenfors", "Stenfors")
    assert municipality_names("HAVSNÄS", "Utvärderingen av Havsnäs kommun …") == ("Havsnäs", "Havsnäs")
    # ... unless the report itself uses the bare form as a word: then the s was a genitive.
    assert municipality_names("GRANBYNS", "… intervjuer i Granbyn under maj …") == ("Granbyn", "Granbyns")


def test_the_list_holds_290_municipalities_and_21_regions():
    from corpus.municipalities import all_places, municipalities

    assert len(municipalities()) == 290
    assert sum(p.kind == "region" for p in all_places()) == 21
    assert len({m.code for m in municipalities()}) == 290
    vasteras = lookup("Västerås stad")
    assert (vasteras.name, vasteras.county, vasteras.official) == ("Västerås", "Västmanlands län", "Västerås stad")
    assert lookup("ENKÖPINGS").official == "Enköpings kommun"
    assert lookup("Region Skåne").kind == "region"
    assert lookup("Stenfors") is None


@pytest.mark.parametrize("question,names", [
    ("Hur arbetar Västerås stad med Lean?", ["Västerås"]),
    ("servicedeklarationer i Helsingborg", ["Helsingborg"]),
    ("Enköpings styrkor", ["Enköping"]),
    ("Jämför Upplands Väsby och Upplands-Bro", ["Upplands Väsby", "Upplands-Bro"]),
    ("Mark och vatten i översiktsplanen", []),
    ("hur hanteras klagomål", []),
])
def test_municipalities_in_a_question(question, names):
    from corpus.municipalities import find_in_text

    assert [m.name for m, _ in find_in_text(question)] == names
