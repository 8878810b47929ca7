"""Extractive answers: the sentences from the best passages that answer the query, each cited.

No LLM. Candidate sentences (or list items, or score rows) come from the top hits; each is
scored by cosine similarity to the query plus a small bonus for shared terms and for the rank
of its passage. The best few become the answer, each followed by `[n]`, where n resolves to
municipality, year, area, section and page. Sentence vectors stored at ingest are reused; only
units without one (score rows, one-sentence passages) are embedded at question time.
"""
from __future__ import annotations

import numpy as np

from corpus.chunker import units
from corpus.models import SectionKind
from index.embedder import Embedder
from index.lexical import terms

from .models import Answer, Citation, Hit

MAX_CLAIMS = 4
MAX_LIST_ITEMS = 8
CLAIM_MARGIN = 0.05
NO_ANSWER = "Jag hittade inget i de indexerade rapporterna som svarar på frågan."


def compose(query: str, hits: list[Hit], embedder: Embedder,
            stored: dict[int, list[tuple[str, np.ndarray]]] | None = None,
            term_weights: dict[str, float] | None = None,
            wanted_lists: frozenset[str] = frozenset()) -> Answer:
    """`stored`: sentence vectors per passage id; `term_weights`: IDF of the query's terms, so
    that sharing a rare word ("servicedeklarationer") counts and sharing "arbetar" does not;
    `wanted_lists`: sections the question asks for as a list (strengths, improvements)."""
    if not hits:
        return Answer(query, NO_ANSWER, [], hits)
    stored = stored or {}
    pool: list[tuple[int, str]] = []
    vectors: list[np.ndarray | None] = []
    for rank, hit in enumerate(hits):
        known = stored.get(hit.passage_id)
        for sentence, vector in known or [(u, None) for u in units(hit.text)]:
            if len(sentence.split()) >= 3:
                pool.append((rank, sentence))
                vectors.append(vector)
    if not pool:
        return Answer(query, NO_ANSWER, [], hits)
    top = hits[0]
    if top.section in wanted_lists and top.section in (SectionKind.STYRKOR.value,
                                                       SectionKind.FORBATTRINGSMOJLIGHETER.value):
        # "Vilka styrkor har …?": the answer is the list itself, item by item.
        items = [s for rank, s in pool if rank == 0][:MAX_LIST_ITEMS]
        return _render(query, hits, [(0, item) for item in items])
    todo = [i for i, v in enumerate(vectors) if v is None]
    if todo:
        heading = {rank: hits[rank].heading for rank, _ in pool}
        fresh = embedder.embed_passages([f"{heading[pool[i][0]]}\n{pool[i][1]}" for i in todo])
        for i, vector in zip(todo, fresh):
            vectors[i] = vector
    similarity = np.vstack(vectors) @ embedder.embed_query(query)
    weights = term_weights or {t: 1.0 for t in terms(query)}
    total = sum(weights.values()) or 1.0
    overlap = np.array([sum(w for t, w in weights.items() if t in set(terms(s))) / total
                        for _, s in pool], dtype=np.float32)
    rank_prior = np.array([rank for rank, _ in pool], dtype=np.float32)
    score = similarity + 0.1 * overlap - 0.01 * rank_prior
    chosen: list[tuple[int, str]] = []
    order = np.argsort(-score)
    floor = score[order[0]] - CLAIM_MARGIN
    for index in order:
        if score[index] < floor:
            break  # a claim much weaker than the best one is noise, not an answer
        rank, sentence = pool[int(index)]
        if all(sentence != s for _, s in chosen):
            chosen.append((rank, sentence))
        if len(chosen) == MAX_CLAIMS:
            break
    # Claims in the order of their passages' rank; each passage cited once.
    chosen.sort(key=lambda c: c[0])
    return _render(query, hits, chosen)


def _render(query: str, hits: list[Hit], chosen: list[tuple[int, str]]) -> Answer:
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for rank, sentence in chosen:
        hit = hits[rank]
        if rank not in numbers:
            numbers[rank] = len(numbers) + 1
            citations.append(Citation(numbers[rank], hit, sentence))
        where = f"{hit.display_name} {hit.year}"
        if hit.area_name:
            where += f", {hit.area_name.lower()}"
        claim = sentence.rstrip(" .,;:")
        claim += "" if claim.endswith(("?", "!")) else "."
        lines.append(f"{where} ({hit.section_label.lower()}): {claim} [{numbers[rank]}]")
    return Answer(query, "\n".join(lines), citations, hits)
