"""The SQLite store: one SQLite file with reports, passages, sqlite-vec vectors and FTS5 terms.

The file describes itself in `meta`: schema version, embedding model and dimension. Opening an
index built by another model is an error, not silently wrong results. Schema changes are named
migrations applied in order. Each report is written in one transaction.
"""
from __future__ import annotations

import json
import sqlite3 as _stdlib_sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from corpus.errors import KompassError
from corpus.models import Report
from corpus.taxonomy import fold

from ..lexical import fts_query, terms
from ..records import Filters, PassageRecord, Source, StoredPassage, StoredSentence
from .schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "filter_sql", "sqlite3"]


def _sqlite_module():
    """stdlib sqlite3 when it can load extensions, else the pysqlite3 wheel (same API)."""
    if hasattr(_stdlib_sqlite3.Connection, "enable_load_extension"):
        return _stdlib_sqlite3
    try:
        import pysqlite3.dbapi2 as sqlite3
    except ImportError as exc:  # pragma: no cover - a dependency on platforms that need it
        raise KompassError("Pythons sqlite3 kan inte ladda tillägg: kör `pip install pysqlite3-binary`") from exc
    return sqlite3


sqlite3 = _sqlite_module()
BUSY_SECONDS = 60.0  # how long a write waits for another process's write to end


def filter_sql(filters: Filters, alias: str = "p") -> tuple[str, list[object]]:
    """A WHERE fragment over the passages table (and its report) plus its parameters: the
    filters that are set, as bound parameters."""
    in_reports = f"{alias}.report_id IN (SELECT report_id FROM reports WHERE {{}} ?)"
    section = filters.section.value if filters.section else None
    candidates = [
        (in_reports.format("municipality_key ="), filters.municipality),
        (in_reports.format("year >="), filters.year_from),
        (in_reports.format("year <="), filters.year_to),
        (f"{alias}.area = ?", filters.area),
        (f"{alias}.section = ?", section),
        (f"{alias}.report_id = ?", filters.report_id),
    ]
    conditions = [c for c in candidates if c[1] is not None]
    return " AND ".join(c[0] for c in conditions) or "1", [c[1] for c in conditions]


def _page(number: int, known: bool) -> int | None:
    """A page as stored: NULL when the report's file records no pages."""
    return number if known else None


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _rows(cursor, lists: tuple[str, ...]) -> list[dict[str, object]]:
    """A query's rows as dicts, the columns named in `lists` decoded from JSON text (NULL: [])."""
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    for row in rows:
        for name in lists:
            row[name] = json.loads(row[name]) if row[name] else []
    return rows




class SQLiteStore:
    """The index file, safe to share between threads.

    Each thread reads through its own connection; writes go through one writer connection, one
    thread at a time (a lock here, SQLite's write lock between processes) in WAL mode, so readers
    never wait for an ingest and never see half of one. `reading()` holds one snapshot of the
    file across several statements: a search's hits, passages and sentences then all come from
    the same generation, whatever a writer commits meanwhile."""

    def __init__(self, path: Path, model_name: str, dim: int | None):
        """`dim` None: open an existing index for whatever dimension it records (reading needs
        no model); a new index needs the dimension."""
        self.path = path
        self.location = str(path)
        self.schema_version = SCHEMA_VERSION
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.RLock()
        try:
            self._writer = self._connect()
            meta = self._meta()
            if dim is None:
                if not meta:
                    raise KompassError(f"indexet {path} är tomt: kör `kompass ingest` först")
                dim = int(meta.get("dim", 0))
            self._check_or_init(model_name, dim)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise KompassError(f"indexet {path} går inte att öppna ({exc}); ta bort filen och kör "
                               "`kompass ingest` igen") from exc
        except KompassError:
            self.close()
            raise
        self.model_name = model_name
        self.dim = dim
        self.index_id = self._meta()["index_id"]
        self._count: tuple[int, int] | None = None  # (generation, passages)
        self._municipalities: tuple[int, dict[str, str]] | None = None  # (generation, keys)

    def _connect(self):
        db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                             timeout=BUSY_SECONDS)
        with self._connections_lock:
            self._connections.append(db)
        db.enable_load_extension(True)
        import sqlite_vec
        sqlite_vec.load(db)
        db.enable_load_extension(False)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        return db

    @property
    def db(self):
        """This thread's connection: the writer inside `transaction()`, else its own reader."""
        local = self._local
        if getattr(local, "writing", False):
            return self._writer
        db = getattr(local, "db", None)
        if db is None:
            try:
                db = self._connect()
            except sqlite3.DatabaseError as exc:
                raise KompassError(f"indexet {self.path} går inte att öppna ({exc})") from exc
            local.db = db
        return db

    # -- schema ------------------------------------------------------------------------
    def _meta(self) -> dict[str, str]:
        has_meta = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if not has_meta:
            return {}
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def _check_or_init(self, model_name: str, dim: int) -> None:
        meta = self._meta()
        if meta:
            if meta.get("embedder") != model_name or int(meta.get("dim", 0)) != dim:
                raise KompassError(
                    f"indexet {self.path} är byggt med modellen {meta.get('embedder')} "
                    f"({meta.get('dim')} dim), inte {model_name} ({dim} dim); välj samma modell "
                    "(KOMPASS_EMBEDDER) eller bygg om med `kompass ingest --rebuild`")
            if int(meta.get("schema_version", 0)) > SCHEMA_VERSION:
                raise KompassError(f"indexet {self.path} har en nyare schemaversion "
                                   f"({meta['schema_version']}); uppgradera Kompass")
        elif self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise KompassError(f"{self.path} är ingen Kompass-databas; ange en annan KOMPASS_HOME")
        applied = set()
        if meta:
            applied = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        if meta and applied == {name for name, _ in MIGRATIONS}:
            return  # up to date: opening must not write (several readers, read-only copies)
        with self.transaction():
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL)")
            done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
            for name, migrate in MIGRATIONS:
                if name not in done:
                    migrate(self.db, dim)
                    self.db.execute("INSERT INTO migrations VALUES (?, ?)", (name, time.time()))
            for key, value in (("schema_version", str(SCHEMA_VERSION)), ("embedder", model_name),
                               ("dim", str(dim))):
                self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction at a time, on the writer connection (nested: joins the outer).
        A thread inside `reading()` may still write: the writer is another connection."""
        with self._write_lock:
            local = self._local
            if getattr(local, "writing", False):
                yield
                return
            local.writing = True
            try:
                self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self._writer.execute("ROLLBACK")
                    raise
                self._writer.execute("COMMIT")
            finally:
                local.writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold one snapshot of the index for this thread's reads until the block ends (nested:
        joins the outer; inside a transaction: the transaction's own view)."""
        local = self._local
        if getattr(local, "writing", False) or getattr(local, "depth", 0):
            local.depth = getattr(local, "depth", 0) + 1
            try:
                yield
            finally:
                local.depth -= 1
            return
        db = self.db
        db.execute("BEGIN")
        local.depth = 1
        try:
            yield
        finally:
            local.depth = 0
            db.execute("COMMIT")  # a read transaction: ends the snapshot, writes nothing

    def searcher(self, cache: Path):
        """Search through the search copy kept in the folder `cache` (index/search_copy.py)."""
        from ..search_copy import SearchCopy

        return SearchCopy(self, cache)

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()

    # -- writing -----------------------------------------------------------------------
    def source(self, path: str) -> Source | None:
        row = self.db.execute("SELECT path, sha256, format, report_id, role, parser_version FROM sources "
                              "WHERE path = ?", (path,)).fetchone()
        return Source(*row) if row else None

    def sources_of(self, report_id: str) -> list[Source]:
        rows = self.db.execute("SELECT path, sha256, format, report_id, role, parser_version FROM sources "
                               "WHERE report_id = ? ORDER BY role DESC, path", (report_id,)).fetchall()
        return [Source(*row) for row in rows]

    def sources_under(self, directory: str) -> list[Source]:
        prefix = directory.rstrip("/") + "/"
        rows = self.db.execute("SELECT path, sha256, format, report_id, role, parser_version FROM sources "
                               "WHERE substr(path, 1, ?) = ? ORDER BY path", (len(prefix), prefix)).fetchall()
        return [Source(*row) for row in rows]

    def record_duplicate(self, source: Source) -> None:
        with self.transaction():
            self._put_source(source)

    def forget_source(self, path: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM sources WHERE path = ?", (path,))

    def _put_source(self, source: Source) -> None:
        self.db.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?,?,?)",
                        (source.path, source.sha256, source.format, source.report_id, source.role,
                         source.parser_version, time.time()))

    def cached_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already in the index for these content hashes (embedded once, reused)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        for sql in ("SELECT p.content_hash, v.embedding FROM passages p JOIN passage_embeddings v "
                    "ON v.passage_id = p.id WHERE p.content_hash IN ({marks})",
                    "SELECT s.content_hash, v.embedding FROM sentences s JOIN sentence_embeddings v "
                    "ON v.sentence_id = s.id WHERE s.content_hash IN ({marks})"):
            for content_hash, blob in self._select_in(sql, wanted):
                found[content_hash] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def replace_report(self, report: Report, records: list[PassageRecord], source: Source) -> None:
        """Write a report and its passages from `source`, replacing any earlier version, in one
        transaction. Other files of the report are kept as its duplicates."""
        parser_version = source.parser_version
        with self.transaction():
            # The file used to be another report (a corrected title, a name read differently by
            # an older parser: "stenfor-2017" is now "stenfors-2017"): that report goes.
            before = self.db.execute("SELECT report_id FROM sources WHERE path = ? AND role = 'primary'",
                                     (source.path,)).fetchone()
            if before and before[0] != report.report_id:
                self._delete(before[0])
                self.db.execute("DELETE FROM sources WHERE report_id = ?", (before[0],))
            self._delete(report.report_id)
            self.db.execute("UPDATE sources SET role = 'duplicate' WHERE report_id = ? AND path != ?",
                            (report.report_id, source.path))
            self._put_source(source)
            self.db.execute(
                "INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (report.report_id, report.municipality, fold(report.municipality),
                 report.display_name, report.kind, report.year, report.month, report.title,
                 json.dumps(report.evaluators, ensure_ascii=False), report.publisher, report.date,
                 report.page_count, report.total_score, report.source_path, report.source_sha256,
                 parser_version, json.dumps(report.warnings, ensure_ascii=False), time.time()))
            for area in report.areas:
                self.db.execute("INSERT INTO areas VALUES (?,?,?,?,?,?,?)",
                                (report.report_id, area.area, area.name_in_report, area.score,
                                 _page(area.page, report.pages_known), json.dumps(area.rubriker, ensure_ascii=False),
                                 area.question_total))
                for q in area.questions:
                    self.db.execute("INSERT INTO questions VALUES (?,?,?,?,?,?,?,?)",
                                    (report.report_id, q.number, area.area, q.question, q.achieved,
                                     q.maximum, q.percent, _page(q.page, report.pages_known)))
            # Passage ids are never used twice: the vector copy for search is keyed by them.
            next_id = max(int(self.db.execute("SELECT value FROM meta WHERE key = 'next_passage_id'")
                              .fetchone()[0]),
                          self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM passages").fetchone()[0])
            for pid, record in enumerate(records, start=next_id):
                self._insert_passage(pid, record, report.pages_known)
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'next_passage_id'",
                            (str(next_id + len(records)),))
            self._changed()

    def _changed(self) -> None:
        """Raise the generation: caches of counts and vectors see that they are stale."""
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def _insert_passage(self, pid: int, record: PassageRecord, pages_known: bool = True) -> None:
        """A file that records no pages stores none (NULL): citations then name the section."""
        passage = record.passage

        self.db.execute(
            "INSERT INTO passages (id, report_id, ordinal, area, section, page_start, page_end, "
            "heading, text, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (pid, passage.report_id, passage.ordinal, passage.area, passage.section.value,
             _page(passage.page_start, pages_known), _page(passage.page_end, pages_known),
             passage.heading, passage.text, record.content_hash))
        passage_terms = terms(passage.indexed_text)
        self.db.execute("INSERT INTO passages_fts (rowid, terms) VALUES (?, ?)",
                        (pid, " ".join(passage_terms)))
        self.db.executemany("INSERT INTO vocabulary (reversed, doc) VALUES (?, 1) "
                            "ON CONFLICT (reversed) DO UPDATE SET doc = doc + 1",
                            ((t[::-1],) for t in set(passage_terms)))
        self.db.execute("INSERT INTO passage_embeddings (passage_id, embedding) VALUES (?,?)",
                        (pid, _blob(record.vector)))
        for ordinal, (unit, embedded) in enumerate(zip(passage.units, record.unit_vectors)):
            sid = self.db.execute(
                "INSERT INTO sentences (passage_id, ordinal, text, page_start, page_end, content_hash) "
                "VALUES (?,?,?,?,?,?)", (pid, ordinal, unit.text, _page(unit.page_start, pages_known),
                                         _page(unit.page_end, pages_known),
                                         embedded[0] if embedded else None)).lastrowid
            if embedded:
                self.db.execute("INSERT INTO sentence_embeddings (sentence_id, embedding) VALUES (?,?)",
                                (sid, _blob(embedded[1])))

    def _delete(self, report_id: str) -> None:
        ids = [r[0] for r in self.db.execute("SELECT id FROM passages WHERE report_id = ?", (report_id,))]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for (indexed,) in self.db.execute(f"SELECT terms FROM passages_fts WHERE rowid IN ({marks})",
                                              chunk).fetchall():
                self.db.executemany("UPDATE vocabulary SET doc = doc - 1 WHERE reversed = ?",
                                    ((t[::-1],) for t in set(indexed.split())))
            self.db.execute(f"DELETE FROM passages_fts WHERE rowid IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM passage_embeddings WHERE passage_id IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM sentence_embeddings WHERE sentence_id IN "
                            f"(SELECT id FROM sentences WHERE passage_id IN ({marks}))", chunk)
        removed = self.db.execute("DELETE FROM reports WHERE report_id = ?", (report_id,)).rowcount
        if ids:
            self.db.execute("DELETE FROM vocabulary WHERE doc <= 0")
        if ids or removed:
            self._changed()

    def remove_report(self, report_id: str) -> bool:
        """Remove a report with its passages, vectors and the record of its files."""
        with self.transaction():
            exists = self.db.execute("SELECT 1 FROM reports WHERE report_id = ?", (report_id,)).fetchone()
            self._delete(report_id)
            self.db.execute("DELETE FROM sources WHERE report_id = ?", (report_id,))
        return bool(exists)

    # -- reading -----------------------------------------------------------------------
    def _select_in(self, sql: str, ids: Iterable[object], before: tuple[object, ...] = ()) -> list[tuple]:
        """Run `sql`, whose `{marks}` stands for an IN (...) list, over `ids` in batches
        (SQLite limits the number of parameters)."""
        wanted = list(ids)
        rows: list[tuple] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows += self.db.execute(sql.format(marks=",".join("?" * len(chunk))), [*before, *chunk]).fetchall()
        return rows

    def generation(self) -> int:
        """Raised by every change to the passages (one indexed read: cheap on every query)."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def signature(self) -> tuple[str, int]:
        """Which index, at which generation: tells a cached copy whether it is stale."""
        return self.index_id, self.generation()

    def passage_count(self) -> int:
        generation = self.generation()
        cached = self._count
        if cached is None or cached[0] != generation:
            cached = (generation, self.db.execute("SELECT count(*) FROM passages").fetchone()[0])
            self._count = cached
        return cached[1]

    def report_rows(self) -> list[dict[str, object]]:
        """Every report's row; `evaluators` and `warnings` as lists (stored as JSON text)."""
        return _rows(self.db.execute("SELECT * FROM reports ORDER BY municipality, year"),
                     ("evaluators", "warnings"))

    def report_row(self, report_id: str) -> dict[str, object] | None:
        rows = _rows(self.db.execute("SELECT * FROM reports WHERE report_id = ?", (report_id,)),
                     ("evaluators", "warnings"))
        return rows[0] if rows else None

    def questions_of(self, report_id: str) -> list[tuple]:
        """(area, number, question, achieved, maximum, percent, page) of a report's sub-questions."""
        return self.db.execute("SELECT area, number, question, achieved, maximum, percent, page FROM questions "
                               "WHERE report_id = ?", (report_id,)).fetchall()

    def page_units(self, report_id: str, page: int) -> list[tuple]:
        """(passage id, heading, section, area, unit text) of every unit on `page` of a report,
        in reading order."""
        return self.db.execute(
            "SELECT p.id, p.heading, p.section, p.area, s.text FROM sentences s JOIN passages p "
            "ON p.id = s.passage_id WHERE p.report_id = ? AND s.page_start <= ? "
            "AND coalesce(s.page_end, s.page_start) >= ? ORDER BY p.ordinal, s.ordinal",
            (report_id, page, page)).fetchall()

    def area_rows(self, report_id: str) -> list[dict[str, object]]:
        """A report's areas in order; `rubriker` as a list (stored as JSON text)."""
        return _rows(self.db.execute("SELECT * FROM areas WHERE report_id = ? ORDER BY area", (report_id,)),
                     ("rubriker",))

    def municipality_keys(self) -> dict[str, str]:
        """Folded key -> name of every municipality with a report (cached per generation)."""
        generation = self.generation()
        cached = self._municipalities
        if cached is None or cached[0] != generation:
            cached = (generation, dict(self.db.execute(
                "SELECT DISTINCT municipality_key, municipality FROM reports")))
            self._municipalities = cached
        return dict(cached[1])

    def passages(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        rows = self._select_in(
            "SELECT p.id, p.report_id, r.municipality, r.display_name, r.year, p.area, p.section, "
            "p.page_start, p.page_end, p.heading, p.text FROM passages p JOIN reports r "
            "ON r.report_id = p.report_id WHERE p.id IN ({marks})", ids)
        return {row[0]: StoredPassage(*row) for row in rows}

    def lexical_search(self, query_terms: list[str], filters: Filters, k: int) -> list[tuple[int, float]]:
        """BM25 over stemmed terms; only passages that share a term with the query come back."""
        match = fts_query(query_terms)
        if match is None:
            return []
        where, params = filter_sql(filters, "p")
        # CROSS JOIN keeps the MATCH first: driven by the area index instead, SQLite would run
        # the full-text query once per allowed passage.
        join = "" if where == "1" else "CROSS JOIN passages p ON p.id = f.rowid "
        rows = self.db.execute(
            f"SELECT f.rowid, -bm25(passages_fts) AS score FROM passages_fts f {join}"
            f"WHERE passages_fts MATCH ? AND {where} "
            "ORDER BY bm25(passages_fts) LIMIT ?", [match, *params, k]).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def passage_terms(self, ids: Iterable[int]) -> dict[int, set[str]]:
        """The stemmed terms each passage is indexed under."""
        return {pid: set(text.split()) for pid, text in self.indexed_terms(ids)}

    def document_frequencies(self, query_terms: list[str]) -> dict[str, int]:
        """How many passages each term is indexed in (0 when none)."""
        query_terms = list(query_terms)  # read twice
        found = self.term_ids(query_terms)
        return {t: found[t][1] if t in found else 0 for t in dict.fromkeys(query_terms)}

    def term_ids(self, query_terms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """term -> (its id in the vocabulary, passages it is in), for the terms indexed."""
        unique = list(dict.fromkeys(query_terms))
        rows = self._select_in("SELECT reversed, id, doc FROM vocabulary WHERE reversed IN ({marks})",
                               [t[::-1] for t in unique])
        return {r[0][::-1]: (int(r[1]), int(r[2])) for r in rows}

    def indexed_terms(self, ids: Iterable[int] | None = None) -> Iterator[tuple[int, str]]:
        """(passage id, its indexed terms separated by spaces), ascending by id: all passages
        (one scan) when `ids` is None, else those found among `ids`."""
        if ids is None:
            yield from self.db.execute("SELECT rowid, terms FROM passages_fts ORDER BY rowid")
            return
        rows = self._select_in("SELECT rowid, terms FROM passages_fts WHERE rowid IN ({marks})",
                               sorted({int(i) for i in ids}))
        yield from sorted((int(pid), text) for pid, text in rows)

    def vocabulary_ids(self) -> dict[str, int]:
        """Every term with its id (for building the search copy's postings from scratch)."""
        return {r[0][::-1]: int(r[1]) for r in self.db.execute("SELECT reversed, id FROM vocabulary")}

    def terms_starting_with(self, prefix: str, limit: int = 5) -> list[str]:
        """Indexed terms that begin with `prefix` (`total` → `totalt`), most frequent first."""
        rows = self.db.execute(
            "SELECT term FROM passages_fts_vocab WHERE term >= ? AND term < ? ORDER BY doc DESC LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit)).fetchall()
        return [r[0] for r in rows]

    def terms_ending_with(self, suffix: str, limit: int = 20) -> list[str]:
        """Indexed terms that are compounds ending in `suffix` (`kommunfullmäkt` for `fullmäkt`),
        most frequent first: a range look-up in the reversed vocabulary, never a scan."""
        reversed_suffix = suffix[::-1]
        rows = self.db.execute(
            "SELECT reversed FROM vocabulary WHERE reversed > ? AND reversed < ? "
            "AND length(reversed) >= ? ORDER BY doc DESC, reversed LIMIT ?",
            (reversed_suffix, reversed_suffix + "\U0010ffff", len(suffix) + 3, limit)).fetchall()
        return [r[0][::-1] for r in rows]

    def exact_dense_search(self, vector: np.ndarray, filters: Filters, k: int,
                           sentences: bool = False) -> list[tuple[int, float]]:
        """Exact cosine over every stored vector (a scan, for tests and checks, never the query
        path): (passage id, similarity), best first; for sentences each sentence's passage."""
        where, params = filter_sql(filters, "p")
        sql = ("SELECT s.passage_id, vec_distance_cosine(v.embedding, ?) AS d FROM sentence_embeddings v "
               "JOIN sentences s ON s.id = v.sentence_id JOIN passages p ON p.id = s.passage_id"
               if sentences else
               "SELECT v.passage_id, vec_distance_cosine(v.embedding, ?) AS d FROM passage_embeddings v "
               "JOIN passages p ON p.id = v.passage_id")
        rows = self.db.execute(f"{sql} WHERE {where} ORDER BY d LIMIT ?",
                               [_blob(vector), *params, k]).fetchall()
        return [(int(r[0]), 1.0 - float(r[1])) for r in rows]

    def sentences_of(self, passage_ids: Iterable[int]) -> dict[int, list[StoredSentence]]:
        """Each passage's units in order, with their pages and vectors (None if not embedded)."""
        rows = self._select_in(
            "SELECT s.passage_id, s.text, s.page_start, s.page_end, v.embedding FROM sentences s "
            "LEFT JOIN sentence_embeddings v ON v.sentence_id = s.id "
            "WHERE s.passage_id IN ({marks}) ORDER BY s.passage_id, s.ordinal", passage_ids)
        result: dict[int, list[StoredSentence]] = {}
        for pid, text, first, last, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32) if blob is not None else None
            result.setdefault(int(pid), []).append(StoredSentence(text, first, last, vector))
        return result

    def passage_ids(self) -> np.ndarray:
        """Every passage id, ascending (the primary key's order: no sort)."""
        rows = self.db.execute("SELECT id FROM passages ORDER BY id").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def vectors_of(self, passage_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(passage vectors in the order given, sentence owners, sentence vectors) by point
        look-ups, for a few passages."""
        wanted = [int(i) for i in passage_ids]
        found = []
        owners, blobs = [], []
        for pid in wanted:
            found.append(self.db.execute("SELECT embedding FROM passage_embeddings WHERE passage_id = ?",
                                         (pid,)).fetchone()[0])
            for (sid,) in self.db.execute("SELECT id FROM sentences WHERE passage_id = ? AND content_hash "
                                          "IS NOT NULL ORDER BY ordinal", (pid,)).fetchall():
                owners.append(pid)
                blobs.append(self.db.execute("SELECT embedding FROM sentence_embeddings WHERE "
                                             "sentence_id = ?", (sid,)).fetchone()[0])
        return self._matrix(found), np.array(owners, dtype=np.int64), self._matrix(blobs)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(passage ids, passage vectors, sentence owners, sentence vectors) of the whole index,
        ordered by passage id, in two scans straight into numpy (no row list held in memory)."""
        ids, passages = self._scan("SELECT passage_id, embedding FROM passage_embeddings",
                                   len(self.passage_ids()))
        order = np.argsort(ids, kind="stable")
        ids, passages = ids[order], passages[order]
        sentence = self.db.execute("SELECT id, passage_id FROM sentences WHERE content_hash IS NOT NULL "
                                   "ORDER BY id").fetchall()
        sids = np.fromiter((r[0] for r in sentence), dtype=np.int64, count=len(sentence))
        owner_of = np.fromiter((r[1] for r in sentence), dtype=np.int64, count=len(sentence))
        del sentence
        found, sentences = self._scan("SELECT sentence_id, embedding FROM sentence_embeddings", len(sids))
        owners = owner_of[np.searchsorted(sids, found)]
        order = np.lexsort((found, owners))  # by passage, then sentence
        return ids, passages, owners[order], sentences[order]

    def all_units(self) -> tuple[list[tuple], np.ndarray]:
        """Every unit (sentence or list item) of the index with the vector that stands for it:
        ([(sentence id, passage id, report id, area, section, text, page_start, page_end)], vectors),
        ordered by sentence id. A unit without a vector of its own (its passage is that one
        unit) gets its passage's vector. For goda exempel, which weighs every unit of every
        report."""
        rows = self.db.execute(
            "SELECT s.id, s.passage_id, p.report_id, p.area, p.section, s.text, s.page_start, "
            "s.page_end, s.content_hash IS NOT NULL FROM sentences s JOIN passages p "
            "ON p.id = s.passage_id ORDER BY s.id").fetchall()
        sids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        owners = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        own = np.fromiter((bool(r[8]) for r in rows), dtype=bool, count=len(rows))
        matrix = np.zeros((len(rows), self.dim), dtype=np.float32)
        found, vectors = self._scan("SELECT sentence_id, embedding FROM sentence_embeddings", int(own.sum()))
        at = np.searchsorted(sids, found)
        keep = (at < len(sids)) & (sids[np.minimum(at, len(sids) - 1)] == found)
        matrix[at[keep]] = vectors[keep]
        borrowed = np.flatnonzero(~own)
        if len(borrowed):
            pids, pvectors = self._scan("SELECT passage_id, embedding FROM passage_embeddings",
                                        len(self.passage_ids()))
            order = np.argsort(pids)
            pids, pvectors = pids[order], pvectors[order]
            where = np.searchsorted(pids, owners[borrowed])
            ok = (where < len(pids)) & (pids[np.minimum(where, len(pids) - 1)] == owners[borrowed])
            matrix[borrowed[ok]] = pvectors[where[ok]]
        return [r[:8] for r in rows], matrix

    def topic_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored vectors of sub-question texts and Rubriker, by content hash."""
        rows = self._select_in("SELECT content_hash, embedding FROM topic_vectors WHERE content_hash IN ({marks})",
                               list(hashes))
        return {h: np.frombuffer(blob, dtype=np.float32).copy() for h, blob in rows}

    def put_topic_vectors(self, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """(content hash, text, vector) rows; a text already stored is kept."""
        with self.transaction():
            self.db.executemany("INSERT OR IGNORE INTO topic_vectors VALUES (?,?,?)",
                                ((h, t, _blob(v)) for h, t, v in rows))

    def area_table(self) -> list[tuple]:
        """(report id, canonical area, score, page, Rubriker as JSON) of every area in the index."""
        return self.db.execute("SELECT report_id, area, score, page, rubriker FROM areas").fetchall()

    def question_rows(self) -> list[tuple]:
        """(report id, canonical area, number, question, achieved, maximum, percent, page) of
        every chapter 4 sub-question in the index."""
        return self.db.execute("SELECT report_id, area, number, question, achieved, maximum, percent, "
                               "page FROM questions").fetchall()

    def _scan(self, sql: str, expected: int) -> tuple[np.ndarray, np.ndarray]:
        keys = np.zeros(expected, dtype=np.int64)
        matrix = np.zeros((expected, self.dim), dtype=np.float32)
        n = 0
        for key, blob in self.db.execute(sql):
            if n == len(keys):  # more than counted (a concurrent writer): grow
                keys = np.concatenate([keys, np.zeros(len(keys) + 1, dtype=np.int64)])
                matrix = np.concatenate([matrix, np.zeros((len(matrix) + 1, self.dim), dtype=np.float32)])
            keys[n] = key
            matrix[n] = np.frombuffer(blob, dtype=np.float32)
            n += 1
        return keys[:n], matrix[:n]

    def _matrix(self, blobs: list[bytes]) -> np.ndarray:
        if not blobs:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), self.dim)

    def filtered_ids(self, filters: Filters) -> np.ndarray:
        """The passages the filters allow (through the indexes on report, area and section)."""
        where, params = filter_sql(filters, "p")
        rows = self.db.execute(f"SELECT p.id FROM passages p WHERE {where}", params).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def table_passage_ids(self, report_ids: Iterable[str]) -> list[int]:
        """Ids of the passages that state scores and metadata (title page, chapter 1-2, score
        tables) of these reports: what fact answers cite."""
        sections = ("inledning", "resultat", "poang", "delfragor")
        return [int(r[0]) for r in self._select_in(
            "SELECT id FROM passages WHERE section IN ('" + "','".join(sections) + "') "
            "AND report_id IN ({marks}) ORDER BY report_id, ordinal", list(report_ids))]
