"""The PostgreSQL store: reports, passages, pgvector vectors and full-text lexemes in one database.

The database describes itself in `kompass.meta`: schema version, embedding model and dimension,
the index's identity and its generation. Opening an index built by another model is an error,
not silently wrong results; a database with a newer schema is refused. Schema changes are
versioned migrations (schema.py) applied in one transaction under an advisory lock, so several
processes may open a fresh database at once.

Writes: each report in one transaction. Every write transaction starts by raising the generation
in the one `meta` row, which locks that row until it commits: writers from any number of
processes and threads run one after the other, each seeing everything committed before it, so
two ingests of the same report (or of different reports) never lose or duplicate a passage.
Passage and sentence ids come from identity sequences and are never used twice.

Reads: from a pool of connections (psycopg_pool), so any number of threads read at once.
`reading()` holds one REPEATABLE READ snapshot for the calling thread until the block ends: a
query's hits, passages and sentences all come from one generation, whatever is committed
meanwhile.

Lexical index: each passage's analysed terms (index/lexical.py `terms`: PyStemmer's Snowball
Swedish stems, the library's stop words, hyphenated words whole and in parts; the same as the
SQLite store and the query side) as a `tsvector` with their positions, written as a quoted
literal (no parser runs on it); the vocabulary table holds each lexeme with an id and its passage
count, maintained from the stored lexemes in the same transaction; and the postings table, a row
per (term id, passage) with the term's frequency there (counted as FTS5 counts it: every
occurrence) and the passage's term count, what BM25 reads (search.py), written and deleted in
the same transaction.

Why not PostgreSQL's own `swedish` configuration: measured on the sample report, it disagrees
with the query side. PostgreSQL 16's Snowball Swedish is older than PyStemmer 3's and keeps the
definite "-et" (arbetet, området, resultatet, systemet, målet, kvalitetsarbetet: 41 of the
report's 1,684 words, most of them frequent; PyStemmer gives arbet, områd, resultat, ...); its
parser reads "samverkan/stöd" as a file path ('samverkan/st', 'öd'), keeps "1.1", "bl.a" and
host names whole, and has other stop words. The query's stems then miss those passages, and the
vocabulary (document frequencies, compounds) and each hit's terms (coverage) disagree with the
query. With `to_tsvector('swedish', heading || text)` the dev set's hybrid MRR@10 fell from
0.864 to 0.841 and 5 of its 103 questions got another top passage than from the SQLite index;
with the library's terms all 103 agree in every mode.
"""
from __future__ import annotations

import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from corpus.errors import InputError, KompassError
from corpus.models import Report
from corpus.taxonomy import fold

from ..lexical import terms
from ..records import Filters, PassageRecord, Source, StoredPassage, StoredSentence
from .schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "PostgresStore", "drop", "filter_sql", "redact"]

POOL_SIZE = 16  # connections at most: each query holds one while it runs (Kompass limits queries)
POOL_TIMEOUT = 30.0  # seconds a thread waits for a free connection
CONNECT_TIMEOUT = 10  # seconds to reach the server (unless the URL says otherwise)
MIGRATION_LOCK = 0x6B6F6D70617373  # pg_advisory_xact_lock key while migrating ("kompass")
# work_mem of Kompass's connections: BM25 sums a query's postings per passage in a hash table,
# about 150,000 passages (20 MB) for a broad question at 300,000 passages; with the server's
# default 4 MB it spilled to disk in 9 batches (a third of the statement's time).
WORK_MEM = "64MB"
SCAN_BATCH = 5000  # rows per fetch when reading the whole index
MAX_LEXEME_BYTES = 2046  # a tsvector lexeme is shorter than 2 KiB
MAX_POSITION = 16383  # tsvector positions stop here
MAX_POSITIONS = 256  # positions kept per lexeme



def redact(url: str) -> str:
    """The URL without its password (for messages): in the user part and as a parameter."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() != "password"], safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__


def _unreachable(location: str, exc: BaseException) -> KompassError:
    return KompassError(f"PostgreSQL-databasen {location} går inte att nå ({_first_line(exc)}); "
                        "starta servern eller rätta adressen i KOMPASS_STORE")


def _lost(exc: psycopg.Error) -> bool:
    """Whether an error means the server is gone (no SQLSTATE, a connection exception, an
    administrator's shutdown), not a failed statement."""
    return exc.sqlstate is None or exc.sqlstate.startswith(("08", "57P"))


def _connect_kwargs(url: str) -> dict[str, object]:
    given = psycopg.conninfo.conninfo_to_dict(url)
    kwargs: dict[str, object] = {"autocommit": True}
    if "connect_timeout" not in given:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT
    if "application_name" not in given:
        kwargs["application_name"] = "kompass"
    return kwargs


def _connect(url: str, location: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, **_connect_kwargs(url))
    except psycopg.OperationalError as exc:
        raise _unreachable(location, exc) from None
    except psycopg.ProgrammingError as exc:  # a malformed URL
        raise KompassError(f"ogiltig PostgreSQL-adress {location} ({_first_line(exc)}); "
                           "ange postgresql://användare@värd:port/databas i KOMPASS_STORE") from None


def drop(url: str) -> None:
    """Delete the index in the database at `url` (`kompass ingest --rebuild`): the `kompass`
    schema with every table in it. pgvector and anything else in the database stay."""
    location = redact(url)
    with _connect(url, location) as db:
        try:
            db.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        except psycopg.Error as exc:
            raise KompassError(f"indexet i {location} går inte att ta bort ({_first_line(exc)})") from None


def _check_type(name: str, value: object, kind: type) -> object:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"ogiltigt filtervärde {name}={value!r}: förväntade "
                         f"{'ett heltal' if kind is int else 'text'}")
    return value


def filter_sql(filters: Filters, alias: str = "p") -> tuple[str, dict[str, object]]:
    """A WHERE fragment over the passages table (and its report) plus its named parameters: the
    filters that are set, as bound parameters (the SQL text depends only on which are set)."""
    params: dict[str, object] = {}
    in_report = []
    if filters.municipality is not None:
        params["f_municipality"] = _check_type("kommun", filters.municipality, str)
        in_report.append("municipality_key = %(f_municipality)s")
    if filters.year_from is not None:
        params["f_year_from"] = _check_type("år", filters.year_from, int)
        in_report.append("year >= %(f_year_from)s")
    if filters.year_to is not None:
        params["f_year_to"] = _check_type("år", filters.year_to, int)
        in_report.append("year <= %(f_year_to)s")
    conditions = []
    if in_report:
        conditions.append(f"{alias}.report_id IN (SELECT report_id FROM reports WHERE "
                          + " AND ".join(in_report) + ")")
    if filters.area is not None:
        params["f_area"] = _check_type("område", filters.area, int)
        conditions.append(f"{alias}.area = %(f_area)s")
    if filters.section is not None:
        section = getattr(filters.section, "value", filters.section)
        params["f_section"] = _check_type("sektion", section, str)
        conditions.append(f"{alias}.section = %(f_section)s")
    if filters.report_id is not None:
        params["f_report_id"] = _check_type("rapport", filters.report_id, str)
        conditions.append(f"{alias}.report_id = %(f_report_id)s")
    return " AND ".join(conditions) or "TRUE", params


def ids_param(ids: Iterable[int]) -> list[int]:
    """Passage ids as one bigint[] parameter (`= ANY(%s::bigint[])`): distinct, ascending."""
    return sorted({int(i) for i in ids})


def _page(number: int, known: bool) -> int | None:
    """A page as stored: NULL when the report's file records no pages."""
    return number if known else None


def _indexable(word: str) -> bool:
    """A term a tsvector can hold (and so the vocabulary and the postings)."""
    return bool(word) and len(word.encode()) <= MAX_LEXEME_BYTES


def _tsvector(words: list[str]) -> str:
    """A tsvector literal of `words` in order, with their positions (quoted: no parser runs)."""
    positions: dict[str, list[int]] = {}
    for at, word in enumerate(words, 1):
        if _indexable(word):
            positions.setdefault(word, []).append(min(at, MAX_POSITION))
    return " ".join("'" + word.replace("\\", "\\\\").replace("'", "''") + "':"
                    + ",".join(map(str, sorted(set(places))[:MAX_POSITIONS]))
                    for word, places in positions.items())


def vector_param(vector: np.ndarray) -> list[float]:
    """A vector as a query parameter (float8[], cast to vector in SQL: exact for float32)."""
    return np.asarray(vector, dtype=np.float32).tolist()


def vector_value(data: bytes | None) -> np.ndarray | None:
    """A pgvector value read in binary: dimension (int16), unused (int16), big-endian float32s."""
    if data is None:
        return None
    return np.frombuffer(data, dtype=">f4", offset=4).astype(np.float32)


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)


def _copy_vectors(db, table: str, columns: tuple[str, ...], keys: list[tuple[int, ...]],
                  vectors: np.ndarray) -> None:
    """COPY rows of bigint keys and a vector in PostgreSQL's binary format, built by numpy."""
    if not len(keys):
        return
    dim = vectors.shape[1]
    fields = [("count", ">i2")]
    for i in range(len(keys[0])):
        fields += [(f"len{i}", ">i4"), (f"key{i}", ">i8")]
    fields += [("vlen", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("vector", ">f4", (dim,))]
    rows = np.zeros(len(keys), dtype=np.dtype(fields))
    rows["count"] = len(keys[0]) + 1
    for i, column in enumerate(zip(*keys)):
        rows[f"len{i}"] = 8
        rows[f"key{i}"] = column
    rows["vlen"] = 4 + 4 * dim
    rows["dim"] = dim
    rows["vector"] = vectors
    with db.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_COPY_HEADER + rows.tobytes() + _COPY_TRAILER)


def _rows(cursor, lists: tuple[str, ...]) -> list[dict[str, object]]:
    """A query's rows as dicts, the JSON columns named in `lists` as lists (NULL: [])."""
    names = [d.name for d in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    for row in rows:
        for name in lists:
            row[name] = row[name] if row[name] else []
    return rows


class PostgresStore:
    """An index in a PostgreSQL database, safe to share between threads (see the module)."""

    def __init__(self, url: str, model_name: str, dim: int | None):
        """`dim` None: open an existing index for whatever dimension it records (reading needs
        no model); a new index needs the dimension."""
        self.url = url
        self.location = redact(url)
        self.schema_version = SCHEMA_VERSION
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._pool: ConnectionPool | None = None
        with _connect(url, self.location) as db:
            try:
                meta = self._meta(db)
                if dim is None:
                    if not meta:
                        raise KompassError(f"indexet {self.location} är tomt: kör `kompass ingest` först")
                    dim = int(meta["dim"])
                self._check_or_init(db, model_name, dim, meta)
                meta = self._meta(db)
                self._search_path = self._path(db)
            except psycopg.Error as exc:
                if isinstance(exc, psycopg.OperationalError) and _lost(exc):
                    raise _unreachable(self.location, exc) from None
                raise KompassError(f"indexet {self.location} går inte att öppna ({_first_line(exc)})") from None
        self.model_name = model_name
        self.dim = int(dim)
        self.index_id = str(meta["index_id"])
        self._municipalities: tuple[int, dict[str, str]] | None = None  # (generation, keys)
        # `check`: a connection is tried before it is lent (one round trip), so that after a
        # restart of the server the pool reconnects instead of failing once per old connection.
        self._pool = ConnectionPool(url, kwargs=_connect_kwargs(url), min_size=1, max_size=POOL_SIZE,
                                    timeout=POOL_TIMEOUT, configure=self._configure,
                                    check=ConnectionPool.check_connection, open=True, name="kompass")

    # -- connections -------------------------------------------------------------------
    def _configure(self, db: psycopg.Connection) -> None:
        db.execute("SELECT set_config('search_path', %s, false), set_config('work_mem', %s, false)",
                   (self._search_path, WORK_MEM))

    @staticmethod
    def _path(db) -> str:
        """Our schema first, then where pgvector lives (its type and operators)."""
        row = db.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                         "WHERE extname = 'vector'").fetchone()
        schemas = [SCHEMA, *([row[0]] if row and row[0] != "public" else []), "public"]
        return ", ".join(schemas)

    @contextmanager
    def _borrow(self) -> Iterator[psycopg.Connection]:
        """A connection of the pool for this block (autocommit: each statement on its own)."""
        if self._pool is None:
            raise KompassError(f"indexet {self.location} är stängt")
        try:
            with self._pool.connection() as db:
                yield db
        except PoolTimeout as exc:
            raise _unreachable(self.location, exc) from None
        except psycopg.OperationalError as exc:
            if not _lost(exc):
                raise
            raise _unreachable(self.location, exc) from None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """This thread's connection for a few statements: the write transaction's or the
        `reading()` snapshot's when inside one, else one from the pool."""
        held = getattr(self._local, "db", None)
        if held is not None:
            yield held
            return
        with self._borrow() as db:
            yield db

    def _fetchall(self, sql: str, params=None, binary: bool = False) -> list[tuple]:
        with self.connection() as db:
            return db.execute(sql, params, binary=binary).fetchall()

    def _fetchone(self, sql: str, params=None) -> tuple | None:
        with self.connection() as db:
            return db.execute(sql, params).fetchone()

    # -- schema ------------------------------------------------------------------------
    @staticmethod
    def _meta(db) -> dict[str, object]:
        if db.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.meta",)).fetchone()[0] is None:
            return {}
        cursor = db.execute(f"SELECT * FROM {SCHEMA}.meta")
        row = cursor.fetchone()
        return dict(zip([d.name for d in cursor.description], row)) if row else {}

    def _check_meta(self, meta: dict[str, object], model_name: str, dim: int) -> None:
        if meta.get("embedder") != model_name or int(meta.get("dim") or 0) != dim:
            raise KompassError(
                f"indexet {self.location} är byggt med modellen {meta.get('embedder')} "
                f"({meta.get('dim')} dim), inte {model_name} ({dim} dim); välj samma modell "
                "(KOMPASS_EMBEDDER) eller bygg om med `kompass ingest --rebuild`")
        if int(meta.get("schema_version") or 0) > SCHEMA_VERSION:
            raise KompassError(f"indexet {self.location} har en nyare schemaversion "
                               f"({meta['schema_version']}); uppgradera Kompass")

    def _check_or_init(self, db, model_name: str, dim: int, meta: dict[str, object]) -> None:
        if meta:
            self._check_meta(meta, model_name, dim)
            applied = {r[0] for r in db.execute(f"SELECT version FROM {SCHEMA}.schema_migrations")}
            if applied >= {version for version, _, _ in MIGRATIONS}:
                return  # up to date: opening writes nothing
        elif db.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s", (SCHEMA,)).fetchone()[0]:
            raise KompassError(f"schemat {SCHEMA} i {self.location} är ingen Kompass-databas; "
                               "ange en annan databas i KOMPASS_STORE")
        try:
            with db.transaction():
                # One process migrates at a time; the others find the work done.
                db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                db.execute("CREATE EXTENSION IF NOT EXISTS vector")
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                db.execute("SELECT set_config('search_path', %s, true)", (self._path(db),))
                db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                           "name text NOT NULL UNIQUE, applied_at timestamptz NOT NULL DEFAULT now())")
                db.execute("CREATE TABLE IF NOT EXISTS meta (singleton boolean PRIMARY KEY DEFAULT true "
                           "CHECK (singleton), schema_version integer NOT NULL, embedder text NOT NULL, "
                           "dim integer NOT NULL, index_id text NOT NULL, generation bigint NOT NULL, "
                           "passages bigint NOT NULL, terms bigint NOT NULL)")
                meta = self._meta(db)
                if meta:  # made by another process meanwhile
                    self._check_meta(meta, model_name, dim)
                done = {r[0] for r in db.execute("SELECT version FROM schema_migrations")}
                if done and max(done) > SCHEMA_VERSION:
                    raise KompassError(f"indexet {self.location} har en nyare schemaversion "
                                       f"({max(done)}); uppgradera Kompass")
                for version, name, migrate in MIGRATIONS:
                    if version not in done:
                        migrate(db, dim)
                        db.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                                   (version, name))
                if meta:
                    db.execute("UPDATE meta SET schema_version = %s", (SCHEMA_VERSION,))
                else:
                    db.execute("INSERT INTO meta VALUES (true, %s, %s, %s, %s, 0, 0, 0)",
                               (SCHEMA_VERSION, model_name, dim, uuid.uuid4().hex))
        except (pg_errors.InsufficientPrivilege, pg_errors.FeatureNotSupported,
                pg_errors.UndefinedFile) as exc:
            raise KompassError(f"pgvector saknas i {self.location} ({_first_line(exc)}); installera "
                               "pgvector och kör `CREATE EXTENSION vector` som superanvändare") from None

    # -- transactions and snapshots -----------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """One write transaction (nested: joins the outer). It first raises the generation,
        which locks the meta row until commit: writers of every process take turns. A thread
        inside `reading()` may still write: the write has a connection of its own."""
        with self._write_lock:
            local = self._local
            if getattr(local, "writing", False):
                yield local.db
                return
            saved = getattr(local, "db", None), getattr(local, "depth", 0)
            with self._borrow() as db:
                local.db, local.writing, local.depth = db, True, 0
                try:
                    with db.transaction():
                        db.execute("UPDATE meta SET generation = generation + 1")
                        yield db
                finally:
                    local.db, local.depth = saved
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
        with self._borrow() as db:
            db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            local.db, local.depth = db, 1
            try:
                yield
            finally:
                local.db, local.depth = None, 0
                if not db.broken:
                    db.execute("ROLLBACK")  # a read transaction: ends the snapshot, writes nothing

    def searcher(self, cache: Path):
        """Search in the database itself (index/postgres/search.py); the folder `cache` is not
        used (nothing is kept beside the database)."""
        from .search import PostgresSearch

        return PostgresSearch(self)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        self._local = threading.local()

    # -- writing -----------------------------------------------------------------------
    _SOURCE = "SELECT path, sha256, format, report_id, role, parser_version FROM sources "

    def source(self, path: str) -> Source | None:
        row = self._fetchone(self._SOURCE + "WHERE path = %s", (path,))
        return Source(*row) if row else None

    def sources_of(self, report_id: str) -> list[Source]:
        rows = self._fetchall(self._SOURCE + 'WHERE report_id = %s ORDER BY role DESC, path COLLATE "C"',
                              (report_id,))
        return [Source(*row) for row in rows]

    def sources_under(self, directory: str) -> list[Source]:
        prefix = directory.rstrip("/") + "/"
        rows = self._fetchall(self._SOURCE + 'WHERE path ~>=~ %s AND path ~<~ %s ORDER BY path COLLATE "C"',
                              (prefix, prefix + "\U0010ffff"))
        return [Source(*row) for row in rows if row[0].startswith(prefix)]

    def record_duplicate(self, source: Source) -> None:
        with self.transaction() as db:
            self._put_source(db, source)

    def forget_source(self, path: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sources WHERE path = %s", (path,))

    @staticmethod
    def _put_source(db, source: Source) -> None:
        db.execute("INSERT INTO sources VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (path) DO UPDATE SET "
                   "sha256 = EXCLUDED.sha256, format = EXCLUDED.format, report_id = EXCLUDED.report_id, "
                   "role = EXCLUDED.role, parser_version = EXCLUDED.parser_version, seen_at = EXCLUDED.seen_at",
                   (source.path, source.sha256, source.format, source.report_id, source.role,
                    source.parser_version, time.time()))

    def cached_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already in the index for these content hashes (embedded once, reused)."""
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return {}
        rows = self._fetchall(
            "(SELECT DISTINCT ON (p.content_hash) p.content_hash, v.embedding FROM passages p "
            "JOIN passage_vectors v ON v.passage_id = p.id WHERE p.content_hash = ANY(%(h)s)) UNION ALL "
            "(SELECT DISTINCT ON (s.content_hash) s.content_hash, v.embedding FROM sentences s "
            "JOIN sentence_vectors v ON v.sentence_id = s.id WHERE s.content_hash = ANY(%(h)s))",
            {"h": wanted}, binary=True)
        return {content_hash: vector_value(data) for content_hash, data in rows}

    def replace_report(self, report: Report, records: list[PassageRecord], source: Source) -> None:
        """Write a report and its passages from `source`, replacing any earlier version, in one
        transaction. Other files of the report are kept as its duplicates."""
        with self.transaction() as db:
            # The file used to be another report (a corrected title, a name read differently by
            # an older parser): that report goes.
            before = db.execute("SELECT report_id FROM sources WHERE path = %s AND role = 'primary'",
                                (source.path,)).fetchone()
            if before and before[0] != report.report_id:
                self._delete(db, before[0])
                db.execute("DELETE FROM sources WHERE report_id = %s", (before[0],))
            self._delete(db, report.report_id)
            db.execute("UPDATE sources SET role = 'duplicate' WHERE report_id = %s AND path != %s",
                       (report.report_id, source.path))
            self._put_source(db, source)
            db.execute(
                "INSERT INTO reports VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (report.report_id, report.municipality, fold(report.municipality), report.display_name,
                 report.kind, report.year, report.month, report.title, Jsonb(report.evaluators),
                 report.publisher, report.date, report.page_count, report.total_score, report.source_path,
                 report.source_sha256, source.parser_version, Jsonb(report.warnings), time.time()))
            known = report.pages_known
            with db.cursor() as cursor:
                cursor.executemany("INSERT INTO areas VALUES (%s, %s, %s, %s, %s, %s, %s)", [
                    (report.report_id, area.area, area.name_in_report, area.score, _page(area.page, known),
                     Jsonb(area.rubriker), area.question_total) for area in report.areas])
                cursor.executemany("INSERT INTO questions VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", [
                    (report.report_id, q.number, area.area, q.question, q.achieved, q.maximum, q.percent,
                     _page(q.page, known)) for area in report.areas for q in area.questions])
            self._insert_passages(db, report.report_id, records, known)

    def _new_ids(self, db, table: str, n: int) -> list[int]:
        if n == 0:
            return []
        return [r[0] for r in db.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (f"{SCHEMA}.{table}", n))]

    def _insert_passages(self, db, report_id: str, records: list[PassageRecord], known: bool) -> None:
        """The passages with their lexemes, vectors and units, by COPY; then the vocabulary
        from the lexemes stored. A file that records no pages stores none (NULL)."""
        pids = self._new_ids(db, "passages", len(records))
        units = [(pid, ordinal, unit, embedded) for pid, record in zip(pids, records)
                 for ordinal, (unit, embedded) in enumerate(zip(record.passage.units, record.unit_vectors))]
        sids = self._new_ids(db, "sentences", len(units))
        lexemes = []
        with db.cursor() as cursor:
            with cursor.copy("COPY passages (id, report_id, ordinal, area, section, page_start, page_end, "
                             "heading, text, content_hash) FROM STDIN") as copy:
                for pid, record in zip(pids, records):
                    passage = record.passage
                    copy.write_row((pid, report_id, passage.ordinal, passage.area, passage.section.value,
                                    _page(passage.page_start, known), _page(passage.page_end, known),
                                    passage.heading, passage.text, record.content_hash))
                    lexemes.append((pid, terms(passage.indexed_text)))
            with cursor.copy("COPY passage_lexemes (passage_id, length, lexemes) FROM STDIN") as copy:
                for pid, words in lexemes:
                    copy.write_row((pid, len(words), _tsvector(words)))
            with cursor.copy("COPY sentences (id, passage_id, ordinal, text, page_start, page_end, "
                             "content_hash) FROM STDIN") as copy:
                for sid, (pid, ordinal, unit, embedded) in zip(sids, units):
                    copy.write_row((sid, pid, ordinal, unit.text, _page(unit.page_start, known),
                                    _page(unit.page_end, known), embedded[0] if embedded else None))
        if records:
            _copy_vectors(db, "passage_vectors", ("passage_id", "embedding"), [(pid,) for pid in pids],
                          np.stack([np.asarray(r.vector, dtype=np.float32) for r in records]))
        embedded_units = [(sid, pid, emb[1]) for sid, (pid, _, _, emb) in zip(sids, units) if emb]
        if embedded_units:
            _copy_vectors(db, "sentence_vectors", ("sentence_id", "passage_id", "embedding"),
                          [(sid, pid) for sid, pid, _ in embedded_units],
                          np.stack([np.asarray(v, dtype=np.float32) for _, _, v in embedded_units]))
        # The vocabulary from the lexemes as stored: each term with the passages it is in.
        db.execute("INSERT INTO vocabulary (term, df) SELECT l, count(*) FROM passage_lexemes x, "
                   "unnest(tsvector_to_array(x.lexemes)) l WHERE x.passage_id = ANY(%s::bigint[]) GROUP BY l "
                   "ON CONFLICT (term) DO UPDATE SET df = vocabulary.df + EXCLUDED.df", (pids,))
        # The postings: each passage's terms with their frequency there and its term count.
        counts = [(pid, len(words), Counter(filter(_indexable, words))) for pid, words in lexemes]
        wanted = sorted({term for _, _, tf in counts for term in tf})
        if wanted:
            ids = dict(db.execute("SELECT term, id FROM vocabulary WHERE term = ANY(%s::text[])",
                                  (wanted,)).fetchall())
            with db.cursor() as cursor, cursor.copy(
                    "COPY postings (term_id, passage_id, tf, length) FROM STDIN") as copy:
                for pid, length, tf in counts:
                    for term, n in tf.items():
                        copy.write_row((ids[term], pid, n, length))
        db.execute("UPDATE meta SET passages = passages + %s, terms = terms + %s",
                   (len(records), sum(len(words) for _, words in lexemes)))

    def _delete(self, db, report_id: str) -> None:
        """A report with its passages (their lexemes, vectors and sentences go with them) and
        their share of the vocabulary and of the counts."""
        # The passages' postings, and from them (a row per term and passage) the vocabulary's counts.
        db.execute(
            "WITH removed AS (DELETE FROM postings o USING passages p "
            "JOIN passage_lexemes x ON x.passage_id = p.id "
            "CROSS JOIN LATERAL unnest(tsvector_to_array(x.lexemes)) l JOIN vocabulary v ON v.term = l "
            "WHERE p.report_id = %(r)s AND o.term_id = v.id AND o.passage_id = p.id RETURNING o.term_id), "
            "gone AS (SELECT term_id, count(*) AS n FROM removed GROUP BY term_id), "
            "dropped AS (DELETE FROM vocabulary v USING gone WHERE v.id = gone.term_id AND v.df <= gone.n) "
            "UPDATE vocabulary v SET df = v.df - gone.n FROM gone WHERE v.id = gone.term_id AND v.df > gone.n",
            {"r": report_id})
        db.execute("UPDATE meta SET passages = passages - s.n, terms = terms - s.t FROM "
                   "(SELECT count(*) AS n, coalesce(sum(x.length), 0) AS t FROM passages p "
                   "JOIN passage_lexemes x ON x.passage_id = p.id WHERE p.report_id = %(r)s) s", {"r": report_id})
        db.execute("DELETE FROM reports WHERE report_id = %s", (report_id,))

    def remove_report(self, report_id: str) -> bool:
        """Remove a report with its passages, vectors and the record of its files."""
        with self.transaction() as db:
            exists = db.execute("SELECT 1 FROM reports WHERE report_id = %s", (report_id,)).fetchone()
            self._delete(db, report_id)
            db.execute("DELETE FROM sources WHERE report_id = %s", (report_id,))
        return bool(exists)

    def put_topic_vectors(self, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """(content hash, text, vector) rows; a text already stored is kept."""
        rows = [(h, t, vector_param(v)) for h, t, v in rows]
        with self.transaction() as db, db.cursor() as cursor:
            cursor.executemany("INSERT INTO topic_vectors VALUES (%s, %s, %s::float8[]::vector) "
                               "ON CONFLICT (content_hash) DO NOTHING", rows)

    # -- reading -----------------------------------------------------------------------
    def generation(self) -> int:
        """Raised by every write transaction (one row: cheap on every query)."""
        return int(self._fetchone("SELECT generation FROM meta")[0])

    def signature(self) -> tuple[str, int]:
        """Which index, at which generation: tells a cache whether it is stale."""
        return self.index_id, self.generation()

    def passage_count(self) -> int:
        return int(self._fetchone("SELECT passages FROM meta")[0])

    def passage_ids(self) -> np.ndarray:
        """Every passage id, ascending."""
        rows = self._fetchall("SELECT id FROM passages ORDER BY id", binary=True)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def report_rows(self) -> list[dict[str, object]]:
        """Every report's row; `evaluators` and `warnings` as lists."""
        with self.connection() as db:
            return _rows(db.execute('SELECT * FROM reports ORDER BY municipality COLLATE "C", year NULLS FIRST'),
                         ("evaluators", "warnings"))

    def report_row(self, report_id: str) -> dict[str, object] | None:
        with self.connection() as db:
            rows = _rows(db.execute("SELECT * FROM reports WHERE report_id = %s", (report_id,)),
                         ("evaluators", "warnings"))
        return rows[0] if rows else None

    def questions_of(self, report_id: str) -> list[tuple]:
        """(area, number, question, achieved, maximum, percent, page) of a report's sub-questions."""
        return self._fetchall("SELECT area, number, question, achieved, maximum, percent, page FROM questions "
                              'WHERE report_id = %s ORDER BY number COLLATE "C"', (report_id,))

    def page_units(self, report_id: str, page: int) -> list[tuple]:
        """(passage id, heading, section, area, unit text) of every unit on `page` of a report,
        in reading order."""
        return self._fetchall(
            "SELECT p.id, p.heading, p.section, p.area, s.text FROM sentences s JOIN passages p "
            "ON p.id = s.passage_id WHERE p.report_id = %(r)s AND s.page_start <= %(page)s "
            "AND coalesce(s.page_end, s.page_start) >= %(page)s ORDER BY p.ordinal, s.ordinal",
            {"r": report_id, "page": page})

    def area_rows(self, report_id: str) -> list[dict[str, object]]:
        """A report's areas in order; `rubriker` as a list."""
        with self.connection() as db:
            return _rows(db.execute("SELECT * FROM areas WHERE report_id = %s ORDER BY area", (report_id,)),
                         ("rubriker",))

    def municipality_keys(self) -> dict[str, str]:
        """Folded key -> name of every municipality with a report (cached per generation)."""
        with self.connection() as db:
            generation = db.execute("SELECT generation FROM meta").fetchone()[0]
            cached = self._municipalities
            if cached is None or cached[0] != generation:
                cached = (generation, dict(db.execute(
                    "SELECT DISTINCT municipality_key, municipality FROM reports").fetchall()))
                self._municipalities = cached
        return dict(cached[1])

    def passages(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        wanted = ids_param(ids)
        if not wanted:
            return {}
        rows = self._fetchall(
            "SELECT p.id, p.report_id, r.municipality, r.display_name, r.year, p.area, p.section, "
            "p.page_start, p.page_end, p.heading, p.text FROM passages p JOIN reports r "
            "ON r.report_id = p.report_id WHERE p.id = ANY(%s::bigint[])", (wanted,))
        return {row[0]: StoredPassage(*row) for row in rows}

    def lexical_search(self, query_terms: list[str], filters: Filters, k: int) -> list[tuple[int, float]]:
        """BM25 over stemmed terms; only passages that share a term with the query come back."""
        from .search import lexical_hits

        with self.connection() as db:
            return lexical_hits(db, query_terms, filters, k)

    def passage_terms(self, ids: Iterable[int]) -> dict[int, set[str]]:
        """The stemmed terms each passage is indexed under."""
        wanted = ids_param(ids)
        if not wanted:
            return {}
        rows = self._fetchall("SELECT passage_id, tsvector_to_array(lexemes) FROM passage_lexemes "
                              "WHERE passage_id = ANY(%s::bigint[])", (wanted,))
        return {pid: set(lexemes) for pid, lexemes in rows}

    def document_frequencies(self, query_terms: list[str]) -> dict[str, int]:
        """How many passages each term is indexed in (0 when none)."""
        query_terms = list(query_terms)  # read twice
        found = self.term_ids(query_terms)
        return {t: found[t][1] if t in found else 0 for t in dict.fromkeys(query_terms)}

    def term_ids(self, query_terms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """term -> (its id in the vocabulary, passages it is in), for the terms indexed."""
        unique = list(dict.fromkeys(query_terms))
        if not unique:
            return {}
        rows = self._fetchall("SELECT term, id, df FROM vocabulary WHERE term = ANY(%s::text[])", (unique,))
        return {term: (int(tid), int(df)) for term, tid, df in rows}

    def indexed_terms(self, ids: Iterable[int] | None = None) -> Iterator[tuple[int, str]]:
        """(passage id, its indexed terms separated by spaces, in order), ascending by id: all
        passages (in batches) when `ids` is None, else those found among `ids`."""
        sql = ("SELECT x.passage_id, coalesce((SELECT string_agg(l.lexeme, ' ' ORDER BY at, l.lexeme) FROM "
               "unnest(x.lexemes) l, unnest(l.positions) at), '') FROM passage_lexemes x ")
        if ids is not None:
            wanted = ids_param(ids)
            if wanted:
                yield from self._fetchall(sql + "WHERE x.passage_id = ANY(%s::bigint[]) ORDER BY x.passage_id",
                                          (wanted,))
            return
        after = 0
        while True:
            rows = self._fetchall(sql + "WHERE x.passage_id > %s ORDER BY x.passage_id LIMIT %s",
                                  (after, SCAN_BATCH))
            yield from rows
            if len(rows) < SCAN_BATCH:
                return
            after = rows[-1][0]

    def vocabulary_ids(self) -> dict[str, int]:
        """Every term with its id."""
        return {term: int(tid) for term, tid in self._fetchall("SELECT term, id FROM vocabulary")}

    def terms_starting_with(self, prefix: str, limit: int = 5) -> list[str]:
        """Indexed terms that begin with `prefix` (`total` → `totalt`), most frequent first: a
        range look-up in the vocabulary's pattern index."""
        rows = self._fetchall('SELECT term FROM vocabulary WHERE term ~>=~ %s AND term ~<~ %s '
                              'ORDER BY df DESC, term COLLATE "C" LIMIT %s',
                              (prefix, prefix + "\U0010ffff", limit))
        return [r[0] for r in rows]

    def terms_ending_with(self, suffix: str, limit: int = 20) -> list[str]:
        """Indexed terms that are compounds ending in `suffix` (`kommunfullmäkt` for `fullmäkt`),
        most frequent first: a range look-up in the index on the reversed terms, never a scan."""
        reversed_suffix = suffix[::-1]
        rows = self._fetchall(
            'SELECT term FROM vocabulary WHERE reverse(term) ~>~ %s AND reverse(term) ~<~ %s '
            'AND length(term) >= %s ORDER BY df DESC, reverse(term) COLLATE "C" LIMIT %s',
            (reversed_suffix, reversed_suffix + "\U0010ffff", len(suffix) + 3, limit))
        return [r[0] for r in rows]

    def exact_dense_search(self, vector: np.ndarray, filters: Filters, k: int,
                           sentences: bool = False) -> list[tuple[int, float]]:
        """Exact cosine over every stored vector (a scan, for tests and checks, never the query
        path): (passage id, similarity), best first; for sentences each sentence's passage."""
        where, params = filter_sql(filters, "p")
        table = "sentence_vectors" if sentences else "passage_vectors"
        # Ordered by the similarity, not by `embedding <=> q`: no index can serve that order.
        rows = self._fetchall(
            f"SELECT v.passage_id, 1 - (v.embedding <=> %(q)s::float8[]::vector) AS sim FROM {table} v "
            f"JOIN passages p ON p.id = v.passage_id WHERE {where} ORDER BY sim DESC, v.passage_id LIMIT %(k)s",
            {**params, "q": vector_param(vector), "k": k})
        return [(int(pid), float(sim)) for pid, sim in rows]

    def sentences_of(self, passage_ids: Iterable[int]) -> dict[int, list[StoredSentence]]:
        """Each passage's units in order, with their pages and vectors (None if not embedded)."""
        wanted = ids_param(passage_ids)
        if not wanted:
            return {}
        rows = self._fetchall(
            "SELECT s.passage_id, s.text, s.page_start, s.page_end, v.embedding FROM sentences s "
            "LEFT JOIN sentence_vectors v ON v.sentence_id = s.id WHERE s.passage_id = ANY(%s::bigint[]) "
            "ORDER BY s.passage_id, s.ordinal", (wanted,), binary=True)
        result: dict[int, list[StoredSentence]] = {}
        for pid, text, first, last, data in rows:
            result.setdefault(int(pid), []).append(StoredSentence(text, first, last, vector_value(data)))
        return result

    def vectors_of(self, passage_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(passage vectors in the order given, sentence owners, sentence vectors) in one query."""
        wanted = [int(i) for i in passage_ids]
        rows = self._fetchall(
            "SELECT passage_id, -1, embedding FROM passage_vectors WHERE passage_id = ANY(%(ids)s::bigint[]) "
            "UNION ALL SELECT s.passage_id, s.ordinal, v.embedding FROM sentences s JOIN sentence_vectors v "
            "ON v.sentence_id = s.id WHERE s.passage_id = ANY(%(ids)s::bigint[])",
            {"ids": ids_param(wanted)}, binary=True)
        own: dict[int, np.ndarray] = {}
        units: dict[int, list[tuple[int, np.ndarray]]] = {}
        for pid, ordinal, data in rows:
            if ordinal < 0:
                own[pid] = vector_value(data)
            else:
                units.setdefault(pid, []).append((ordinal, vector_value(data)))
        missing = [pid for pid in wanted if pid not in own]
        if missing:
            raise KompassError(f"passagen {missing[0]} finns inte i indexet {self.location}")
        owners, sentence_vectors = [], []
        for pid in wanted:
            for _, vector in sorted(units.get(pid, []), key=lambda u: u[0]):
                owners.append(pid)
                sentence_vectors.append(vector)
        return self._matrix([own[pid] for pid in wanted]), np.array(owners, dtype=np.int64), \
            self._matrix(sentence_vectors)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(passage ids, passage vectors, sentence owners, sentence vectors) of the whole index,
        ordered by passage id (sentences then by id), read in batches straight into numpy."""
        with self.reading():
            ids, passages = self._scan("SELECT passage_id, embedding FROM passage_vectors ORDER BY passage_id",
                                       self.passage_count())
            count = self._fetchone("SELECT count(*) FROM sentence_vectors")[0]
            owners, sentences = self._scan(
                "SELECT passage_id, embedding FROM sentence_vectors ORDER BY passage_id, sentence_id", count)
        return ids, passages, owners, sentences

    def all_units(self) -> tuple[list[tuple], np.ndarray]:
        """Every unit (sentence or list item) of the index with the vector that stands for it:
        ([(sentence id, passage id, report id, area, section, text, page_start, page_end)], vectors),
        ordered by sentence id. A unit without a vector of its own (its passage is that one
        unit) gets its passage's vector. For goda exempel, which weighs every unit of every
        report."""
        with self.reading(), self.connection() as db:
            count = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
            matrix = np.zeros((count, self.dim), dtype=np.float32)
            rows: list[tuple] = []
            with db.cursor(name="kompass_units", binary=True) as cursor:
                cursor.itersize = SCAN_BATCH
                cursor.execute(
                    "SELECT s.id, s.passage_id, p.report_id, p.area, p.section, s.text, s.page_start, "
                    "s.page_end, coalesce(sv.embedding, pv.embedding) FROM sentences s "
                    "JOIN passages p ON p.id = s.passage_id "
                    "LEFT JOIN sentence_vectors sv ON sv.sentence_id = s.id "
                    "LEFT JOIN passage_vectors pv ON sv.sentence_id IS NULL AND pv.passage_id = s.passage_id "
                    "ORDER BY s.id")
                for row in cursor:
                    if len(rows) == len(matrix):  # more than counted: grow
                        matrix = np.concatenate([matrix, np.zeros_like(matrix[:len(matrix) + 1])])
                    if row[8] is not None:
                        matrix[len(rows)] = vector_value(row[8])
                    rows.append(tuple(row[:8]))
        return rows, matrix[:len(rows)]

    def topic_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored vectors of sub-question texts and Rubriker, by content hash."""
        wanted = list(dict.fromkeys(hashes))
        if not wanted:
            return {}
        rows = self._fetchall("SELECT content_hash, embedding FROM topic_vectors WHERE content_hash = ANY(%s::text[])",
                              (wanted,), binary=True)
        return {h: vector_value(data) for h, data in rows}

    def area_table(self) -> list[tuple]:
        """(report id, canonical area, score, page, Rubriker as JSON) of every area in the index."""
        return self._fetchall('SELECT report_id, area, score, page, rubriker::text FROM areas '
                              'ORDER BY report_id COLLATE "C", area')

    def question_rows(self) -> list[tuple]:
        """(report id, canonical area, number, question, achieved, maximum, percent, page) of
        every chapter 4 sub-question in the index."""
        return self._fetchall('SELECT report_id, area, number, question, achieved, maximum, percent, page '
                              'FROM questions ORDER BY report_id COLLATE "C", number COLLATE "C"')

    def _scan(self, sql: str, expected: int) -> tuple[np.ndarray, np.ndarray]:
        """(keys, vectors) of a query's rows, through a server-side cursor in batches."""
        keys = np.zeros(expected, dtype=np.int64)
        matrix = np.zeros((expected, self.dim), dtype=np.float32)
        n = 0
        with self.connection() as db, db.cursor(name=f"kompass_scan_{threading.get_ident()}",
                                                binary=True) as cursor:
            cursor.itersize = SCAN_BATCH
            cursor.execute(sql)
            for key, data in cursor:
                if n == len(keys):  # more than counted: grow
                    keys = np.concatenate([keys, np.zeros(len(keys) + 1, dtype=np.int64)])
                    matrix = np.concatenate([matrix, np.zeros((len(matrix) + 1, self.dim), dtype=np.float32)])
                keys[n] = key
                matrix[n] = np.frombuffer(data, dtype=">f4", offset=4)
                n += 1
        return keys[:n], matrix[:n]

    def _matrix(self, vectors: list[np.ndarray]) -> np.ndarray:
        if not vectors:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack(vectors).astype(np.float32, copy=False)

    def filtered_ids(self, filters: Filters) -> np.ndarray:
        """The passages the filters allow (through the indexes on report, area and section)."""
        where, params = filter_sql(filters, "p")
        rows = self._fetchall(f"SELECT p.id FROM passages p WHERE {where} ORDER BY p.id", params, binary=True)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def table_passage_ids(self, report_ids: Iterable[str]) -> list[int]:
        """Ids of the passages that state scores and metadata (title page, chapter 1-2, score
        tables) of these reports: what fact answers cite."""
        wanted = list(dict.fromkeys(report_ids))
        if not wanted:
            return []
        rows = self._fetchall(
            "SELECT id FROM passages WHERE section = ANY(%s::text[]) AND report_id = ANY(%s::text[]) "
            'ORDER BY report_id COLLATE "C", ordinal',
            (["inledning", "resultat", "poang", "delfragor"], wanted))
        return [int(r[0]) for r in rows]
