"""Extractive answers: the sentences from the best passages that answer the query, each cited.

No LLM. Candidate sentences (or list items, or score rows) come from the top hits; each is
scored by cosine similarity to the query plus a small bonus for shared terms and for the rank
of its passage. The best few become the answer, each followed by `[n]`, where n resolves to
municipality, year, area, section and the page of the quoted sentence itself. Sentence vectors
stored at ingest are reused; only units without one (score rows, one-sentence passages) are
embedded at question time.
"""
from __future__ import annotations

import numpy as np

from corpus.models import SectionKind
from index.embedder import Embedder
from index.lexical import terms
from index.sqlite_store import StoredSentence

from .models import Answer, Citation, Hit

MAX_CLAIMS = 4
MAX_LIST_ITEMS = 8
CLAIM_MARGIN = 0.05
OVERLAP_WEIGHT = 0.2  # share of the query's IDF mass a sentence contains
LIST_SECTIONS = frozenset({SectionKind.STYRKOR.value, SectionKind.FORBATTRINGSMOJLIGHETER.value})
NO_ANSWER = "Jag hittade inget i de indexerade rapporterna som svarar på frågan."


def compose(query: str, hits: list[Hit], embedder: Embedder,
            units: dict[int, list[StoredSentence]],
            term_weights: dict[str, float] | None = None,
            wanted_lists: frozenset[str] = frozenset()) -> Answer:
    """`units`: each hit's stored sentences / items / rows with pages and vectors;
    `term_weights`: IDF of the query's terms, so that sharing a rare word
    ("servicedeklarationer") counts and sharing "arbetar" does not; `wanted_lists`: sections
    the question asks for as a list (strengths, improvements)."""
    if not hits:
        return Answer(query, NO_ANSWER, [], hits)
    pool: list[tuple[int, StoredSentence]] = [
        (rank, unit) for rank, hit in enumerate(hits) for unit in units.get(hit.passage_id, [])
        if len(unit.text.split()) >= 3]
    if not pool:
        return Answer(query, NO_ANSWER, [], hits)
    vectors: list[np.ndarray | None] = [unit.vector for _, unit in pool]
    todo = [i for i, v in enumerate(vectors) if v is None]
    if todo:
        fresh = embedder.embed_passages([f"{hits[pool[i][0]].heading}\n{pool[i][1].text}" for i in todo])
        for i, vector in zip(todo, fresh):
            vectors[i] = vector
    similarity = np.vstack(vectors) @ embedder.embed_query(query)
    weights = term_weights or {t: 1.0 for t in terms(query)}
    total = sum(weights.values()) or 1.0
    overlap = np.array([sum(w for t, w in weights.items() if t in set(terms(u.text))) / total
                        for _, u in pool], dtype=np.float32)
    rank_prior = np.array([rank for rank, _ in pool], dtype=np.float32)
    score = similarity + OVERLAP_WEIGHT * overlap - 0.01 * rank_prior
    order = np.argsort(-score)
    best_rank = pool[int(order[0])][0]
    if hits[best_rank].section in wanted_lists & LIST_SECTIONS:
        # "Vilka styrkor har …?" and the best sentence is such an item: answer with the list.
        items = [(rank, u) for rank, u in pool if rank == best_rank][:MAX_LIST_ITEMS]
        return _render(query, hits, items)
    chosen: list[tuple[int, StoredSentence]] = []
    floor = score[order[0]] - CLAIM_MARGIN
    for index in order:
        if score[index] < floor:
            break  # a claim much weaker than the best one is noise, not an answer
        rank, unit = pool[int(index)]
        if all(unit.text != u.text for _, u in chosen):
            chosen.append((rank, unit))
        if len(chosen) == MAX_CLAIMS:
            break
    # Claims in the order of their passages' rank, then of the text.
    chosen.sort(key=lambda c: (c[0], hits[c[0]].text.find(c[1].text)))
    return _render(query, hits, chosen)


def _render(query: str, hits: list[Hit], chosen: list[tuple[int, StoredSentence]]) -> Answer:
    """One line per claim, `[n]` after each; n is one page of one passage."""
    numbers: dict[tuple[int, int], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for rank, unit in chosen:
        hit = hits[rank]
        key = (rank, unit.page_start)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(Citation(numbers[key], hit, unit.text, unit.page_start, unit.page_end))
        where = f"{hit.display_name} {hit.year}"
        if hit.area_name:
            where += f", {hit.area_name.lower()}"
        claim = unit.text.rstrip(" .,;:")
        claim += "" if claim.endswith(("?", "!")) else "."
        lines.append(f"{where} ({hit.section_label.lower()}): {claim} [{numbers[key]}]")
    return Answer(query, "\n".join(lines), citations, hits)
