"""Reciprocal rank fusion of ranked lists."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf(rankings: Sequence[Sequence[int]], k: int = 60,
        weights: Mapping[int, float] | None = None,
        list_weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Fuse ranked id lists: score(d) = w(d) * Σ_lists w_list / (k + rank).

    Ties keep first-seen order."""
    scores: dict[int, float] = {}
    for index, ranking in enumerate(rankings):
        list_weight = list_weights[index] if list_weights else 1.0
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + list_weight / (k + rank)
    if weights:
        scores = {item: s * weights.get(item, 1.0) for item, s in scores.items()}
    return sorted(scores.items(), key=lambda pair: -pair[1])
