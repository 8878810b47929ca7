"""Read a source file into a `Document`: plain report text plus what the file says about itself.

Only text transcripts are read so far (the format of the bundled sample: a web page's title
line, its "Relevanta dokument" list, then the report after `Transkript:`). The list of other
documents on that page is not part of the report and is dropped; the page title is kept as
metadata. Format is detected from content, not from the extension, so a PDF or a program
renamed to `.txt` is refused with a clear message instead of being indexed as garbage.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

MAX_BYTES = 50 * 1024 * 1024  # a report transcript is ~60 kB; anything this big is not one
TRANSCRIPT_MARKER = "Transkript:"


@dataclass(frozen=True)
class Document:
    path: str
    sha256: str
    text: str  # the report itself
    page_title: str | None  # the web page's own title line, when the file is a transcript page


def sniff(data: bytes) -> str:
    """Name the format of `data` from its first bytes."""
    head = data[:1024]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"  # .docx, .xlsx, ...
    if head.startswith((b"\x7fELF", b"MZ")):
        return "executable"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


def read_document(path: Path) -> Document:
    if not path.exists():
        raise InputError(f"{path}: filen finns inte")
    if path.is_dir():
        raise InputError(f"{path}: är en mapp, inte en fil")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: filen är tom")
    if size > MAX_BYTES:
        raise InputError(f"{path}: filen är {size // 2**20} MB, för stor för en rapport")
    data = path.read_bytes()
    kind = sniff(data)
    if kind != "text":
        raise InputError(
            f"{path}: formatet {kind!r} kan inte läsas ännu; ange rapporten som textfil (UTF-8)")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raw = data.decode("cp1252", errors="strict") if _is_cp1252(data) else None
        if raw is None:
            raise InputError(f"{path}: texten är varken UTF-8 eller Windows-1252") from None
    if not raw.strip():
        raise InputError(f"{path}: filen innehåller ingen text")
    page_title, text = split_transcript(raw)
    return Document(path=str(path), sha256=hashlib.sha256(data).hexdigest(),
                    text=text, page_title=page_title)


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def split_transcript(raw: str) -> tuple[str | None, str]:
    """Separate a transcript page's title and document list from the report text."""
    marker = raw.find(TRANSCRIPT_MARKER)
    if marker < 0:
        return None, raw
    first_line = raw[:marker].strip().splitlines()
    title = first_line[0].strip() if first_line else None
    return title, raw[marker + len(TRANSCRIPT_MARKER):]
