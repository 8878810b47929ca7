"""Ingest files and folders: walk, skip what is unchanged, parse, embed, write one report per
transaction; recognise two files of one report; drop reports whose file was deleted.

Rules:
- A file whose bytes and parser version are unchanged since it was read is skipped without
  parsing (its content hash is in `sources`).
- Two files that parse to the same report (the PDF and its transcript) are one report. It is
  indexed from the best format (PDF > DOCX > web page > text: real page numbers and columns
  first); the other file is recorded as a duplicate and skipped.
- Re-ingesting a folder removes the reports whose file is gone from it (a duplicate file of
  the same report, if still there, takes over).
- A file that fails gives one line and the rest goes on; a report is written in one
  transaction, so an error or Ctrl-C never leaves half a report in the index.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from corpus.chunker import chunk_report
from corpus.errors import KompassError
from corpus.models import Passage
from corpus.parser import parse_report
from corpus.readers import document_from_bytes, read_bytes
from index.embedder import Embedder, ingest_workers
from index.records import PassageRecord, Source
from index.store import Store

from .models import IngestResult

PARSER_VERSION = 6
FORMAT_RANK = {"pdf": 4, "docx": 3, "html": 2, "text": 1}
NO_PAGES = " utan sidnummer"  # appended to a source's format when the file records no pages


def rank(source_format: str) -> int:
    """Which file of a report to index from: real pages first, then the richer format."""
    if source_format.endswith(NO_PAGES):
        return 0
    return FORMAT_RANK[source_format]


def topic_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\ntopic\n{text}".encode()).hexdigest()


class Listener(Protocol):
    def file_started(self, index: int, total: int, path: str) -> None: ...
    def embedding(self, done: int, total: int) -> None: ...
    def file_done(self, result: IngestResult) -> None: ...


class Quiet:
    def file_started(self, index: int, total: int, path: str) -> None:
        pass

    def embedding(self, done: int, total: int) -> None:
        pass

    def file_done(self, result: IngestResult) -> None:
        pass


def walk(paths: Iterable[Path]) -> Iterator[Path | IngestResult]:
    """Files to read, in order; problems with a path come out as failed results.
    Folders are walked without following symbolic links to folders (no loops); hidden files
    and folders are skipped."""
    for path in paths:
        path = Path(path)
        if path.is_dir():  # given by the user: walked even if it is a link
            found = False
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for d in list(dirs):
                    if os.path.islink(os.path.join(root, d)):
                        dirs.remove(d)
                        yield IngestResult(path=os.path.join(root, d), error=(
                            f"{os.path.join(root, d)}: symbolisk länk till en mapp hoppas över "
                            "(kan bilda en slinga); ange mappen själv om den ska läsas"))
                for name in sorted(files):
                    if not name.startswith("."):
                        found = True
                        yield Path(root) / name
            if not found:
                yield IngestResult(path=str(path), error=f"{path}: mappen innehåller inga filer")
        else:
            yield path


class Ingester:
    """Files are read, parsed and written one at a time, in order, by the calling thread; a
    file's new texts are embedded by `workers` threads at once (default KOMPASS_INGEST_WORKERS:
    the cores available / the threads per embedding call), each call one batch."""

    def __init__(self, store: Store, embedder: Embedder, workers: int | None = None):
        self.store = store
        self.embedder = embedder
        self.workers = workers or ingest_workers(embedder)

    def run(self, paths: list[Path], listener: Listener, force: bool = False) -> list[IngestResult]:
        entries = list(walk(paths))
        files = [e for e in entries if isinstance(e, Path)]
        results: list[IngestResult] = [e for e in entries if isinstance(e, IngestResult)]
        for result in results:
            listener.file_done(result)
        for index, path in enumerate(files, start=1):
            listener.file_started(index, len(files), str(path))
            if not os.path.lexists(path) and path not in paths:
                # Listed a moment ago: someone moved or deleted it while we worked.
                result = IngestResult(path=str(path), error=f"{path}: filen försvann under inläsningen")
            else:
                result = self.file(path, listener, force)
            results.append(result)
            listener.file_done(result)
        seen = {str(p.absolute()) for p in files}
        for directory in (Path(p) for p in paths):
            if directory.is_dir():
                for result in self.removed_under(directory, seen, listener):
                    results.append(result)
                    listener.file_done(result)
        return results

    def file(self, path: Path, listener: Listener, force: bool = False) -> IngestResult:
        started = time.perf_counter()
        key = str(path.absolute())
        result = IngestResult(path=str(path))
        try:
            data = read_bytes(path)
            sha256 = hashlib.sha256(data).hexdigest()
            known = self.store.source(key)
            if (not force and known and known.sha256 == sha256
                    and known.parser_version == PARSER_VERSION):
                result.report_id, result.status = known.report_id, "unchanged"
                return result
            document = document_from_bytes(path, data)
            report = parse_report(document)
            result.report_id, result.warnings = report.report_id, list(report.warnings)
            source_format = document.format + ("" if report.pages_known else NO_PAGES)
            source = Source(key, sha256, source_format, report.report_id, "primary", PARSER_VERSION)
            primary = next((s for s in self.store.sources_of(report.report_id)
                            if s.role == "primary" and s.path != key), None)
            if primary and os.path.exists(primary.path) and not force \
                    and rank(primary.format) >= rank(source_format):
                self.store.record_duplicate(Source(key, sha256, source_format, report.report_id,
                                                   "duplicate", PARSER_VERSION))
                result.status, result.duplicate_of = "duplicate", primary.path
                return result
            records, embedded = self.embed(chunk_report(report), listener)
            result.status = "updated" if (known and known.role == "primary") or primary else "new"
            self.store.replace_report(report, records, source)
            result.passages, result.embedded = len(records), embedded
            result.reused = sum(1 + sum(u is not None for u in r.unit_vectors) for r in records) - embedded
            result.embedded += self.embed_topics(report)
        except KompassError as exc:
            result.error = str(exc)
        finally:
            result.seconds = time.perf_counter() - started
        return result

    def removed_under(self, directory: Path, seen: set[str], listener: Listener) -> list[IngestResult]:
        """Reports whose file under `directory` is gone: removed, or re-read from a duplicate."""
        results = []
        for source in self.store.sources_under(str(directory.absolute())):
            if source.path in seen or os.path.exists(source.path):
                continue
            if source.role == "duplicate":
                self.store.forget_source(source.path)
                continue
            others = [s for s in self.store.sources_of(source.report_id)
                      if s.path != source.path and os.path.exists(s.path)]
            results.append(IngestResult(path=source.path, report_id=source.report_id, status="removed"))
            if others:  # another file of the report takes over; its unchanged text is not re-embedded
                best = max(others, key=lambda s: rank(s.format))
                taken_over = self.file(Path(best.path), listener, force=True)
                results.append(taken_over)
                if taken_over.error:
                    self.store.remove_report(source.report_id)
                else:
                    self.store.forget_source(source.path)
            else:
                self.store.remove_report(source.report_id)
        return results

    def embed_topics(self, report) -> int:
        """The report's sub-question texts and Rubriker, embedded once across reports (goda
        exempel looks for a query's topic among them); returns how many were new."""
        texts = sorted({q.question for a in report.areas for q in a.questions if q.question}
                       | {r for a in report.areas for r in a.rubriker if len(r) > 3})
        hashes = {t: topic_hash(self.embedder.name, t) for t in texts}
        known = self.store.topic_vectors(hashes.values())
        todo = [t for t in texts if hashes[t] not in known]
        if todo:
            vectors = self.embedder.embed_passages(todo, workers=self.workers)
            self.store.put_topic_vectors((hashes[t], t, v) for t, v in zip(todo, vectors))
        return len(todo)

    def embed(self, passages: list[Passage], listener: Listener) -> tuple[list[PassageRecord], int]:
        """Vectors for passages and their sentences; text already in the index is not re-embedded."""
        name = self.embedder.name

        def content_hash(text: str) -> str:
            return hashlib.sha256(f"{name}\n{text}".encode()).hexdigest()

        texts = [(p.embedded_text, p.sentence_texts_for_index) for p in passages]
        all_texts = [t for own, parts in texts for t in (own, *parts)]
        hashes = {t: content_hash(t) for t in all_texts}
        vectors = self.store.cached_vectors(hashes.values())
        todo = list(dict.fromkeys(t for t in all_texts if hashes[t] not in vectors))
        if todo:
            new = self.embedder.embed_passages(todo, progress=listener.embedding, workers=self.workers)
            vectors.update({hashes[t]: v for t, v in zip(todo, new)})
        records = []
        for passage, (own, parts) in zip(passages, texts):
            units: list[tuple[str, np.ndarray] | None] = [None] * len(passage.units)
            for i, text in enumerate(parts):  # parts, when present, match units one to one
                units[i] = (hashes[text], vectors[hashes[text]])
            records.append(PassageRecord(passage, hashes[own], vectors[hashes[own]], units))
        return records, len(todo)
