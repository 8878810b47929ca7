"""The lexical retriever, beside the dense one (index/dense.py): the query's words analysed into
concepts (compounds, parts, glossary, near misspellings; assistant/lexical_query.py), searched in
the store's lexical index, and each hit scored by its coverage of the query.

`Kompass.search` asks the store's `Search` for both sides at once (one read; one SQL round trip
on PostgreSQL) and only fuses; `scored` turns the lexical side of those candidates into
(passage id, coverage)."""
from __future__ import annotations

from index.records import Candidates, Filters
from index.store import Search, Store

from .lexical_query import LexicalQuery, analyse


class LexicalRetriever:
    def __init__(self, store: Store, search: Search):
        self.store = store
        self.searcher = search

    def analyse(self, query: str) -> LexicalQuery:
        return analyse(query, self.store, fuzzy=True)

    def search(self, query: str, filters: Filters, k: int) -> list[tuple[int, float]]:
        """BM25 hits, each with its coverage of the query, best BM25 first."""
        analysed = self.analyse(query)
        return self.scored(analysed, self.searcher.candidates(None, list(analysed.match_terms), filters, k))

    @staticmethod
    def scored(analysed: LexicalQuery, found: Candidates) -> list[tuple[int, float]]:
        return [(pid, analysed.coverage(found.terms.get(pid, set()))) for pid, _ in found.lexical]
