"""Goda exempel on the real sample and on a small generated corpus of fictional reports."""
from __future__ import annotations

import json

import pytest
from conftest import run_cli

from assistant.evaluate_examples import inverted, ndcg_at, precision_at
from corpus.errors import InputError
from corpus.taxonomy import fold

EXAMPLE_FIELDS = {"municipality", "year", "report_id", "strength", "explanation", "scores", "evidence"}


def test_servicedeklarationer_are_missing_in_the_sample(kompass):
    """Enköping's report says it has none: it must not be a good example, and it is listed
    as lacking them, with the sentence that says so."""
    result = kompass.examples("Vem arbetar bra med servicedeklarationer?")
    assert result.examples == []
    assert result.message == "Rapporten beskriver inte kommunen som stark på detta (servicedeklarationer)."
    [lacking] = result.lacking
    assert lacking["report_id"] == "enkoping-2016" and lacking["page"] == 8
    assert "inte tagit fram några servicedeklarationer" in lacking["quote"]


def test_volunteers_in_care_are_a_good_example(kompass):
    result = kompass.examples("volontärer inom omsorgen")
    [example] = result.examples
    assert (example.municipality, example.year, example.report_id) == ("Enköping", 2016, "enkoping-2016")
    quotes = {(e.page, e.quote) for e in example.evidence}
    assert any(page == 14 and "volontärverksamhet inom omsorgen" in quote for page, quote in quotes)
    assert example.strength > 0 and example.parts["positive"] > 0
    assert all(e.hit.section != "allmant" for e in example.evidence)


def test_gibberish_and_bad_input(kompass):
    assert kompass.examples("qwxyz blorf").examples == []
    with pytest.raises(InputError, match="ogiltigt antal"):
        kompass.examples("medborgardialog", top=0)
    with pytest.raises(InputError, match="frågan är tom"):
        kompass.examples("  ")


def test_cli_json_contract(built_home):
    result = run_cli("examples", "Vem arbetar bra med medborgardialog i Enköping?", "--json",
                     home=built_home, check=True)
    data = json.loads(result.stdout)
    assert data["filters_applied"] == [{"kind": "municipality", "value": "Enköping", "words": "Enköping"}]
    assert data["topic"] == "medborgardialog"
    [example] = data["examples"]
    assert EXAMPLE_FIELDS <= example.keys()
    assert {s["kind"] for s in example["scores"]} == {"område", "delfråga"}
    for evidence in example["evidence"]:
        assert {"text", "page", "section", "quote", "source", "stance"} <= evidence.keys()
        assert evidence["quote"] in evidence["text"].replace("\n• ", " ").replace("• ", "") or \
            evidence["quote"] in evidence["text"]
    text = run_cli("examples", "servicedeklarationer", home=built_home, check=True).stdout
    assert "Saknas eller behöver utvecklas enligt rapporten" in text and "s. 8" in text
    bad = run_cli("examples", "Lean", "--top", "0", home=built_home)
    assert bad.returncode == 2 and "ogiltigt antal" in bad.stderr


# -- a small generated corpus --------------------------------------------------------------
def test_repeated_text_is_embedded_once(synthetic):
    _, _, results = synthetic
    # The generic Allmänt text and shared phrasings are embedded by the first report only.
    assert all(r.reused > 0 for r in results[1:])
    assert sum(r.embedded for r in results[1:]) < sum(r.embedded + r.reused for r in results[1:])


TOPICS = ("servicedeklarationer", "medborgardialog", "lean", "delegationsordning", "kompetensforsorjning",
          "internkontroll", "naringslivsklimat", "brukarundersokningar")


@pytest.mark.parametrize("key", TOPICS)
def test_ranked_by_the_truth(synthetic, key):
    kompass, corpus, _ = synthetic
    latest = {fold(m): t for m, t in corpus.latest().items()}
    levels = {m: t.levels[key] for m, t in latest.items()}
    from corpus.synthetic.catalogue import TOPICS as CATALOGUE
    topic = next(t for t in CATALOGUE if t.key == key)
    for query in topic.queries.a[:2]:
        result = kompass.examples(query, auto_filters=False)
        ranked = [fold(e.municipality) for e in result.examples]
        assert len(ranked) == len(set(ranked))  # one entry per municipality
        # Never a municipality whose report says it lacks the thing in so many words.
        explicit = {m for m, t in latest.items() if t.levels[key] == "absent" and t.placements[key] == "prose"}
        assert not explicit & set(ranked[:3]), (query, ranked, levels)
        # The best-ranked one is never a municipality without it.
        assert not ranked or levels[ranked[0]] != "absent", (query, ranked, levels)


def test_a_municipality_is_ranked_by_its_latest_report(synthetic):
    kompass, corpus, _ = synthetic
    twice = [m for m in corpus.latest() if sum(t.municipality == m for t in corpus.reports) == 2]
    assert twice
    name = twice[0]
    result = kompass.examples("medborgardialog", top=10, auto_filters=False)
    for example in result.examples:
        if example.municipality == name:
            assert example.year == corpus.latest()[name].year
            assert [e["year"] for e in example.earlier] == [min(t.year for t in corpus.reports
                                                               if t.municipality == name)]
    # With a year filter that leaves only the earlier report, that one ranks it.
    earlier = min(t.year for t in corpus.reports if t.municipality == name)
    filtered = kompass.examples(f"medborgardialog i {name} {earlier}")
    assert {a.kind for a in filtered.applied} == {"municipality", "year"}
    assert all(e.year == earlier for e in filtered.examples)


def test_measures():
    levels = {"a": "strong", "b": "strong", "c": "partial", "d": "absent"}
    assert precision_at(["a", "b", "c"], levels) == 1.0  # two strong ones, both first
    assert precision_at(["c", "a"], levels) == 0.5
    assert ndcg_at(["a", "b", "c"], levels) == pytest.approx(1.0)
    assert ndcg_at(["d", "c", "b", "a"], levels) < 0.7
    assert inverted(["d", "a"], levels) and not inverted(["a", "b", "d"], levels)
    assert inverted(["a", "d"], levels)  # "b" is strong and not listed: it ranks after "d"
