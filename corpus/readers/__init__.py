"""Read a source file into a `Document`, one module per format.

The format is detected from the content, not the extension, so a program or a PDF renamed to
`.txt` is handled as what it is. Each reader raises `InputError` with a one-line Swedish
message saying what is wrong with the file and what to do.
"""
from __future__ import annotations

import errno
import hashlib
from pathlib import Path

from ..document import Document
from ..errors import InputError

# A report is a few MB at most as PDF/DOCX and ~60 kB as text; beyond this it is not one.
MAX_BYTES = {"text": 20 * 2**20, "html": 20 * 2**20, "pdf": 100 * 2**20, "docx": 100 * 2**20}
MAX_ANY = max(MAX_BYTES.values())


def sniff(data: bytes) -> str:
    """Name the format of `data` from its first bytes."""
    head = data[:2048]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536] else "zip"
    if head.startswith((b"\x7fELF", b"MZ", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")):
        return "executable"
    if head.startswith((b"\xd0\xcf\x11\xe0",)):
        return "doc"  # the old binary Word format
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if b"\x00" in head:
        return "binary"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in lowered[:512]:
        return "html"
    return "text"


def read_bytes(path: Path) -> bytes:
    try:
        if path.is_symlink() and not path.exists():
            raise InputError(f"{path}: symbolisk länk som inte leder till någon fil (trasig eller en slinga)")
        if not path.exists():
            raise InputError(f"{path}: filen finns inte")
        if path.is_dir():
            raise InputError(f"{path}: är en mapp, inte en fil")
        size = path.stat().st_size
        if size == 0:
            raise InputError(f"{path}: filen är tom")
        if size > MAX_ANY:
            raise InputError(f"{path}: filen är {size // 2**20} MB, för stor för en rapport "
                             f"(högst {MAX_ANY // 2**20} MB)")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: filen försvann under inläsningen") from None
    except PermissionError:
        raise InputError(f"{path}: saknar läsbehörighet") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path}: symboliska länkar i en slinga") from None
        raise InputError(f"{path}: kan inte läsas ({exc.strerror})") from None


def read_document(path: Path) -> Document:
    return document_from_bytes(path, read_bytes(path))


def document_from_bytes(path: Path, data: bytes) -> Document:
    """Read a file already in memory (the ingest hashes it first to skip unchanged files)."""
    kind = sniff(data)
    if kind in MAX_BYTES and len(data) > MAX_BYTES[kind]:
        raise InputError(f"{path}: filen är {len(data) // 2**20} MB, för stor för en rapport i "
                         f"formatet {kind} (högst {MAX_BYTES[kind] // 2**20} MB)")
    sha256 = hashlib.sha256(data).hexdigest()
    if kind == "text":
        from .text import read_text
        return read_text(path, data, sha256)
    if kind == "html":
        from .html import read_html
        return read_html(path, data, sha256)
    if kind == "pdf":
        from .pdf import read_pdf
        return read_pdf(path, data, sha256)
    if kind == "docx":
        from .docx import read_docx
        return read_docx(path, data, sha256)
    hint = {"doc": "spara den som .docx eller PDF", "zip": "packa upp den först",
            "image": "en skannad bild behöver OCR först"}.get(kind, "ange en rapport som PDF, DOCX, HTML eller text")
    raise InputError(f"{path}: formatet {kind!r} kan inte läsas; {hint}")
