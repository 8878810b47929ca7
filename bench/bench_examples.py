"""Goda exempel at corpus scale: `Kompass.examples` against `Kompass.search` in the same process.

Run (from the repository root; `make bench-examples`):

    .venv/bin/python bench/bench_examples.py                 # 300 generated reports
    .venv/bin/python bench/bench_examples.py --count 30 --rounds 1

The corpus: `count` fictional reports from corpus/synthetic (pool b, seed 4242), ingested with the
product's own `kompass ingest` into a cached home ($TMPDIR/kompass-bench/examples-<count>); the
ingest prints how many texts it embedded and how many it reused (repeated text is embedded once).

The queries: the catalogue's pool-b queries (3 per topic, 48 topics = 144), embedded once before
timing, so the timed figures exclude query embedding (which costs the same for both commands).
Both commands run warm: the first `examples` call, which reads every unit of the index into
memory, is timed on its own ("first call").
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class CachedEmbedder:
    """The real embedder, with each query embedded once before the timed loops."""

    def __init__(self, inner):
        self.inner, self.cache = inner, {}
        self.name, self.dim = inner.name, inner.dim

    def embed_query(self, text):
        if text not in self.cache:
            self.cache[text] = self.inner.embed_query(text)
        return self.cache[text]

    def __getattr__(self, name):
        return getattr(self.inner, name)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the 144 queries")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kompass-bench")
    args = parser.parse_args()

    from assistant.config import Config
    from assistant.kompass import Kompass
    from corpus.synthetic.catalogue import TOPICS
    from corpus.synthetic.generate import generate

    folder = args.cache / f"examples-{args.count}-{args.seed}"
    reports, home = folder / "rapporter", folder / "home"
    if not (reports / "truth.json").exists():
        generate(reports, seed=args.seed, count=args.count, pool="b")
    started = time.perf_counter()
    env = {**os.environ, "KOMPASS_HOME": str(home)}
    import subprocess
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", *map(str, sorted(reports.glob("*.txt")))],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=open(folder / "ingest.log", "w"))
    log = (folder / "ingest.log").read_text()
    import re
    embedded = sum(int(m) for m in re.findall(r"\((\d+) texter inbäddade", log))
    reused = sum(int(m) for m in re.findall(r"(\d+) återanvända\)", log))
    if embedded or reused:
        print(f"ingest: {embedded} texts embedded, {reused} reused (repeated text is embedded once)")
    print(f"ingest (or check) of {args.count} reports: {time.perf_counter() - started:.1f} s")

    kompass = Kompass(Config.from_env(home=home))
    kompass._embedder = CachedEmbedder(kompass.embedder)
    queries = [q for t in TOPICS for q in t.queries.b]
    print(f"index: {kompass.store.passage_count()} passages, "
          f"{kompass.store.db.execute('SELECT count(*) FROM sentences').fetchone()[0]} units, "
          f"{len(kompass.reports())} reports; {len(queries)} queries")
    for q in queries:
        kompass.embedder.embed_query(q)
    from assistant.examples import topic_text
    for q in queries:
        kompass.embedder.embed_query(topic_text(q))
    kompass.search(queries[0], top=10)  # warm the search copy
    rss_before = rss_mb()
    t = time.perf_counter()
    kompass.examples(queries[0])
    first = time.perf_counter() - t
    print(f"first examples call (reads all units): {first * 1000:.0f} ms; RSS +{rss_mb() - rss_before:.0f} MB")

    timings: dict[str, list[float]] = {"examples": [], "search": []}
    for _ in range(args.rounds):
        for q in queries:
            for name, call in (("examples", lambda: kompass.examples(q, top=10)),
                               ("search", lambda: kompass.search(q, top=10))):
                t = time.perf_counter()
                call()
                timings[name].append(time.perf_counter() - t)
    print(f"\n{'command':<10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  (warm, excluding query embedding, "
          f"{len(timings['search'])} calls each)")
    for name, values in timings.items():
        print(f"{name:<10} {statistics.median(values) * 1000:>8.1f} {percentile(values, 0.95) * 1000:>8.1f} "
              f"{max(values) * 1000:>8.1f}")
    ratio = statistics.median(timings["examples"]) / statistics.median(timings["search"])
    print(f"examples / search (p50): {ratio:.2f}x; RSS {rss_mb():.0f} MB")
    kompass.close()


if __name__ == "__main__":
    main()
