"""Does memory stay flat? RSS while ingesting many reports, then while serving many queries.

Run (from the repository root; `make bench-leaks`, about 15 minutes):

    .venv/bin/python bench/bench_leaks.py                       # 1,000 reports, 100,000 queries
    .venv/bin/python bench/bench_leaks.py --reports 300 --queries 20000
    .venv/bin/python bench/bench_leaks.py --code /path/to/older/checkout   # the same for older code

Phase 1 writes `--reports` derived reports (88 passages each; made as in bench_query.py) into a
new index with the product's `SQLiteStore.replace_report`, in one process, then brings the
vector copy up to date (`Kompass.sync_search_copy`, when the code has it). Phase 2, in a new
process, opens an index of about 10,000 passages and runs `--queries` hybrid searches (the 59 dev
questions' vectors in turn, no embedding). RSS is sampled along the way; "growth" compares the
last sample with the one after the first tenth (the warm-up: caches filling, code loading).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_query as bq  # noqa: E402


def ingest_phase(home: Path, reports: int, cache: Path) -> dict:
    from assistant.config import Config
    from assistant.kompass import Kompass
    from index.records import PassageRecord, Source

    report, records = bq.sample_records(cache)
    rng = np.random.default_rng(3)
    kompass = Kompass(Config.from_env(home=home), embedder=bq.QueryVectors(cache))
    store = kompass.store
    samples = []
    started = time.perf_counter()
    for number in range(1, reports + 1):
        rid = f"leak-{number:05d}-2016"
        copy = dataclasses.replace(report, report_id=rid, municipality=f"Läckby {number:05d}",
                                   display_name=f"Läckby {number:05d} kommun", source_sha256=rid)
        new = [PassageRecord(dataclasses.replace(r.passage, report_id=rid),
                             hashlib.sha256(f"{rid}{r.content_hash}".encode()).hexdigest(),
                             (r.vector + rng.normal(0, 0.01, r.vector.shape)).astype(np.float32),
                             [(hashlib.sha256(f"{rid}{i}".encode()).hexdigest(), u[1]) if u else None
                              for i, u in enumerate(r.unit_vectors)]) for r in records]
        store.replace_report(copy, new, Source(f"/leak/{rid}.txt", rid, "text", rid, "primary", 3))
        if number % max(1, reports // 20) == 0:
            samples.append((number, bq.rss_mb()))
    figures = {"ingest_s": time.perf_counter() - started, "samples": samples}
    sync = getattr(kompass, "sync_search_copy", None)
    if sync:
        sync()
        figures["rss_after_sync_mb"] = bq.rss_mb()
    kompass.close()
    figures["rss_after_close_mb"] = bq.rss_mb()
    return figures


def query_phase(home: Path, queries: int, cache: Path) -> dict:
    from assistant.config import Config
    from assistant.kompass import Kompass

    base = np.load(cache / "base.npz", allow_pickle=True)
    texts = [str(q) for q in base["queries"]]
    kompass = Kompass(Config.from_env(home=home), embedder=bq.QueryVectors(cache))
    samples = []
    started = time.perf_counter()
    rng = random.Random(5)
    for n in range(1, queries + 1):
        kompass.search(texts[n % len(texts)], top=10,
                       filters=kompass.filters(area=rng.randint(1, 8)) if n % 10 == 0 else None)
        if n % max(1, queries // 20) == 0:
            samples.append((n, bq.rss_mb()))
    figures = {"query_s": time.perf_counter() - started, "samples": samples}
    kompass.close()
    return figures


def growth(samples: list[tuple[int, float]]) -> str:
    warm = samples[max(0, len(samples) // 10 - 1)]
    last = samples[-1]
    per = (last[1] - warm[1]) / max(1, last[0] - warm[0])
    return (f"RSS {warm[1]:.0f} MB after {warm[0]:,} -> {last[1]:.0f} MB after {last[0]:,}: "
            f"{100 * (last[1] - warm[1]) / warm[1]:+.1f} % ({per * 1024:+.2f} KB each)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kompass-bench")
    parser.add_argument("--code", type=Path, default=bq.ROOT)
    parser.add_argument("--_phase", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._phase:
        phase, home = args._phase
        figures = (ingest_phase(Path(home), args.reports, args.cache) if phase == "ingest"
                   else query_phase(Path(home), args.queries, args.cache))
        print(json.dumps(figures))
        return 0

    code = args.code.resolve()
    version = bq.code_version(code)
    env = os.environ | {"PYTHONPATH": str(code)}
    args.cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(bq.ROOT / 'bench')!r}); "
                    f"import bench_query as b; from pathlib import Path; b.base_material(Path({str(args.cache)!r}))"],
                   env=env, check=True)
    print(f"# bench_leaks: code {version}")
    home = args.cache / f"leak-{version}"
    subprocess.run(["rm", "-rf", str(home)], check=True)
    ingest = json.loads(subprocess.run(
        [sys.executable, __file__, "--reports", str(args.reports), "--cache", str(args.cache),
         "--_phase", "ingest", str(home)], env=env, capture_output=True, text=True, check=True)
        .stdout.splitlines()[-1])
    print(f"ingest of {args.reports:,} reports ({ingest['ingest_s']:.0f} s): {growth(ingest['samples'])}")
    if "rss_after_sync_mb" in ingest:
        print(f"  after syncing the vector copy {ingest['rss_after_sync_mb']:.0f} MB, "
              f"after close {ingest['rss_after_close_mb']:.0f} MB")
    print("  samples (reports, MB): " + ", ".join(f"{n}: {m:.0f}" for n, m in ingest["samples"]))

    small = args.cache / f"{version}-10000"  # bench_query's 10k index (built there if missing)
    if not (small / "built.json").exists():
        subprocess.run([sys.executable, str(bq.ROOT / "bench" / "bench_query.py"), "--sizes", "10000",
                        "--queries", "20", "--no-one-shot", "--code", str(code), "--cache", str(args.cache)],
                       env=env, check=True, capture_output=True)
    query = json.loads(subprocess.run(
        [sys.executable, __file__, "--queries", str(args.queries), "--cache", str(args.cache),
         "--_phase", "query", str(small)], env=env, capture_output=True, text=True, check=True)
        .stdout.splitlines()[-1])
    print(f"{args.queries:,} hybrid queries on 10,000 passages ({query['query_s']:.0f} s, every tenth "
          f"with an area filter): {growth(query['samples'])}")
    print("  samples (queries, MB): " + ", ".join(f"{n}: {m:.0f}" for n, m in query["samples"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
