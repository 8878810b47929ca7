"""In-memory FAISS index for the dense side of search on large corpora.

bench/bench_dense.py measured (2 cores, 384 dim): sqlite-vec's exact KNN costs ~0.6 ms per
1,000 passages per query (6 ms at 10k, 32 ms at 50k, 126 ms at 200k); an exact FAISS
IndexFlatIP is ~8x faster but must first be loaded from SQLite (~0.1 s at 10k, ~1 s at 50k),
which pays off after 20-50 queries. So Kompass keeps sqlite-vec below `FAISS_THRESHOLD`
passages and loads FAISS once per process above it. Flat (exact) rather than HNSW: HNSW only
wins from ~100k passages and costs ~100 µs per passage to build.
"""
from __future__ import annotations

import numpy as np

FAISS_THRESHOLD = 20_000


class FaissDense:
    def __init__(self, ids: np.ndarray, vectors: np.ndarray):
        import faiss

        self._faiss = faiss
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k by inner product (= cosine for normalised vectors), optionally within `allowed` ids."""
        if len(self) == 0 or k <= 0:
            return []
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return []
            params = self._faiss.SearchParameters(sel=self._faiss.IDSelectorBatch(allowed))
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self.index.search(query, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
