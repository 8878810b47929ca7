"""Embedding is the slow step of ingest: a change that leaves the texts as they were embeds
nothing again, a changed passage embeds only its own changed texts, and the workers that embed
batches side by side give the vectors one worker gives."""
from __future__ import annotations

import shutil
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from assistant import ingest
from assistant.config import Config
from assistant.kompass import Kompass
from corpus.chunker import chunk_report
from corpus.errors import KompassError
from corpus.parser import parse_file
from index import embedder as embedders
from index.embedder import INGEST_WORKERS_ENV, Embedder, ingest_workers

CHANGED = ("friskvårdstimme", "friskvårdstimmar")  # one word of one sentence in Område 6


class Counting(Embedder):
    """The real model, keeping every text it is given to embed as a passage or topic."""

    def __init__(self, inner: Embedder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.parallel, self.threads_per_call = inner.parallel, inner.threads_per_call
        self.texts: list[str] = []
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not is_query:
            with self._lock:  # batches arrive from several threads at once
                self.texts += texts
        return self.inner._embed(texts, is_query)  # noqa: SLF001


def embedded_texts(path) -> list[str]:
    return [t for p in chunk_report(parse_file(path)) for t in (p.embedded_text, *p.sentence_texts_for_index)]


@pytest.fixture
def copied(home_copy, tmp_path, sample_path, kompass):
    """The built index, the sample copied into a folder of its own and read from there (the
    copy takes over from the bundled file), and a Kompass whose model counts what it embeds."""
    folder = tmp_path / "rapporter"
    folder.mkdir()
    copy = folder / sample_path.name
    shutil.copy(sample_path, copy)
    counting = Counting(kompass.embedder)
    k = Kompass(Config.from_env(home=home_copy), embedder=counting)
    [result] = k.ingest([folder], force=True)
    assert (result.status, result.embedded, counting.texts) == ("updated", 0, [])
    yield k, counting, folder, copy
    k.close()


def test_changes_that_leave_the_texts_embed_nothing(copied, sample_path, monkeypatch):
    k, counting, folder, copy = copied
    texts = len(set(embedded_texts(sample_path)))

    [forced] = k.ingest([folder], force=True)  # `force`: every file read and written again
    copy.write_bytes(sample_path.read_bytes().replace(b"\n", b"\r\n"))  # saved anew: new bytes
    [resaved] = k.ingest([folder])
    monkeypatch.setattr(ingest, "PARSER_VERSION", ingest.PARSER_VERSION + 1)
    [reparsed] = k.ingest([folder])  # a new parser version reads every file again

    for result in (forced, resaved, reparsed):
        assert (result.status, result.error, result.embedded) == ("updated", None, 0), result
        assert result.reused >= texts
    assert counting.texts == []
    assert [r.status for r in k.ingest([folder])] == ["unchanged"]


def test_a_changed_passage_embeds_only_its_changed_texts(copied, sample_path):
    k, counting, folder, copy = copied
    copy.write_text(sample_path.read_text(encoding="utf-8").replace(*CHANGED), encoding="utf-8")
    new = set(embedded_texts(copy)) - set(embedded_texts(sample_path))
    owners = [p for p in chunk_report(parse_file(copy))
              if new & {p.embedded_text, *p.sentence_texts_for_index}]
    assert len(owners) == 1 and len(new) == 2  # the passage's own text and the one sentence

    [result] = k.ingest([folder])
    assert (result.status, result.embedded) == ("updated", len(new))
    assert sorted(counting.texts) == sorted(new)
    assert CHANGED[1] in k.search(CHANGED[1], mode="lexical")[0].text


def test_workers_give_the_vectors_one_worker_gives(kompass, sample_path):
    texts = list(dict.fromkeys(embedded_texts(sample_path)))[:20]
    seen: list[tuple[int, int]] = []
    one = kompass.embedder.embed_passages(texts)
    two = kompass.embedder.embed_passages(texts, progress=lambda *a: seen.append(a), workers=2)
    assert np.abs(one - two).max() < 1e-5
    assert seen[-1] == (20, 20) and [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("setting, parallel, threads, cores, expected", [
    (None, True, 1, 2, 2), ("auto", True, 1, 4, 4), (None, True, 2, 2, 1), (None, True, 2, 4, 2),
    (None, True, None, 2, 1), (None, True, 3, 2, 1), (None, False, 1, 2, 1), ("3", True, 1, 2, 3)])
def test_ingest_workers(monkeypatch, setting, parallel, threads, cores, expected):
    """auto: the cores available over the threads a call uses; never more workers × threads
    than cores; 1 for a model whose calls gain nothing side by side."""
    monkeypatch.setattr(embedders, "cores_available", lambda: cores)
    if setting is None:
        monkeypatch.delenv(INGEST_WORKERS_ENV, raising=False)
    else:
        monkeypatch.setenv(INGEST_WORKERS_ENV, setting)
    model = SimpleNamespace(parallel=parallel, threads_per_call=threads)
    assert ingest_workers(model) == expected


@pytest.mark.parametrize("bad", ["0", "-1", "två"])
def test_a_bad_worker_count_is_a_clear_error(monkeypatch, bad):
    monkeypatch.setenv(INGEST_WORKERS_ENV, bad)
    with pytest.raises(KompassError, match=INGEST_WORKERS_ENV):
        ingest_workers(SimpleNamespace(parallel=True, threads_per_call=1))
