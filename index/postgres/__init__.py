"""The server store: PostgreSQL with pgvector (store.py), its schema as versioned migrations
(schema.py) and its query path in SQL (search.py). It implements the contract in index/store.py."""
from .schema import SCHEMA_VERSION
from .store import PostgresStore, drop, redact

__all__ = ["SCHEMA_VERSION", "PostgresStore", "drop", "redact"]
