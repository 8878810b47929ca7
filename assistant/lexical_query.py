"""A query for the lexical side, as concepts: each query word with the report words that count
as matching it (its compounds, its parts, its glossary translations), weighted by rarity.

BM25 ranks the passages that share any term with the query. But a passage that shares only
"organisation" with "Har vi anställt någon som ska hålla ihop förbättringsarbetet för hela
organisationen?" is not evidence of anything, and reciprocal rank fusion would still give it
full weight at rank 1. So each lexical hit also gets its *coverage*: the share of the query's
IDF mass it matches. Fusion scales its lexical contribution by that (see Kompass.search).

With `fuzzy` (the search path), a word the index does not know also matches the index terms
one edit away from it: users misspell ("äldreboendna", "individual model"). Only unknown words
of five letters or more are looked up, so a known word never drifts to a neighbour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from index.lexical import compound_splits, terms, token_spans
from index.store import Store

from .glossary import matches

# A term found in more than this share of passages says nothing about which one is meant
# (e.g. the municipality's own name in a one-report corpus): it is left out of the match.
MAX_TERM_SHARE = 0.5


@dataclass(frozen=True)
class Concept:
    source: str
    alternatives: frozenset[str]
    idf: float
    # The known parts of an unknown compound ("chefsutveckling" → chef, utveckl): a unit holds
    # the concept when it holds the compound or another alternative, or all of its parts; one
    # part of two is half of it ("utveckling" alone is not "chefsutveckling").
    parts: frozenset[str] = frozenset()
    known: bool = True  # False: no alternative is in the index (English, a misspelling)

    def held(self, passage_terms: set[str]) -> float:
        if (self.alternatives - self.parts) & passage_terms:
            return 1.0
        if self.parts:  # a part may sit inside another compound ("ledarutvecklingsprogram")
            held = sum(1 for part in self.parts
                       if part in passage_terms or any(part in term for term in passage_terms))
            return held / len(self.parts)
        return 0.0


@dataclass(frozen=True)
class LexicalQuery:
    concepts: tuple[Concept, ...]
    match_terms: tuple[str, ...]  # what goes into the FTS5 MATCH

    def coverage(self, passage_terms: set[str]) -> float:
        total = sum(c.idf for c in self.concepts)
        if total == 0:
            return 0.0
        return sum(c.idf * c.held(passage_terms) for c in self.concepts) / total


def analyse(query: str, store: Store, fuzzy: bool = False) -> LexicalQuery:
    groups: list[tuple[str, set[str]]] = []
    covered: list[tuple[int, int]] = []
    for start, end, words in matches(query):
        keys = {stem for s, e, stem in token_spans(query) if start <= s < end}
        groups.append((query[start:end], keys | set(terms(words))))
        covered.append((start, end))
    for start, _end, stem in token_spans(query):
        if not any(s <= start < e for s, e in covered):  # "anställda" is inside key "anställd"
            groups.append((stem, {stem}))
    parts = {source: _parts(alternatives, store) for source, alternatives in groups}
    groups = [(source, _with_compounds(alternatives, store) | parts[source]) for source, alternatives in groups]

    total = max(store.passage_count(), 1)
    df = store.document_frequencies([t for _, alts in groups for t in alts])
    if fuzzy:
        groups = [(source, alternatives | _near(source, store))
                  if alternatives == {source} and not df.get(source) else (source, alternatives)
                  for source, alternatives in groups]
        df.update(store.document_frequencies([t for _, alts in groups for t in alts if t not in df]))
    idf: dict[str, float | None] = {}
    match_terms: list[str] = []
    limit = MAX_TERM_SHARE * total if total >= 20 else total
    for source, alternatives in groups:
        present = {t for t in alternatives if df.get(t)}
        concept_df = min(total, sum(df[t] for t in present))
        idf[source] = math.log((total + 1) / (concept_df + 0.5)) if present else None
        match_terms += [t for t in present if df[t] <= limit]
    # A word the index does not know at all (English without a glossary entry, a misspelling)
    # still carries meaning the passage does not match; it weighs like an average known word.
    known = [v for v in idf.values() if v is not None]
    unknown = sum(known) / len(known) if known else 1.0
    concepts = tuple(Concept(source, frozenset(alternatives),
                             idf[source] if idf[source] is not None else unknown,
                             frozenset(parts[source]) if len(parts[source]) > 1 else frozenset(),
                             idf[source] is not None)
                     for source, alternatives in groups)
    return LexicalQuery(concepts, tuple(dict.fromkeys(match_terms)))


def _with_compounds(stems: set[str], store: Store) -> set[str]:
    """Swedish compounds both ways: a word also matches the compounds it ends
    (`fullmäkt` → `kommunfullmäkt`), and an unknown compound matches its known parts
    (`totalpoäng` → `total`, `poäng`)."""
    result = set(stems)
    for stem in stems:
        if len(stem) >= 6:
            result.update(store.terms_ending_with(stem))
    return result


def _parts(stems: set[str], store: Store) -> set[str]:
    """The known parts of the unknown compounds among `stems` (see `_split`)."""
    df = store.document_frequencies(list(stems))
    return {part for stem in stems if df.get(stem) == 0 and len(stem) >= 8 for part in _split(stem, store)}


def _split(stem: str, store: Store) -> list[str]:
    """Index terms for the two parts of an unknown compound, or [] if it does not split.
    The head may be inflected in the index (`total` → `totalt`), the tail is a stem."""
    splits = compound_splits(stem)
    tails = store.document_frequencies([tail for _, tail in splits])
    # A head that is itself an index term, or is one with the linking -s of Swedish compounds
    # ("chefs|utveckling" → "chef"), is the head; only otherwise an inflected form of it.
    known = store.document_frequencies(list({h for h, _ in splits} | {h[:-1] for h, _ in splits
                                                                     if h.endswith("s")}))
    best: list[str] = []
    for head, tail in sorted(splits, key=lambda s: -min(len(s[0]), len(s[1]))):
        if len(head) < 4 or not tails.get(tail):
            continue
        exact = next((h for h in (head, head[:-1] if head.endswith("s") else "") if known.get(h)), None)
        heads = [exact] if exact else store.terms_starting_with(head)
        if heads:
            best = [heads[0], tail]
            break
    return best


FUZZY_MIN_LENGTH = 5
FUZZY_CANDIDATES = 300


def _near(stem: str, store: Store) -> set[str]:
    """Index terms one edit (insertion, deletion, substitution or swap) from an unknown stem,
    among the most frequent terms that share its first half (a typo is rarely in both halves)."""
    if len(stem) < FUZZY_MIN_LENGTH:
        return set()
    candidates = store.terms_starting_with(stem[:max(3, len(stem) // 2)], FUZZY_CANDIDATES)
    return {term for term in candidates if term != stem and _one_edit(stem, term)}


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by exactly one insertion, deletion, substitution or swap of
    neighbours (Damerau-Levenshtein distance 1)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        return (a[start + 1:] == b[start + 1:]
                or (a[start + 2:] == b[start + 2:] and a[start:start + 2] == b[start:start + 2][::-1]))
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[start + 1:] == shorter[start:]
