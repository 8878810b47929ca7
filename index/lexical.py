"""Swedish-aware analysis for the lexical index: tokens, stop words, Snowball stems.

SQLite FTS5 has no Swedish stemmer and folds å/ä/ö by default, so we store pre-stemmed terms
and index them with `unicode61 remove_diacritics 0` (which keeps å, ä, ö apart from a, o).
"""
from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"[0-9a-zåäöéü]+(?:-[0-9a-zåäöéü]+)*", re.IGNORECASE)

SWEDISH_STOP = set("""
alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din dina
ditt du där då efter ej eller en er era ert ett från för ha hade han hans har henne hennes hon
honom hur här i icke ingen inom inte jag ju kan kunde man med mellan men mig min mina mitt mot
mycket ni nu när någon något några och om oss på samma sedan sig sin sina sitta själv skulle som
så sådan sådana sådant till under upp ut utan vad var vara varför varit varje vars vart vem vi
vid vilka vilken vilket vår våra vårt än är åt över finns få får fick görs gör ska ex bl bla
nån något några ger gett går gå gått kvar fortfarande hos skall också även bara redan just
blir gjort göra mer mest många fram vidare helt hela kommer kommit hur
""".split())
ENGLISH_STOP = set("""
a an and are as at be by did do does for from had has have how i in is it its of on or our that
the their them there these they this to was were what when where which who why will with would
you your can could should about into than then so not no
""".split())
STOP_WORDS = SWEDISH_STOP | ENGLISH_STOP


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, stem) of each content word, for words that are not stop words."""
    spans = []
    for match in _TOKEN.finditer(text):
        stems = terms(match.group())
        if stems:
            spans.append((match.start(), match.end(), stems[-1]))
    return spans


def terms(text: str) -> list[str]:
    """Stemmed content terms, in order. Hyphenated words give the whole and their parts."""
    words: list[str] = []
    for token in tokens(text):
        if "-" in token:
            words += [p for p in token.split("-") if p]
            token = token.replace("-", "")
        words.append(token)
    return _stemmer().stemWords([w for w in words if w not in STOP_WORDS and len(w) > 1])


def fts_query(query_terms: list[str]) -> str | None:
    """An FTS5 MATCH expression: any of the terms (ranking is left to bm25)."""
    unique = list(dict.fromkeys(query_terms))
    if not unique:
        return None
    return " OR ".join('"' + t.replace('"', "") + '"' for t in unique)


def compound_splits(term: str) -> list[tuple[str, str]]:
    """Ways to read a stem as two parts (`totalpoäng` → total + poäng, `kvalitetsarbet` →
    kvalitet + arbet, dropping the linking s). Parts are at least 4 letters (the head 3)."""
    splits = []
    for i in range(3, len(term) - 3):
        head, tail = term[:i], term[i:]
        splits.append((head, tail))
        if head.endswith("s") and len(head) > 4:
            splits.append((head[:-1], tail))
    return splits
