"""Extractive answers: the sentences from the best passages that answer the query, each cited.

No LLM. Candidate sentences (or list items, or score lines) come from the top hits; each is
scored by cosine similarity to the query plus a small bonus for shared terms and for the rank
of its passage. The best few become the answer, each followed by `[n]`, where n resolves to
municipality, year, area, section and page.
"""
from __future__ import annotations

import re

import numpy as np

from index.embedder import Embedder
from index.lexical import terms

from .models import Answer, Citation, Hit

MAX_CLAIMS = 3
_SPLIT = re.compile(r"\n+|(?<=[.?!])\s+(?=[A-ZÅÄÖ0-9•])")


def _candidates(hit: Hit) -> list[str]:
    parts = [p.strip().lstrip("• ").strip() for p in _SPLIT.split(hit.text)]
    return [p for p in parts if len(p.split()) >= 3]


def compose(query: str, hits: list[Hit], embedder: Embedder) -> Answer:
    if not hits:
        return Answer(query, "Jag hittade inget i de indexerade rapporterna som svarar på frågan.", [], hits)
    pool: list[tuple[int, str]] = [(rank, s) for rank, hit in enumerate(hits) for s in _candidates(hit)]
    if not pool:
        pool = [(rank, hit.text) for rank, hit in enumerate(hits)]
    query_terms = set(terms(query))
    vectors = embedder.embed_passages([s for _, s in pool])
    similarity = vectors @ embedder.embed_query(query)
    overlap = np.array([len(query_terms & set(terms(s))) for _, s in pool], dtype=np.float32)
    rank_prior = np.array([rank for rank, _ in pool], dtype=np.float32)
    score = similarity + 0.03 * np.minimum(overlap, 3) - 0.01 * rank_prior
    chosen: list[tuple[int, str]] = []
    for index in np.argsort(-score):
        rank, sentence = pool[int(index)]
        if any(sentence == s for _, s in chosen):
            continue
        chosen.append((rank, sentence))
        if len(chosen) == MAX_CLAIMS:
            break
    # Present claims in the order of their passages' rank, citing each passage once.
    chosen.sort(key=lambda c: c[0])
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    for rank, sentence in chosen:
        if rank not in numbers:
            numbers[rank] = len(numbers) + 1
            citations.append(Citation(numbers[rank], hits[rank], sentence))
        hit = hits[rank]
        where = f"{hit.display_name} {hit.year}"
        if hit.area:
            where += f", {hit.area_name.lower() if hit.area_name else ''}"
        lines.append(f"{where} ({hit.section_label.lower()}): {sentence.rstrip('.')}. [{numbers[rank]}]")
    return Answer(query, "\n".join(lines), citations, hits)
