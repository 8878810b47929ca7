"""A throwaway PostgreSQL server for the tests: pgserver's bundled PostgreSQL 16 with pgvector,
started in a temporary folder, listening on a Unix socket only, stopped when the process exits
(or by `stop`). Nothing is downloaded: the server ships in the `pgserver` wheel (test extra)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_SERVERS: list[tuple[object, Path | None]] = []  # (server, the folder to delete when it stops)


def start_server(folder: Path | None = None) -> str:
    """Start a server with its data in `folder` (a new temporary folder when None, deleted by
    `stop`) and return its URI (postgresql://postgres:@/postgres?host=<socket folder>).

    As root, pgserver runs the server as a `pgserver` system user and opens the folder's parents
    to it. Not under pytest's /tmp/pytest-of-root: every pytest session on the machine sets that
    back to mode 0700, and the server then loses its own data directory and stops."""
    # pgserver takes an inter-process lock under XDG_RUNTIME_DIR when it is imported; as root it
    # runs the server as a `pgserver` system user. A fresh runtime folder of our own (mode 0700,
    # else platformdirs ignores it) keeps the lock, and a socket whose path would be too long,
    # away from anything else on the machine.
    previous = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="kompass-pg-run-")
    try:
        import pgserver
    finally:
        if previous is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)
        else:
            os.environ["XDG_RUNTIME_DIR"] = previous
    owned = folder is None
    folder = Path(tempfile.mkdtemp(prefix="kompass-pg-")) if folder is None else Path(folder)
    server = pgserver.get_server(folder / "data", cleanup_mode="stop")
    _SERVERS.append((server, folder if owned else None))
    return server.get_uri()


def stop() -> None:
    """Stop the servers this process started (they stop at exit anyway) and delete the folders
    made for them."""
    while _SERVERS:
        server, folder = _SERVERS.pop()
        server.cleanup()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server at `server_url` (pgserver's URI form)."""
    before, _, after = server_url.partition("?")
    base = before.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{after}" if after else "")


def create_database(server_url: str, name: str) -> str:
    """A new, empty database `name` (replacing one of that name); returns its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name`, closing whatever connections are left on it."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
