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


@pytest.mark.parametrize("value,expected", [
    ("område 4", 4), (" 7 ", 7),
    ("demokrati", 1), ("Offentlighet", 1), ("medborgardialog", 1),
    ("brukarorientering", 2), ("tillgänglighet", 2), ("Brukarens fokus", 2), ("bemötande", 2),
    ("styrning", 3), ("politisk styrning", 3), ("kontroll", 3),
    ("ledarskap", 4), ("ledar", 4), ("chefer", 4), ("delegation", 4), ("Leadership", 4),
    ("effektivitet", 5), ("resultat", 5),
    ("personal", 6), ("personalpolitik", 6), ("arbetsgivare", 6), ("Kommunen som arbetsgivare", 6),
    ("arbetsliv", 6),
    ("verksamhetsutveckling", 7), ("kvalitet", 7), ("Kvalitetsutveckling", 7), ("ständiga förbättringar", 7),
    ("samhällsbyggare", 8), ("samhallsbyggare", 8), ("SAMHÄLLSBYGGNAD", 8), ("näringsliv", 8),
    ("samhällsutveckling", 8),
])
def test_area_words(value, expected):
    assert parse_area_argument(value) == expected


def test_every_listed_word_and_name_finds_its_own_area():
    from corpus.taxonomy import AREA_WORDS, AREAS, SHORT_NAMES

    for area in AREAS:
        for word in (SHORT_NAMES[area.number], *AREA_WORDS[area.number], area.name, *area.names_2010,
                     *area.names_2020):
            assert parse_area_argument(word) == area.number, word


@pytest.mark.parametrize("value", ["9", "trafik", "", "ut", "utveckling"])
def test_unknown_area_lists_the_accepted_names_on_one_line(value):
    with pytest.raises(ValueError) as error:
        parse_area_argument(value)
    message = str(error.value)
    assert message.startswith(f"okänt område {value!r}: ange ett nummer 1–8 eller ett namn: 1 demokrati, ")
    assert message.endswith("7 verksamhetsutveckling, 8 samhällsbyggare") and "\n" not in message


def test_a_word_of_two_areas_names_both():
    with pytest.raises(ValueError, match="otydligt område 'kommunen' \\(passar 6 personal, 8 samhällsbyggare\\)"):
        parse_area_argument("kommunen")


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
