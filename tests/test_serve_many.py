"""Several `kompass serve` processes on one store, as an organisation runs them behind a load
balancer: uploads through one server and searches through another at the same time, the same
report uploaded through both at once, and a removal through one seen by the other. Run against
the SQLite file and against PostgreSQL (a real server, tests/postgres.py).

No passage may be lost or duplicated: after the concurrent ingests each report holds exactly
the passages one ingest of it gives, and the store holds no other."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from browser import free_port
from factory import mini_transcript
from test_backends import Memo, new_database

from assistant.config import Config
from assistant.kompass import Kompass
from index.records import Filters

ADMIN = "flera-servrar"
KEY = {"X-Kompass-Key": ADMIN}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path, kompass):
    """(home, KOMPASS_STORE) with the sample report ingested (embedded once per session)."""
    home = tmp_path / "home"
    location = new_database(request.getfixturevalue("postgres_server")) if request.param == "postgres" else None
    with Kompass(Config.from_env(home=home, store=location), embedder=Memo(kompass.embedder)) as first:
        assert [r.status for r in first.ingest()] == ["new"]
    return home, location


def start(home: Path, location: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KOMPASS_HOME": str(home), "KOMPASS_STORE": location or "",
           "KOMPASS_ADMIN_KEY": ADMIN, "PYTHONIOENCODING": "utf-8"}
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()  # printed once it accepts connections
    assert f"127.0.0.1:{port}" in line, (line, process.stderr.read() if process.poll() is not None else "")
    return process, f"http://127.0.0.1:{port}/api/v1"


def upload(base: str, path: Path) -> str:
    response = httpx.post(f"{base}/reports", headers=KEY, timeout=30,
                          files={"file": (path.name, path.read_bytes(), "text/plain")})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def finished(base: str, job: str, seconds: float = 240) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = httpx.get(f"{base}/reports/jobs/{job}", headers=KEY, timeout=30).json()
        if state["status"] in ("done", "failed"):
            assert state["status"] == "done", state
            return state["result"]
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not finish")


def report_ids(base: str) -> list[str]:
    return [r["report_id"] for r in httpx.get(f"{base}/reports", timeout=30).json()]


def test_two_servers_one_store(store, tmp_path, kompass):
    home, location = store
    alfaby = mini_transcript(tmp_path / "alfaby.txt", "ALFABY", upto_page=5)
    betaby = mini_transcript(tmp_path / "betaby.txt", "BETABY", upto_page=7)
    servers = [start(home, location) for _ in range(2)]
    (_, one), (_, two) = servers
    errors: list[str] = []
    searched = [0]
    stop = threading.Event()

    def search_meanwhile() -> None:  # readers on both servers while they ingest
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                for base in (one, two):
                    response = client.get(f"{base}/search", params={"q": "medborgardialog", "top": 3})
                    if response.status_code != 200 or not response.json()["hits"]:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                    searched[0] += 1

    reader = threading.Thread(target=search_meanwhile)
    reader.start()
    try:
        # Different reports through different servers, at once.
        jobs = [(one, upload(one, alfaby)), (two, upload(two, betaby))]
        results = [finished(base, job) for base, job in jobs]
        assert [r["report_id"] for r in results] == ["alfaby-2016", "betaby-2016"]
        assert report_ids(one) == report_ids(two) == ["alfaby-2016", "betaby-2016", "enkoping-2016"]
        # The same report through both servers, at once: one report, its passages once.
        again = mini_transcript(tmp_path / "gammaby.txt", "GAMMABY", upto_page=5)
        jobs = [(one, upload(one, again)), (two, upload(two, again))]
        twice = [finished(base, job) for base, job in jobs]
        assert {r["report_id"] for r in twice} == {"gammaby-2016"}
        # A removal through one server is seen by the other.
        assert httpx.delete(f"{one}/reports/betaby-2016", headers=KEY, timeout=60).status_code == 204
        assert "betaby-2016" not in report_ids(two)
        hits = httpx.get(f"{two}/search", params={"q": "medborgardialog", "municipality": "Alfaby"},
                         timeout=60).json()["hits"]
        assert hits and {h["report_id"] for h in hits} == {"alfaby-2016"}
    finally:
        stop.set()
        reader.join()
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
    assert errors == [] and searched[0] >= 4, errors[:3]

    # Each report holds exactly what one ingest of it gives; nothing else is stored.
    with Kompass(Config.from_env(home=home, store=location), embedder=Memo(kompass.embedder)) as check:
        alone = Kompass(Config.from_env(home=tmp_path / "alone"), embedder=Memo(check.embedder))
        expected = {}
        for path in (alfaby, again):
            [result] = alone.ingest([path])
            expected[result.report_id] = alone.store.passage_count() - sum(expected.values())
        alone.close()
        rows = {r.report_id: r for r in check.reports()}
        assert sorted(rows) == ["alfaby-2016", "enkoping-2016", "gammaby-2016"]
        counts = {rid: len(check.store.filtered_ids(Filters(report_id=rid)))
                  for rid in ("alfaby-2016", "gammaby-2016")}
        assert counts == expected
        sample = len(check.store.filtered_ids(Filters(report_id="enkoping-2016")))
        assert check.store.passage_count() == sample + sum(expected.values())
        ids = [int(i) for i in check.store.filtered_ids(Filters(report_id="gammaby-2016"))]
        stored = check.store.passages(ids).values()
        assert len({(p.heading, p.page_start, p.text) for p in stored}) == expected["gammaby-2016"]
