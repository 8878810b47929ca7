"""Plain text, e.g. a web page's transcript of a report (the format of the bundled sample).

A transcript page has a title line, a "Relevanta dokument" list of *other* documents, then the
report after `Transkript:`. The list is not report text and is dropped; the title is kept.
"""
from __future__ import annotations

from pathlib import Path

from ..bullets import private_use_as_bullets
from ..document import Document
from ..errors import InputError

TRANSCRIPT_MARKER = "Transkript:"


def decode(path: Path, data: bytes) -> str:
    """The text of a text or web page file, Symbol/Wingdings bullet glyphs made `•`."""
    try:
        return private_use_as_bullets(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    try:
        return private_use_as_bullets(data.decode("cp1252"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: texten är varken UTF-8 eller Windows-1252") from None


def split_transcript(raw: str) -> tuple[str | None, str]:
    """Separate a transcript page's title and document list from the report text."""
    marker = raw.find(TRANSCRIPT_MARKER)
    if marker < 0:
        return None, raw
    lines = raw[:marker].strip().splitlines()
    return (lines[0].strip() if lines else None), raw[marker + len(TRANSCRIPT_MARKER):]


def read_text(path: Path, data: bytes, sha256: str, fmt: str = "text") -> Document:
    raw = decode(path, data)
    if not raw.strip():
        raise InputError(f"{path}: filen innehåller ingen text")
    title, text = split_transcript(raw)
    return Document(path=str(path), sha256=sha256, format=fmt, text=text, page_title=title)
