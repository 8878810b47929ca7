"""The embedded store: one SQLite file with sqlite-vec vectors and FTS5 terms (store.py), its
schema as named migrations (schema.py). It implements the contract in index/store.py."""
from .schema import SCHEMA_VERSION
from .store import SQLiteStore, filter_sql, sqlite3

__all__ = ["SCHEMA_VERSION", "SQLiteStore", "filter_sql", "sqlite3"]
