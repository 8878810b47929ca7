"""Text runs with positions → lines, table rows and two-column lists, as a page shows them.

- **Lines** group runs by baseline (the glyph origin PDFium reports), with a tolerance that
  follows the font size, so a bullet set a little lower or a capital "Ö" in the next column does
  not split a line.
- **Rows.** A line with runs far apart is a table row, one cell per cluster. The lines below it
  that only fill some of its cells, in the same font and at line spacing, are more lines of
  those cells (a question text that wraps, a Rubriker list in its cell), also over a page break.
  A row's text is its cells' texts in order, each cell whole.
- **Columns.** The Styrkor | Förbättringsmöjligheter table is read column by column: the x of
  the "Förbättringsmöjligheter" header splits each line; a bullet (or a list number) starts an
  item, any other line continues the item above it in its column, over page breaks, until a
  heading or a line that crosses the split.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..bullets import BULLET, remove_private_use, strip_bullet, strip_number
from ..models import ListItem
from ..pages import continues_hyphenated

LINE_TOLERANCE = 0.3  # baselines closer than this × font size are one line
CELL_GAP = 1.2  # runs further apart than this × font size are different cells
ROW_PITCH = 1.8  # a cell's next line is at most this × font size further down
_STOP = re.compile(r"^(?:Område\s+\d|\d{1,2}\s+[A-ZÅÄÖ]|[1-8]\.\s.*Uppnått|Styrkor\b)")
_NUMERIC = re.compile(r"^[\d\s%.,()/–-]*$|^\d+\s*(?:av|poäng|p)\b.*$")


@dataclass
class Segment:
    text: str
    left: float
    right: float
    baseline: float
    size: float
    font: str = ""
    bullet: bool = False  # a list marker standing alone before its text


@dataclass
class Line:
    segments: list[Segment]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in sorted(self.segments, key=lambda s: s.left))

    @property
    def baseline(self) -> float:
        return max(s.baseline for s in self.segments)

    @property
    def size(self) -> float:
        return max(s.size for s in self.segments)

    @property
    def fonts(self) -> set[str]:
        return {s.font for s in self.segments if not s.bullet}


def segment(text: str, left: float, right: float, baseline: float, size: float,
            font: str = "") -> Segment | None:
    """A text run, its list marker made canonical and PUA glyphs removed (None if empty)."""
    rest = strip_bullet(text, standalone=True)
    if rest is not None:
        if not rest:
            return Segment(BULLET, left, right, baseline, size, font, bullet=True)
        return Segment(f"{BULLET} {rest}", left, right, baseline, size, font)
    text = remove_private_use(text).strip()
    return Segment(text, left, right, baseline, size, font) if text else None


def lines(segments: list[Segment]) -> list[Line]:
    result: list[Line] = []
    for seg in sorted(segments, key=lambda s: (-s.baseline, s.left)):
        if result:
            line = result[-1]
            tolerance = LINE_TOLERANCE * max(line.size, seg.size, 4.0)
            if abs(line.baseline - seg.baseline) <= tolerance:
                line.segments.append(seg)
                continue
        result.append(Line([seg]))
    return result


def join_lines(parts: list[str]) -> str:
    """Lines of one paragraph or cell → text; a word hyphenated at a line end is joined."""
    text = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if text and continues_hyphenated(text, part):
            text = text[:-1] + part
        else:
            text = f"{text} {part}" if text else part
    return text


# -- rows ---------------------------------------------------------------------------------------
@dataclass
class Cell:
    left: float
    right: float
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_lines(self.parts)


def cells(line: Line) -> list[Cell]:
    """Clusters of a line's runs; a lone bullet belongs to the run after it."""
    result: list[Cell] = []
    previous: Segment | None = None
    for seg in sorted(line.segments, key=lambda s: s.left):
        # A number set apart is a score cell even close to the text before it.
        gap_limit = (0.5 if _NUMERIC.match(seg.text) else CELL_GAP) * max(seg.size, 4.0)
        if result and previous is not None and (previous.bullet or seg.left - previous.right < gap_limit):
            result[-1].right = max(result[-1].right, seg.right)
            result[-1].parts.append(seg.text)
        else:
            result.append(Cell(seg.left, seg.right, [seg.text]))
        previous = seg
    return result


class Row:
    """A line of text, or a table row whose cells may take more lines."""

    def __init__(self, line: Line):
        self.cells = cells(line)
        self.baseline = line.baseline
        self.size = line.size
        self.fonts = line.fonts

    @property
    def text(self) -> str:
        return " ".join(t for t in (c.text for c in self.cells) if t)

    def _cell_for(self, cell: Cell) -> Cell | None:
        for i, mine in enumerate(self.cells):
            limit = self.cells[i + 1].left if i + 1 < len(self.cells) else float("inf")
            if cell.left >= mine.left - 3 and cell.right <= limit + 3:
                return mine
        return None

    def take(self, line: Line, new_page: bool) -> bool:
        """Add `line` to this row's cells if it is more of them; False if it starts anew."""
        # More of a cell is set like it: a heading after the table is not.
        if len(self.cells) < 2 or abs(line.size - self.size) > 0.6 or not line.fonts <= self.fonts:
            return False
        if not new_page and self.baseline - line.baseline > ROW_PITCH * self.size:
            return False
        found = cells(line)
        if len(found) >= len(self.cells) or all(_NUMERIC.match(c.text) for c in found):
            return False
        targets = [self._cell_for(c) for c in found]
        if any(t is None for t in targets) or len({id(t) for t in targets}) < len(targets):
            return False
        for target, cell in zip(targets, found):
            assert target is not None
            target.parts += cell.parts
        self.baseline = line.baseline
        return True


# -- the two-column lists -------------------------------------------------------------------------
class Columns:
    """A Styrkor | Förbättringsmöjligheter table being read, possibly over several pages."""

    def __init__(self, page: int, split: float):
        self.page = page
        self.split = split
        self.left: list[ListItem] = []
        self.right: list[ListItem] = []

    @staticmethod
    def opens(line: Line) -> float | None:
        """The x that splits the columns, when `line` is the table's header row."""
        labels = {s.text.strip(): s for s in line.segments}
        if "Styrkor" in labels and "Förbättringsmöjligheter" in labels:
            return labels["Förbättringsmöjligheter"].left
        return None

    def ends_before(self, line: Line) -> bool:
        fits = all(s.right <= self.split + 4 or s.left >= self.split - 4 for s in line.segments)
        return not fits or bool(_STOP.match(line.text))

    def add(self, line: Line, page: int) -> None:
        if self.opens(line) is not None:
            return  # the header row, repeated at the top of a page
        after_bullet: set[int] = set()  # columns whose last run on this line was a lone bullet
        for seg in sorted(line.segments, key=lambda s: s.left):
            column = self.left if seg.left < self.split - 4 else self.right
            text = seg.text
            if seg.bullet:
                column.append(ListItem("", page))
                after_bullet.add(id(column))
                continue
            rest = None
            if id(column) not in after_bullet:
                rest = text[len(BULLET):].strip() if text.startswith(BULLET) else strip_number(text)
            after_bullet.discard(id(column))
            if rest is not None or not column:
                column.append(ListItem(rest if rest is not None else text, page))
            else:
                last = column[-1]
                joined = join_lines([last.text, text])
                column[-1] = ListItem(joined, last.page, page if page != last.page else last.page_end)

    def items(self) -> tuple[tuple[ListItem, ...], tuple[ListItem, ...]]:
        return tuple(i for i in self.left if i.text), tuple(i for i in self.right if i.text)
