"""The generator of fictional reports: deterministic, fictional, parseable in both formats, and
true to its ground truth."""
from __future__ import annotations

import statistics
from collections import defaultdict

import pytest

from corpus.municipalities import lookup
from corpus.parser import parse_file
from corpus.synthetic.catalogue import TOPICS
from corpus.synthetic.generate import FICTIONAL, generate, plan_corpus, write_report
from corpus.synthetic.render import Columns


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    return folder, generate(folder, seed=5, count=4, pool="a", pdf=True)


def test_deterministic_by_seed(generated, tmp_path):
    folder, corpus = generated
    again = generate(tmp_path / "again", seed=5, count=4, pool="a")
    for truth in corpus.reports:
        assert (folder / truth.file).read_text() == (tmp_path / "again" / truth.file).read_text()
    other = plan_corpus(seed=6, count=4, pool="a")
    assert [t.report_id for t in other.reports] != [t.report_id for t in again.reports]


def test_fictional_everywhere(generated):
    folder, corpus = generated
    for truth in corpus.reports:
        assert lookup(truth.municipality) is None
        text = (folder / truth.file).read_text()
        assert FICTIONAL in text.splitlines()[0]
        report = parse_file(folder / truth.file)
        assert "Fiktiv" in report.title and report.publisher.startswith("Fiktiv")


@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
def test_both_formats_parse_to_the_truth(generated, suffix):
    folder, corpus = generated
    for truth in corpus.reports:
        report = parse_file(folder / truth.file.replace(".txt", suffix))
        assert report.report_id == truth.report_id and report.year == truth.year
        assert report.warnings == []
        assert {a.area: a.score for a in report.areas} == truth.area_scores
        assert report.total_score == truth.total
        document, _ = write_report(truth, "a", 5)
        columns = [b for b in document.blocks if isinstance(b, Columns)]
        from corpus.synthetic.generate import _area_label  # the order the report uses
        by_shown = sorted(report.areas, key=lambda a: _area_label(a.area, truth.area_set)[0])
        for area, column in zip(by_shown, columns):
            assert [i.text for i in area.styrkor] == column.left
            assert [i.text for i in area.forbattringsmojligheter] == column.right
        assert sum(len(a.questions) for a in report.areas) == len(TOPICS)


def test_the_plan_covers_levels_placements_and_both_area_sets():
    corpus = plan_corpus(seed=3, count=300, pool="b")
    assert len(corpus.reports) == 300 and len({t.report_id for t in corpus.reports}) == 300
    assert {t.area_set for t in corpus.reports} == {2010, 2020}
    assert len(corpus.latest()) < 300  # some municipalities have two reports
    percent = defaultdict(list)
    places = defaultdict(set)
    for truth in corpus.reports:
        for key, level in truth.levels.items():
            percent[level].append(truth.question_percent[key])
            places[level].add(truth.placements[key])
    # Scores follow the levels, with noise.
    assert statistics.mean(percent["strong"]) > statistics.mean(percent["partial"]) + 15
    assert statistics.mean(percent["partial"]) > statistics.mean(percent["absent"]) + 15
    assert places["strong"] == {"styrkor", "summary", "prose"}
    assert places["absent"] == {"prose", "forbattring", "silent"}


def test_the_pools_are_disjoint_in_the_reports(tmp_path):
    generate(tmp_path, seed=9, count=3, pool="b")
    text = " ".join(p.read_text() for p in tmp_path.glob("*.txt"))
    for topic in TOPICS:
        for field in ("strong", "partial", "absent", "styrka", "forbattring"):
            for sentence in getattr(topic, field).a:
                assert sentence not in text, sentence


def test_catalogue():
    assert len(TOPICS) >= 40
    assert {t.area for t in TOPICS} == set(range(1, 9))
