"""The vectors the query path searches: a memory-mapped FAISS copy of the vectors in SQLite.

SQLite (sqlite-vec's vec0 tables) holds every vector durably, in the same transaction as its
passage; the query path never reads them there (a vec0 KNN query or a look-up by an IN list
scans the whole table). Beside the database file, in `kompass.vectors/`, lives a copy built for
search:

- `passages.G.faiss`: one vector per passage, keyed by passage id;
- `sentences.G.faiss`: one vector per embedded sentence, keyed by *its passage's* id, so that a
  sentence hit names its passage and a filter is one set of passage ids for both;
- `manifest.json`: the copy's format, model and dimension, and the index identity and generation
  it reflects (G).

Both are float16 (FAISS `IndexScalarQuantizer` QT_fp16 in an `IndexIDMap`): half of float32's
memory, and exact flat search over it is as fast as float32 because it is bound by memory.
From IVF_MIN sentences on, the sentences go into an inverted file (IVF) instead, as exact search
over them would be most of a query's time (bench/bench_query.py measures recall@10 against
exact float32 search). Opening memory-maps the files: no copy and no rebuild, whatever the size.

The copy is brought up to date (`sync`) when the store's generation moves on: at the end of an
ingest or a removal, or by the first query that finds it stale (another process wrote). Passage
ids are never reused and a passage's vectors never change, so syncing is a set difference on
passage ids: removed ones are dropped, new ones are read by point look-ups (or, when most of the
index is new, by one scan). New files are written under new names and the manifest is replaced
atomically last; a reader that holds the old files keeps them until it reopens. One process at a
time syncs (a lock file).
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sqlite_store import Filters, SQLiteStore

FORMAT = 1
FULL_SCAN_SHARE = 0.3  # when more of the index than this is new, read all vectors in one scan
# Sentences: exact flat search up to IVF_MIN vectors (16 ms at 400k, the most of a query);
# above it an inverted file (IVF, float16) probing 1/16 of its lists: 1.4 ms at 393k sentences
# with recall@200 0.99 (bench/bench_query.py). Retrained from scratch when it has grown 4x.
IVF_MIN = 200_000
IVF_PROBE_SHARE = 16
IVF_REGROW = 4


def _faiss():
    import faiss

    return faiss


def _ivf_lists(n: int) -> int:
    """About sqrt(n) lists, a power of two."""
    return int(min(8192, max(64, 2 ** round(np.log2(max(n, 1) ** 0.5)))))


@dataclass(frozen=True)
class VectorSet:
    """One FAISS index keyed by passage id (ids may repeat: sentences carry their passage's).
    Flat: an IndexIDMap over float16 codes, with the row → id map for look-ups by id. IVF: an
    IndexIVFScalarQuantizer (float16), searched by probing some of its lists."""

    index: object
    ids: np.ndarray | None = None  # flat: the passage id of each row
    order: np.ndarray | None = None  # flat: rows sorted by id
    trained_on: int | None = None  # IVF: vectors at training time

    @classmethod
    def wrap(cls, index, trained_on: int | None = None) -> VectorSet:
        faiss = _faiss()
        if isinstance(index, faiss.IndexIVF):
            return cls(index, trained_on=trained_on or int(index.ntotal))
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        return cls(index, ids, np.argsort(ids, kind="stable"))

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray, ivf: bool = False) -> VectorSet:
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if ivf:
            lists = _ivf_lists(len(ids))
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists,
                                                  faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(len(ids), min(len(ids), 40 * lists), replace=False)
            index.train(vectors[np.sort(sample)])
        else:
            inner = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            index = faiss.IndexIDMap(inner)  # the Python wrapper keeps `inner` alive
        if len(ids):
            index.add_with_ids(vectors, ids.astype(np.int64))
        return cls.wrap(index, trained_on=len(ids))

    @property
    def is_ivf(self) -> bool:
        return self.ids is None

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, vector: np.ndarray, k: int, allowed=None) -> list[tuple[int, float]]:
        """Top-k (passage id, inner product); `allowed` is a FAISS IDSelector over passage ids.
        A filtered IVF search probes every list: a filter often follows the topic (an area),
        so the lists nearest the query may hold none of the allowed vectors."""
        if len(self) == 0 or k <= 0:
            return []
        faiss = _faiss()
        if self.is_ivf:
            lists = int(self.index.nlist)
            probe = lists if allowed is not None else max(1, lists // IVF_PROBE_SHARE)
            params = faiss.SearchParametersIVF(sel=allowed, nprobe=probe)
        else:
            params = faiss.SearchParameters(sel=allowed) if allowed is not None else None
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self.index.search(query, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def similarities(self, vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Inner product with the (first) vector of each id present (flat sets only)."""
        if not ids or len(self) == 0:
            return {}
        wanted = np.asarray(ids, dtype=np.int64)
        sorted_ids = self.ids[self.order]
        at = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
        present = sorted_ids[at] == wanted
        rows = self.order[at[present]]
        vectors = self.index.index.reconstruct_batch(rows.astype(np.int64))
        return dict(zip(wanted[present].tolist(), (vectors @ np.asarray(vector, np.float32)).tolist()))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of a flat set, decoded (to train an IVF on them)."""
        return self.ids, self.index.index.reconstruct_n(0, len(self))


@dataclass(frozen=True)
class Snapshot:
    signature: tuple[str, int]
    passages: VectorSet
    sentences: VectorSet


class VectorIndex:
    """The search copy of a store's vectors, kept in `directory` and in step with the store."""

    def __init__(self, store: SQLiteStore, directory: Path):
        self.store = store
        self.directory = directory
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    # -- the query path ----------------------------------------------------------------
    def current(self) -> Snapshot:
        """The copy for the store as it is now (one small read when nothing changed)."""
        signature = self.store.signature()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.signature == signature:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.signature != signature:
                snapshot = self._open(signature) or self.sync()
                self._snapshot = snapshot
        return snapshot

    def search(self, vector: np.ndarray, filters: Filters, k: int, sentence_k: int):
        """(passage hits, sentence hits as (passage id, score), the snapshot searched)."""
        snapshot = self.current()
        allowed = None
        if filters != Filters():
            ids = self.store.filtered_ids(filters)
            if len(ids) == 0:
                return [], [], snapshot
            allowed = _faiss().IDSelectorBatch(ids)
        return (snapshot.passages.search(vector, k, allowed),
                snapshot.sentences.search(vector, sentence_k, allowed), snapshot)

    # -- files -------------------------------------------------------------------------
    def _manifest(self) -> dict | None:
        try:
            manifest = json.loads((self.directory / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
        expected = {"format": FORMAT, "model": self.store.model_name, "dim": self.store.dim,
                    "index_id": self.store.index_id}
        return manifest if all(manifest.get(k) == v for k, v in expected.items()) else None

    def _open(self, signature: tuple[str, int]) -> Snapshot | None:
        """The files on disk, memory-mapped, if they are for this signature."""
        manifest = self._manifest()
        if manifest is None or manifest["generation"] != signature[1]:
            return None
        faiss = _faiss()
        try:
            sets = [VectorSet.wrap(faiss.read_index(str(self.directory / manifest[kind]),
                                                    faiss.IO_FLAG_MMAP_IFC),
                                   manifest.get("trained_on", {}).get(kind))
                    for kind in ("passages", "sentences")]
        except (RuntimeError, KeyError):  # replaced under us by a newer sync, or damaged: sync again
            return None
        return Snapshot(signature, *sets)

    def sync(self) -> Snapshot:
        """Bring the files up to date with the store and return the copy for its state."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            signature = self.store.signature()
            opened = self._open(signature)
            if opened is not None:
                return opened
            passages, sentences = self._updated(signature)
            try:
                return self._write(signature, passages, sentences)
            except OSError:  # a read-only home: search from memory
                return Snapshot(signature, passages, sentences)

    def _updated(self, signature: tuple[str, int]) -> tuple[VectorSet, VectorSet]:
        faiss = _faiss()
        dim = self.store.dim
        wanted = self.store.passage_ids()
        manifest = self._manifest()
        old: list[VectorSet] = []
        if manifest is not None:
            try:  # read to modify (not memory-mapped)
                old = [VectorSet.wrap(faiss.read_index(str(self.directory / manifest[kind])),
                                      manifest.get("trained_on", {}).get(kind))
                       for kind in ("passages", "sentences")]
            except (RuntimeError, KeyError):
                old = []
        if old:
            new = np.setdiff1d(wanted, old[0].ids, assume_unique=True)
            gone = np.setdiff1d(old[0].ids, wanted, assume_unique=True)
        if not old or len(new) > FULL_SCAN_SHARE * max(len(wanted), 1):
            ids, vectors, owners, sentence_vectors = self.store.all_vectors()
            return (VectorSet.build(dim, ids, vectors),
                    VectorSet.build(dim, owners, sentence_vectors, ivf=len(owners) >= IVF_MIN))
        passages, sentences = old
        if len(gone):
            for vector_set in old:
                vector_set.index.remove_ids(faiss.IDSelectorBatch(gone))
        if len(new):
            vectors, owners, sentence_vectors = self.store.vectors_of(new)
            passages.index.add_with_ids(vectors, new)
            if len(owners):
                sentences.index.add_with_ids(sentence_vectors, owners)
        passages = VectorSet.wrap(passages.index)
        sentences = VectorSet.wrap(sentences.index, sentences.trained_on)
        if not sentences.is_ivf and len(sentences) >= IVF_MIN:
            sentences = VectorSet.build(dim, *sentences.all_vectors(), ivf=True)
        elif sentences.is_ivf and (len(sentences) > IVF_REGROW * sentences.trained_on
                                   or len(sentences) < IVF_MIN // IVF_REGROW):
            _, _, owners, sentence_vectors = self.store.all_vectors()
            sentences = VectorSet.build(dim, owners, sentence_vectors, ivf=len(owners) >= IVF_MIN)
        return passages, sentences

    def _write(self, signature: tuple[str, int], passages: VectorSet, sentences: VectorSet) -> Snapshot:
        faiss = _faiss()
        generation = signature[1]
        names = {"passages": f"passages.{generation}.faiss", "sentences": f"sentences.{generation}.faiss"}
        for kind, vector_set in (("passages", passages), ("sentences", sentences)):
            temporary = self.directory / (names[kind] + ".tmp")
            faiss.write_index(vector_set.index, str(temporary))
            os.replace(temporary, self.directory / names[kind])
        manifest = {"format": FORMAT, "model": self.store.model_name, "dim": self.store.dim,
                    "index_id": signature[0], "generation": generation, **names,
                    "counts": {"passages": len(passages), "sentences": len(sentences)},
                    "trained_on": {"sentences": sentences.trained_on}}
        temporary = self.directory / "manifest.json.tmp"
        temporary.write_text(json.dumps(manifest, indent=1))
        os.replace(temporary, self.directory / "manifest.json")
        for path in self.directory.glob("*.faiss"):
            if path.name not in names.values():
                path.unlink(missing_ok=True)  # a reader that has it mapped keeps it until it reopens
        return self._open(signature) or Snapshot(signature, passages, sentences)
