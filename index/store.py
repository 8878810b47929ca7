"""The store contract: what the library reads and writes, whatever holds the data.

Four roles, each a Protocol, and `Store`, all four with the index's identity and its `Search`:

- `ReportWriter`: reports in, one transaction each (with the files they came from);
- `PassageReader`: reports, score tables, passages, sentences and pages read back, with one
  consistent view of the index for a block of reads (`reading`);
- `LexicalIndex`: the stemmed terms of passages and the vocabulary (BM25 and compounds);
- `VectorIndex`: the stored vectors of passages, sentences and sub-question topics.

`Search` is the query path's side: the candidates of one hybrid query (lexical and dense hits,
their passages and terms) in one read, dense hits alone, and similarities to given passages.
The SQLite store searches through its search copy (index/search_copy.py: FAISS and numpy
postings beside the file); PostgreSQL searches in the database (pgvector HNSW and `swedish` full
text, both sides in one SQL round trip).

The values that cross it are in index/records.py. `index/sqlite/` and `index/postgres/`
implement it; everything in assistant/ uses only these methods. `open_store` picks the backend
from the location: a path is a SQLite file, `postgresql://…` a database.
tests/test_store_contract.py checks that both provide every method with the same parameters.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from corpus.models import Report

from .records import (
    Candidates,
    Filters,
    PassageRecord,
    Source,
    StoredPassage,
    StoredSentence,
)


@runtime_checkable
class ReportWriter(Protocol):
    def source(self, path: str) -> Source | None: ...
    def sources_of(self, report_id: str) -> list[Source]: ...
    def sources_under(self, directory: str) -> list[Source]: ...
    def record_duplicate(self, source: Source) -> None: ...
    def forget_source(self, path: str) -> None: ...
    def cached_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]: ...
    def replace_report(self, report: Report, records: list[PassageRecord], source: Source) -> None: ...
    def remove_report(self, report_id: str) -> bool: ...
    def put_topic_vectors(self, rows: Iterable[tuple[str, str, np.ndarray]]) -> None: ...


@runtime_checkable
class PassageReader(Protocol):
    def reading(self) -> AbstractContextManager[None]: ...
    def generation(self) -> int: ...
    def signature(self) -> tuple[str, int]: ...
    def passage_count(self) -> int: ...
    def passage_ids(self) -> np.ndarray: ...
    def report_rows(self) -> list[dict[str, object]]: ...
    def report_row(self, report_id: str) -> dict[str, object] | None: ...
    def area_rows(self, report_id: str) -> list[dict[str, object]]: ...
    def questions_of(self, report_id: str) -> list[tuple]: ...
    def area_table(self) -> list[tuple]: ...
    def question_rows(self) -> list[tuple]: ...
    def page_units(self, report_id: str, page: int) -> list[tuple]: ...
    def municipality_keys(self) -> dict[str, str]: ...
    def passages(self, ids: Iterable[int]) -> dict[int, StoredPassage]: ...
    def sentences_of(self, passage_ids: Iterable[int]) -> dict[int, list[StoredSentence]]: ...
    def filtered_ids(self, filters: Filters) -> np.ndarray: ...
    def table_passage_ids(self, report_ids: Iterable[str]) -> list[int]: ...


@runtime_checkable
class LexicalIndex(Protocol):
    def lexical_search(self, query_terms: list[str], filters: Filters, k: int) -> list[tuple[int, float]]: ...
    def passage_terms(self, ids: Iterable[int]) -> dict[int, set[str]]: ...
    def document_frequencies(self, query_terms: list[str]) -> dict[str, int]: ...
    def term_ids(self, query_terms: Iterable[str]) -> dict[str, tuple[int, int]]: ...
    def indexed_terms(self, ids: Iterable[int] | None = None) -> Iterator[tuple[int, str]]: ...
    def vocabulary_ids(self) -> dict[str, int]: ...
    def terms_starting_with(self, prefix: str, limit: int = 5) -> list[str]: ...
    def terms_ending_with(self, suffix: str, limit: int = 20) -> list[str]: ...


@runtime_checkable
class VectorIndex(Protocol):
    def vectors_of(self, passage_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def all_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...
    def all_units(self) -> tuple[list[tuple], np.ndarray]: ...
    def topic_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]: ...
    def exact_dense_search(self, vector: np.ndarray, filters: Filters, k: int,
                           sentences: bool = False) -> list[tuple[int, float]]: ...


@runtime_checkable
class Search(Protocol):
    """The query path over a store. `reading()` pins one state of the index for this thread (a
    query's hits and the passages read for them agree); `refresh()` brings whatever the search
    reads up to date with the store (after a write, or another process's)."""

    def refresh(self) -> None: ...
    def reading(self) -> AbstractContextManager[object]: ...
    def candidates(self, vector: np.ndarray | None, query_terms: list[str] | None, filters: Filters,
                   k: int) -> Candidates: ...
    def dense_search(self, vector: np.ndarray, filters: Filters, k: int) -> list[tuple[int, float]]: ...
    def similarities(self, vector: np.ndarray, passage_ids: list[int]) -> dict[int, float]: ...


@runtime_checkable
class Store(ReportWriter, PassageReader, LexicalIndex, VectorIndex, Protocol):
    """An index: the four roles, the model it was built with, its identity and its search."""

    model_name: str
    dim: int
    index_id: str
    schema_version: int
    location: str  # where it lives, for messages (a path, or a URL without its password)

    def searcher(self, cache: Path) -> Search: ...
    def close(self) -> None: ...


ROLES: tuple[type, ...] = (ReportWriter, PassageReader, LexicalIndex, VectorIndex)


def is_database_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path, model_name: str, dim: int | None) -> Store:
    """The store at `location` for a model of this name and dimension (`dim` None: an existing
    index, whatever dimension it records): a SQLite file's path, or `postgresql://…`."""
    if is_database_url(str(location)):
        from .postgres import PostgresStore

        return PostgresStore(str(location), model_name, dim)
    from .sqlite import SQLiteStore

    return SQLiteStore(Path(location), model_name, dim)


def wipe_store(location: str | Path) -> None:
    """Delete the index at `location` entirely (`kompass ingest --rebuild`): the SQLite file with
    its journal, or every Kompass table of the database."""
    if is_database_url(str(location)):
        from .postgres import drop

        drop(str(location))
        return
    for suffix in ("", "-wal", "-shm"):
        Path(str(location) + suffix).unlink(missing_ok=True)
