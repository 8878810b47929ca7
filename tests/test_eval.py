"""Retrieval quality on the Swedish evaluation set, as a regression guard.

The figures themselves are printed by `kompass eval`; this only fails when hybrid search falls
clearly below what it reached when the set was written."""
from __future__ import annotations

from assistant.evaluate import evaluate, load_questions


def test_eval_set_is_well_formed():
    questions = load_questions()
    assert len(questions) >= 40
    kinds = {q.kind for q in questions}
    assert {"keyword", "paraphrase", "english", "score"} <= kinds
    assert len({q.id for q in questions}) == len(questions)


def test_hybrid_beats_each_side_and_holds_its_level(kompass):
    results = {r.mode: r for r in evaluate(kompass, load_questions())}
    hybrid = results["hybrid"]
    assert hybrid.mrr10 >= 0.80 and hybrid.hit5 >= 0.90, hybrid
    assert hybrid.mrr10 > results["lexical"].mrr10
    assert hybrid.mrr10 > results["dense"].mrr10
