"""Reciprocal rank fusion of ranked lists."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf(rankings: Sequence[Sequence[tuple[int, float]]], k: int = 60,
        weights: Mapping[int, float] | None = None) -> list[tuple[int, float]]:
    """Fuse ranked lists of (id, weight): score(d) = w(d) * Σ_lists weight / (k + rank).

    Ties keep first-seen order."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (item, weight) in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    if weights:
        scores = {item: s * weights.get(item, 1.0) for item, s in scores.items()}
    return sorted(scores.items(), key=lambda pair: -pair[1])
