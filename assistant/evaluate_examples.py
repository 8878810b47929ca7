"""Goda exempel measured on generated fictional reports with known levels (corpus/synthetic).

For every topic of the catalogue and every query of the chosen pool, `Kompass.examples` ranks
municipalities; the truth is each municipality's level in its latest report. Figures:

- precision@5: strong municipalities among the first five, over min(5, number of strong ones);
- nDCG@10 with gains strong 2, partial 1, absent 0;
- inversions: topics where an absent municipality is ranked above a strong one (a strong one
  not listed counts as ranked last).

The baseline ranks municipalities by their best passage in `Kompass.search` (hybrid, top 200),
measured in the same run. Tune on pool "a"; report pool "b" with a seed not tuned on.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from corpus.synthetic.catalogue import TOPICS
from corpus.synthetic.generate import generate, load_truth
from corpus.taxonomy import fold

from .config import Config
from .ingest import Listener, Quiet
from .kompass import Kompass

GAIN = {"strong": 2, "partial": 1, "absent": 0}


@dataclass
class TopicResult:
    key: str
    precision5: float
    ndcg10: float
    inverted: bool
    base_precision5: float
    base_ndcg10: float
    base_inverted: bool


def corpus_home(root: Path, pool: str, seed: int, count: int) -> tuple[Path, Path]:
    """(folder of the generated reports, KOMPASS_HOME of their index), made once and reused."""
    folder = root / f"synthetic-{pool}-{seed}-{count}"
    return folder / "rapporter", folder / "home"


def build(root: Path, pool: str, seed: int, count: int, listener: Listener | None = None) -> Kompass:
    reports, home = corpus_home(root, pool, seed, count)
    if not (reports / "truth.json").exists():
        generate(reports, seed=seed, count=count, pool=pool)
    kompass = Kompass(Config.from_env(home=home))
    kompass.ingest(sorted(reports.glob("*.txt")) + sorted(reports.glob("*.pdf")), listener=listener or Quiet())
    return kompass


def precision_at(ranked: list[str], levels: dict[str, str], k: int = 5) -> float:
    strong = sum(1 for level in levels.values() if level == "strong")
    if strong == 0:
        return 1.0 if not ranked else 0.0
    hits = sum(1 for m in ranked[:k] if levels.get(m) == "strong")
    return hits / min(k, strong)


def ndcg_at(ranked: list[str], levels: dict[str, str], k: int = 10) -> float:
    dcg = sum(GAIN[levels.get(m, "absent")] / math.log2(i + 2) for i, m in enumerate(ranked[:k]))
    ideal = sorted((GAIN[level] for level in levels.values()), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 1.0


def inverted(ranked: list[str], levels: dict[str, str]) -> bool:
    """An absent municipality above a strong one (strong ones not listed rank last)."""
    position = {m: i for i, m in enumerate(ranked)}
    last = len(ranked)
    strong = [position.get(m, last) for m, level in levels.items() if level == "strong"]
    absent = [position[m] for m, level in levels.items() if level == "absent" and m in position]
    return bool(strong and absent and min(absent) < max(strong))


def baseline(kompass: Kompass, query: str) -> list[str]:
    """Municipalities in the order of their best passage in hybrid search."""
    order: list[str] = []
    for hit in kompass.search(query, top=200):
        key = fold(hit.municipality)
        if key not in order:
            order.append(key)
    return order


def evaluate_examples(kompass: Kompass, truth: dict) -> list[TopicResult]:
    latest: dict[str, dict] = {}
    for report in sorted(truth["reports"], key=lambda r: r["year"]):
        latest[fold(report["municipality"])] = report
    queries = {t["key"]: t["queries"] for t in truth["topics"]}
    results = []
    for topic in TOPICS:
        levels = {m: r["levels"][topic.key] for m, r in latest.items()}
        rows = []
        for query in queries[topic.key]:
            ranked = [fold(e.municipality) for e in kompass.examples(query, top=10, auto_filters=False).examples]
            base = baseline(kompass, query)
            rows.append((precision_at(ranked, levels), ndcg_at(ranked, levels), inverted(ranked, levels),
                         precision_at(base, levels), ndcg_at(base, levels), inverted(base[:10], levels)))
        results.append(TopicResult(
            topic.key, statistics.fmean(r[0] for r in rows), statistics.fmean(r[1] for r in rows),
            sum(r[2] for r in rows) * 2 > len(rows),
            statistics.fmean(r[3] for r in rows), statistics.fmean(r[4] for r in rows),
            sum(r[5] for r in rows) * 2 > len(rows)))
    return results


def format_examples_table(results: list[TopicResult], truth: dict) -> str:
    head = f"{'topic':<34} {'P@5':>5} {'nDCG@10':>8} {'inv':>4}   {'base P@5':>8} {'base nDCG':>9} {'inv':>4}"
    lines = [f"pool {truth['pool']}, seed {truth['seed']}, {len(truth['reports'])} fiktiva rapporter, "
             f"{len(results)} ämnen", head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.key:<34} {r.precision5:>5.2f} {r.ndcg10:>8.3f} {'x' if r.inverted else '':>4}   "
                     f"{r.base_precision5:>8.2f} {r.base_ndcg10:>9.3f} {'x' if r.base_inverted else '':>4}")
    lines.append("-" * len(head))
    n = len(results)
    lines.append(f"{'mean':<34} {statistics.fmean(r.precision5 for r in results):>5.3f} "
                 f"{statistics.fmean(r.ndcg10 for r in results):>8.3f} {sum(r.inverted for r in results):>4}   "
                 f"{statistics.fmean(r.base_precision5 for r in results):>8.3f} "
                 f"{statistics.fmean(r.base_ndcg10 for r in results):>9.3f} "
                 f"{sum(r.base_inverted for r in results):>4}")
    lines.append(f"(P@5 over min(5, strong ones); inv = topics where an absent municipality ranks above a "
                 f"strong one: examples {sum(r.inverted for r in results)}/{n}, baseline "
                 f"{sum(r.base_inverted for r in results)}/{n}; baseline = municipalities by their best "
                 f"hybrid search hit)")
    return "\n".join(lines)


def run(root: Path, pool: str, seed: int, count: int, listener: Listener | None = None) -> str:
    kompass = build(root, pool, seed, count, listener)
    try:
        reports, _ = corpus_home(root, pool, seed, count)
        truth = load_truth(reports)
        return format_examples_table(evaluate_examples(kompass, truth), truth)
    finally:
        kompass.close()
