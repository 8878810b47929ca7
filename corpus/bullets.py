"""List markers as Word, LibreOffice and other tools write them, and the one marker Kompass keeps.

Word's "•" list is set in the Symbol font and reaches a PDF's text as U+F0B7, a Private Use Area
(PUA) code point; Wingdings bullets (§, Ø, ü …) arrive as other PUA code points (U+F0A7, U+F0D8,
U+F0FC …); Word's second level is an "o" in Courier New; LibreOffice's own lists use •, ◦, ▪ and
–. Readers turn every such marker at the start of a paragraph, cell line or list item into
`BULLET` followed by a space, and drop PUA characters everywhere else: no PUA character reaches
the index. The parser splits Rubriker at `BULLET` and treats it as a sentence boundary in prose.
"""
from __future__ import annotations

import re

BULLET = "•"
# Symbols that mark a list item whenever they start a line.
_MARKS = "•◦▪▫■□●○‣⁃∙·➢➤►▶✓✔❖♦◆★☐❑❒"
_PUA = "\ue000-\uf8ff"
_LEADING = re.compile(rf"^\s*[{_MARKS}{_PUA}]\s*")
# Dashes and stars mark one only before a capital or a digit: a line of running text can start
# with "– och" where a dash fell at a line break.
_DASH = re.compile(r"^\s*[–—*-]\s+(?=[A-ZÅÄÖÉ0-9])|^\s*[–—*-]\s*$")
_PRIVATE_USE = re.compile(f"[{_PUA}]")
# A numbered list item's own number: "1.", "2)", "a)", "iv." followed by a space.
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-z][.)]|[ivx]{1,4}\.)\s+(?=\S)")


def strip_bullet(text: str, standalone: bool = False) -> str | None:
    """The text after a leading list marker, or None when `text` does not start with one.

    `standalone`: the text is a glyph set apart from its line's text (its own text run in a
    PDF), where Word's Courier "o" for a second-level item counts too.
    """
    if standalone and text.strip() == "o":
        return ""
    match = _LEADING.match(text) or _DASH.match(text)
    if match is None:
        return None
    return remove_private_use(text[match.end():]).strip()


def strip_number(text: str) -> str | None:
    """The text after a numbered list item's number ("1. Text" → "Text"), else None."""
    match = _NUMBERED.match(text)
    return text[match.end():] if match else None


def remove_private_use(text: str) -> str:
    return _PRIVATE_USE.sub("", text)


def private_use_as_bullets(text: str) -> str:
    """Flat text (a transcript copied out of a PDF): a PUA glyph there is a Symbol or Wingdings
    bullet, so it becomes `•`."""
    return _PRIVATE_USE.sub(BULLET, text)


def canonical(text: str) -> str:
    """`text` with a leading marker of any kind as `• ` and no PUA characters left."""
    rest = strip_bullet(text)
    return f"{BULLET} {rest}" if rest is not None else remove_private_use(text)
