"""Benchmark dense (vector) search: sqlite-vec vec0 KNN vs in-memory FAISS.

Question answered: above how many passages should the search tool stop using a
sqlite-vec ``vec0`` KNN query and instead build an in-memory FAISS index (once
per process, from the vectors stored in the SQLite file)?

Run (from the repository root)::

    .venv/bin/python bench/bench_dense.py                  # N = 500 .. 200,000
    .venv/bin/python bench/bench_dense.py --quick          # N = 500, 2,000, 10,000
    .venv/bin/python bench/bench_dense.py --sizes 1000 5000 --threads 1

Data: 384-dim float32 vectors, L2-normalised.  Each vector is one of 200
Gaussian cluster centres plus Gaussian noise (fixed seed), so that the data has
realistic neighbourhood structure for HNSW.  50 query vectors are drawn the
same way.  Each passage also gets a random ``area`` in 1..8.

For every N it measures (single-query latency, 50 queries, median and p90 ms,
after one untimed warm-up query; the SQLite file is written to a temporary
directory, so the OS page cache is warm, as it is for a tool that queries a
recently used index):

1. sqlite-vec: ``vec0(passage_id integer primary key, embedding float[384]
   distance_metric=cosine, area integer)``, queried with
   ``... where embedding match ? and k = 10`` and, separately, with the extra
   metadata filter ``and area = 3``.  Also the one-off insert time.
2. FAISS ``IndexFlatIP`` (exact).  Its load cost is the one-off cost a process
   pays: ``SELECT`` every embedding from the SQLite file on a fresh
   connection, ``np.frombuffer``, and ``index.add``.
3. FAISS ``IndexHNSWFlat(384, 32, METRIC_INNER_PRODUCT)``, efConstruction 64,
   queried with efSearch 64 and 128: build time (on top of the same SELECT
   cost), query latency, and recall@10 against exact brute force (numpy
   dot products + argsort).

Recall@10 is also reported for sqlite-vec as a sanity check (it is exact).
"break-even" is the number of queries a process must serve before
``load cost / (sqlite-vec median - FAISS median)`` is paid back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import faiss  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
import sqlite_vec  # type: ignore[import-untyped]

try:
    import pysqlite3.dbapi2 as sqlite3  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    import sqlite3

    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        sys.exit("need pysqlite3-binary or a sqlite3 built with extension loading")

DIM = 384
K = 10
N_CLUSTERS = 200
N_AREAS = 8
FILTER_AREA = 3
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = (64, 128)
DEFAULT_SIZES = (500, 2_000, 10_000, 50_000, 200_000)
QUICK_SIZES = (500, 2_000, 10_000)

F32Array = npt.NDArray[np.float32]
I64Array = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- data


def make_vectors(
    rng: np.random.Generator, centres: F32Array, n: int, noise: float
) -> F32Array:
    """Draw ``n`` L2-normalised vectors: random cluster centre + Gaussian noise."""
    labels = rng.integers(0, len(centres), size=n)
    x = centres[labels] + noise * rng.standard_normal((n, DIM), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32, copy=False)


def exact_topk(base: F32Array, queries: F32Array, k: int) -> I64Array:
    """Row indices of the exact top-k by inner product (brute force, numpy)."""
    scores = queries @ base.T
    kk = min(k, base.shape[0])
    part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64)


def recall_at_k(found: Sequence[Sequence[int]], truth: I64Array) -> float:
    """Mean |found ∩ truth| / |truth| over the queries."""
    hits = sum(len(set(f) & set(t.tolist())) for f, t in zip(found, truth))
    return hits / truth.size


# ------------------------------------------------------------------------ timing


@dataclass
class Latency:
    """Per-query latencies (seconds) of one method."""

    samples: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1e3

    @property
    def p90_ms(self) -> float:
        return float(np.percentile(self.samples, 90)) * 1e3


def time_queries(
    queries: F32Array, run: Callable[[F32Array], list[int]]
) -> tuple[Latency, list[list[int]]]:
    """Run one untimed warm-up query, then time each query individually."""
    run(queries[0])
    lat = Latency()
    results: list[list[int]] = []
    for q in queries:
        t0 = time.perf_counter()
        ids = run(q)
        lat.samples.append(time.perf_counter() - t0)
        results.append(ids)
    return lat, results


# ------------------------------------------------------------------------ sqlite


def connect(path: str) -> Any:
    db = sqlite3.connect(path)
    db.enable_load_extension(True)
    sqlite_vec.load(db)
    db.enable_load_extension(False)
    return db


def build_sqlite(path: str, vectors: F32Array, areas: I64Array) -> float:
    """Create and fill the vec0 table in one transaction; return seconds taken."""
    db = connect(path)
    t0 = time.perf_counter()
    db.execute(
        f"create virtual table v using vec0("
        f"passage_id integer primary key, "
        f"embedding float[{DIM}] distance_metric=cosine, "
        f"area integer)"
    )

    def rows() -> Iterator[tuple[int, bytes, int]]:
        for i in range(vectors.shape[0]):
            yield i + 1, vectors[i].tobytes(), int(areas[i])

    with db:
        db.executemany(
            "insert into v(passage_id, embedding, area) values (?, ?, ?)", rows()
        )
    elapsed = time.perf_counter() - t0
    db.close()
    return elapsed


def load_from_sqlite(path: str) -> tuple[I64Array, F32Array, float]:
    """What a process pays once: SELECT all embeddings into a numpy matrix."""
    t0 = time.perf_counter()
    db = connect(path)
    rows = db.execute("select passage_id, embedding from v").fetchall()
    db.close()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
    mat = mat.reshape(len(rows), DIM)
    return ids, mat, time.perf_counter() - t0


# ------------------------------------------------------------------------ result


@dataclass
class SizeResult:
    n: int
    sqlite_insert_s: float = 0.0
    select_s: float = 0.0
    flat_add_s: float = 0.0
    hnsw_add_s: float = 0.0
    lat: dict[str, Latency] = field(default_factory=dict)
    recall: dict[str, float] = field(default_factory=dict)


METHODS = (
    "sqlite-vec",
    "sqlite-vec area=3",
    "faiss flat",
    "faiss hnsw ef64",
    "faiss hnsw ef128",
)


def bench_size(
    n: int,
    base: F32Array,
    areas: I64Array,
    queries: F32Array,
    workdir: str,
) -> SizeResult:
    res = SizeResult(n=n)
    vecs = np.ascontiguousarray(base[:n])
    area = areas[:n]
    truth = exact_topk(vecs, queries, K)  # row indices; passage_id = row + 1
    truth_ids = truth + 1

    # Filtered ground truth: exact top-k restricted to area == FILTER_AREA.
    mask = np.flatnonzero(area == FILTER_AREA)
    truth_filtered = mask[exact_topk(vecs[mask], queries, K)] + 1

    path = os.path.join(workdir, f"dense_{n}.sqlite")
    log(f"  N={n:,}: inserting into vec0 ...")
    res.sqlite_insert_s = build_sqlite(path, vecs, area)

    # 1. sqlite-vec KNN on a fresh connection.
    db = connect(path)
    knn = f"select passage_id, distance from v where embedding match ? and k = {K}"
    knn_f = knn + f" and area = {FILTER_AREA}"

    def sql_run(sql: str) -> Callable[[F32Array], list[int]]:
        def run(q: F32Array) -> list[int]:
            return [r[0] for r in db.execute(sql, (q.tobytes(),)).fetchall()]

        return run

    log(f"  N={n:,}: sqlite-vec queries ...")
    lat, found = time_queries(queries, sql_run(knn))
    res.lat["sqlite-vec"], res.recall["sqlite-vec"] = lat, recall_at_k(found, truth_ids)
    lat, found = time_queries(queries, sql_run(knn_f))
    res.lat["sqlite-vec area=3"] = lat
    res.recall["sqlite-vec area=3"] = recall_at_k(found, truth_filtered)
    db.close()

    # 2. FAISS flat, loaded from the SQLite file.
    log(f"  N={n:,}: loading vectors + faiss flat ...")
    ids, mat, res.select_s = load_from_sqlite(path)
    t0 = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(mat)
    res.flat_add_s = time.perf_counter() - t0

    def faiss_run(index: Any) -> Callable[[F32Array], list[int]]:
        def run(q: F32Array) -> list[int]:
            _, idx = index.search(q.reshape(1, DIM), K)
            return [int(ids[i]) for i in idx[0] if i >= 0]

        return run

    lat, found = time_queries(queries, faiss_run(flat))
    res.lat["faiss flat"], res.recall["faiss flat"] = lat, recall_at_k(found, truth_ids)
    del flat

    # 3. FAISS HNSW.
    log(f"  N={n:,}: faiss hnsw build ...")
    t0 = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(mat)
    res.hnsw_add_s = time.perf_counter() - t0
    for ef in HNSW_EF_SEARCH:
        hnsw.hnsw.efSearch = ef
        name = f"faiss hnsw ef{ef}"
        lat, found = time_queries(queries, faiss_run(hnsw))
        res.lat[name], res.recall[name] = lat, recall_at_k(found, truth_ids)
    del hnsw

    os.remove(path)
    return res


# ------------------------------------------------------------------------ output


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join(h.rjust(w) for h, w in zip(header, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def break_even(load_s: float, sqlite_ms: float, faiss_ms: float) -> str:
    """Queries needed before a one-off load cost is repaid by faster queries."""
    saving = sqlite_ms - faiss_ms
    if saving <= 0:
        return "never"
    return f"{load_s * 1e3 / saving:,.0f}"


def report(results: Sequence[SizeResult]) -> None:
    print("\nQuery latency per single query, ms (median / p90), k=10")
    rows = [
        [f"{r.n:,}"]
        + [f"{r.lat[m].median_ms:.3f} / {r.lat[m].p90_ms:.3f}" for m in METHODS]
        for r in results
    ]
    print(fmt_table(["N", *METHODS], rows))

    print("\nOne-off costs, seconds (load = SELECT all + frombuffer + index.add)")
    rows = [
        [
            f"{r.n:,}",
            f"{r.sqlite_insert_s:.3f}",
            f"{r.select_s:.3f}",
            f"{r.flat_add_s:.3f}",
            f"{r.select_s + r.flat_add_s:.3f}",
            f"{r.hnsw_add_s:.3f}",
            f"{r.select_s + r.hnsw_add_s:.3f}",
        ]
        for r in results
    ]
    print(
        fmt_table(
            [
                "N",
                "vec0 insert",
                "SELECT all",
                "flat add",
                "flat load",
                "hnsw add",
                "hnsw load",
            ],
            rows,
        )
    )

    print("\nRecall@10 vs exact brute force (area=3 vs exact filtered)")
    rows = [[f"{r.n:,}"] + [f"{r.recall[m]:.3f}" for m in METHODS] for r in results]
    print(fmt_table(["N", *METHODS], rows))

    print("\nBreak-even: queries per process before FAISS load cost is repaid")
    rows = []
    for r in results:
        sq = r.lat["sqlite-vec"].median_ms
        rows.append(
            [
                f"{r.n:,}",
                break_even(r.select_s + r.flat_add_s, sq, r.lat["faiss flat"].median_ms),
                break_even(
                    r.select_s + r.hnsw_add_s, sq, r.lat["faiss hnsw ef64"].median_ms
                ),
                break_even(
                    r.select_s + r.hnsw_add_s, sq, r.lat["faiss hnsw ef128"].median_ms
                ),
            ]
        )
    print(fmt_table(["N", "flat", "hnsw ef64", "hnsw ef128"], rows))


# -------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", help="corpus sizes N to test")
    p.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    p.add_argument("--queries", type=int, default=50, help="number of queries")
    p.add_argument("--threads", type=int, help="faiss.omp_set_num_threads(n)")
    p.add_argument("--noise", type=float, default=0.8, help="per-dim cluster noise")
    p.add_argument("--seed", type=int, default=1234)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sizes: list[int] = sorted(
        args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    )
    if args.threads:
        faiss.omp_set_num_threads(args.threads)

    db = connect(":memory:")
    (vec_version,) = db.execute("select vec_version()").fetchone()
    db.close()
    print(
        f"dim={DIM} k={K} queries={args.queries} clusters={N_CLUSTERS} "
        f"noise={args.noise} seed={args.seed}"
    )
    print(
        f"sqlite {sqlite3.sqlite_version}, sqlite-vec {vec_version}, "
        f"faiss {faiss.__version__} (omp_get_max_threads={faiss.omp_get_max_threads()}), "
        f"numpy {np.__version__}, cpus={os.cpu_count()}"
    )

    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((N_CLUSTERS, DIM), dtype=np.float32)
    base = make_vectors(rng, centres, max(sizes), args.noise)
    areas = rng.integers(1, N_AREAS + 1, size=max(sizes)).astype(np.int64)
    queries = make_vectors(rng, centres, args.queries, args.noise)

    results: list[SizeResult] = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_dense_") as workdir:
        for n in sizes:
            results.append(bench_size(n, base, areas, queries, workdir))
    report(results)
    print(f"\ntotal wall time {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
