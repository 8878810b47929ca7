"""The search copy of the vectors (index/vectors.py): opened from disk, never stale, never
returning a removed passage, the same as a copy built from scratch; and the schema-3 store
underneath it (migration, ids never reused, the reversed vocabulary)."""
from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from assistant.config import Config
from assistant.ingest import Ingester, Quiet
from assistant.kompass import Kompass
from corpus.chunker import chunk_report
from corpus.errors import InputError
from index.records import Filters, Source
from index.sqlite import SQLiteStore, sqlite3
from index.sqlite.schema import MIGRATIONS, SCHEMA_VERSION


def _copy_of_sample(kompass: Kompass, report, report_id: str, municipality: str):
    """The sample under another id and name, with its stored vectors (nothing is embedded)."""
    copy = dataclasses.replace(report, report_id=report_id, municipality=municipality,
                               display_name=f"{municipality} kommun")
    passages = [dataclasses.replace(p, report_id=report_id, municipality=municipality)
                for p in chunk_report(report)]
    records, embedded = Ingester(kompass.store, kompass.embedder).embed(passages, Quiet())
    assert embedded == 0
    return copy, records, Source(f"/elsewhere/{report_id}.txt", report_id, "text", report_id, "primary", 3)


def _dense_ids(kompass: Kompass, query: str, k: int = 200) -> list[int]:
    return [pid for pid, _ in kompass.dense.search(kompass.embedder.embed_query(query), Filters(), k)]


def test_a_new_process_opens_the_copy_without_reading_vectors(built_home, monkeypatch):
    def no_scan(*args, **kwargs):
        raise AssertionError("the vectors were read from SQLite again")

    monkeypatch.setattr(SQLiteStore, "all_vectors", no_scan)
    monkeypatch.setattr(SQLiteStore, "vectors_of", no_scan)
    kompass = Kompass(Config.from_env(home=built_home))
    hits = kompass.search("servicedeklarationer", top=3, mode="dense")
    assert hits and hits[0].area == 2
    manifest = json.loads((built_home / "kompass.search" / "manifest.json").read_text())
    assert manifest["generation"] == kompass.store.generation()
    assert manifest["counts"]["passages"] == kompass.store.passage_count()
    kompass.close()


def test_changes_made_elsewhere_are_seen_and_removed_passages_never_return(home_copy, report):
    reader = Kompass(Config.from_env(home=home_copy))
    before = _dense_ids(reader, "servicedeklarationer")
    reader.filters(municipality="Enköping")  # the known municipalities are cached from here on
    # Another process writes with a bare store: it does not touch the copy on disk.
    writer = SQLiteStore(reader.config.db_path, reader.embedder.name, reader.embedder.dim)
    writer.replace_report(*_copy_of_sample(reader, report, "kopia-2016", "Kopiastad"))
    copied = {r[0] for r in writer.db.execute("SELECT id FROM passages WHERE report_id = 'kopia-2016'")}
    assert copied and not copied & set(before)

    hits = reader.search("servicedeklarationer", top=5, mode="dense",
                         filters=reader.filters(municipality="Kopiastad"))
    assert hits and {h.report_id for h in hits} == {"kopia-2016"}
    assert set(_dense_ids(reader, "servicedeklarationer")) & copied

    writer.remove_report("kopia-2016")
    assert not set(_dense_ids(reader, "servicedeklarationer", 1000)) & copied
    with pytest.raises(InputError, match="okänd kommun"):
        reader.filters(municipality="Kopiastad")
    writer.close()
    reader.close()


def test_the_kept_up_copy_equals_one_built_from_scratch(home_copy, report):
    kompass = Kompass(Config.from_env(home=home_copy))
    kompass.store.replace_report(*_copy_of_sample(kompass, report, "kopia-2016", "Kopiastad"))
    kompass.sync_search_copy()
    kompass.store.replace_report(*_copy_of_sample(kompass, report, "kopia-2017", "Kopiaby"))
    kompass.store.remove_report("kopia-2016")
    kompass.sync_search_copy()
    queries = ["servicedeklarationer", "Hur följer fullmäktige upp målen?", "frivilligkrafter"]
    kept = [kompass.dense.search(kompass.embedder.embed_query(q), Filters(), 50) for q in queries]
    files = sorted(p.name for p in (home_copy / "kompass.search").glob("*.faiss"))
    assert len(files) == 2, files  # the superseded generation's files are gone
    kompass.close()

    shutil.rmtree(home_copy / "kompass.search")
    rebuilt = Kompass(Config.from_env(home=home_copy))
    for query, expected in zip(queries, kept):
        got = rebuilt.dense.search(rebuilt.embedder.embed_query(query), Filters(), 50)
        assert [p for p, _ in got] == [p for p, _ in expected]
        assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-6)
    rebuilt.close()


def test_a_damaged_or_foreign_copy_is_rebuilt(home_copy):
    directory = home_copy / "kompass.search"
    manifest = json.loads((directory / "manifest.json").read_text())
    (directory / manifest["sentences"]).write_bytes(b"not a faiss index")
    kompass = Kompass(Config.from_env(home=home_copy))
    assert kompass.search("servicedeklarationer", top=1, mode="dense")[0].area == 2
    kompass.close()
    manifest["index_id"] = "another-index"
    (directory / "manifest.json").write_text(json.dumps(manifest))
    kompass = Kompass(Config.from_env(home=home_copy))
    assert kompass.search("servicedeklarationer", top=1, mode="dense")[0].area == 2
    assert json.loads((directory / "manifest.json").read_text())["index_id"] == kompass.store.index_id
    kompass.close()


def test_passage_ids_are_never_used_twice(home_copy, report):
    kompass = Kompass(Config.from_env(home=home_copy))
    store = kompass.store
    store.replace_report(*_copy_of_sample(kompass, report, "kopia-2016", "Kopiastad"))
    top = store.db.execute("SELECT max(id) FROM passages").fetchone()[0]
    store.remove_report("kopia-2016")  # the highest ids go; SQLite alone would hand them out again
    store.replace_report(*_copy_of_sample(kompass, report, "kopia-2017", "Kopiaby"))
    assert store.db.execute("SELECT min(id) FROM passages WHERE report_id = 'kopia-2017'").fetchone()[0] > top
    kompass.close()


def test_compounds_ending_in_a_word_come_from_the_reversed_vocabulary(kompass):
    store = kompass.store
    vocabulary = [r[0] for r in store.db.execute("SELECT term FROM passages_fts_vocab")]
    for suffix in ("fullmäkt", "uppfölj", "utveckl", "dialog", "kvalitet"):
        expected = [t for t in vocabulary if t.endswith(suffix) and len(t) >= len(suffix) + 3]
        assert sorted(store.terms_ending_with(suffix, limit=1000)) == sorted(expected)
    assert "kommunfullmäkt" in store.terms_ending_with("fullmäkt")


def test_the_reversed_vocabulary_counts_as_the_full_text_index_does(home_copy, report):
    kompass = Kompass(Config.from_env(home=home_copy))
    store = kompass.store

    def counts(sql):
        return {term: doc for term, doc in store.db.execute(sql)}

    for change in (lambda: store.replace_report(*_copy_of_sample(kompass, report, "kopia-2016", "Kopiastad")),
                   lambda: store.remove_report(report.report_id)):
        change()
        vocabulary = counts("SELECT term, doc FROM passages_fts_vocab")
        assert counts("SELECT reversed, doc FROM vocabulary") == {t[::-1]: d for t, d in vocabulary.items()}
    assert store.passage_count() == len(chunk_report(report))  # only the copy is left
    kompass.close()


def _old_index(path, dim: int = 4) -> None:
    """An index as schema 2 wrote it: vec0 tables with TEXT metadata, no generation."""
    db = sqlite3.connect(str(path), isolation_level=None)
    db.enable_load_extension(True)
    import sqlite_vec

    sqlite_vec.load(db)
    db.execute("BEGIN")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL)")
    for name, migrate in MIGRATIONS[:2]:
        migrate(db, dim)
        db.execute("INSERT INTO migrations VALUES (?, 0)", (name,))
    db.executemany("INSERT INTO meta VALUES (?, ?)",
                   [("schema_version", "2"), ("embedder", "test-model"), ("dim", str(dim))])
    db.execute("INSERT INTO reports (report_id, municipality, municipality_key, display_name, year) "
               "VALUES ('x-2016', 'Xstad', 'xstad', 'Xstad kommun', 2016)")
    for pid, text in ((1, "kommunfullmäktige följer upp"), (2, "servicedeklarationer saknas")):
        vector = np.eye(dim, dtype=np.float32)[pid].tobytes()
        db.execute("INSERT INTO passages VALUES (?, 'x-2016', ?, 2, 'sammanfattning', 3, 3, 'h', ?, ?)",
                   (pid, pid, text, f"hash{pid}"))
        db.execute("INSERT INTO passages_fts (rowid, terms) VALUES (?, ?)",
                   (pid, "kommunfullmäkt följ" if pid == 1 else "servicedeklaration sakn"))
        db.execute("INSERT INTO passage_vectors VALUES (?, ?, 2, 'sammanfattning', 2016, 'xstad', 'x-2016')",
                   (pid, vector))
        db.execute("INSERT INTO sentences VALUES (?, ?, 0, ?, 3, 3, ?)", (pid, pid, text, f"s{pid}"))
        db.execute("INSERT INTO sentence_vectors VALUES (?, ?, ?, 2, 'sammanfattning', 2016, 'xstad', "
                   "'x-2016')", (pid, vector, pid))
    db.execute("COMMIT")
    db.close()


def test_a_schema_2_index_is_migrated(tmp_path):
    path = tmp_path / "kompass.db"
    _old_index(path)
    store = SQLiteStore(path, "test-model", 4)
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
    assert {"passage_embeddings", "sentence_embeddings", "vocabulary"} <= tables
    assert not {"passage_vectors", "sentence_vectors"} & tables
    meta = dict(store.db.execute("SELECT key, value FROM meta"))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["next_passage_id"] == "3"
    assert store.generation() == 1 and len(store.index_id) == 32
    ids, vectors, owners, _ = store.all_vectors()
    assert ids.tolist() == [1, 2] and owners.tolist() == [1, 2]
    assert np.array_equal(vectors, np.eye(4, dtype=np.float32)[1:3])
    assert store.terms_ending_with("fullmäkt") == ["kommunfullmäkt"]
    hits = store.exact_dense_search(np.eye(4, dtype=np.float32)[2], Filters(), 1)
    assert hits[0][0] == 2 and hits[0][1] == pytest.approx(1.0)
    store.close()


def test_an_inverted_file_for_many_sentences_filters_and_follows_changes(home_copy, report, monkeypatch):
    """Above IVF_MIN vectors, sentences and then passages go into an IVF (forced on the sample)."""
    from index import search_copy

    monkeypatch.setattr(search_copy, "IVF_MIN", 100)
    shutil.rmtree(home_copy / "kompass.search")
    kompass = Kompass(Config.from_env(home=home_copy))
    store = kompass.store
    vector = kompass.embedder.embed_query("Hur följer fullmäktige upp målen?")
    snapshot = kompass.search_copy.current()
    embedded = store.db.execute("SELECT count(*) FROM sentence_embeddings").fetchone()[0]
    assert snapshot.sentences.is_ivf and len(snapshot.sentences) == embedded > 300
    # 8-bit sentence codes; a narrow filter probes every list: the same hits as exact search.
    assert snapshot.sentences.approximate and not snapshot.passages.approximate
    narrow = Filters(area=3, section=kompass.filters(section="sammanfattning").section)
    _, sentences, _ = kompass.search_copy.dense(vector, narrow, 10, 20)
    exact = store.exact_dense_search(vector, narrow, 20, sentences=True)
    assert [p for p, _ in sentences] == [p for p, _ in exact]
    assert np.allclose([s for _, s in sentences], [s for _, s in exact], atol=2e-3)
    allowed = set(store.filtered_ids(Filters(area=6)).tolist())
    _, sentences, _ = kompass.search_copy.dense(vector, Filters(area=6), 10, 40)
    assert sentences and {p for p, _ in sentences} <= allowed

    store.replace_report(*_copy_of_sample(kompass, report, "kopia-2016", "Kopiastad"))
    copied = {r[0] for r in store.db.execute("SELECT id FROM passages WHERE report_id = 'kopia-2016'")}
    snapshot = kompass.search_copy.current()
    assert snapshot.sentences.is_ivf and len(snapshot.sentences) == 2 * embedded
    assert snapshot.passages.is_ivf and len(snapshot.passages) == 2 * 88  # grown past IVF_MIN
    some = sorted(copied)[:3]
    exact = dict(store.exact_dense_search(vector, Filters(report_id="kopia-2016"), 1000))
    similarities = snapshot.passages.similarities(vector, [*some, 10**9])
    assert set(similarities) == set(some)
    assert all(abs(similarities[p] - exact[p]) < 2e-3 for p in some)
    _, sentences, _ = kompass.search_copy.dense(vector, kompass.filters(municipality="Kopiastad"), 10, 40)
    assert sentences and {p for p, _ in sentences} <= copied
    store.remove_report("kopia-2016")
    _, sentences, _ = kompass.search_copy.dense(vector, Filters(), 10, 1000)
    assert len(kompass.search_copy.current().sentences) == embedded
    assert not {p for p, _ in sentences} & copied
    kompass.close()


def test_an_8bit_inverted_file_scores_sentences_close_to_exact(home_copy, monkeypatch):
    """With 8-bit sentence codes (an IVF), each sentence hit's score is within 8-bit rounding of
    the exact similarity of one of its passage's sentences."""
    from index import search_copy

    monkeypatch.setattr(search_copy, "IVF_MIN", 100)
    shutil.rmtree(home_copy / "kompass.search")
    kompass = Kompass(Config.from_env(home=home_copy))
    errors = []
    for query in ("Hur följer fullmäktige upp målen?", "servicedeklarationer", "frivilligkrafter"):
        vector = kompass.embedder.embed_query(query)
        _, sentences, snapshot = kompass.search_copy.dense(vector, Filters(), 10, 40)
        assert snapshot.sentences.approximate and sentences
        stored = kompass.store.sentences_of({p for p, _ in sentences})
        for pid, score in sentences:
            errors.append(min(abs(float(u.vector @ vector) - score) for u in stored[pid] if u.vector is not None))
    assert max(errors) < 2e-3 and np.mean(errors) < 5e-4
    kompass.close()


def test_a_copy_of_the_older_format_is_rebuilt_not_misread(home_copy, monkeypatch):
    """Format 2 kept float16 sentence codes: such a copy is built again in the current format
    (its files are not read as the current ones), with the results of a copy built afresh."""
    from index import search_copy

    monkeypatch.setattr(search_copy, "IVF_MIN", 100)
    directory = home_copy / "kompass.search"
    shutil.rmtree(directory)
    with monkeypatch.context() as old:
        old.setattr(search_copy, "FORMAT", 2)
        old.setattr(search_copy, "IVF_CODES", "QT_fp16")
        kompass = Kompass(Config.from_env(home=home_copy))
        assert not kompass.search_copy.current().sentences.approximate
        kompass.close()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format"] == 2
    old_size = (directory / manifest["sentences"]).stat().st_size

    queries = ["servicedeklarationer", "Hur följer fullmäktige upp målen?"]
    kompass = Kompass(Config.from_env(home=home_copy))
    snapshot = kompass.search_copy.current()
    assert snapshot.sentences.is_ivf and snapshot.sentences.approximate  # 8-bit: built again
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format"] == search_copy.FORMAT == 3
    assert manifest["generation"] == kompass.store.generation()
    assert (directory / manifest["sentences"]).stat().st_size < old_size  # a byte a dimension, not two
    upgraded = [kompass.dense.search(kompass.embedder.embed_query(q), Filters(), 20) for q in queries]
    kompass.close()
    shutil.rmtree(directory)
    fresh = Kompass(Config.from_env(home=home_copy))
    assert [fresh.dense.search(fresh.embedder.embed_query(q), Filters(), 20) for q in queries] == upgraded
    fresh.close()


def _two_sides(n: int = 8000, dim: int = 32):
    """Unit vectors in two opposite clusters (ids below n/2 around +x, the rest around -x)."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((n, dim)).astype(np.float32) * 0.3
    vectors[: n // 2, 0] += 3
    vectors[n // 2:, 0] -= 3
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.arange(n, dtype=np.int64), vectors


def test_a_filtered_ivf_search_probes_lists_in_proportion_to_what_the_filter_keeps(monkeypatch):
    import math

    import faiss

    from index import vectors as vectors_module
    from index.vectors import IVF_PROBE_SHARE, VectorSet

    ids, vectors = _two_sides()
    vector_set = VectorSet.build(vectors.shape[1], ids, vectors, ivf=True)
    lists = int(vector_set.index.nlist)
    probes = []
    real = faiss.SearchParametersIVF

    def spy(**kwargs):
        probes.append(kwargs["nprobe"])
        return real(**kwargs)

    monkeypatch.setattr(faiss, "SearchParametersIVF", spy)
    query = vectors[0]
    scores = vectors @ query
    # a quarter of the query's own cluster: lists in proportion, the exact top 10 of those
    allowed = ids[: len(ids) // 2][::2]
    share = len(allowed) / len(ids)
    got = vector_set.search(query, 10, faiss.IDSelectorBatch(allowed), share)
    assert probes == [min(lists, math.ceil(lists / IVF_PROBE_SHARE / share))] and probes[0] < lists
    _near_the_exact_top(got, allowed, scores)
    # without the share: every list, as before
    probes.clear()
    vector_set.search(query, 10, faiss.IDSelectorBatch(allowed))
    assert probes == [lists]
    # the far cluster only (half the vectors): the lists near the query hold none of them, so
    # the search probes every list and still finds k
    probes.clear()
    far = ids[len(ids) // 2:]
    got = vector_set.search(query, 10, faiss.IDSelectorBatch(far), 0.5)
    assert probes == [math.ceil(lists / IVF_PROBE_SHARE / 0.5), lists]
    _near_the_exact_top(got, far, scores)
    assert vectors_module.IVF_CODES == "QT_8bit"


def _near_the_exact_top(got: list[tuple[int, float]], allowed: np.ndarray, scores: np.ndarray) -> None:
    """Ten allowed hits, each scoring (exactly) within 8-bit rounding of the exact tenth best."""
    tenth = np.sort(scores[allowed])[::-1][9]
    assert len(got) == 10 and {i for i, _ in got} <= set(allowed.tolist())
    assert all(scores[i] >= tenth - 5e-3 and abs(scores[i] - s) < 5e-3 for i, s in got)


LEXICAL_QUERIES = ["Har Enköping servicedeklarationer?", "Hur följer fullmäktige upp målen?",
                   "medborgardialog och synpunkter", "kompetensutveckling för chefer", "lean"]


def _both_lexical(kompass: Kompass, filters: Filters):
    from assistant.lexical_query import analyse

    for query in LEXICAL_QUERIES:
        terms = list(analyse(query, kompass.store).match_terms)
        yield kompass.search_copy.lexical(terms, filters, 10), kompass.store.lexical_search(terms, filters, 10)


@pytest.mark.parametrize("filters", [Filters(), Filters(area=2), Filters(section=None, year_from=2016)])
def test_lexical_postings_rank_as_fts5_bm25(kompass, filters):
    found = 0
    for fast, fts5 in _both_lexical(kompass, filters):
        assert [p for p, _ in fast] == [p for p, _ in fts5]
        assert np.allclose([s for _, s in fast], [s for _, s in fts5], rtol=1e-4)
        found += len(fast)
    assert found >= 5


def test_lexical_postings_follow_changes(home_copy, report):
    kompass = Kompass(Config.from_env(home=home_copy))
    kompass.store.replace_report(*_copy_of_sample(kompass, report, "kopia-2016", "Kopiastad"))
    kompass.store.remove_report(report.report_id)
    kompass.store.replace_report(*_copy_of_sample(kompass, report, "kopia-2017", "Kopiaby"))
    for fast, fts5 in _both_lexical(kompass, Filters()):
        assert fast and [p for p, _ in fast] == [p for p, _ in fts5]
        assert np.allclose([s for _, s in fast], [s for _, s in fts5], rtol=1e-4)
    kompass.close()


def test_threads_searching_while_the_copy_is_opened_see_the_same_results(built_home):
    """Eight threads start on a fresh Kompass at once: the copy is opened once (under a lock)
    and every thread gets what a single thread gets."""
    from concurrent.futures import ThreadPoolExecutor

    queries = LEXICAL_QUERIES * 4
    single = Kompass(Config.from_env(home=built_home))
    expected = [[h.passage_id for h in single.search(q, top=10)] for q in queries]
    single.close()
    shared = Kompass(Config.from_env(home=built_home))
    _ = shared.embedder, shared.dense  # created first: the lazy properties are issue 10's to lock
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: [h.passage_id for h in shared.search(q, top=10)], queries))
    assert got == expected
    shared.close()


def test_a_home_that_cannot_be_written_searches_from_a_copy_in_memory(home_copy, monkeypatch):
    from pathlib import Path

    shutil.rmtree(home_copy / "kompass.search")
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name == "kompass.search":
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    kompass = Kompass(Config.from_env(home=home_copy))
    assert kompass.search("servicedeklarationer", top=1)[0].area == 2
    assert not (home_copy / "kompass.search").exists()
    kompass.close()
