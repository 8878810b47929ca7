"""Web pages: the report transcript pages (like the bundled sample's source) and municipal pages
that publish a report's summary. Parsed with the standard library's HTML parser (no regexes
over markup); scripts, styles, navigation and page chrome are dropped, block elements become
line breaks, and the text then goes the way of a plain-text transcript."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ..document import Document
from ..errors import InputError
from .text import decode, split_transcript

_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button",
         "svg", "template", "iframe", "head"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "section", "article", "main", "blockquote", "pre", "dd", "dt", "hr", "td", "th"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.skipping = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.parts.append(data)


def read_html(path: Path, data: bytes, sha256: str) -> Document:
    parser = _Text()
    try:
        parser.feed(decode(path, data))
        parser.close()
    except (AssertionError, ValueError) as exc:  # malformed beyond what the parser forgives
        raise InputError(f"{path}: HTML-sidan kan inte tolkas ({exc})") from None
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(line for line in lines if line)
    if not text:
        raise InputError(f"{path}: HTML-sidan innehåller ingen text")
    page_title, report_text = split_transcript(text)
    title = " ".join("".join(parser.title).split()) or page_title
    return Document(path=str(path), sha256=sha256, format="html", text=report_text, page_title=title)
