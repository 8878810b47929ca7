"""BM25 over postings held in numpy arrays: the lexical side of the search copy.

SQLite's FTS5 computes bm25() for every passage that matches any query term and sorts them.
A question's terms, with their compounds, often match 40 % of a large index: 25 ms at 100k
passages, more than the whole budget of a query (bench/bench_query.py). Here the postings of
each term are one contiguous slice, so scoring is a few numpy operations per term, over the
same terms and with FTS5's own formula:

    idf(t) = ln((N - n(t) + 0.5) / (n(t) + 0.5)), at least 1e-6
    score(p) = sum over query terms t in p of idf(t) * f (k1 + 1) / (f + k1 (1 - b + b |p| / avgdl))

with k1 = 1.2, b = 0.75, f the term's count in the passage and |p| the passage's terms. FTS5
stays the index of record (and the straightforward path the tests compare with).

Arrays (rows are passages in ascending id order; `tids` sorted, then by row):
`pids[N]`, `lengths[N]`, `tids[M]`, `rows[M]`, `tf[M]`, and derived `indptr` (per term id
the slice of its postings) and `weights[M]` (the tf part of the formula for the current avgdl).
"""
from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.2, 0.75
STORED = ("pids", "lengths", "tids", "rows", "tf", "indptr", "weights")


@dataclass(frozen=True)
class Postings:
    pids: np.ndarray  # int64, ascending
    lengths: np.ndarray  # float32, terms per passage
    tids: np.ndarray  # int32, term id of each posting, ascending
    rows: np.ndarray  # int32, passage row of each posting
    tf: np.ndarray  # float32, count of the term in the passage
    indptr: np.ndarray  # int64, postings of term t are [indptr[t], indptr[t + 1])
    weights: np.ndarray  # float32, tf part of BM25

    @classmethod
    def make(cls, pids, lengths, tids, rows, tf) -> Postings:
        indptr = np.searchsorted(tids, np.arange((int(tids[-1]) if len(tids) else 0) + 2))
        average = float(lengths.mean()) if len(lengths) else 1.0
        norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
        weights = (tf * (K1 + 1) / (tf + norm[rows])).astype(np.float32)
        return cls(pids, lengths, tids, rows, tf, indptr.astype(np.int64), weights)

    @classmethod
    def build(cls, texts: Iterable[tuple[int, str]], term_ids: dict[str, int]) -> Postings:
        """From (passage id, its terms) in ascending id order."""
        return cls.make(*_triples(texts, term_ids, first_row=0))

    def __len__(self) -> int:
        return len(self.pids)

    def updated(self, gone: np.ndarray, texts: Iterable[tuple[int, str]],
                term_ids: dict[str, int]) -> Postings:
        """Without the passages `gone`, with the new ones in `texts` (ids above all present)."""
        keep = ~np.isin(self.pids, gone) if len(gone) else np.ones(len(self.pids), bool)
        new_row = np.cumsum(keep) - 1
        alive = keep[self.rows]
        pids, lengths = self.pids[keep], self.lengths[keep]
        npids, nlengths, ntids, nrows, ntf = _triples(texts, term_ids, first_row=len(pids))
        if len(npids) and len(pids) and npids[0] <= pids[-1]:
            raise ValueError("new passages must come after the present ones")
        tids = np.concatenate([self.tids[alive], ntids])
        rows = np.concatenate([new_row[self.rows[alive]].astype(np.int32), nrows])
        tf = np.concatenate([self.tf[alive], ntf])
        order = np.argsort(tids, kind="stable")  # rows stay ascending within a term
        return Postings.make(np.concatenate([pids, npids]), np.concatenate([lengths, nlengths]),
                             tids[order], rows[order], tf[order])

    def search(self, terms: list[int], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (passage id, BM25) among passages with any of the term ids; `allowed` is a
        boolean mask over rows (filters)."""
        n = len(self.pids)
        if n == 0 or k <= 0:
            return []
        scores = np.zeros(n, dtype=np.float32)
        top_term = len(self.indptr) - 1
        for tid in dict.fromkeys(terms):
            if tid >= top_term:
                continue
            start, end = self.indptr[tid], self.indptr[tid + 1]
            if end == start:
                continue
            frequency = end - start
            idf = max(math.log((n - frequency + 0.5) / (frequency + 0.5)), 1e-6)
            scores[self.rows[start:end]] += np.float32(idf) * self.weights[start:end]
        if allowed is not None:
            scores[~allowed] = 0
        hits = np.flatnonzero(scores)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.lexsort((hits, -scores[hits]))]
        return [(int(self.pids[r]), float(scores[r])) for r in hits]

    def rows_of(self, pids: np.ndarray) -> np.ndarray:
        """A boolean mask over rows: the passages in `pids`."""
        mask = np.zeros(len(self.pids), dtype=bool)
        at = np.searchsorted(self.pids, pids)
        ok = at < len(self.pids)
        at = at[ok]
        mask[at[self.pids[at] == pids[ok]]] = True
        return mask

    def save(self, directory: Path, stem: str) -> dict[str, str]:
        names = {}
        for name in STORED:
            path = directory / f"{stem}.{name}.npy"
            with open(path, "wb") as out:
                np.save(out, getattr(self, name))
            names[name] = path.name
        return names

    @classmethod
    def load(cls, directory: Path, names: dict[str, str]) -> Postings:
        return cls(*(np.load(directory / names[name], mmap_mode="r") for name in STORED))


def _triples(texts: Iterable[tuple[int, str]], term_ids: dict[str, int], first_row: int):
    """(pids, lengths, tids, rows, tf) of passages, postings sorted by term then row. Held in
    compact arrays while reading (a list of Python ints would take 9 times the memory)."""
    pids, lengths = array("q"), array("f")
    tids, rows, tf = array("i"), array("i"), array("f")
    for row, (pid, text) in enumerate(texts, start=first_row):
        words = text.split()
        pids.append(pid)
        lengths.append(len(words))
        counts = Counter(words)
        tids.extend(term_ids[term] for term in counts)
        rows.extend([row] * len(counts))
        tf.extend(counts.values())
    tids_a = np.frombuffer(tids, dtype=np.int32) if len(tids) else np.zeros(0, np.int32)
    order = np.argsort(tids_a, kind="stable")
    return (np.frombuffer(pids, dtype=np.int64).copy() if len(pids) else np.zeros(0, np.int64),
            np.frombuffer(lengths, dtype=np.float32).copy() if len(lengths) else np.zeros(0, np.float32),
            tids_a[order], np.frombuffer(rows, dtype=np.int32)[order] if len(rows) else np.zeros(0, np.int32),
            np.frombuffer(tf, dtype=np.float32)[order] if len(tf) else np.zeros(0, np.float32))
