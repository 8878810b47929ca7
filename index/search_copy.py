"""The search copy: what the query path reads instead of scanning SQLite.

SQLite holds everything durably and transactionally: passages, their FTS5 terms, and their
vectors in sqlite-vec's vec0 tables. But a vec0 KNN query (or a look-up by an IN list) scans
the whole table, and FTS5 computes bm25() for every passage that shares a term with the query.
So beside the database file, in `kompass.search/`, lives a copy built for search:

- `passages.G.faiss`: one vector per passage, keyed by passage id (index/vectors.py);
- `sentences.G.faiss`: one vector per embedded sentence, keyed by *its passage's* id, so that a
  sentence hit names its passage and a filter is one set of passage ids for both;
- `postings.G.*.npy`: each term's postings as numpy slices, for BM25 (index/postings.py);
- `manifest.json`: the copy's format, model and dimension, and the index identity and
  generation (G) it reflects.

Opening memory-maps the files: no copy and no rebuild, whatever the size. The copy is brought
up to date (`sync`) when the store's generation moves on: at the end of an ingest or a removal,
or by the first query that finds it stale (another process wrote). Passage ids are never reused
and a passage's vectors and terms never change, so syncing is a set difference on passage ids:
removed ones are dropped, new ones are read by point look-ups (or, when most of the index is
new, by one scan). New files are written under new names and the manifest is replaced
atomically last; a reader that holds the old files keeps them until it reopens. One process at a
time syncs (a lock file). Deleting the folder is safe: the next query rebuilds it.
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .postings import Postings
from .records import Candidates, Filters
from .store import Store
from .vectors import IVF_CODES, IVF_MIN, IVF_REGROW, VectorSet, _faiss

FORMAT = 3  # 3: 8-bit sentence IVF codes (index/vectors.py IVF_CODES); another format is rebuilt
PIN_ATTEMPTS = 50  # tries to find the copy and the store at one generation (see reading)
FULL_SCAN_SHARE = 0.3  # when more of the index than this is new, read everything in one scan
SENTENCE_WEIGHT = 0.5  # see combine
SENTENCE_FANOUT = 4  # sentences fetched per wanted passage


@dataclass(frozen=True)
class Snapshot:
    signature: tuple[str, int]
    passages: VectorSet
    sentences: VectorSet
    postings: Postings


class SearchCopy:
    """The search copy of a store, kept in `directory` and in step with the store."""

    def __init__(self, store: Store, directory: Path):
        self.store = store
        self.directory = directory
        self._snapshot: Snapshot | None = None
        self._allowed: tuple[tuple, np.ndarray] | None = None  # ((signature, filters), passage ids)
        self._lock = threading.Lock()
        self._pinned = threading.local()  # the snapshot `reading()` holds for this thread

    # -- the query path ----------------------------------------------------------------
    def current(self) -> Snapshot:
        """The copy for the store as it is now (one small read when nothing changed); inside
        `reading()`, the one pinned there."""
        pinned = getattr(self._pinned, "snapshot", None)
        if pinned is not None:
            return pinned
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

    @contextmanager
    def reading(self) -> Iterator[Snapshot]:
        """Pin for this thread a copy and a read snapshot of the store of the same generation,
        until the block ends: every step of a query (hits from the copy, their passages and
        sentences from the store) then sees one state of the index, however often another
        thread or process writes meanwhile. Nested: joins the outer."""
        pinned = getattr(self._pinned, "snapshot", None)
        if pinned is not None:
            with self.store.reading():
                yield pinned
            return
        with ExitStack() as stack:
            for _ in range(PIN_ATTEMPTS):
                snapshot = self.current()
                stack.enter_context(self.store.reading())
                if self.store.signature() == snapshot.signature:
                    break
                stack.close()  # a write landed between the two reads: take both again
            else:  # writes without pause: read the store as it comes
                stack.close()
            self._pinned.snapshot = snapshot
            try:
                yield snapshot
            finally:
                self._pinned.snapshot = None

    # -- the Search contract (index/store.py) --------------------------------------------
    def refresh(self) -> None:
        self.current()

    def candidates(self, vector: np.ndarray | None, query_terms: list[str] | None, filters: Filters,
                   k: int) -> Candidates:
        """The lexical hits (when `query_terms`), the dense hits (when `vector`), their passages
        and the lexical hits' terms: the copy and point look-ups in the store."""
        lexical = self.lexical(query_terms, filters, k) if query_terms else []
        dense = self.dense_search(vector, filters, k) if vector is not None else []
        passages = self.store.passages({i for i, _ in lexical} | {i for i, _ in dense})
        return Candidates(lexical, dense, passages, self.store.passage_terms(i for i, _ in lexical))

    def dense_search(self, vector: np.ndarray, filters: Filters, k: int) -> list[tuple[int, float]]:
        """Passages by their own vector and their best sentence's (see combine). An IVF's 8-bit
        sentence scores are within 1e-3 of exact (index/vectors.py IVF_CODES) and taken as they
        are: re-scoring the candidates from the stored float32 vectors (sqlite-vec point reads)
        cost 95 ms a query at 1M passages for 0.001 of recall@10 (bench/README.md)."""
        passages, sentences, snapshot = self.dense(vector, filters, k, k * SENTENCE_FANOUT)
        return combine(vector, passages, sentences, snapshot.passages.similarities, k)

    def similarities(self, vector: np.ndarray, passage_ids: list[int]) -> dict[int, float]:
        return self.current().passages.similarities(vector, passage_ids)

    def dense(self, vector: np.ndarray, filters: Filters, k: int, sentence_k: int):
        """(passage hits, sentence hits as (passage id, score), the snapshot searched)."""
        snapshot = self.current()
        allowed, share = None, None
        if filters != Filters():
            ids = self._allowed_ids(snapshot, filters)
            if len(ids) == 0:
                return [], [], snapshot
            allowed = _faiss().IDSelectorBatch(ids)
            share = len(ids) / max(len(snapshot.passages), 1)  # of the sentences too, about
        return (snapshot.passages.search(vector, k, allowed, share),
                snapshot.sentences.search(vector, sentence_k, allowed, share), snapshot)

    def lexical(self, query_terms: list[str], filters: Filters, k: int) -> list[tuple[int, float]]:
        """BM25 top-k (passage id, score) of passages sharing a term with the query."""
        snapshot = self.current()
        term_ids = [tid for tid, _ in self.store.term_ids(query_terms).values()]
        if not term_ids:
            return []
        allowed = None
        if filters != Filters():
            allowed = snapshot.postings.rows_of(self._allowed_ids(snapshot, filters))
        return snapshot.postings.search(term_ids, k, allowed)

    def _allowed_ids(self, snapshot: Snapshot, filters: Filters) -> np.ndarray:
        """The passages the filters allow; a hybrid query asks twice (lexical and dense side)."""
        key = (snapshot.signature, filters)
        cached = self._allowed
        if cached is None or cached[0] != key:
            cached = (key, self.store.filtered_ids(filters))
            self._allowed = cached
        return cached[1]

    # -- files -------------------------------------------------------------------------
    def _manifest(self) -> dict | None:
        try:
            manifest = json.loads((self.directory / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
        expected = {"format": FORMAT, "model": self.store.model_name, "dim": self.store.dim,
                    "index_id": self.store.index_id}
        return manifest if all(manifest.get(k) == v for k, v in expected.items()) else None

    def _read(self, manifest: dict, signature: tuple[str, int], mmap: bool) -> Snapshot | None:
        faiss = _faiss()
        flag = faiss.IO_FLAG_MMAP_IFC if mmap else 0
        try:
            sets = [VectorSet.wrap(faiss.read_index(str(self.directory / manifest[kind]), flag),
                                   manifest["trained_on"].get(kind))
                    for kind in ("passages", "sentences")]
            postings = Postings.load(self.directory, manifest["postings"])
        except (RuntimeError, KeyError, OSError, ValueError):  # replaced by a newer sync, or damaged
            return None
        return Snapshot(signature, *sets, postings)

    def _open(self, signature: tuple[str, int]) -> Snapshot | None:
        """The files on disk, memory-mapped, if they are for this signature."""
        manifest = self._manifest()
        if manifest is None or manifest["generation"] != signature[1]:
            return None
        return self._read(manifest, signature, mmap=True)

    def sync(self) -> Snapshot:
        """Bring the files up to date with the store and return the copy for its state."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock = open(self.directory / "lock", "a+")  # noqa: SIM115 (closed by the with below)
        except OSError:  # a read-only home: build the copy in memory, for this process only
            return self._updated(self.store.signature())
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            signature = self.store.signature()
            opened = self._open(signature)
            if opened is not None:
                return opened
            snapshot = self._updated(signature)
            manifest = self._manifest()
            if manifest is not None and manifest["generation"] > signature[1]:
                return snapshot  # an older view (a reader's snapshot): never replace newer files
            try:
                return self._write(snapshot)
            except OSError:  # a read-only home: search from memory
                return snapshot

    def _updated(self, signature: tuple[str, int]) -> Snapshot:
        faiss = _faiss()
        wanted = self.store.passage_ids()
        manifest = self._manifest()
        old = self._read(manifest, signature, mmap=False) if manifest is not None else None
        if old is not None:
            new = np.setdiff1d(wanted, old.postings.pids, assume_unique=True)
            gone = np.setdiff1d(old.postings.pids, wanted, assume_unique=True)
        if old is None or len(new) > FULL_SCAN_SHARE * max(len(wanted), 1):
            ids, vectors, owners, sentence_vectors = self.store.all_vectors()
            return Snapshot(signature, self._vector_set(ids, vectors, by_id=True),
                            self._vector_set(owners, sentence_vectors),
                            Postings.build(self.store.indexed_terms(), self.store.vocabulary_ids()))
        passages, sentences = old.passages, old.sentences
        for vector_set in (passages, sentences) if len(gone) else ():
            by_id = vector_set.is_ivf and vector_set.index.direct_map.type != faiss.DirectMap.NoMap
            # an IVF with a map from id finds each id there, and only takes them as an array
            vector_set.index.remove_ids(faiss.IDSelectorArray(gone) if by_id else faiss.IDSelectorBatch(gone))
        texts = list(self.store.indexed_terms(new))
        if len(new):
            vectors, owners, sentence_vectors = self.store.vectors_of(new)
            passages.index.add_with_ids(vectors, new)
            if len(owners):
                sentences.index.add_with_ids(sentence_vectors, owners)
        term_ids = {t: tid for t, (tid, _) in
                    self.store.term_ids(t for _, text in texts for t in text.split()).items()}
        return Snapshot(signature, self._resized(VectorSet.wrap(passages.index, passages.trained_on), True),
                        self._resized(VectorSet.wrap(sentences.index, sentences.trained_on), False),
                        old.postings.updated(gone, texts, term_ids))

    def _vector_set(self, ids: np.ndarray, vectors: np.ndarray, by_id: bool = False) -> VectorSet:
        """Passages (`by_id`) in float16, sentences in IVF_CODES (index/vectors.py)."""
        return VectorSet.build(self.store.dim, ids, vectors, ivf=len(ids) >= IVF_MIN, by_id=by_id,
                               codes="QT_fp16" if by_id else IVF_CODES)

    def _resized(self, vector_set: VectorSet, passages: bool) -> VectorSet:
        """Flat until IVF_MIN vectors, then an IVF, trained again when it has grown IVF_REGROW
        times (or shrunk well below IVF_MIN)."""
        if not vector_set.is_ivf:
            if len(vector_set) < IVF_MIN:
                return vector_set
            return self._vector_set(*vector_set.all_vectors(), by_id=passages)
        if IVF_MIN // IVF_REGROW <= len(vector_set) <= IVF_REGROW * vector_set.trained_on:
            return vector_set
        ids, vectors, owners, sentence_vectors = self.store.all_vectors()
        return (self._vector_set(ids, vectors, by_id=True) if passages
                else self._vector_set(owners, sentence_vectors))

    def _write(self, snapshot: Snapshot) -> Snapshot:
        faiss = _faiss()
        generation = snapshot.signature[1]
        names = {"passages": f"passages.{generation}.faiss", "sentences": f"sentences.{generation}.faiss"}
        for kind in ("passages", "sentences"):
            temporary = self.directory / (names[kind] + ".tmp")
            faiss.write_index(getattr(snapshot, kind).index, str(temporary))
            os.replace(temporary, self.directory / names[kind])
        postings = snapshot.postings.save(self.directory, f"postings.{generation}")
        manifest = {"format": FORMAT, "model": self.store.model_name, "dim": self.store.dim,
                    "index_id": snapshot.signature[0], "generation": generation, **names,
                    "postings": postings,
                    "counts": {"passages": len(snapshot.passages), "sentences": len(snapshot.sentences),
                               "postings": len(snapshot.postings.tids)},
                    "trained_on": {"passages": snapshot.passages.trained_on,
                                   "sentences": snapshot.sentences.trained_on}}
        temporary = self.directory / "manifest.json.tmp"
        temporary.write_text(json.dumps(manifest, indent=1))
        os.replace(temporary, self.directory / "manifest.json")
        keep = {*names.values(), *postings.values()}
        for path in self.directory.iterdir():
            if path.name not in keep and path.suffix in (".faiss", ".npy"):
                path.unlink(missing_ok=True)  # a reader that has it mapped keeps it until it reopens
        return self._open(snapshot.signature) or snapshot


def combine(vector, passages: list[tuple[int, float]], sentences: list[tuple[int, float]],
            similarities, k: int) -> list[tuple[int, float]]:
    """Merge passage hits and sentence hits (passage id, similarity) into passage scores:
    `SENTENCE_WEIGHT * best_sentence + (1 - SENTENCE_WEIGHT) * passage`. On the evaluation set
    this raised dense MRR@10 from 0.72 to 0.78 (passages alone blur the one sentence a precise
    question is about)."""
    own = dict(passages)
    best: dict[int, float] = {}
    for pid, score in sentences:
        best[pid] = max(best.get(pid, -1.0), score)
    missing = [pid for pid in best if pid not in own]
    if missing:
        own.update(similarities(vector, missing))
    scores = {pid: SENTENCE_WEIGHT * best.get(pid, sim) + (1 - SENTENCE_WEIGHT) * sim
              for pid, sim in own.items()}
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:k]
