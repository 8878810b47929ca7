"""Running headers and footers found by repetition, not by one pattern.

Page furniture is text that recurs in the top or bottom band of most pages with only its
numbers changing: "Sveriges Kommuner och Landsting 2016-09-06 5 (23)", "KommunKompassen –
Enköpings kommun 2016", "Sida 5 av 23", a bare "5". A line is a candidate when it is among the
first or last few lines of its page and near the edge; its *shape* is its text with every number
replaced by `#`. A shape found on at least `SHARE` of the pages is furniture, wherever on those
pages it sits in the band. Of its numbers, the one that rises with the page (value − page index
constant) is the page number the report prints, which citations use.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

BAND = 0.15  # share of the page height, from the top and from the bottom edge
EDGE_LINES = 3  # at most this many lines from each edge are candidates
SHARE = 0.4  # on at least this share of the pages (and on two pages)
_NUMBER = re.compile(r"\d+")


class PositionedLine(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def baseline(self) -> float: ...


def shape(text: str) -> str:
    return _NUMBER.sub("#", re.sub(r"\s+", " ", text)).strip()


@dataclass(frozen=True)
class Furniture:
    shapes: frozenset[str]
    number_at: dict[str, int]  # shape → index of the number in it that is the page number

    def is_furniture(self, line: PositionedLine, height: float) -> bool:
        return _in_band(line, height) and shape(line.text) in self.shapes

    def page_number(self, line: PositionedLine) -> int | None:
        position = self.number_at.get(shape(line.text))
        if position is None:
            return None
        return int(_NUMBER.findall(line.text)[position])


def _in_band(line: PositionedLine, height: float) -> bool:
    return line.baseline > height * (1 - BAND) or line.baseline < height * BAND


def _candidates(lines: list[PositionedLine], height: float) -> list[PositionedLine]:
    ordered = sorted(lines, key=lambda line: -line.baseline)
    edges = ordered if len(ordered) <= 2 * EDGE_LINES else ordered[:EDGE_LINES] + ordered[-EDGE_LINES:]
    return [line for line in edges if _in_band(line, height)]


def find_furniture(pages: list[tuple[list[PositionedLine], float]]) -> Furniture:
    """`pages`: each page's lines and its height, in document order."""
    if len(pages) < 2:
        return Furniture(frozenset(), {})
    seen: Counter[str] = Counter()
    numbers: dict[str, list[tuple[int, list[int]]]] = {}
    for index, (lines, height) in enumerate(pages):
        shapes_here: set[str] = set()
        for line in _candidates(lines, height):
            key = shape(line.text)
            if not key or key in shapes_here:
                continue
            shapes_here.add(key)
            numbers.setdefault(key, []).append((index, [int(n) for n in _NUMBER.findall(line.text)]))
        seen.update(shapes_here)
    needed = max(2, math.ceil(SHARE * len(pages)))
    shapes = frozenset(key for key, count in seen.items() if count >= needed)
    number_at: dict[str, int] = {}
    for key in shapes:
        found = numbers[key]
        for position in range(key.count("#")):
            offsets = Counter(values[position] - index for index, values in found)
            offset, agreeing = offsets.most_common(1)[0]
            distinct = len({values[position] for _, values in found})
            if distinct > 1 and agreeing >= 0.6 * len(found) and offset >= 0:
                number_at[key] = position
                break
    return Furniture(shapes, number_at)
