"""One behavioural suite, run against every store: the SQLite file (with its search copy) and
PostgreSQL with pgvector (a real server that the suite starts, tests/postgres.py).

Ingest, re-ingest, remove, filters, search in every mode, ask, goda exempel, wording, pages and
bad input must behave the same whatever holds the index. Retrieval quality is held to the dev
evaluation set on each backend. Texts are embedded once per session with the real model and
remembered (Memo), so a second backend or a fresh index costs the parse and the writes only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answer import NO_ANSWER
from assistant.config import Config
from assistant.evaluate import evaluate, load_questions
from assistant.kompass import Kompass
from corpus.errors import InputError, KompassError
from index.embedder import Embedder
from index.records import Filters

BACKENDS = ("sqlite", "postgres")
_databases = iter(range(10**6))


class Memo(Embedder):
    """The real embedder, remembering every text it embedded for the whole session (the
    suite's only shortcut: an index on another store costs the parse and the writes)."""

    seen: dict[tuple[str, bool], np.ndarray] = {}  # shared by every Memo of the session

    def __init__(self, inner: Embedder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (t, is_query) not in self.seen]
        if missing:
            for text, vector in zip(missing, self.inner._embed(missing, is_query)):  # noqa: SLF001
                self.seen[(text, is_query)] = np.asarray(vector, dtype=np.float32)
        return np.stack([self.seen[(t, is_query)] for t in texts])


@pytest.fixture(scope="session")
def memo(kompass) -> Memo:
    return Memo(kompass.embedder)


def new_database(server: str) -> str:
    """A fresh, empty database on the suite's server: its URL."""
    from postgres import create_database

    return create_database(server, f"kompass_backends_{next(_databases)}")


def location(request, backend: str) -> str | None:
    """Where a fresh index of this backend lives (None: SQLite in the home folder)."""
    if backend == "sqlite":
        return None
    return new_database(request.getfixturevalue("postgres_server"))


def open_kompass(home: Path, store: str | None, memo: Memo) -> Kompass:
    return Kompass(Config.from_env(home=home, store=store), embedder=memo)


@pytest.fixture(scope="module", params=BACKENDS)
def indexed(request, tmp_path_factory, memo):
    """A Kompass on this backend with the sample report ingested, for tests that only read."""
    home = tmp_path_factory.mktemp(f"backend-{request.param}")
    kompass = open_kompass(home, location(request, request.param), memo)
    [result] = kompass.ingest()
    assert (result.status, result.error) == ("new", None), result
    kompass.open()
    yield kompass
    kompass.close()


@pytest.fixture(params=BACKENDS)
def fresh(request, tmp_path, memo):
    """A new Kompass on this backend with the sample ingested, for a test that changes it."""
    kompass = open_kompass(tmp_path / "home", location(request, request.param), memo)
    [result] = kompass.ingest()
    assert result.status == "new", result
    yield kompass
    kompass.close()


# -- what was read -----------------------------------------------------------------------
def test_the_backend_is_the_one_asked_for(indexed, request):
    backend = request.node.callspec.params["indexed"]
    assert indexed.store.location.startswith("postgresql://") == (backend == "postgres")
    status = indexed.status()
    assert status.passages == indexed.store.passage_count() > 0
    assert status.store == {"sqlite": "sqlite", "postgres": "postgresql"}[backend]


def test_the_report_reads_back_the_same(indexed, kompass):
    """Every backend stores what the reference SQLite index stores: the report, its scores,
    its passages and its pages."""
    [got], [want] = indexed.reports(questions=True), kompass.reports(questions=True)
    unstable = {"sources": None, "ingested_at": None}
    assert got.to_dict() | unstable == want.to_dict() | unstable
    assert indexed.store.passage_count() == kompass.store.passage_count()
    def read(k):  # passage ids are each store's own
        page = k.page("enkoping-2016", 8)
        return [(p.heading, p.section, p.area, p.text) for p in page.parts]
    assert read(indexed) == read(kompass)
    assert "servicedeklarationer" in " ".join(part[3] for part in read(indexed))


# -- search --------------------------------------------------------------------------------
def test_compound_inflection_and_glossary(indexed):
    hits = indexed.search("servicedeklarationer", top=3)
    assert hits[0].area == 2 and any("servicedeklarationer" in h.text for h in hits[:2])
    assert indexed.search("Vilken totalpoäng fick Enköping?", top=1)[0].section == "resultat"
    english = indexed.search("Does Enköping use individual contracts for managers?", top=3)
    assert any("chefsavtal" in h.text for h in english)


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_every_mode_finds_the_passage(indexed, mode):
    hits = indexed.search("Hur arbetar kommunen med medborgardialog?", top=5, mode=mode)
    assert len(hits) == 5 and any("medborgardialog" in h.text.lower() for h in hits[:3])
    if mode != "lexical":  # lexical: BM25 order, each hit scored by its coverage of the query
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_dense_equals_the_reference(indexed, kompass):
    """The dense side finds what exact search on the reference index finds (at this size both
    backends must be exact): the same passages with the same scores to 1e-4 (the search copy keeps
    float16 vectors, pgvector float32; near ties may swap)."""
    for query in ("Hur hanteras klagomål?", "volontärer inom omsorgen", "chefernas uppdrag"):
        got = indexed.search(query, top=10, mode="dense")
        want = kompass.search(query, top=10, mode="dense")
        key = lambda h: (h.heading, h.page, h.text)  # noqa: E731 - passage ids are each store's own
        assert {key(h) for h in got} == {key(h) for h in want}, query
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-4), query


def test_quality_on_the_dev_set(indexed):
    """The dev evaluation set (tuning set; the holdout is never read here): every backend
    ranks a relevant passage first as often as the product's published figures say."""
    [hybrid, dense] = evaluate(indexed, load_questions(), modes=("hybrid", "dense"))
    assert hybrid.mrr10 >= 0.82 and hybrid.hit5 >= 0.92, (hybrid.mrr10, hybrid.hit5, hybrid.misses)
    assert dense.mrr10 >= 0.74, dense.mrr10


def test_filters(indexed):
    hits = indexed.search("styrning", top=20, filters=indexed.filters(area="4"))
    assert hits and {h.area for h in hits} == {4}
    hits = indexed.search("medborgardialog", top=20, filters=indexed.filters(section="styrkor"))
    assert hits and {h.section for h in hits} == {"styrkor"}
    hits = indexed.search("medborgardialog", filters=indexed.filters(municipality="Enköpings",
                                                                     year="2014-2017"))
    assert hits and {h.municipality for h in hits} == {"Enköping"}
    assert indexed.search("medborgardialog", filters=indexed.filters(year="2015")) == []
    for mode in ("lexical", "dense"):
        narrow = indexed.search("kvalitet", top=50, filters=Filters(area=6, section=None), mode=mode)
        assert narrow and {h.area for h in narrow} == {6}, mode


@pytest.mark.parametrize("kwargs,message", [
    ({"area": "9"}, "okänt område"), ({"year": "20x6"}, "ogiltigt år"),
    ({"section": "slutsatser"}, "okänd sektion"), ({"municipality": "Umeå"}, "okänd kommun"),
])
def test_bad_filter_values(indexed, kwargs, message):
    with pytest.raises(InputError, match=message):
        indexed.filters(**kwargs)


def test_bad_queries(indexed):
    before = indexed.store.signature()
    for query, message in (("", "tom"), ("x" * 10_000, "lång")):
        with pytest.raises(InputError, match=message):
            indexed.search(query)
        with pytest.raises(InputError, match=message):
            indexed.ask(query)
    with pytest.raises(InputError, match="antal"):
        indexed.search("medborgardialog", top=0)
    with pytest.raises(InputError, match="sökläge"):
        indexed.search("medborgardialog", mode="fuzzy")
    assert indexed.store.signature() == before


# -- answers ---------------------------------------------------------------------------------
def test_ask_facts_passages_and_abstention(indexed, kompass):
    fact = indexed.ask("Vilket område fick lägst poäng?")
    assert fact.kind == "fact" and fact.text == kompass.ask("Vilket område fick lägst poäng?").text
    answer = indexed.ask("Hur arbetar kommunen med medborgardialog?")
    assert answer.kind != "none" and answer.citations
    assert all(c.hit.report_id == "enkoping-2016" for c in answer.citations)
    assert "medborgardialog" in answer.text.lower()
    none = indexed.ask("Hur lagar man köttbullar?")
    assert none.kind == "none" and none.citations == [] and none.text == NO_ANSWER


def test_examples_and_wording(indexed):
    volunteers = indexed.examples("volontärer inom omsorgen")
    [example] = volunteers.examples
    assert example.report_id == "enkoping-2016"
    assert any(e.page == 14 and "volontärverksamhet inom omsorgen" in e.quote for e in example.evidence)
    service = indexed.examples("Vem arbetar bra med servicedeklarationer?")
    assert service.examples == [] and service.lacking[0]["page"] == 8
    wording = indexed.wording("servicedeklarationer")
    assert wording.entries and any("servicedeklaration" in e.text for e in wording.entries)


# -- changes ---------------------------------------------------------------------------------
def test_reingest_unchanged_is_free_and_a_change_reembeds_only_itself(fresh, sample_path, tmp_path):
    before = fresh.store.passage_count()
    [again] = fresh.ingest()
    assert (again.status, again.embedded) == ("unchanged", 0)
    changed = tmp_path / "enkoping_2016.txt"
    changed.write_text(sample_path.read_text(encoding="utf-8").replace(
        "Kommunen har inte tagit fram några servicedeklarationer",
        "Kommunen har tagit fram servicedeklarationer"), encoding="utf-8")
    [result] = fresh.ingest([changed], force=True)
    assert result.status == "updated" and 1 <= result.embedded <= 3 and result.reused > 400
    assert fresh.store.passage_count() == before
    hits = fresh.search("Kommunen har tagit fram servicedeklarationer", top=3)
    assert any("Kommunen har tagit fram servicedeklarationer" in h.text for h in hits)
    assert not any("inte tagit fram några servicedeklarationer" in h.text
                   for h in fresh.search("servicedeklarationer", top=20, mode="lexical"))


def test_remove(fresh):
    generation = fresh.store.generation()
    fresh.remove("enkoping-2016")
    assert fresh.reports() == [] and fresh.store.passage_count() == 0
    assert fresh.store.generation() > generation
    assert fresh.search("medborgardialog") == []
    assert fresh.ask("Hur arbetar kommunen med medborgardialog?").kind == "none"
    with pytest.raises(InputError, match="finns inte"):
        fresh.remove("enkoping-2016")


def test_bad_files_leave_the_index_untouched(fresh, tmp_path):
    signature, count = fresh.store.signature(), fresh.store.passage_count()
    corrupt = tmp_path / "trasig.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    empty = tmp_path / "tom.txt"
    empty.write_text("", encoding="utf-8")
    results = fresh.ingest([corrupt, empty])
    assert all(r.error for r in results) and len(results) == 2
    assert all("\n" not in r.error for r in results)
    assert (fresh.store.signature(), fresh.store.passage_count()) == (signature, count)
    assert fresh.search("medborgardialog", top=1)


def test_a_second_process_sees_the_writes(fresh, memo):
    """Another Kompass on the same store (as another server process would be) sees an ingest
    and a removal at its next query."""
    other = open_kompass(fresh.config.home, fresh.config.store or None, memo)
    try:
        assert other.search("medborgardialog", top=1)
        fresh.remove("enkoping-2016")
        assert other.search("medborgardialog") == []
        fresh.ingest()
        assert other.search("medborgardialog", top=1)[0].report_id == "enkoping-2016"
    finally:
        other.close()


def test_an_unreachable_database_is_one_clear_line_without_the_password(tmp_path, memo):
    kompass = open_kompass(tmp_path, "postgresql://kompass:hemligt@127.0.0.1:1/kompass", memo)
    with pytest.raises(KompassError, match="PostgreSQL") as error:
        kompass.search("medborgardialog")
    assert "\n" not in str(error.value) and "hemligt" not in str(error.value)
    assert "127.0.0.1:1" in str(error.value)
