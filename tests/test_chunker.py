from __future__ import annotations

import re

from corpus.chunker import MAX_WORDS, chunk_report
from corpus.models import SectionKind


def test_passages_stay_inside_one_area_and_section(report):
    passages = chunk_report(report)
    by_area = {a.area: a for a in report.areas}
    for p in passages:
        if p.section is SectionKind.SAMMANFATTNING:
            source = " ".join(s.text for s in by_area[p.area].sammanfattning)
            assert p.text in source
        elif p.section is SectionKind.STYRKOR:
            items = {i.text for i in by_area[p.area].styrkor}
            assert {line.removeprefix("• ") for line in p.text.split("\n")} <= items
        elif p.section is SectionKind.FORBATTRINGSMOJLIGHETER:
            items = {i.text for i in by_area[p.area].forbattringsmojligheter}
            assert {line.removeprefix("• ") for line in p.text.split("\n")} <= items


def test_passage_metadata_and_sizes(report):
    passages = chunk_report(report)
    assert {p.section for p in passages} == set(SectionKind) - {SectionKind.TEXT}
    for p in passages:
        assert (p.report_id, p.municipality, p.year) == ("enkoping-2016", "Enköping", 2016)
        assert 1 <= p.page_start <= p.page_end <= 23
        assert len(p.text.split()) <= MAX_WORDS + 60  # one long sentence may overshoot
        assert all(s in p.text for s in p.sentences)
        if p.area:
            assert p.heading.startswith(f"Enköpings kommun 2016 · Område {p.area} ")
    assert [p.ordinal for p in passages] == list(range(len(passages)))


def test_score_passages(report):
    passages = chunk_report(report)
    [resultat] = [p for p in passages if p.section is SectionKind.RESULTAT]
    assert "Totalt 434 av 800 poäng" in resultat.text and resultat.page_start == 3
    poang4 = next(p for p in passages if p.section is SectionKind.POANG and p.area == 4)
    assert poang4.text.startswith("Område 4 Ledarskap, ansvar och delegation: 42 av 100 poäng.")
    delfragor1 = next(p for p in passages if p.section is SectionKind.DELFRAGOR and p.area == 1)
    assert "1.3 Informeras invånare om resultat? 8 av 25 poäng (30 %)" in delfragor1.text


def test_sentence_units_are_embedded_only_where_they_help(report):
    passages = chunk_report(report)
    for p in passages:
        if p.section in (SectionKind.POANG, SectionKind.RESULTAT, SectionKind.DELFRAGOR, SectionKind.ALLMANT):
            assert p.sentence_texts_for_index == []
    summary = next(p for p in passages if p.section is SectionKind.SAMMANFATTNING and len(p.sentences) > 1)
    assert all(re.match(r"Område \d ", t) for t in summary.sentence_texts_for_index)
    # The passage keeps its report's name; its units and the generic Allmänt text do not.
    assert summary.embedded_text.startswith("Enköpings kommun 2016 · Område") and "Enköping" not in summary.context
    allmant = next(p for p in passages if p.section is SectionKind.ALLMANT)
    assert allmant.embedded_text.startswith("Område ")
