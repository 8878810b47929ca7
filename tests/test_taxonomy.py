from __future__ import annotations

import pytest

from corpus.title import municipality_names
from corpus.taxonomy import match_area, parse_area_argument


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
