"""Styrkor / Förbättringsmöjligheter read from transcripts, where nothing separates the items:
the sample report against a person's reading, and the rules on small made-up tables."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.lists import Piece, read_two_columns, split_items

TRUTH = Path(__file__).parent / "data" / "enkoping_2016_lists.json"


def _no_names(token: str) -> bool:
    return False


def _texts(items) -> list[tuple[str, int, int]]:
    return [(i.text, i.page, i.last_page) for i in items]


@pytest.mark.parametrize("area", range(1, 9))
def test_sample_lists_as_a_person_reads_them(report, area):
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))["areas"][str(area)]
    parsed = report.area(area)
    assert _texts(parsed.styrkor) == [tuple(i) for i in truth["styrkor"]]
    assert _texts(parsed.forbattringsmojligheter) == [tuple(i) for i in truth["forbattringsmojligheter"]]


def test_short_tail_after_a_full_stop_stays_with_its_item():
    items = split_items("Tydlig styrning. Bra stöd Kommunens lokaler är nya Avslutad mening. "
                        "Med fyra ord här", _no_names)
    assert items == ["Tydlig styrning. Bra stöd", "Kommunens lokaler är nya", "Avslutad mening.",
                     "Med fyra ord här"]


def test_a_label_or_bare_verbs_join_the_item_after():
    items = split_items("Satsning Grönt lyft i skolorna Analysera och utveckla Föreningarnas lokaler "
                        "Medborgarförslag Samverkan med regionen", _no_names)
    assert items == ["Satsning Grönt lyft i skolorna",
                     "Analysera och utveckla Föreningarnas lokaler",
                     "Medborgarförslag", "Samverkan med regionen"]


_BROKEN = [
    # Only the right item broken: it goes on after the page's left items.
    ("Aktiv samverkan med näringslivet", "Skapa en plan för lokaler, fordon,",
     "Tydlig roll för nämnderna kök och städning Inför fler e-tjänster",
     [("Aktiv samverkan med näringslivet", 3, 3), ("Tydlig roll för nämnderna", 4, 4)],
     [("Skapa en plan för lokaler, fordon, kök och städning", 3, 4), ("Inför fler e-tjänster", 4, 4)]),
    # Both broken: the left one goes on first, at the page's start.
    ("Aktiv samverkan med", "Skapa en plan för lokaler,",
     "näringslivet och föreningarna kök och städning Inför fler e-tjänster",
     [("Aktiv samverkan med näringslivet och föreningarna", 3, 4)],
     [("Skapa en plan för lokaler, kök och städning", 3, 4), ("Inför fler e-tjänster", 4, 4)]),
    # Only the right one broken, and the left column has no more items: at the page's start.
    ("Aktiv samverkan med näringslivet", "Skapa en plan för",
     "lokaler och fordon Tydlig roll för nämnderna Inför fler e-tjänster",
     [("Aktiv samverkan med näringslivet", 3, 3), ("Tydlig roll för nämnderna", 4, 4)],
     [("Skapa en plan för lokaler och fordon", 3, 4), ("Inför fler e-tjänster", 4, 4)]),
]


@pytest.mark.parametrize("left, right, next_page, styrkor, forbattringar", _BROKEN)
def test_items_broken_at_the_page_end_go_on_in_their_column(left, right, next_page, styrkor,
                                                            forbattringar):
    got = read_two_columns([Piece(left, 3)], [Piece(right, 3), Piece(next_page, 4)], _no_names)
    assert (_texts(got[0]), _texts(got[1])) == (styrkor, forbattringar)
