"""Uploaded reports: checked, stored under <KOMPASS_HOME>/uploads/ and ingested one at a time
by a background thread, so that searches keep working while a report is read.

    uploads = Uploads(kompass, settings); uploads.start()
    job = uploads.submit(data, "rapport.pdf")   # checks the bytes; raises UploadError subclasses
    uploads.job(job.id).to_dict()               # queued → running → done | failed
    uploads.stop()

The file's type is read from its content (corpus.readers.sniff), never from its name, and the
client's file name is never part of a path: the stored file is `<uuid4 hex>.<ext>`; the name is
kept, cleaned, for display only.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
import unicodedata
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import InputError
from corpus.readers import sniff

from .settings import ServerSettings

log = logging.getLogger(__name__)

EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}
ACCEPTED = "PDF, Word (.docx), webbsida (.html) eller text (UTF-8)"
REFUSED = {"zip": "en zip-fil", "executable": "ett program", "image": "en bild",
           "binary": "en binärfil", "doc": "det gamla Word-formatet (.doc); spara den som .docx"}
HISTORY = 200  # finished jobs remembered
MAX_WAITING = 20  # jobs queued or running at once
NAME_CHARS = 120
STATUSES = ("queued", "running", "done", "failed")


class UploadError(InputError):
    """An upload that cannot be used; `status` is the HTTP status the API answers with."""

    status = 400


class UnsupportedType(UploadError):
    status = 415


class TooLarge(UploadError):
    status = 413


class Busy(UploadError):
    status = 503


def display_name(filename: str | None) -> str:
    """The client's file name, for display only: its last part (either kind of slash), without
    control characters, at most NAME_CHARS characters."""
    name = unicodedata.normalize("NFC", str(filename or "")).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        return "uppladdad fil"
    return name[:NAME_CHARS]


def megabytes(n: int) -> str:
    return f"{n / 2**20:.1f}".rstrip("0").rstrip(".") + " MB" if n >= 2**20 else f"{max(n // 1024, 1)} kB"


@dataclass
class Job:
    """One uploaded file and what became of it."""

    id: str
    name: str  # the cleaned display name
    format: str
    size: int
    path: Path = field(repr=False)  # the stored file (not shown to clients)
    status: str = "queued"  # queued | running | done | failed
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    result: dict[str, object] | None = None  # the ingest's result, when done
    error: str | None = None  # why it failed, one Swedish line

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "format": self.format, "size": self.size,
                "status": self.status, "created_at": self.created_at, "started_at": self.started_at,
                "finished_at": self.finished_at, "result": self.result, "error": self.error}


class Uploads:
    """The upload queue of one server: `submit` checks and stores, one worker thread ingests."""

    def __init__(self, kompass, settings: ServerSettings):
        self.kompass = kompass
        self.settings = settings
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    @property
    def folder(self) -> Path:
        return Path(self.kompass.config.home) / "uploads"

    # -- the worker ----------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._work, name="kompass-uploads", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the file being read (an ingest is not interrupted); files still queued
        are marked failed."""
        with self._lock:
            thread, self._thread = self._thread, None
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._finish(job, error="servern stängdes av innan filen lästes in; ladda upp den igen")
                job.path.unlink(missing_ok=True)
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._run(job)
            except Exception:  # the worker must survive any one file
                log.exception("upload %s failed", job.id)
                self._finish(job, error="inläsningen misslyckades oväntat; se serverns logg")
                job.path.unlink(missing_ok=True)

    def _run(self, job: Job) -> None:
        with self._lock:
            job.status, job.started_at = "running", time.time()
        results = self.kompass.ingest([job.path], workers=1)  # the other cores serve queries
        mine = [r for r in results if Path(r.path) == job.path] or results
        if not mine:
            self._finish(job, error="filen gav inget resultat vid inläsningen")
            job.path.unlink(missing_ok=True)
            return
        result = mine[0]
        stored = str(job.path)

        def shown(text: str | None) -> str | None:  # the stored path is no business of the client
            return None if text is None else text.replace(stored, job.name).replace(job.path.name, job.name)

        data = {"report_id": result.report_id, "status": result.status,
                "duplicate_of": Path(result.duplicate_of).name if result.duplicate_of else None,
                "passages": result.passages, "embedded": result.embedded, "reused": result.reused,
                "seconds": round(result.seconds, 2), "warnings": [shown(w) for w in result.warnings],
                "error": shown(result.error)}
        if result.error:
            job.path.unlink(missing_ok=True)  # not in the index: nothing refers to it
            self._finish(job, data, error=shown(result.error))
        else:
            self._finish(job, data)

    def _finish(self, job: Job, result: dict[str, object] | None = None, error: str | None = None) -> None:
        with self._lock:
            job.result, job.error = result, error
            job.status = "failed" if error else "done"
            job.finished_at = time.time()

    # -- submitting and looking up -------------------------------------------------------
    def check(self, data: bytes) -> str:
        """The format of an upload's bytes; raises an UploadError saying what is wrong."""
        limit = self.settings.max_upload_bytes
        if not data:
            raise UploadError("filen är tom")
        if len(data) > limit:
            raise TooLarge(f"filen är för stor ({megabytes(len(data))}); högst {megabytes(limit)}")
        kind = sniff(data)
        if kind not in EXTENSIONS:
            what = REFUSED.get(kind, "ett okänt format")
            raise UnsupportedType(f"filen är {what}, ingen rapport: ladda upp {ACCEPTED}")
        if kind == "text":
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise UnsupportedType("texten är inte UTF-8: spara filen som UTF-8, eller ladda upp "
                                      "rapporten som PDF eller Word (.docx)") from None
        return kind

    def submit(self, data: bytes, filename: str | None) -> Job:
        """Check the bytes, store them under a generated name and queue their ingest."""
        kind = self.check(data)
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
        if waiting >= MAX_WAITING:
            raise Busy(f"för många uppladdningar väntar ({waiting}); försök igen om en stund")
        job_id = uuid.uuid4().hex
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{job_id}{EXTENSIONS[kind]}"
        partial = folder / f".{job_id}.part"  # hidden: a folder ingest skips it
        try:
            with open(partial, "xb") as out:
                out.write(data)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise UploadError(f"filen kunde inte sparas på servern ({exc.strerror})") from None
        job = Job(job_id, display_name(filename), kind, len(data), path)
        with self._lock:
            self._jobs[job_id] = job
            self._forget_old()
        self._queue.put(job)
        return job

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
        for key in finished[:max(0, len(self._jobs) - HISTORY)]:
            del self._jobs[key]

    def job(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def discard(self, paths: list[str]) -> int:
        """Delete stored uploads among `paths` (the files of a removed report); others are not
        touched. Returns how many were deleted."""
        folder = self.folder.resolve()
        deleted = 0
        for text in paths:
            path = Path(text)
            try:
                if path.resolve().parent == folder and path.is_file():
                    path.unlink()
                    deleted += 1
            except OSError:
                continue
        return deleted
