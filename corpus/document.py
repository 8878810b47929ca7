"""What a reader hands the parser: the report's text by page, and the tables it could see."""
from __future__ import annotations

from dataclasses import dataclass

from .models import ListItem
from .pages import PageHeader


@dataclass(frozen=True)
class TwoColumnTable:
    """A Styrkor | Förbättringsmöjligheter table read from the layout: two lists of whole items.
    `page` is where its header row is."""

    page: int
    left: tuple[ListItem, ...]
    right: tuple[ListItem, ...]


@dataclass(frozen=True)
class Document:
    path: str
    sha256: str
    format: str  # text | html | pdf | docx
    # Transcripts: the flat text, running headers still inline (corpus.pages cuts it).
    text: str = ""
    # Paged formats: (page number, text) with running headers and footers already removed.
    pages: tuple[tuple[int, str], ...] = ()
    header: PageHeader | None = None
    tables: tuple[TwoColumnTable, ...] = ()
    page_title: str | None = None  # a web page's own title, when the file is one
    # False when the file records no pages (a .docx without Word's rendered page breaks): page
    # numbers are then all 1 and mean nothing; citations name area and section instead.
    pages_known: bool = True
