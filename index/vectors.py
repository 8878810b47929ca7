"""Vector sets for the query path: FAISS indexes keyed by passage id, searched in memory.

Float16 (FAISS `IndexScalarQuantizer` QT_fp16): half of float32's memory, and exact flat search
over it is as fast as float32 because it is bound by memory. From IVF_MIN vectors on, an
inverted file (IVF) instead, as exact search would be most of a query's time: first the
sentences (about four per passage), and from IVF_MIN passages on the passages too (with a map
from id to vector, for the similarity of a passage found by its sentence). The sentences' IVF
codes are 8-bit (IVF_CODES: one byte a dimension of each vector's residual to its list's
centroid), a quarter of float32: at 1M passages the memory-mapped copy is what the process's
RSS counts. Their scores are within about 1e-3 of exact (float16's within 1e-5).
bench/bench_query.py and bench/bench_million.py measure recall@10 against exact float32 search.
Kept on disk and in step with SQLite by index/search_copy.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .embedder import ThreadCap, native_threads

# Exact flat search up to IVF_MIN vectors (4 ms at 100k, 16 ms at 400k: the most of a
# query); above it an inverted file (IVF, float16) of about 2 sqrt(n) lists, probing 1/16 of
# them. Measured on 393k sentence vectors (bench/bench_query.py's 100k index): 1,024 lists
# probing 64 take 1.4 ms with recall@200 0.99 against exact search; 512 lists probing 64 take
# twice as long for the same recall. bench_query.py reports recall@10 of the whole dense side.
# Retrained from scratch when it has grown IVF_REGROW times.
IVF_MIN = 50_000
IVF_PROBE_SHARE = 16
IVF_REGROW = 4
# The IVF's codes, a FAISS ScalarQuantizer type: QT_8bit (per-dimension ranges, trained with
# the lists, of the residuals to the lists' centroids) for the sentences, the most vectors;
# float16 for the passages, whose similarities `combine` takes as they are. On 600k sentence
# vectors of the 1M bench index (2,048 lists, 103 questions; bench/README.md): float16 768
# bytes a vector, recall@10 1.000 against exact float32, |score error| max 1e-5; QT_8bit 384
# bytes, 0.969, mean 1e-4, max 1e-3 (the exact top 10's neighbours are 6e-4 apart);
# QT_8bit_uniform 0.969, max 6e-4, slower; QT_6bit 288 bytes, 0.906.
IVF_CODES = "QT_8bit"


_threads = None  # FAISS's OpenMP runtime held to KOMPASS_THREADS (index/embedder.py)


def _faiss():
    """The faiss module, its OpenMP threads set for the calling thread. A query is one vector:
    FAISS's parallel region gains nothing from a second thread and, on a busy machine, waits for
    it (beside two busy processes a search took 0.2 ms with one thread; with two, 160 ms at the
    median in one run and at p95 in another)."""
    global _threads
    import faiss

    if _threads is None:
        _threads = ThreadCap(faiss.omp_set_num_threads, native_threads())
    _threads.apply()
    return faiss


def _ivf_lists(n: int) -> int:
    """About 2 sqrt(n) lists, a power of two."""
    return int(min(8192, max(64, 2 ** round(np.log2(2 * max(n, 1) ** 0.5)))))


def _hits(scores: np.ndarray, ids: np.ndarray) -> list[tuple[int, float]]:
    """(id, score) of one query's FAISS result, without the -1 fillers."""
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


@dataclass(frozen=True)
class VectorSet:
    """One FAISS index keyed by passage id (ids may repeat: sentences carry their passage's).
    Flat: an IndexIDMap over float16 codes, with the row → id map for look-ups by id. IVF: an
    IndexIVFScalarQuantizer (IVF_CODES), searched by probing some of its lists."""

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
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray, ivf: bool = False,
              by_id: bool = False, codes: str = IVF_CODES) -> VectorSet:
        """`by_id`: an IVF keeps a map from id to vector (ids must then be unique); `codes`: the
        IVF's ScalarQuantizer type."""
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if ivf:
            lists = _ivf_lists(len(ids))
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists, getattr(
                faiss.ScalarQuantizer, codes), faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(len(ids), min(len(ids), 40 * lists), replace=False)
            index.train(vectors[np.sort(sample)])
            if by_id:
                index.set_direct_map_type(faiss.DirectMap.Hashtable)
        else:
            inner = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            index = faiss.IndexIDMap(inner)  # the Python wrapper keeps `inner` alive
        if len(ids):
            index.add_with_ids(vectors, ids.astype(np.int64))
        return cls.wrap(index, trained_on=len(ids))

    @property
    def is_ivf(self) -> bool:
        return self.ids is None

    @property
    def approximate(self) -> bool:
        """Scores from codes coarser than float16 (an 8-bit IVF), within about 1e-3 of exact."""
        return self.is_ivf and self.index.sq.qtype != _faiss().ScalarQuantizer.QT_fp16

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, vector: np.ndarray, k: int, allowed=None, share: float | None = None
               ) -> list[tuple[int, float]]:
        """Top-k (passage id, inner product); `allowed` is a FAISS IDSelector over passage ids,
        `share` the fraction of the vectors it allows. A filtered IVF search probes lists in
        proportion (1/IVF_PROBE_SHARE of them divided by `share`, every list without `share`),
        so that it scans about as many allowed vectors as an unfiltered search scans vectors;
        when that finds fewer than k (a filter away from the query's topic), every list."""
        if len(self) == 0 or k <= 0:
            return []
        faiss = _faiss()
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        k = min(k, len(self))
        if not self.is_ivf:
            params = faiss.SearchParameters(sel=allowed) if allowed is not None else None
            return _hits(*self.index.search(query, k, params=params))
        lists = int(self.index.nlist)
        if allowed is None:
            probe = max(1, lists // IVF_PROBE_SHARE)
        elif share is None or share <= 0:
            probe = lists
        else:
            probe = min(lists, math.ceil(lists / IVF_PROBE_SHARE / share))
        hits = self._probed(query, k, allowed, probe)
        if allowed is not None and len(hits) < k and probe < lists:
            hits = self._probed(query, k, allowed, lists)
        return hits

    def _probed(self, query: np.ndarray, k: int, allowed, probe: int) -> list[tuple[int, float]]:
        params = _faiss().SearchParametersIVF(sel=allowed, nprobe=probe)
        return _hits(*self.index.search(query, k, params=params))

    def similarities(self, vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Inner product with the (first) vector of each id present (an IVF: built `by_id`)."""
        if not ids or len(self) == 0:
            return {}
        if self.is_ivf:
            found = {}
            for pid in ids:
                try:
                    found[int(pid)] = float(self.index.reconstruct(int(pid)) @ np.asarray(vector, np.float32))
                except RuntimeError:  # not in the set
                    continue
            return found
        wanted = np.asarray(ids, dtype=np.int64)
        sorted_ids = self.ids[self.order]
        at = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
        present = sorted_ids[at] == wanted
        rows = self.order[at[present]]
        vectors = self.index.index.reconstruct_batch(rows.astype(np.int64))
        return dict(zip(wanted[present].tolist(), (vectors @ np.asarray(vector, np.float32)).tolist()))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of a flat set, decoded (to train an IVF on them)."""
        assert not self.is_ivf
        return self.ids, self.index.index.reconstruct_n(0, len(self))
