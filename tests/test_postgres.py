"""The PostgreSQL store (index/postgres/) against a real server (tests/postgres.py): its
migrations, the sample report ingested through `Kompass`, searches that agree with the SQLite
index, filters, dense hits equal to an exact scan, errors, snapshots, and writers in several
processes at once."""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import threading

import numpy as np
import psycopg
import pytest
from conftest import SAMPLE, run_cli
from postgres import create_database, drop_database

from assistant.config import Config
from assistant.evaluate import load_questions
from assistant.ingest import topic_hash
from assistant.kompass import BUNDLED_CORPUS, Kompass
from assistant.lexical_query import analyse
from corpus.chunker import chunk_report
from corpus.errors import InputError, KompassError
from corpus.models import SectionKind
from corpus.parser import parse_file
from index.dense import SENTENCE_FANOUT, combine
from index.postgres import SCHEMA_VERSION, PostgresStore, redact
from index.records import Filters, PassageRecord, Source
from index.store import open_store, wipe_store

MODEL = "test/model"
DIM = 8


class Reusing:
    """The session's embedder, taking the vectors of texts the SQLite index already holds from it
    (the same model and text give the same vector): the sample is embedded once per session."""

    def __init__(self, embedder, store):
        self._embedder, self._store = embedder, store

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    def embed_passages(self, texts, progress=None, workers=1):
        name = self._embedder.name
        keys = [(hashlib.sha256(f"{name}\n{t}".encode()).hexdigest(), topic_hash(name, t)) for t in texts]
        known = self._store.cached_vectors(k for k, _ in keys)
        known.update(self._store.topic_vectors(k for _, k in keys))
        found = [known.get(a, known.get(b)) for a, b in keys]
        missing = [i for i, v in enumerate(found) if v is None]
        if missing:
            for i, vector in zip(missing, self._embedder.embed_passages([texts[i] for i in missing])):
                found[i] = vector
        if progress:
            progress(len(texts), len(texts))
        return np.stack(found) if found else np.zeros((0, self._embedder.dim), dtype=np.float32)


@pytest.fixture(scope="session")
def pg_kompass(postgres_server, kompass, tmp_path_factory):
    """The sample report ingested into a PostgreSQL database through `Kompass`, once."""
    url = create_database(postgres_server, "kompass_sample")
    pg = Kompass(Config.from_env(home=tmp_path_factory.mktemp("pg-home"), store=url),
                 embedder=Reusing(kompass.embedder, kompass.store))
    results = pg.ingest()
    assert [r.status for r in results] == ["new"], results
    yield pg
    pg.close()
    drop_database(postgres_server, "kompass_sample")


def _key(hit) -> tuple:
    """A hit as both indexes know it (passage ids are each index's own)."""
    return hit.report_id, hit.section, hit.area, hit.text


# -- schema --------------------------------------------------------------------------
def _sql(url: str, statement: str, params=()):
    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def test_migrations_fresh_reopen_newer_and_another_model(postgres_url):
    with pytest.raises(KompassError, match="är tomt: kör `kompass ingest` först"):
        PostgresStore(postgres_url, MODEL, None)
    store = PostgresStore(postgres_url, MODEL, DIM)
    identity = store.index_id
    assert store.signature() == (identity, 0) and store.schema_version == SCHEMA_VERSION
    store.close()
    assert _sql(postgres_url, "SELECT version, name FROM kompass.schema_migrations ORDER BY version") == \
        [(1, "m001_initial"), (2, "m002_postings")]
    assert _sql(postgres_url, "SELECT extname FROM pg_extension WHERE extname = 'vector'") == [("vector",)]

    again = PostgresStore(postgres_url, MODEL, None)  # the dimension from the index
    assert (again.dim, again.index_id) == (DIM, identity)
    again.close()
    with pytest.raises(KompassError, match="byggt med modellen test/model") as error:
        PostgresStore(postgres_url, "another/model", DIM)
    assert "\n" not in str(error.value)
    with pytest.raises(KompassError, match=r"\(8 dim\), inte test/model \(16 dim\)"):
        PostgresStore(postgres_url, MODEL, 16)

    _sql(postgres_url, "UPDATE kompass.meta SET schema_version = %s", (SCHEMA_VERSION + 1,))
    _sql(postgres_url, "INSERT INTO kompass.schema_migrations (version, name) VALUES (%s, 'm999_future')",
         (SCHEMA_VERSION + 1,))
    with pytest.raises(KompassError, match="nyare schemaversion"):
        PostgresStore(postgres_url, MODEL, DIM)

    wipe_store(postgres_url)  # --rebuild: the schema goes, pgvector stays
    assert _sql(postgres_url, "SELECT 1 FROM pg_namespace WHERE nspname = 'kompass'") == []
    with pytest.raises(KompassError, match="är tomt"):
        open_store(postgres_url, MODEL, None)


def test_connections_sum_bm25_in_memory(postgres_url):
    """Kompass's connections raise work_mem (BM25's per-passage sums) whatever the server's is."""
    store = PostgresStore(postgres_url, MODEL, DIM)
    try:
        with store.connection() as db:
            assert db.execute("SHOW work_mem").fetchone() == ("64MB",)
        assert _sql(postgres_url, "SHOW work_mem") == [("4MB",)]
    finally:
        store.close()


def test_a_foreign_schema_is_refused(postgres_url):
    _sql(postgres_url, "CREATE SCHEMA kompass")
    _sql(postgres_url, "CREATE TABLE kompass.other (x integer)")
    with pytest.raises(KompassError, match="ingen Kompass-databas"):
        PostgresStore(postgres_url, MODEL, DIM)


def test_several_processes_open_a_fresh_database_at_once(postgres_url):
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        identities = pool.starmap(_open_identity, [(postgres_url,)] * 3)
    assert len(set(identities)) == 1
    assert _sql(postgres_url, "SELECT count(*) FROM kompass.schema_migrations") == [(SCHEMA_VERSION,)]


def _open_identity(url: str) -> str:
    store = PostgresStore(url, MODEL, DIM)
    store.close()
    return store.index_id


def test_location_has_no_password():
    url = "postgresql://kompass:hemligt@db.example:5433/index?sslmode=require&password=igen"
    assert redact(url) == "postgresql://kompass@db.example:5433/index?sslmode=require"


def test_an_unreachable_server_is_one_swedish_line(tmp_path):
    url = "postgresql://kompass:hemligt@127.0.0.1:1/index"
    with pytest.raises(KompassError) as error:
        PostgresStore(url, MODEL, DIM)
    message = str(error.value)
    assert "\n" not in message and "hemligt" not in message
    assert message.startswith("PostgreSQL-databasen postgresql://kompass@127.0.0.1:1/index går inte att nå")
    assert "starta servern" in message and "KOMPASS_STORE" in message

    result = run_cli("--store", url, "reports", home=tmp_path)
    assert result.returncode == 2 and "går inte att nå" in result.stderr and "hemligt" not in result.stderr
    assert "Traceback" not in result.stderr


# -- the sample report, ingested ------------------------------------------------------
def test_the_ingested_report_reads_back_like_sqlite(pg_kompass, kompass):
    pg, sq = pg_kompass.store, kompass.store
    assert pg.passage_count() == sq.passage_count() == len(pg.passage_ids())
    assert pg.location == redact(pg.url) and "kompass_sample" in pg.location
    strip = [{k: v for k, v in row.items() if k != "ingested_at"} for row in sq.report_rows()]
    assert [{k: v for k, v in row.items() if k != "ingested_at"} for row in pg.report_rows()] == strip
    assert pg.area_rows("enkoping-2016") == sq.area_rows("enkoping-2016")
    assert sorted(pg.questions_of("enkoping-2016")) == sorted(sq.questions_of("enkoping-2016"))
    assert sorted(pg.area_table()) == sorted(sq.area_table())
    assert sorted(pg.question_rows()) == sorted(sq.question_rows())
    assert pg.municipality_keys() == sq.municipality_keys()
    assert [r[1:] for r in pg.page_units("enkoping-2016", 5)] == [r[1:] for r in sq.page_units("enkoping-2016", 5)]
    assert len(pg.table_passage_ids(["enkoping-2016"])) == len(sq.table_passage_ids(["enkoping-2016"]))
    assert pg.sources_of("enkoping-2016") == sq.sources_of("enkoping-2016")

    # passages, their terms, sentences and vectors, matched by text (ids are each index's own)
    pg_passages, sq_passages = pg.passages(pg.passage_ids()), sq.passages(sq.passage_ids().tolist())
    by_text = {p.text: pid for pid, p in sq_passages.items()}
    assert sorted(by_text) == sorted(p.text for p in pg_passages.values())
    mapping = {pid: by_text[p.text] for pid, p in pg_passages.items()}
    pg_terms, sq_terms = pg.passage_terms(mapping), sq.passage_terms(mapping.values())
    assert all(pg_terms[pid] == sq_terms[other] for pid, other in mapping.items())
    sq_indexed = dict(sq.indexed_terms())
    assert all(sq_indexed[mapping[pid]] == text for pid, text in pg.indexed_terms())
    assert set(pg.vocabulary_ids()) == set(sq.vocabulary_ids())
    words = sorted(pg.vocabulary_ids())
    assert pg.document_frequencies(words) == sq.document_frequencies(words)
    assert pg.terms_starting_with("kommun", 10) == sq.terms_starting_with("kommun", 10)
    assert pg.terms_ending_with("arbet") == sq.terms_ending_with("arbet")
    some = sorted(mapping)[:12]
    pg_sentences, sq_sentences = pg.sentences_of(some), sq.sentences_of(mapping[p] for p in some)
    for pid in some:
        mine, theirs = pg_sentences[pid], sq_sentences[mapping[pid]]
        assert [(s.text, s.page_start, s.page_end) for s in mine] == [(s.text, s.page_start, s.page_end) for s in theirs]
        assert all((a.vector is None) == (b.vector is None) for a, b in zip(mine, theirs))
        assert all(a.vector is None or np.array_equal(a.vector, b.vector) for a, b in zip(mine, theirs))
    vectors, owners, sentence_vectors = pg.vectors_of(some[::-1])
    theirs = sq.vectors_of([mapping[p] for p in some[::-1]])
    assert np.array_equal(vectors, theirs[0]) and np.array_equal(sentence_vectors, theirs[2])
    assert [mapping[o] for o in owners] == theirs[1].tolist()
    ids, passage_vectors, owners, sentence_vectors = pg.all_vectors()
    assert ids.tolist() == sorted(mapping) and passage_vectors.shape == (len(ids), pg.dim)
    assert len(owners) == len(sentence_vectors) == len(sq.all_vectors()[2])
    units, matrix = pg.all_units()
    sq_units, sq_matrix = sq.all_units()
    assert [u[5] for u in units] == [u[5] for u in sq_units] and np.array_equal(matrix, sq_matrix)
    hashes = [r[0] for r in sq.db.execute("SELECT content_hash FROM passages UNION SELECT content_hash "
                                          "FROM sentences WHERE content_hash IS NOT NULL")]
    mine, theirs = pg.cached_vectors(hashes), sq.cached_vectors(hashes)
    assert set(mine) == set(theirs) == set(hashes) and all(np.array_equal(mine[h], theirs[h]) for h in hashes)


QUESTIONS = [q for q in load_questions() if q.id in
             ("k01", "k02", "k05", "k09", "p01", "p07", "e01", "e04", "s01", "s03", "c01", "f02", "p30")]


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_searches_find_what_the_sqlite_index_finds(pg_kompass, kompass, mode):
    assert len(QUESTIONS) == 13
    for question in QUESTIONS:
        theirs = kompass.search(question.query, top=10, mode=mode)
        mine = pg_kompass.search(question.query, top=10, mode=mode)
        assert [_key(h) for h in mine[:1]] == [_key(h) for h in theirs[:1]], (question.id, mode)
        assert len(mine) == len(theirs), (question.id, mode)
        assert len({_key(h) for h in mine} & {_key(h) for h in theirs}) >= min(8, len(theirs)), (question.id, mode)


def test_lexical_scores_are_the_sqlite_bm25(pg_kompass, kompass):
    for question in QUESTIONS:
        match = list(analyse(question.query, kompass.store, fuzzy=True).match_terms)
        theirs = kompass.searcher.candidates(None, match, Filters(), 20)
        mine = pg_kompass.searcher.candidates(None, match, Filters(), 20)
        assert len(mine.lexical) == len(theirs.lexical), question.id
        assert np.allclose([s for _, s in mine.lexical], [s for _, s in theirs.lexical], rtol=1e-5), question.id
        assert [mine.passages[i].text for i, _ in mine.lexical[:5]] == \
            [theirs.passages[i].text for i, _ in theirs.lexical[:5]], question.id
        assert all(mine.terms[i] == theirs.terms[j] for (i, _), (j, _) in zip(mine.lexical[:5], theirs.lexical[:5]))
        assert mine.dense == [] and set(mine.passages) == {i for i, _ in mine.lexical}


def test_servicedeklarationer_finds_servicedeklaration(pg_kompass):
    hits = pg_kompass.search("servicedeklarationer", top=5, mode="lexical")
    assert hits and all("servicedeklaration" in h.text.lower() for h in hits[:3])
    store = pg_kompass.store
    found = store.lexical_search(["servicedeklaration"], Filters(), 50)
    assert found and all("servicedeklaration" in p.text.lower() for p in store.passages(i for i, _ in found).values())
    assert store.document_frequencies(["servicedeklaration", "ordsomintefinns"]) == \
        {"servicedeklaration": len(found), "ordsomintefinns": 0}


FILTERS = [Filters(area=2), Filters(section=SectionKind.STYRKOR), Filters(municipality="enköping", year_from=2016),
           Filters(report_id="enkoping-2016", area=4), Filters(area=3, section=SectionKind.FORBATTRINGSMOJLIGHETER),
           Filters(year_to=2015)]


def test_dense_hits_equal_an_exact_scan(pg_kompass):
    store, searcher = pg_kompass.store, pg_kompass.searcher
    for question in QUESTIONS[:6]:
        vector = pg_kompass.query_vector(question.query)
        for filters in [Filters(), *FILTERS]:
            for k in (1, 10, 50):
                exact = combine(vector, store.exact_dense_search(vector, filters, k),
                                store.exact_dense_search(vector, filters, k * SENTENCE_FANOUT, sentences=True),
                                searcher.similarities, k)
                found = searcher.dense_search(vector, filters, k)
                assert [i for i, _ in found] == [i for i, _ in exact], (question.id, filters, k)
                assert np.allclose([s for _, s in found], [s for _, s in exact], atol=1e-5)


def test_filters_are_applied_on_both_sides(pg_kompass, kompass):
    store, searcher = pg_kompass.store, pg_kompass.searcher
    vector = pg_kompass.query_vector("medborgardialog och synpunkter")
    match = list(analyse("medborgardialog och synpunkter", store).match_terms)
    for filters in FILTERS:
        allowed = set(store.filtered_ids(filters).tolist())
        found = searcher.candidates(vector, match, filters, 20)
        assert {i for i, _ in found.lexical + found.dense} <= allowed, filters
        assert set(found.passages) == {i for i, _ in found.lexical + found.dense}
        theirs = kompass.searcher.candidates(None, match, filters, 20)
        assert [found.passages[i].text for i, _ in found.lexical] == \
            [theirs.passages[i].text for i, _ in theirs.lexical], filters
        assert np.allclose([s for _, s in found.lexical], [s for _, s in theirs.lexical], rtol=1e-5), filters
        if allowed:
            assert found.dense
    assert store.filtered_ids(Filters(year_to=2015)).size == 0
    assert searcher.candidates(vector, match, Filters(year_to=2015), 10).passages == {}
    hits = pg_kompass.search("styrkor", top=10, filters=Filters(area=2, section=SectionKind.STYRKOR))
    assert hits and all(h.area == 2 and h.section == "styrkor" for h in hits)


def test_bad_filter_values_are_input_errors(pg_kompass):
    with pytest.raises(InputError):
        pg_kompass.filters(year="tjugohundra")
    with pytest.raises(InputError):
        pg_kompass.filters(area="område 99")
    searcher, store = pg_kompass.searcher, pg_kompass.store
    before = store.passage_count()
    for filters in (Filters(area="2; DROP TABLE kompass.passages"), Filters(year_from="2016"),  # type: ignore[arg-type]
                    Filters(municipality=7)):  # type: ignore[arg-type]
        with pytest.raises(InputError, match="ogiltigt filtervärde") as error:
            searcher.candidates(None, ["kommun"], filters, 5)
        assert "\n" not in str(error.value)
    # user text is only ever a bound parameter
    assert pg_kompass.search("'; DROP TABLE kompass.passages; --", top=3, mode="lexical") is not None
    assert store.lexical_search(["kommun' | 'arbet", "x\\y", "a'b"], Filters(), 5) == []
    assert store.passage_count() == before == len(store.passage_ids())


def test_ask_answers_from_postgres(pg_kompass, kompass):
    mine, theirs = pg_kompass.ask("Har Enköping servicedeklarationer?"), kompass.ask("Har Enköping servicedeklarationer?")
    assert mine.text == theirs.text


# -- snapshots and writers ------------------------------------------------------------
PASSAGES = 16  # of the sample's, per report written: the writers' test is about turns, not volume


def _records(report, rng: np.random.Generator, dim: int = DIM) -> list[PassageRecord]:
    """The report's first PASSAGES passages with random vectors (HNSW inserts take ~1-3 ms each)."""
    records = []
    for passage in chunk_report(report)[:PASSAGES]:
        units = [(f"{passage.report_id}:{passage.ordinal}:{i}", rng.normal(size=dim).astype(np.float32))
                 if len(passage.units) > 1 else None for i in range(len(passage.units))]
        records.append(PassageRecord(passage, f"{passage.report_id}:{passage.ordinal}",
                                     rng.normal(size=dim).astype(np.float32), units))
    return records


def _source(report_id: str) -> Source:
    return Source(f"/rapporter/{report_id}.txt", "0" * 64, "text", report_id, "primary", 1)


def write_reports(url: str, report_ids: list[str], seed: int) -> int:
    """One process's writes: the sample report under each id of `report_ids`, in turn."""
    store = PostgresStore(url, MODEL, DIM)
    sample = parse_file(SAMPLE)
    rng = np.random.default_rng(seed)
    for report_id in report_ids:
        report = dataclasses.replace(sample, report_id=report_id)
        store.replace_report(report, _records(report, rng), _source(report_id))
    store.close()
    return len(report_ids)


# The postings that disagree with the stored lexemes: (term id, passage, tf, length) from both.
POSTINGS_DISAGREE = (
    "SELECT count(*) FROM kompass.postings o FULL JOIN (SELECT v.id, x.passage_id, cardinality(l.positions) AS tf, "
    "x.length FROM kompass.passage_lexemes x, unnest(x.lexemes) l JOIN kompass.vocabulary v ON v.term = l.lexeme) e "
    "ON e.id = o.term_id AND e.passage_id = o.passage_id "
    "WHERE o.tf IS DISTINCT FROM e.tf OR o.length IS DISTINCT FROM e.length")


def test_schema_1_is_migrated_to_postings_that_rank_alike(postgres_url, report):
    """An index written by schema 1 (no postings; a GIN index on the lexemes) gets its postings
    from the stored lexemes on opening: the same rows and BM25 scores a schema 2 write gives."""
    write_reports(postgres_url, ["x-2016", "y-2016", "x-2016"], 0)  # x's postings deleted once
    store = PostgresStore(postgres_url, MODEL, None)
    assert _sql(postgres_url, POSTINGS_DISAGREE) == [(0,)]
    terms = sorted({t for _, text in store.indexed_terms() for t in text.split()})[::7][:12]
    before = [store.lexical_search([t], Filters(), 10) for t in terms] + [store.lexical_search(terms, Filters(), 20)]
    store.close()
    written = _sql(postgres_url, "SELECT * FROM kompass.postings ORDER BY 1, 2")
    assert len(written) > 100 and all(tf >= 1 for _, _, tf, _ in written)
    for statement in ("DROP TABLE kompass.postings",
                      "CREATE INDEX passages_lexemes ON kompass.passage_lexemes USING gin (lexemes)",
                      "DELETE FROM kompass.schema_migrations WHERE version = 2",
                      "UPDATE kompass.meta SET schema_version = 1"):
        _sql(postgres_url, statement)

    store = PostgresStore(postgres_url, MODEL, None)
    try:
        assert store.schema_version == SCHEMA_VERSION == 2
        assert _sql(postgres_url, "SELECT * FROM kompass.postings ORDER BY 1, 2") == written
        assert _sql(postgres_url, "SELECT to_regclass('kompass.passages_lexemes')") == [(None,)]
        assert [store.lexical_search([t], Filters(), 10) for t in terms] + \
            [store.lexical_search(terms, Filters(), 20)] == before
        assert all(before)
    finally:
        store.close()


def test_writers_in_several_processes_lose_and_duplicate_nothing(postgres_url, report):
    PostgresStore(postgres_url, MODEL, DIM).close()  # the schema first: the writers race on data
    plans = [["x-2016", "y-2016"] * 2, ["x-2016", "z-2016"] * 2, ["y-2016", "z-2016", "x-2016", "y-2016"]]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(plans)) as pool:
        assert pool.starmap(write_reports, [(postgres_url, plan, seed) for seed, plan in enumerate(plans)]) == [4, 4, 4]

    per_report = PASSAGES
    store = PostgresStore(postgres_url, MODEL, None)
    try:
        assert store.passage_count() == 3 * per_report == len(store.passage_ids())
        q = "SELECT {} FROM kompass.{}"
        assert _sql(postgres_url, "SELECT report_id, count(*), count(DISTINCT ordinal) FROM kompass.passages "
                                  "GROUP BY report_id ORDER BY report_id") == \
            [(r, per_report, per_report) for r in ("x-2016", "y-2016", "z-2016")]
        assert _sql(postgres_url, q.format("count(*)", "passage_vectors")) == [(3 * per_report,)]
        assert _sql(postgres_url, q.format("count(*)", "passage_lexemes")) == [(3 * per_report,)]
        sentences = sum(len(p.units) for p in chunk_report(report)[:PASSAGES])
        assert _sql(postgres_url, q.format("count(*)", "sentences")) == [(3 * sentences,)]
        assert _sql(postgres_url, q.format("count(*)", "sources")) == [(3,)]
        # the counts kept in meta and the vocabulary equal what the rows say
        assert _sql(postgres_url, "SELECT m.terms = (SELECT sum(length) FROM kompass.passage_lexemes) "
                                  "FROM kompass.meta m") == [(True,)]
        assert _sql(postgres_url, "SELECT count(*) FROM kompass.vocabulary v FULL JOIN (SELECT l, count(*) AS n "
                                  "FROM kompass.passage_lexemes, unnest(tsvector_to_array(lexemes)) l GROUP BY l) d "
                                  "ON d.l = v.term WHERE v.df IS DISTINCT FROM d.n") == [(0,)]
        assert _sql(postgres_url, POSTINGS_DISAGREE) == [(0,)]
        assert store.generation() >= 12
        # ids are never used twice: the last writes have the highest ids
        assert min(store.passage_ids()) > per_report
        assert store.remove_report("x-2016") and not store.remove_report("x-2016")
        assert store.passage_count() == 2 * per_report
        assert _sql(postgres_url, "SELECT count(*) FROM kompass.sentences") == [(2 * sentences,)]
        assert _sql(postgres_url, POSTINGS_DISAGREE) == [(0,)]
        assert _sql(postgres_url, "SELECT count(DISTINCT passage_id) FROM kompass.postings") == [(2 * per_report,)]
    finally:
        store.close()


def test_reading_holds_one_snapshot_per_thread(postgres_url, report):
    store = PostgresStore(postgres_url, MODEL, DIM)
    rng = np.random.default_rng(5)
    first = dataclasses.replace(report, report_id="a-2016")
    store.replace_report(first, _records(first, rng), _source("a-2016"))
    try:
        count = store.passage_count()
        with store.reading():
            generation = store.generation()
            other = threading.Thread(target=lambda: store.remove_report("a-2016"))
            other.start()
            other.join()
            with store.reading():  # nested: the same snapshot
                assert store.generation() == generation and store.passage_count() == count
            assert len(store.passage_ids()) == count and store.report_row("a-2016") is not None
            # a write from inside reading() has its own connection, and the snapshot stays
            store.put_topic_vectors([("h", "en text", np.ones(DIM, dtype=np.float32))])
            assert store.topic_vectors(["h"]) == {}
        assert store.generation() == generation + 2 and store.passage_count() == 0
        assert np.array_equal(store.topic_vectors(["h"])["h"], np.ones(DIM, dtype=np.float32))
        assert store.report_row("a-2016") is None and store.vocabulary_ids() == {}
    finally:
        store.close()


def test_searches_during_a_reingest_see_one_whole_version(postgres_server, kompass, tmp_path):
    """Four threads search while a fifth re-ingests a changed and the original text in turn:
    every result is what the old or the new version gives."""
    url = create_database(postgres_server, "kompass_reingest")
    pg = Kompass(Config.from_env(home=tmp_path / "home", store=url),
                 embedder=Reusing(kompass.embedder, kompass.store))
    original = (BUNDLED_CORPUS / "enkoping_2016.txt").read_text(encoding="utf-8")
    anchor = "KFs möten sänds i direktsändning på webben."
    changed = original.replace(anchor, "Kommunen har inrättat en digital förslagslåda. " + anchor, 1)
    path = tmp_path / "enkoping.txt"
    queries = [("förslagslåda för invånare", Filters()), ("medborgardialog", Filters(area=1))]

    def result() -> tuple:
        with pg.reading():  # the searches and the count from one state of the index
            return tuple(tuple((h.section, h.text, round(h.score, 5)) for h in pg.search(q, top=10, filters=f))
                         for q, f in queries) + (pg.store.passage_count(),)
    try:
        states = []
        for text in (changed, original):
            path.write_text(text, encoding="utf-8")
            [done] = pg.ingest([path], force=True)
            assert done.error is None, done
            states.append(result())
        assert states[0] != states[1]
        seen, errors, stop = [], [], threading.Event()

        def search() -> None:
            try:
                while not stop.is_set():
                    seen.append(result())
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        threads = [threading.Thread(target=search) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            for turn in range(2):
                path.write_text(changed if turn % 2 == 0 else original, encoding="utf-8")
                [done] = pg.ingest([path], force=True)
                assert done.error is None, done
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert not errors, errors[0]
        assert seen and all(state in states for state in seen)
    finally:
        pg.close()
        drop_database(postgres_server, "kompass_reingest")
