"""Fact answers: scores, rankings, totals, evaluators, dates and the compared Kvalitetskommun,
computed from the tables of the real sample and of generated reports with known scores."""
from __future__ import annotations

import json
import re

import pytest
from conftest import run_cli

from assistant.facts import classify
from index.records import Filters


def first_line(answer) -> str:
    return answer.text.splitlines()[0]


# The failures reported in issue 9, now answered from the tables.
@pytest.mark.parametrize("question, expected", [
    ("Vilka är Enköpings svagaste områden?", ["område 4", "42", "område 5", "43"]),
    ("Which area had the lowest score?", ["område 4", "42"]),
    ("Hur många poäng fick fråga 2.4?", ["8 av 20", "2.4", "brukarundersökningar"]),
    ("Vilket område fick lägst poäng?", ["område 4", "Ledarskap", "42"]),
    ("Vem utvärderade Enköping?", ["Leif Eldås", "Lotta Ricklander", "Anna Marnell"]),
    ("Vilka områden fick under 50 poäng?", ["område 4 ", "område 5 "]),
    ("Vilket område fick högst poäng?", ["område 8", "66"]),
    ("Hur många poäng fick Enköping totalt?", ["434 av 800"]),
    ("När gjordes utvärderingen av Enköping?", ["maj 2016"]),
    ("Vilken Kvalitetskommun jämförs Enköping med?", ["Kävlinge", "2015"]),
    # Sub-questions: ranked by their share of the points (the maxima differ), or by their words.
    ("Vilken delfråga fick lägst poäng?", ["1.3", "8 av 25", "30 %"]),
    ("Vilken delfråga inom politisk styrning fick högst procent?", ["3.4", "17 av 20"]),
    ("Vilka delfrågor fick under 50 procent?", ["1.3", "2.4"]),
    ("Hur många poäng fick frågan om invånardialog?", ["1.4", "19 av 30"]),
    ("Vem gjorde utvärderingen?", ["Eldås", "Ricklander", "Marnell"]),
])
def test_fact_questions_on_the_sample(kompass, question, expected):
    understood = kompass.understand(question)
    answer = kompass.ask(understood.topic, filters=understood.filters)
    assert answer.kind == "fact"
    line = first_line(answer)
    for value in expected:
        assert value.lower() in line.lower(), (question, line)
    assert answer.citations, "a fact is cited to its table"
    for citation in answer.citations:
        assert f"[{citation.number}]" in answer.text
        for part in citation.quote.split(" … "):
            assert part.rstrip(".") in citation.hit.text, (part, citation.hit.text)


def test_a_fact_cites_the_page_of_its_table(kompass):
    answer = kompass.ask("Vilket område fick lägst poäng?")
    [citation] = answer.citations
    assert (citation.hit.section, citation.page) == ("resultat", 3)
    assert "42" in citation.quote and "Ledarskap" in citation.quote
    answer = kompass.ask("Hur många poäng fick fråga 2.4?")
    assert (answer.citations[0].hit.section, answer.citations[0].page) == ("delfragor", 21)


def test_no_area_below_the_threshold_says_so(kompass):
    answer = kompass.ask("Vilka områden fick under 40 poäng?")
    assert first_line(answer).startswith("Inget område")
    assert "42" in first_line(answer)


def test_passage_questions_are_not_facts():
    for question in ("Hur arbetar kommunen med medborgardialog?", "Hur många invånare har Enköping?",
                     "Vilken kommun är bäst på servicedeklarationer?", "Vilka styrkor har kommunen inom ledarskap?",
                     "Hur har medborgardialogen utvecklats?", "Hur följer kommunen upp resultat i verksamheten?",
                     "qwxyz blorf"):
        assert classify(question) is None, question


def test_one_evaluation_has_no_change(kompass):
    understood = kompass.understand("Hur förändrades Enköping mellan två utvärderingar?")
    answer = kompass.ask(understood.topic, filters=understood.filters)
    assert answer.kind == "fact" and answer.citations == []
    assert "bara en utvärdering" in answer.text


# -- across reports: generated reports whose scores are known ---------------------------
def test_totals_across_reports(synthetic):
    kompass, corpus, _ = synthetic
    latest = corpus.latest()
    totals = sorted(t.total for t in latest.values())
    threshold = totals[len(totals) // 2]
    answer = kompass.ask(f"Vilka kommuner fick över {threshold} poäng?")
    expected = {m for m, t in latest.items() if t.total > threshold}
    line = first_line(answer)
    assert answer.kind == "fact"
    assert {m for m in latest if m in line} == expected, line
    assert len(answer.citations) == len(expected)
    best = max(latest.values(), key=lambda t: t.total)
    answer = kompass.ask("Vilken kommun fick högst totalpoäng?")
    assert best.municipality in first_line(answer) and str(best.total) in first_line(answer)


def test_lowest_area_across_reports(synthetic):
    kompass, corpus, _ = synthetic
    latest = corpus.latest()
    score, name = min((s, t.municipality) for t in latest.values() for s in t.area_scores.values())
    line = first_line(kompass.ask("Vilket område fick lägst poäng?"))
    assert name in line and f"({score})" in line, line


def test_change_between_two_evaluations(synthetic):
    kompass, corpus, _ = synthetic
    twice = next(m for m in corpus.latest() if sum(t.municipality == m for t in corpus.reports) == 2)
    first, last = sorted((t for t in corpus.reports if t.municipality == twice), key=lambda t: t.year)
    understood = kompass.understand(f"Hur förändrades {twice} mellan de två utvärderingarna?")
    answer = kompass.ask(understood.topic, filters=understood.filters)
    line = first_line(answer)
    assert f"{first.total} → {last.total}" in line and f"({last.total - first.total:+d})" in line, line
    area = min(first.area_scores)
    assert f"{first.area_scores[area]} → {last.area_scores[area]}" in answer.text
    assert {c.hit.report_id for c in answer.citations} == {first.report_id, last.report_id}


def test_cli_json_fact(built_home):
    result = run_cli("ask", "Vilket område fick lägst poäng?", "--json", home=built_home, check=True)
    data = json.loads(result.stdout)
    assert data["kind"] == "fact" and data["citations"][0]["page"] == 3
    assert re.search(r"område 4 .*42", data["answer"])


def test_filters_limit_the_reports(kompass):
    with_filter = kompass.ask("Vilket område fick lägst poäng?", filters=Filters(year_from=2020, year_to=2020))
    assert with_filter.citations == [] and "ingen indexerad rapport" in with_filter.text.lower()


def test_comparison_with_an_indexed_kvalitetskommun(home_copy, report):
    """When the compared Kvalitetskommun's report is indexed, its scores are set beside the
    report's, area by area (here a copy of the sample as Kävlinge 2015, five points higher)."""
    import dataclasses

    from assistant.config import Config
    from assistant.ingest import Ingester, Quiet
    from assistant.kompass import Kompass
    from corpus.chunker import chunk_report
    from index.records import Source

    kompass = Kompass(Config.from_env(home=home_copy))
    areas = [dataclasses.replace(a, score=a.score + 5) for a in report.areas]
    copy = dataclasses.replace(report, report_id="kavlinge-2015", municipality="Kävlinge",
                               display_name="Kävlinge kommun", year=2015, areas=areas,
                               total_score=report.total_score + 40)
    passages = [dataclasses.replace(p, report_id="kavlinge-2015", municipality="Kävlinge")
                for p in chunk_report(copy)]
    records, _ = Ingester(kompass.store, kompass.embedder).embed(passages, Quiet())
    kompass.store.replace_report(copy, records, Source("/elsewhere/kavlinge.txt", "kavlinge-2015", "text",
                                                       "kavlinge-2015", "primary", 6))
    kompass.sync_search_copy()
    understood = kompass.understand("Vilken kvalitetskommun jämförs Enköping med?")
    answer = kompass.ask(understood.topic, filters=understood.filters)
    lines = answer.text.splitlines()
    assert "Kävlinge, Sveriges Kvalitetskommun 2015" in lines[0]
    assert lines[1].startswith("Jämfört med Kävlinge kommun 2015:")
    assert "område 4 Ledarskap, ansvar och delegation 42 mot 47 (-5)" in lines[1]
    kompass.close()
