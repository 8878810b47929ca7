"""Uploads through the API (ui/uploads.py, POST/DELETE /api/v1/reports) on a private copy of the
real sample index: checked by content, stored only under uploads/ with a generated name,
ingested in the background while searches go on, refused with Swedish messages when too large
or of the wrong type; a broken file fails its job and leaves the index as it was."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from factory import mini_transcript
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_api import error

from assistant.config import Config
from assistant.kompass import BUNDLED_CORPUS, Kompass
from ui.api import add_routes
from ui.settings import KEY_HEADER, ServerSettings
from ui.uploads import HISTORY, Job, Uploads, display_name

ADMIN = "uppladdning-nyckel"
LIMIT = 100_000  # bytes: the sample transcript (~60 kB) fits, 150 kB does not
STORED = re.compile(r"[0-9a-f]{32}\.(txt|pdf|docx|html)")
KEY = {KEY_HEADER: ADMIN}


@pytest.fixture(scope="module")
def setup(built_home, tmp_path_factory):
    """A private copy of the sample index, served with an admin key and a small upload limit."""
    root = tmp_path_factory.mktemp("uploads")
    home = root / "home"
    shutil.copytree(built_home, home)
    kompass = Kompass(Config.from_env(home=home)).open()
    settings = ServerSettings(admin_key=ADMIN, max_upload_bytes=LIMIT)
    uploads = Uploads(kompass, settings)
    uploads.start()
    app = FastAPI(docs_url=None, redoc_url=None)
    add_routes(app, kompass, settings, uploads)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, root
    uploads.stop()
    kompass.close()


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def wait(client, job_id: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/reports/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {seconds} s")


def post(client, name: str, data: bytes, headers=KEY):
    return client.post("/api/v1/reports", files={"file": (name, data, "application/octet-stream")},
                       headers=headers)


def test_upload_is_ingested_in_the_background_and_searchable(setup, tmp_path):
    client, root = setup
    report = mini_transcript(tmp_path / "alfaby.txt", "ALFABY", upto_page=5).read_bytes()
    response = post(client, "Alfaby 2016.txt", report)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running") and job["name"] == "Alfaby 2016.txt"
    assert job["format"] == "text" and job["size"] == len(report) and "path" not in job

    # Reads keep working while the worker embeds the report.
    seen, searches = set(), 0
    while True:
        status = client.get(f"/api/v1/reports/jobs/{job['id']}").json()["status"]
        seen.add(status)
        if status in ("done", "failed"):
            break
        found = client.get("/api/v1/search", params={"q": "servicedeklarationer", "top": 2})
        assert found.status_code == 200 and found.json()["hits"]
        searches += 1
    assert seen & {"queued", "running"} and searches >= 1
    done = wait(client, job["id"])
    assert done["status"] == "done" and done["error"] is None, done
    result = done["result"]
    assert result["report_id"] == "alfaby-2016" and result["status"] == "new" and result["passages"] > 0
    assert all("uploads" not in w for w in result["warnings"])

    stored = sorted((root / "home" / "uploads").iterdir())
    assert [p.name for p in stored if STORED.fullmatch(p.name)] == [p.name for p in stored]
    assert any(p.read_bytes() == report for p in stored)
    ids = [r["report_id"] for r in client.get("/api/v1/reports").json()]
    assert ids == ["alfaby-2016", "enkoping-2016"]
    hits = client.get("/api/v1/search", params={"q": "medborgardialog", "municipality": "Alfaby"}).json()["hits"]
    assert hits and {h["report_id"] for h in hits} == {"alfaby-2016"}
    listing = client.get("/api/v1/reports/jobs", headers=KEY).json()
    assert listing[0]["id"] == job["id"]

    # Removal: the report and its uploaded file go; the sample stays.
    mine = [p for p in stored if p.read_bytes() == report]
    assert client.delete("/api/v1/reports/alfaby-2016", headers=KEY).status_code == 204
    assert not any(p.exists() for p in mine)
    error(client.get("/api/v1/reports/alfaby-2016"), 404, "alfaby-2016")
    error(client.delete("/api/v1/reports/alfaby-2016", headers=KEY), 404, "finns inte")
    assert [r["report_id"] for r in client.get("/api/v1/reports").json()] == ["enkoping-2016"]


def test_client_file_names_are_never_paths(setup):
    client, root = setup
    sample = (BUNDLED_CORPUS / "enkoping_2016.txt").read_bytes()  # a duplicate: kept, not re-indexed
    before = files_under(root)
    uploads_dir = root / "home" / "uploads"
    names = {"../../etc/passwd.txt": "passwd.txt", "..\\..\\x.pdf": "x.pdf", "/abs/path.txt": "path.txt",
             "a\x00b\n../c.txt": "c.txt", "..": "uppladdad fil", "x" * 300 + ".txt": "x" * 120}
    jobs = []
    for given, shown in names.items():
        response = post(client, given, sample)
        assert response.status_code == 202, response.text
        assert response.json()["name"] == shown
        jobs.append(response.json()["id"])
    for job_id in jobs:
        done = wait(client, job_id)
        assert done["status"] == "done" and done["result"]["status"] == "duplicate", done
        assert done["result"]["report_id"] == "enkoping-2016"
    added = files_under(root) - before
    # Every new file is in uploads/ under a generated name; nothing was written anywhere else.
    assert len(added) == len(names)
    assert all(Path(a).parent == Path("home/uploads") and STORED.fullmatch(Path(a).name) for a in added), added
    assert all(a.endswith(".txt") for a in added)  # the extension follows the content, not the name
    assert not (root / "etc").exists() and not (uploads_dir.parent.parent / "etc").exists()
    assert not any(Path(a).name in ("passwd.txt", "x.pdf", "path.txt", "c.txt") for a in files_under(root))


def test_too_large_is_413(setup):
    client, root = setup
    before = files_under(root)
    error(post(client, "stor.txt", b"a" * (LIMIT * 3 // 2)), 413, "för stor", "högst")
    error(post(client, "nästan.txt", b"a" * (LIMIT + 10)), 413, "för stor")  # within the multipart slack

    def chunks():  # no Content-Length: the body is counted as it arrives
        yield b"--grans\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.txt\"\r\n\r\n"
        for _ in range(40):
            yield b"b" * 8192
        yield b"\r\n--grans--\r\n"
    response = client.post("/api/v1/reports", content=chunks(), headers={
        **KEY, "content-type": "multipart/form-data; boundary=grans"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    error(response, 413, "för stor")
    error(client.post("/api/v1/reports", content=b"x", headers={**KEY, "content-length": "99999999999"}), 413)
    assert files_under(root) == before


def test_wrong_type_is_415(setup):
    client, root = setup
    before = files_under(root)
    error(post(client, "bild.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), 415, "bild", "PDF", "docx")
    error(post(client, "rapport.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 64), 415, "program")
    error(post(client, "rapport.docx", b"PK\x03\x04" + b"\x00" * 64), 415, "zip")
    error(post(client, "rapport.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 64), 415, ".docx")
    error(post(client, "latin1.txt", "KommunKompassen ANALYS AV ÖREBY KOMMUN".encode("latin-1")), 415, "UTF-8")
    error(post(client, "tom.txt", b""), 400, "tom")
    error(client.post("/api/v1/reports", data={"fil": "x"}, headers=KEY), 422, "filen saknas", "file")
    assert files_under(root) == before


def test_corrupt_pdf_fails_and_leaves_the_index(setup):
    client, root = setup
    before = client.get("/api/v1/reports").json()
    stored = files_under(root / "home" / "uploads")
    response = post(client, "trasig.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\ntrasigt" * 20)
    assert response.status_code == 202
    done = wait(client, response.json()["id"])
    assert done["status"] == "failed" and done["result"]["status"] == "failed"
    assert done["error"].startswith("trasig.pdf") and "uploads" not in done["error"], done["error"]
    assert client.get("/api/v1/reports").json() == before
    assert files_under(root / "home" / "uploads") == stored  # the failed file was not kept


def test_unknown_job(setup):
    client, _ = setup
    error(client.get("/api/v1/reports/jobs/" + "0" * 32), 404, "uppladdningen")
    error(client.get("/api/v1/reports/jobs"), 401)


def test_display_names():
    assert display_name("C:\\Users\\x\\Rapport 2016.PDF") == "Rapport 2016.PDF"
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("bra\u202enamn\x07.txt") == "branamn.txt"
    assert display_name(None) == display_name("") == display_name("dir/") == "uppladdad fil"


def test_history_is_bounded(tmp_path):
    class Home:
        config = Config.from_env(home=tmp_path)

    uploads = Uploads(Home(), ServerSettings())
    for i in range(HISTORY + 5):
        uploads._jobs[str(i)] = Job(str(i), "x", "text", 1, tmp_path / "x", status="done")
    uploads._jobs["waiting"] = Job("waiting", "x", "text", 1, tmp_path / "x")
    uploads._forget_old()
    assert len(uploads.jobs()) == HISTORY and uploads.job("waiting") is not None
    assert uploads.job("0") is None and uploads.job(str(HISTORY + 4)) is not None
