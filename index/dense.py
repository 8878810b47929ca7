"""Dense retrieval over passage and sentence vectors (multi-granularity), on whatever `Search`
the store provides: a passage's score mixes its own similarity with its best sentence's
(index/search_copy.py `combine` for SQLite; the same formula in SQL for PostgreSQL)."""
from __future__ import annotations

import numpy as np

from .records import Filters
from .search_copy import SENTENCE_FANOUT, SENTENCE_WEIGHT, combine
from .store import Search

__all__ = ["SENTENCE_FANOUT", "SENTENCE_WEIGHT", "DenseRetriever", "combine"]


class DenseRetriever:
    def __init__(self, search: Search):
        self.searcher = search

    def search(self, vector: np.ndarray, filters: Filters, k: int) -> list[tuple[int, float]]:
        return self.searcher.dense_search(vector, filters, k)
