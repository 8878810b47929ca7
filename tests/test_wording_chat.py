"""Precedent wording and the conversation, on the real sample and generated reports."""
from __future__ import annotations

import json

import pytest
from conftest import run_cli

from assistant.chat import Conversation
from assistant.wording import wording_topic
from corpus.errors import InputError


def test_wording_topic():
    assert wording_topic("Hur har man formulerat att servicedeklarationer saknas?") == "servicedeklarationer saknas"
    assert wording_topic("hur skrivs förbättringsmöjligheter om målstyrning", ("förbättringsmöjligheter",)) \
        == "målstyrning"


def test_wording_is_verbatim_with_its_place(kompass):
    result = kompass.wording("hur har man formulerat att servicedeklarationer saknas", top=5)
    first = result.entries[0]
    assert first.text == ("Kommunen har inte tagit fram några servicedeklarationer eller liknande som "
                          "beskriver de tjänster man kan erhålla.")
    [use] = first.uses
    assert (use.report_id, use.area, use.section, use.page) == ("enkoping-2016", 2, "sammanfattning", 8)
    passages = kompass.store.passages([u.passage_id for e in result.entries for u in e.uses])
    for entry in result.entries:
        for use in entry.uses:
            assert entry.text in passages[use.passage_id].text or any(
                v in passages[use.passage_id].text for v in entry.variants)


def test_wording_section_from_the_question(kompass):
    result = kompass.wording("hur skrivs förbättringsmöjligheter om målstyrning")
    assert [a.kind for a in result.applied] == ["section"]
    assert result.entries and all(u.section == "forbattringsmojligheter" for e in result.entries for u in e.uses)
    assert result.entries[0].uses[0].area == 3  # political governance, as `search --section` finds


def test_near_duplicates_fold_across_reports(synthetic):
    """Generated reports reuse standard phrasings: one entry lists every report that used it."""
    kompass, _, _ = synthetic
    result = kompass.wording("formuleringar om medborgardialog", top=10)
    assert result.entries
    shared = [e for e in result.entries if len({u.report_id for u in e.uses}) > 1]
    assert shared, [e.text for e in result.entries]
    texts = [e.text for e in result.entries]
    assert len(texts) == len(set(texts))


def test_wording_cli_json(built_home):
    data = json.loads(run_cli("wording", "servicedeklarationer", "--json", "--top", "3",
                              home=built_home, check=True).stdout)
    assert len(data["entries"]) <= 3
    assert {"text", "uses", "reports"} <= data["entries"][0].keys()
    assert {"report_id", "year", "area", "section", "page", "source"} <= data["entries"][0]["uses"][0].keys()


def test_conversation_follow_ups(kompass):
    chat = Conversation()
    first = chat.ask(kompass, "Hur arbetar Enköping med medborgardialog?")
    assert first.route == "passage" and first.citations
    only = chat.ask(kompass, "bara förbättringsområden")
    assert [a.kind for a in only.carried] == ["municipality"] and only.topic == first.topic
    assert {c.hit.section for c in only.citations} == {"forbattringsmojligheter"}
    more = chat.ask(kompass, "fler")
    assert more.citations and not {c.hit.passage_id for c in more.citations} & \
        {c.hit.passage_id for c in only.citations}
    compare = chat.ask(kompass, "jämför med Kvalitetskommun")
    assert compare.route == "fact" and "Kävlinge" in compare.text and compare.citations
    year = chat.ask(kompass, "och 2017?")
    assert [a.kind for a in year.applied] == ["year"]
    # The state is plain data: a server can keep it per user and restore it.
    restored = Conversation.from_dict(json.loads(json.dumps(chat.to_dict())))
    assert restored.to_dict() == chat.to_dict()


def test_a_removed_filter_chip(kompass):
    """The UI's chips: the last question answered again without the removed filter, and the
    next follow-up no longer carries it."""
    chat = Conversation()
    first = chat.ask(kompass, "Hur arbetar Enköping med medborgardialog?")
    only = chat.ask(kompass, "bara förbättringsområden")
    assert {a.kind for a in only.applied + only.carried} == {"municipality", "section"}
    again = chat.without_filter(kompass, "section", "bara förbättringsområden", only.applied, only.carried)
    assert again.filters.section is None and again.filters.municipality == "enköping"
    assert [a.kind for a in again.applied + again.carried] == ["municipality"]
    assert {c.hit.section for c in again.citations} != {"forbattringsmojligheter"}
    assert chat.to_dict()["filters"]["section"] is None and first.citations
    with pytest.raises(InputError, match="okänt filter"):
        chat.without_filter(kompass, "färg", "x", [], [])


def test_conversation_routes(kompass):
    chat = Conversation()
    assert chat.ask(kompass, "Vilket område fick lägst poäng?").route == "fact"
    assert chat.ask(kompass, "Vem arbetar bra med volontärer?").route == "examples"
    assert chat.ask(kompass, "Hur har man formulerat att servicedeklarationer saknas?").route == "wording"
    assert chat.ask(kompass, "Hur hanteras klagomål?").route == "passage"


def test_chat_cli(built_home):
    result = run_cli("chat", "--json", home=built_home, check=True,
                     input="Vem utvärderade Enköping?\nfler\n\n")
    replies = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert replies[0]["route"] == "fact" and "Eldås" in replies[0]["answer"]
