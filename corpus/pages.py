"""Running page headers out, page numbers kept: a text stream that knows each offset's page.

A header looks like `Sveriges Kommuner och Landsting 2016-09-06 5 (23)`: publisher, date,
page N of M. It can interrupt a sentence or a word (`mötesplat- … ser`). The stream joins the
pages with a space (or rejoins a word hyphenated across the break) and keeps the offset at which
each page starts, so any slice of the stream can be cited by page.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_TAIL = r"\s+(?P<date>(?:19|20)\d\d-\d\d-\d\d)\s+(?P<page>\d{1,3})\s*\((?P<total>\d{1,3})\)"
_KNOWN_PUBLISHERS = re.compile(
    r"(?P<publisher>Sveriges Kommuner och (?:Landsting|Regioner)|SKL|SKR)" + _TAIL)
# Another publisher: at most four capitalised-or-short words right before the date.
_ANY_PUBLISHER = re.compile(r"(?P<publisher>[A-ZÅÄÖ]\w*(?: \w+){0,3})" + _TAIL)
_LINKING_WORDS = {"och", "eller", "samt", "som", "till", "respektive"}


@dataclass(frozen=True)
class PageHeader:
    publisher: str
    date: str
    total: int


class PageStream:
    """The report text without running headers, with page lookup by character offset."""

    def __init__(self, pages: list[tuple[int, str]], header: PageHeader | None):
        self.header = header
        parts: list[str] = []
        self._starts: list[int] = []
        self._numbers: list[int] = []
        offset = 0
        for number, text in pages:
            text = text.strip()
            if not text:
                continue
            if parts and continues_hyphenated(parts[-1], text):
                parts[-1] = parts[-1][:-1]  # drop the hyphen, glue the word back together
                offset -= 1
            elif parts:
                parts.append(" ")
                offset += 1
            self._starts.append(offset)
            self._numbers.append(number)
            parts.append(text)
            offset += len(text)
        self.text = "".join(parts)

    def page_at(self, offset: int) -> int:
        i = bisect.bisect_right(self._starts, offset) - 1
        return self._numbers[max(i, 0)] if self._numbers else 1

    def page_breaks(self, start: int, end: int) -> list[int]:
        """Offsets in (start, end) at which a new page begins."""
        return [s for s in self._starts if start < s < end]

    @property
    def last_page(self) -> int:
        return self._numbers[-1] if self._numbers else 1


def continues_hyphenated(previous: str, following: str) -> bool:
    """`previous` ends in a word broken with a hyphen that `following` finishes (`mötesplat-` +
    `ser`), not a compound's shared part (`Kompetens-` + `och`)."""
    if not re.search(r"[a-zåäö]-$", previous):
        return False
    first = following.split(maxsplit=1)[0] if following.split() else ""
    return bool(first) and first[0].islower() and first.strip(".,;:") not in _LINKING_WORDS


def split_pages(text: str) -> PageStream:
    """Cut `text` at its running headers. Text before the first header is page 1."""
    text = re.sub(r"\s+", " ", text)
    first = _KNOWN_PUBLISHERS.search(text) or _ANY_PUBLISHER.search(text)
    if first is None:
        return PageStream([(1, text)], None)
    publisher = first.group("publisher").strip()
    # Only headers with the same publisher and date as the first one count: a date followed
    # by a number in prose must not be taken for a page break.
    header_re = re.compile(re.escape(publisher) + r"\s+" + re.escape(first.group("date"))
                           + r"\s+(?P<page>\d{1,3})\s*\((?P<total>\d{1,3})\)")
    pages: list[tuple[int, str]] = []
    position = 0
    current = max(int(first.group("page")) - 1, 1)
    for match in header_re.finditer(text):
        pages.append((current, text[position:match.start()]))
        current = int(match.group("page"))
        position = match.end()
    pages.append((current, text[position:]))
    header = PageHeader(publisher=publisher, date=first.group("date"),
                        total=int(first.group("total")))
    return PageStream(pages, header)
