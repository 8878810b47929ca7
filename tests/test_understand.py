"""Question understanding (filters read from the question) and the stance of a unit."""
from __future__ import annotations

import pytest

from assistant.stance import DESCRIBED, IMPROVE, LACKING, PARTIAL, STRONG, stance_of
from assistant.understand import understand
from corpus.models import SectionKind
from index.lexical import terms
from index.records import Filters

INDEXED = {"enköping": "Enköping", "västerås": "Västerås", "stenfors": "Stenfors"}


def _applied(question: str, given: Filters = Filters(), sections: bool = True):
    u = understand(question, given, INDEXED, sections)
    return u, {a.kind: a.value for a in u.applied}


@pytest.mark.parametrize("question,expected,topic", [
    ("Hur arbetar Västerås stad med Lean?", {"municipality": "Västerås"}, "Hur arbetar med Lean?"),
    ("servicedeklarationer i Enköping", {"municipality": "Enköping"}, "servicedeklarationer"),
    ("Enköpings styrkor inom ledarskap", {"municipality": "Enköping", "section": "styrkor"},
     "styrkor inom ledarskap"),
    ("Stenfors kommun och medborgardialog", {"municipality": "Stenfors"}, "och medborgardialog"),
    ("medborgardialog sedan 2015", {"year": "2015-"}, "medborgardialog"),
    ("brukarundersökningar 2014–2017", {"year": "2014-2017"}, "brukarundersökningar"),
    ("brukarundersökningar mellan 2014 och 2017", {"year": "2014-2017"}, "brukarundersökningar"),
    ("delegationsordning före 2016", {"year": "-2015"}, "delegationsordning"),
    ("delegationsordning år 2016", {"year": "2016"}, "delegationsordning"),
    ("Vad står det om område 4?", {"area": "4"}, "Vad står det om ?"),
    ("förbättringsområden inom Politisk styrning och kontroll",
     {"area": "3", "section": "forbattringsmojligheter"}, "förbättringsområden inom"),
    ("Hur hanteras klagomål?", {}, "Hur hanteras klagomål?"),
    ("Vad står det i Vision 2030?", {}, "Vad står det i Vision 2030?"),  # a name, not a year
    ("Agenda 2030 och hållbarhet", {}, "Agenda 2030 och hållbarhet"),
])
def test_filters_from_the_question(question, expected, topic):
    understood, applied = _applied(question)
    assert applied == expected
    assert understood.topic == topic.strip(" ?") or understood.topic == topic


def test_given_filters_win_and_unknown_municipalities_are_said():
    understood, applied = _applied("medborgardialog i Enköping 2016", Filters(year_from=2010, year_to=2012))
    assert applied == {"municipality": "Enköping"}  # the year given explicitly stays
    assert understood.filters.year_from == 2010
    understood, applied = _applied("Lean i Borås")
    assert applied == {} and understood.notes == ("Borås finns inte bland de indexerade rapporterna",)
    assert understood.topic == "Lean"
    understood, applied = _applied("Jämför Enköping och Västerås")
    assert "municipality" not in applied and understood.notes


def test_sections_can_be_left_to_the_caller():
    assert _applied("Enköpings styrkor", sections=False)[1] == {"municipality": "Enköping"}


TOPIC = frozenset(terms("servicedeklarationer"))


@pytest.mark.parametrize("text,section,label", [
    ("Kommunen har inte tagit fram några servicedeklarationer.", "sammanfattning", LACKING),
    ("Det saknas servicedeklarationer i samtliga verksamheter.", "sammanfattning", LACKING),
    ("När det gäller servicedeklarationer har kommunen ännu inte kommit igång.", "sammanfattning", LACKING),
    ("Inga servicedeklarationer finns.", "sammanfattning", LACKING),
    ("Servicedeklarationer diskuterades, men något sådant arbete har ej påbörjats.", "sammanfattning", LACKING),
    ("Några verksamheter har servicedeklarationer, och uppföljningen bör utvecklas.", "sammanfattning", PARTIAL),
    ("Kommunen behöver utveckla sina servicedeklarationer.", "sammanfattning", PARTIAL),
    ("Samtliga förvaltningar har servicedeklarationer som följs upp årligen.", "sammanfattning", DESCRIBED),
    ("Servicedeklarationer finns inte bara i skolan utan i alla verksamheter.", "sammanfattning", DESCRIBED),
    # A contrast qualifies: "X, men …" is X in part; "X diskuterades, men …" no X; the topic
    # only after the contrast: that clause counts.
    ("Servicedeklarationerna är tydliga, men de följs sällan upp.", "sammanfattning", PARTIAL),
    ("Servicedeklarationer finns i skolan, medan övriga förvaltningar inte har kommit lika långt.",
     "sammanfattning", PARTIAL),
    ("Servicedeklarationer har diskuterats, men inget beslut har fattats.", "sammanfattning", LACKING),
    ("Synpunktshanteringen fungerar, men servicedeklarationer saknas.", "sammanfattning", LACKING),
    ("Synpunktshanteringen saknas, men servicedeklarationer finns i alla verksamheter.", "sammanfattning",
     DESCRIBED),
    ("Servicedeklarationer i samtliga verksamheter", "styrkor", STRONG),
    ("Ta fram servicedeklarationer", "forbattringsmojligheter", IMPROVE),
])
def test_stance(text, section, label):
    assert stance_of(text, section, TOPIC, terms).label == label


def test_allmant_is_no_evidence():
    from assistant.stance import SECTION_WEIGHT

    assert SECTION_WEIGHT[SectionKind.ALLMANT.value] == 0
    assert SECTION_WEIGHT[SectionKind.STYRKOR.value] > 0
