"""The values every store speaks, whatever holds the data (SQLite or PostgreSQL): filters, a
report's passages ready to write, passages and sentences as read back, and a search's
candidates."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.models import Passage, SectionKind


@dataclass(frozen=True)
class Filters:
    """Search filters; None means "any"."""

    municipality: str | None = None  # folded key, e.g. "enköping"
    year_from: int | None = None
    year_to: int | None = None
    area: int | None = None
    section: SectionKind | None = None
    report_id: str | None = None


@dataclass(frozen=True)
class PassageRecord:
    """A passage ready to store, with its vector; `unit_vectors[i]` is (content hash, vector) of
    `passage.units[i]` when that unit is embedded on its own, else None."""

    passage: Passage
    content_hash: str
    vector: np.ndarray
    unit_vectors: list[tuple[str, np.ndarray] | None]


@dataclass(frozen=True)
class Source:
    """A file a report was read from."""

    path: str
    sha256: str
    format: str
    report_id: str
    role: str  # primary | duplicate
    parser_version: int


@dataclass(frozen=True)
class StoredSentence:
    text: str
    page_start: int | None  # None: the source file records no pages
    page_end: int | None
    vector: np.ndarray | None


@dataclass(frozen=True)
class StoredPassage:
    id: int
    report_id: str
    municipality: str
    display_name: str
    year: int | None
    area: int | None
    section: str
    page_start: int | None  # None: the source file records no pages
    page_end: int | None
    heading: str
    text: str


@dataclass(frozen=True)
class Candidates:
    """What one retrieval read returns for fusion (index/store.py `Search.candidates`): the
    lexical hits (passage id, BM25-like score) and the dense hits (passage id, similarity),
    best first, every hit's passage, and the lexical hits' indexed terms (for coverage)."""

    lexical: list[tuple[int, float]]
    dense: list[tuple[int, float]]
    passages: dict[int, StoredPassage]
    terms: dict[int, set[str]]
