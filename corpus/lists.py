"""The two-column Styrkor / Förbättringsmöjligheter table, read back as two lists of items.

In the PDF the table has a left column (Styrkor) and a right column (Förbättringsmöjligheter).
Text extraction reads it column by column *per page*: on the first page all left items, then
all right items; when the table runs onto the next page, that page again holds the rest of the
left column followed by the rest of the right column. So the text after the
`Förbättringsmöjligheter` heading is: right items of page N, then for each following page
(left continuation, right continuation). Items have no separators; an item starts at a
capitalised word that does not continue the previous one.

Where the continuation of a page splits into left and right is not marked in the text. We pick
the split point that best separates strength-like items from improvement-like ones (imperative
verbs, "förbättringsområde", questions … versus "gott exempel", "tydlig", "finns" …). Issue 3's
PDF reader gets the columns from positions and does not need this.

An item broken at the page end goes on in lower case on the next page, in its own column's
part: a left item right at the page's start, a right item after the page's left items. Short
pieces that no bullet is made of join a neighbour: a tail after a full stop (`… personalpolitik.
Strategierna på plats`), a one-word label before its item (`Projekt Skolkommission …`), verbs
still waiting for their object (`Inventera och utveckla Kommunens samarbete …`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .models import ListItem
from .pages import continues_hyphenated

# Words after which an item cannot end: the capitalised word that follows belongs to it.
_FUNCTION_WORDS = {
    "och", "att", "i", "på", "för", "med", "av", "till", "om", "som", "kring", "mellan", "inom",
    "ex.", "t.ex.", "bl.a.", "bla", "samt", "eller", "från", "under", "över", "vid", "hos", "mot",
    "den", "det", "de", "en", "ett", "är", "har", "the", "-", "–", "genom", "utifrån", "enligt",
}
# Capitalised words that continue an item after a full stop ("… generellt sett. Men …").
_CONTINUATION_WORDS = {"Men", "Och", "Ex.", "Ex", "Gott", "Goda", "Blir", "Utan", "Dock", "Även"}

_IMPERATIVES = {
    "skapa", "rikta", "införa", "inför", "använda", "använd", "sjösätta", "lägga", "lägg",
    "likrikta", "förtydliga", "fullfölja", "synliggör", "synliggöra", "utveckla", "ge", "ta",
    "se", "stärk", "stärka", "öka", "ha", "hitta", "arbeta", "säkerställ", "säkerställa",
    "tydliggör", "tydliggöra", "överväg", "överväga", "koppla", "samordna", "formulera",
    "belöna", "sprid", "sprida", "bygg", "bygga", "ersätt", "fortsätt", "fortsätta", "gör",
    "göra", "definiera", "mät", "mäta", "följ", "följa", "tydligare", "bättre", "mer", "fler",
    "ökad", "ökat", "behov", "vill", "utvecklingsområde",
}
# The imperatives above that are verbs (the rest are adverbs and nouns that open suggestions).
_VERBS = _IMPERATIVES - {"tydligare", "bättre", "mer", "fler", "ökad", "ökat", "behov", "vill",
                         "utvecklingsområde"}
_COORDINATORS = {"och", "samt", "eller", "&"}
# Words in a fragment too short to be a bullet: a tail after a full stop ("Strategierna på
# plats", "Gott exempel") or bare verbs ("Inventera och utveckla").
_MAX_FRAGMENT_WORDS = 3
_MAX_LABEL_CHARS = 8  # a one-word label ("Projekt"); one-word items are long compounds
_IMPROVEMENT_CUES = ("förbättringsområde", "utvecklingsområde", "saknas", "behov", "inte ", "bör ",
                     "kan vara", "ingen ", "inget ", "brist", "vid intervjuerna framfördes")
_STRENGTH_CUES = ("gott exempel", "goda exempel", "god ", "goda ", "tydlig", "väl ", "aktiv",
                  "stark", "bra ", "finns", "pågår", "etablera", "flera exempel", "projekt ")


@dataclass(frozen=True)
class Piece:
    """Contiguous list text and the page it sits on."""

    text: str
    page: int


def _is_acronym(token: str) -> bool:
    """`VO`, `HME`, and mixed-case ones with their compounds: `KKiK`, `KKiK-resultaten`."""
    core = token.rstrip(".,;:?!").split("-")[0]
    return 1 < len(core) <= 5 and (core.isupper() or sum(c.isupper() for c in core) >= 2)


def split_items(text: str, is_proper: Callable[[str], bool]) -> list[str]:
    """Cut run-together list text into items at capitalised words that start a new item."""
    tokens = text.split()
    items: list[list[str]] = []
    for token in tokens:
        if not items:
            items.append([token])
            continue
        previous = items[-1][-1]
        starts_new = token[0].isupper() and not _is_acronym(token) and not is_proper(token)
        if starts_new:
            if previous.lower() in _FUNCTION_WORDS or previous.endswith(("-", "/", ",")):
                starts_new = False
            elif previous.endswith((".", "?", "!", ":")) and token in _CONTINUATION_WORDS:
                starts_new = False
        if starts_new:
            items.append([token])
        else:
            items[-1].append(token)
    return join_fragments([" ".join(item) for item in items])


def unfinished(item: str) -> bool:
    """The item stops mid-sentence: on a comma, a hyphen or a word no item ends on."""
    words = item.split()
    return bool(words) and (item.endswith((",", "-", "–", "/")) or words[-1].lower() in _FUNCTION_WORDS)


def _is_verb(word: str) -> bool:
    word = word.lower().strip(".,;:?!")
    return word in _VERBS or (word.endswith("era") and len(word) > 5)


def _waits_for_object(item: str) -> bool:
    """Only verbs (`Inventera och utveckla`, `Skapa/sprid`): what they act on comes next."""
    words = [w for w in re.split(r"[\s/]+", item) if w]
    return (item[:1].isupper() and len(words) <= _MAX_FRAGMENT_WORDS and _is_verb(words[-1])
            and all(_is_verb(w) or w.lower() in _COORDINATORS for w in words))


def _is_label(item: str) -> bool:
    """A single short word (`Projekt`): a label for the item it stands before."""
    return item[:1].isupper() and item.isalpha() and len(item) <= _MAX_LABEL_CHARS


def join_fragments(items: list[str]) -> list[str]:
    """Join pieces too short to be a bullet to their neighbour: a tail of at most three words
    after a full stop to the item before; a label or bare verbs to the item after."""
    joined: list[str] = []
    for item in items:
        if joined and joined[-1].endswith(".") and len(item.split()) <= _MAX_FRAGMENT_WORDS \
                and not item.endswith((".", "?", "!")):
            joined[-1] = f"{joined[-1]} {item}"
        elif joined and (_is_label(joined[-1]) or _waits_for_object(joined[-1])):
            joined[-1] = f"{joined[-1]} {item}"
        else:
            joined.append(item)
    return joined


def split_open_tail(item: str) -> tuple[str, str] | None:
    """`… serviceförvaltningen mål- och resultatansvar` → the whole item and the lower-case text
    after it that continues another item: the shortest tail that starts with a lower-case word
    other than a function word, after a word an item can end on."""
    words = item.split()
    for i in range(len(words) - 1, 0, -1):
        word = words[i]
        if (word[:1].islower() and word.lower() not in _FUNCTION_WORDS
                and not unfinished(" ".join(words[:i]))):
            return " ".join(words[:i]), " ".join(words[i:])
    return None


def improvement_score(item: str) -> float:
    """> 0 when an item reads like an improvement suggestion, < 0 like a strength."""
    lowered = item.lower()
    first = re.split(r"[\s/]+", lowered.strip())[0].strip(".,:;?!")  # "synliggör/belöna" → "synliggör"
    score = 0.0
    if first in _IMPERATIVES or (first.endswith("era") and len(first) > 5):
        score += 2.0
    if lowered.startswith(("ett förbättringsområde", "ett utvecklingsområde", "det saknas")):
        score += 2.0
    if item.rstrip().endswith("?"):
        score += 1.0
    score += sum(1.0 for cue in _IMPROVEMENT_CUES if re.search(r"\b" + cue, lowered))
    score -= sum(1.0 for cue in _STRENGTH_CUES if re.search(r"\b" + cue, lowered))
    return score


def split_continuation(items: list[str]) -> int:
    """Index at which a continuation page's left-column items end and right-column ones begin."""
    best_k, best = len(items), float("-inf")
    scores = [improvement_score(i) for i in items]
    for k in range(len(items), -1, -1):  # ties go to the larger k: left column first
        value = sum(scores[k:]) - sum(scores[:k])
        if value > best:
            best_k, best = k, value
    return best_k


def read_two_columns(left: list[Piece], right_and_more: list[Piece],
                     is_proper: Callable[[str], bool]) -> tuple[list[ListItem], list[ListItem]]:
    """Rebuild both lists.

    `left` is the Styrkor text on its first page; `right_and_more` is the text after the
    Förbättringsmöjligheter heading, one `Piece` per page (the first on the heading's page).
    """
    # Styrkor normally fit on their heading's page; if not, later pages just continue them.
    styrkor = [ListItem(t, p.page) for p in left for t in split_items(p.text, is_proper)]
    forbattringar: list[ListItem] = []
    for index, piece in enumerate(right_and_more):
        if index == 0:
            forbattringar += [ListItem(t, piece.page) for t in split_items(piece.text, is_proper)]
            continue
        text = piece.text
        # A word of the left column broken at the page end (`mötesplat-` … `ser`).
        if styrkor and continues_hyphenated(styrkor[-1].text, text):
            fragment, _, text = text.partition(" ")
            last = styrkor.pop()
            styrkor.append(ListItem(last.text[:-1] + fragment, last.page, piece.page))
            # The rest of the item runs on until the next item start.
            head = split_items(text, is_proper)
            if head and head[0][:1].islower():
                _extend(styrkor, head[0], piece.page)
                text = text[len(head[0]):].strip()
        items = split_items(text, is_proper) if text else []
        left_open = bool(styrkor) and unfinished(styrkor[-1].text)
        right_open = bool(forbattringar) and unfinished(forbattringar[-1].text)
        # A lower-case first item continues whichever column ended mid-sentence; the left
        # column comes first on the page.
        head = items.pop(0) if items and items[0][:1].islower() and (styrkor or forbattringar) else None
        target = forbattringar if not styrkor or (right_open and not left_open) else styrkor
        if head is not None and target is forbattringar:
            right_open = False
        k = split_continuation(items)
        left_items = ([head] if head is not None and target is styrkor else []) + items[:k]
        # The right column's broken item goes on after the page's left text, in lower case.
        tail = split_open_tail(left_items[-1]) if right_open and left_items else None
        if tail:
            left_items[-1] = tail[0]
            _extend(forbattringar, tail[1], piece.page)
        if head is not None:
            _extend(target, left_items.pop(0) if target is styrkor else head, piece.page)
        styrkor += [ListItem(t, piece.page) for t in left_items]
        forbattringar += [ListItem(t, piece.page) for t in items[k:]]
    return styrkor, forbattringar


def _extend(items: list[ListItem], text: str, page: int) -> None:
    """The last item goes on with `text` on `page`."""
    last = items.pop()
    items.append(ListItem(f"{last.text} {text}", last.page, page))
