"""The index schema as named migrations, applied in order and recorded in `migrations`."""
from __future__ import annotations

SCHEMA_VERSION = 4


def _execute_script(db, script: str) -> None:
    """executescript() would COMMIT the open migration transaction: run statements one by one."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db, dim: int) -> None:
    _execute_script(db, """
        CREATE TABLE reports (
            report_id TEXT PRIMARY KEY, municipality TEXT NOT NULL, municipality_key TEXT NOT NULL,
            display_name TEXT NOT NULL, kind TEXT, year INTEGER, month INTEGER, title TEXT,
            evaluators TEXT, publisher TEXT, date TEXT, page_count INTEGER, total_score INTEGER,
            source_path TEXT, source_sha256 TEXT, parser_version INTEGER, warnings TEXT,
            ingested_at REAL);
        CREATE TABLE areas (
            report_id TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
            area INTEGER NOT NULL, name_in_report TEXT, score INTEGER, page INTEGER,
            rubriker TEXT, question_total INTEGER, PRIMARY KEY (report_id, area));
        CREATE TABLE questions (
            report_id TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
            number TEXT NOT NULL, area INTEGER, question TEXT, achieved INTEGER, maximum INTEGER,
            percent INTEGER, page INTEGER, PRIMARY KEY (report_id, number));
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY, report_id TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL, area INTEGER, section TEXT NOT NULL, page_start INTEGER,
            page_end INTEGER, heading TEXT NOT NULL, text TEXT NOT NULL, content_hash TEXT NOT NULL);
        CREATE TABLE sentences (
            id INTEGER PRIMARY KEY, passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL, text TEXT NOT NULL, page_start INTEGER, page_end INTEGER,
            content_hash TEXT);
        CREATE INDEX sentences_passage ON sentences(passage_id);
        CREATE INDEX sentences_hash ON sentences(content_hash);
        CREATE INDEX passages_report ON passages(report_id);
        CREATE INDEX passages_hash ON passages(content_hash);
        CREATE VIRTUAL TABLE passages_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
        CREATE VIRTUAL TABLE passages_fts_vocab USING fts5vocab(passages_fts, 'row');
    """)
    # Metadata columns let sqlite-vec apply the filters inside the KNN scan.
    metadata = "area INTEGER, section TEXT, year INTEGER, municipality TEXT, report_id TEXT"
    db.execute(f"""CREATE VIRTUAL TABLE passage_vectors USING vec0(
        passage_id INTEGER PRIMARY KEY, embedding float[{int(dim)}] distance_metric=cosine, {metadata})""")
    db.execute(f"""CREATE VIRTUAL TABLE sentence_vectors USING vec0(
        sentence_id INTEGER PRIMARY KEY, embedding float[{int(dim)}] distance_metric=cosine,
        passage_id INTEGER, {metadata})""")


def _m002_sources(db, dim: int) -> None:
    """Every file a report was read from: the one it is indexed from ('primary') and other
    files of the same report ('duplicate', e.g. the PDF beside its transcript)."""
    _execute_script(db, """
        CREATE TABLE sources (
            path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, format TEXT NOT NULL,
            report_id TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('primary', 'duplicate')),
            parser_version INTEGER NOT NULL, seen_at REAL NOT NULL);
        CREATE INDEX sources_report ON sources(report_id);
        INSERT INTO sources SELECT source_path, source_sha256, 'text', report_id, 'primary',
            parser_version, ingested_at FROM reports WHERE source_path IS NOT NULL
    """)


def _m003_fast_query_path(db, dim: int) -> None:
    """What the query path needs so that it never scans (see index/vectors.py):
    - vec0 tables without metadata columns: queries search the memory-mapped copy, and
      sqlite-vec 0.1.9 leaks ~90 bytes per row written with TEXT metadata longer than 12 bytes
      (sqlite-vec #265). vec0 cannot be renamed, so the tables get new names.
    - a generation that every change to the passages raises, and the index's identity, so that
      caches (counts, the vector copy) know when they are stale;
    - passage ids that are never used twice (a cached vector is keyed by its passage id);
    - the vocabulary: each term (stored reversed) with an id that is never reused, for the
      postings in the search copy, and its passage count, for document frequencies and for
      compounds that end in a query word (`fullmäkt` -> `kommunfullmäkt`) by a range look-up
      instead of a LIKE scan;
    - indexes for the area and section filters."""
    import uuid

    for old, new, key in (("passage_vectors", "passage_embeddings", "passage_id"),
                          ("sentence_vectors", "sentence_embeddings", "sentence_id")):
        db.execute(f"CREATE VIRTUAL TABLE {new} USING vec0({key} INTEGER PRIMARY KEY, "
                   f"embedding float[{int(dim)}] distance_metric=cosine)")
        db.execute(f"INSERT INTO {new} ({key}, embedding) SELECT {key}, embedding FROM {old}")
        db.execute(f"DROP TABLE {old}")
    _execute_script(db, """
        CREATE INDEX passages_area ON passages(area);
        CREATE INDEX passages_section ON passages(section);
        CREATE TABLE vocabulary (
            id INTEGER PRIMARY KEY AUTOINCREMENT, reversed TEXT NOT NULL UNIQUE, doc INTEGER NOT NULL)
    """)
    db.executemany("INSERT INTO vocabulary (reversed, doc) VALUES (?, ?)",
                   ((term[::-1], doc) for term, doc in
                    db.execute("SELECT term, doc FROM passages_fts_vocab").fetchall()))
    top = db.execute("SELECT coalesce(max(id), 0) FROM passages").fetchone()[0]
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   (("generation", "1"), ("index_id", uuid.uuid4().hex), ("next_passage_id", str(top + 1))))


def _m004_topic_vectors(db, dim: int) -> None:
    """Vectors of the reports' sub-question texts and Rubriker (goda exempel finds a query's
    topic among them), by content hash: the same question set is embedded once."""
    db.execute("CREATE TABLE topic_vectors (content_hash TEXT PRIMARY KEY, text TEXT NOT NULL, "
               "embedding BLOB NOT NULL)")


MIGRATIONS = [("m001_initial", _m001_initial), ("m002_sources", _m002_sources),
              ("m003_fast_query_path", _m003_fast_query_path), ("m004_topic_vectors", _m004_topic_vectors)]
