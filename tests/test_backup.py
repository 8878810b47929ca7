"""Backup and restore of both stores, with the commands README.md gives (*Större installationer*):
the SQLite file copied online with SQLite's backup API while a Kompass has it open, and a
PostgreSQL database dumped with pg_dump and restored with pg_restore into a new database. The
restored index answers as the original does; the search copy is not part of a backup (it is
rebuilt from the store)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_backends import Memo, new_database

from assistant.config import Config
from assistant.kompass import Kompass

QUESTIONS = ("Hur arbetar kommunen med medborgardialog?", "servicedeklarationer", "volontärer")


def answers(kompass: Kompass) -> list[list[tuple[str, int | None, str]]]:
    return [[(h.heading, h.page, h.text) for h in kompass.search(q, top=5)] for q in QUESTIONS]


def test_sqlite_backup_while_open_and_restore(built_home, kompass, tmp_path):
    backup = tmp_path / "kompass-backup.db"
    original = answers(kompass)  # the file is open (WAL) while it is copied
    # README: python -c "import sqlite3; sqlite3.connect('kompass.db').backup(sqlite3.connect('kompass-backup.db'))"
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; "
                    "sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))",
                    str(built_home / "kompass.db"), str(backup)], check=True)
    restored_home = tmp_path / "restored"
    restored_home.mkdir()
    shutil.copy(backup, restored_home / "kompass.db")  # restore: the file back, no search copy
    with Kompass(Config.from_env(home=restored_home), embedder=Memo(kompass.embedder)) as restored:
        assert answers(restored) == original
        assert restored.store.index_id == kompass.store.index_id
        assert (restored_home / "kompass.search" / "manifest.json").exists()


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: the ones that ship with the test server (pgserver), else the PATH's."""
    pgserver = pytest.importorskip("pgserver")
    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    return str(bundled) if bundled.exists() else (shutil.which(name) or pytest.fail(f"{name} missing"))


def test_postgresql_dump_and_restore(postgres_server, kompass, tmp_path):
    source = new_database(postgres_server)
    memo = Memo(kompass.embedder)
    with Kompass(Config.from_env(home=tmp_path / "a", store=source), embedder=memo) as first:
        first.ingest()
        original = answers(first)
        index_id = first.store.index_id
    dump = tmp_path / "kompass.dump"
    # README: pg_dump --format=custom --dbname="$KOMPASS_STORE" --file=kompass.dump
    subprocess.run([pg_tool("pg_dump"), "--format=custom", f"--dbname={source}", f"--file={dump}"],
                   check=True, capture_output=True)
    target = new_database(postgres_server)
    # README: pg_restore --no-owner --dbname=postgresql://…/kompass_restored kompass.dump
    restored_run = subprocess.run([pg_tool("pg_restore"), "--no-owner", f"--dbname={target}", str(dump)],
                                  capture_output=True, text=True)
    assert restored_run.returncode == 0, restored_run.stderr
    with Kompass(Config.from_env(home=tmp_path / "b", store=target), embedder=memo) as restored:
        assert restored.store.index_id == index_id
        assert answers(restored) == original
        [again] = restored.ingest()  # the restored index knows its files: nothing to redo
        assert (again.status, again.embedded) == ("unchanged", 0)
