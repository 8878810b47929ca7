"""A million passages (issue 11): the query path on SQLite and PostgreSQL, with the naive path
and exact search as baselines in the same run.

Run (from the repository root; `make bench-million` runs both stores):

    .venv/bin/python bench/bench_million.py --store sqlite              # 1,000,000 passages
    .venv/bin/python bench/bench_million.py --store postgres
    .venv/bin/python bench/bench_million.py --store postgres --size 300000

The index is bench_query.py's (same generator, same seeds, same 59 dev questions; see its
docstring): the sample report once, then derived "Provkommun NNNN" reports up to N passages,
written report by report through the store's own `replace_report`, so building streams: one
report's passages in memory at a time. SQLite: then the search copy, as an ingest run ends.
PostgreSQL (pgserver's PostgreSQL 16 + pgvector, data in the cache folder's pgdata): the HNSW
indexes of the product's schema are dropped before the load and built after it with the
schema's own statements (`pg_indexes.indexdef`), each timed, with maintenance_work_mem 10GB
(BENCH_PG_MAINTENANCE_WORK_MEM) and one parallel worker: maintaining an HNSW graph row by row
while 4 million sentence vectors arrive would take hours. The postings (schema 2) are written
by `replace_report` as in an ingest, their btree kept up to date.

Measured in one process per store (built indexes are cached in --cache, $TMPDIR/kompass-bench/million):
- hybrid / lexical / dense / hybrid with an area filter: `Kompass.search`, top 10, query
  embedding excluded (the dev questions' vectors, embedded once), p50 / p95, with a per-stage
  profile of the hybrid queries (exclusive time per instrumented function);
- exact search: float32 numpy over every passage and sentence vector, scored as the product
  scores them (best sentence and passage, half each); the reference for dense recall@10;
- the naive path: that exact dense search, BM25 over the stored terms from numpy postings, and
  reciprocal rank fusion;
- RSS of the measuring process (anonymous and file-backed apart: the SQLite search copy is
  memory-mapped), PostgreSQL's server processes from /proc, disk, build time.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import os
import pkgutil
import shutil
import statistics
import subprocess
import sys
import time
from array import array
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_query as bq  # (the generator, the stage profile, the query vectors)

ROOT = Path(__file__).resolve().parent.parent
K = 50  # candidates per side, as Kompass asks (config.candidates)


# -- memory ----------------------------------------------------------------------------
def proc_status(pid: str | int = "self") -> dict[str, float]:
    """VmRSS, RssAnon, RssFile, RssShmem and VmHWM of a process, in MB."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("Name", "PPid"):
                    out[key] = value.strip()
                elif key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                    out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


POSTMASTER: list[str] = []  # the bench's server's postmaster pid (other servers may run too)


def server_rss() -> dict[str, float]:
    """The bench's PostgreSQL server (its postmaster and that one's children): the sum of their
    RSS (shared buffers counted in each process that touched them), and a sum that counts
    shared memory once (anonymous + file + the largest shared)."""
    rows = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            status = proc_status(entry)
            if entry in POSTMASTER or status.get("PPid") in POSTMASTER:
                rows.append(status)
    return {"processes": len(rows), "sum_rss_mb": sum(r.get("VmRSS", 0) for r in rows),
            "shared_once_mb": sum(r.get("RssAnon", 0) + r.get("RssFile", 0) for r in rows)
            + max((r.get("RssShmem", 0) for r in rows), default=0)}


SECONDS = 150.0  # each timed loop stops after this long (with at least MIN_QUERIES done)
MIN_QUERIES = 20


def timed(fn, items, seconds: float | None = None) -> tuple[list[float], list]:
    """Milliseconds per call of fn over items; with `seconds`, stop once that much time has
    passed and MIN_QUERIES calls are done."""
    times, results = [], []
    deadline = time.perf_counter() + seconds if seconds else None
    for item in items:
        if deadline and len(times) >= MIN_QUERIES and time.perf_counter() > deadline:
            break
        started = time.perf_counter()
        results.append(fn(item))
        times.append((time.perf_counter() - started) * 1000)
    return times, results


def p50_95(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), bq.pct(times, 0.95)


# -- baselines -------------------------------------------------------------------------
class ExactDense:
    """The product's dense scoring (best sentence and passage, half each) done exactly in
    float32 numpy over every stored vector: the reference for recall@10, and the naive path's
    dense side. Arrays are filled in place while the store streams them (no second copy)."""

    def __init__(self, pids: np.ndarray, pm: np.ndarray, owners: np.ndarray, sm: np.ndarray):
        self.pids, self.pm, self.owners, self.sm = pids, pm, owners, sm
        order = np.argsort(pids)
        self.sorted_pids, self.sorted_rows = pids[order], order

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        return self.sorted_rows[np.searchsorted(self.sorted_pids, ids)]

    def search(self, v: np.ndarray, k: int = K, allowed: np.ndarray | None = None) -> list[int]:
        """Top k passages; `allowed` (passage ids): only those (a filter, searched exactly)."""
        v = np.asarray(v, dtype=np.float32)
        ps, ss = self.pm @ v, self.sm @ v
        if allowed is not None:
            ps[~np.isin(self.pids, allowed)] = -np.inf
            ss[~np.isin(self.owners, allowed)] = -np.inf
        top_p = np.argpartition(-ps, k)[:k]
        top_s = np.argpartition(-ss, 4 * k)[:4 * k]
        best: dict[int, float] = {}
        for i in top_s[np.isfinite(ss[top_s])]:
            pid = int(self.owners[i])
            best[pid] = max(best.get(pid, -1.0), float(ss[i]))
        own = {int(self.pids[i]): float(ps[i]) for i in top_p[np.isfinite(ps[top_p])]}
        missing = [p for p in best if p not in own]
        if missing:
            own.update(zip(missing, ps[self.rows_of(np.array(missing))].tolist()))
        scored = {p: 0.5 * best.get(p, s) + 0.5 * s for p, s in own.items()}
        return [p for p, _ in sorted(scored.items(), key=lambda x: (-x[1], x[0]))[:k]]


def sqlite_vectors(store) -> ExactDense:
    """Every vector of a SQLite index, streamed into preallocated float32 arrays."""
    db = store.db
    passages, sentences = bq.vector_tables(db)
    n = db.execute(f"SELECT count(*) FROM {passages}").fetchone()[0]
    pids, pm = np.empty(n, np.int64), np.empty((n, store.dim), np.float32)
    i = 0
    for i, (pid, blob) in enumerate(db.execute(f"SELECT passage_id, embedding FROM {passages}")):
        pids[i], pm[i] = pid, np.frombuffer(blob, np.float32)
    pids, pm = pids[:i + 1], pm[:i + 1]
    sids = np.fromiter((r[0] for r in db.execute("SELECT id FROM sentences WHERE content_hash IS NOT NULL "
                                                 "ORDER BY id")), np.int64)
    owner_of = np.fromiter((r[0] for r in db.execute("SELECT passage_id FROM sentences WHERE content_hash "
                                                     "IS NOT NULL ORDER BY id")), np.int64)
    found, sm = np.empty(len(sids), np.int64), np.empty((len(sids), store.dim), np.float32)
    j = -1
    for j, (sid, blob) in enumerate(db.execute(f"SELECT sentence_id, embedding FROM {sentences}")):
        found[j], sm[j] = sid, np.frombuffer(blob, np.float32)
    owners = owner_of[np.searchsorted(sids, found[:j + 1])]
    return ExactDense(pids, pm, owners, sm[:j + 1])


class NaiveLexical:
    """BM25 (FTS5's formula, k1 1.2, b 0.75) over the stored terms of every passage, from numpy
    postings built in one streaming pass over `indexed_terms()`."""

    def __init__(self, store):
        vocab: dict[str, int] = {}
        tids, rows, tfs, lengths, pids = array("i"), array("i"), array("H"), array("f"), array("q")
        for row, (pid, text) in enumerate(store.indexed_terms()):
            words = text.split()
            pids.append(int(pid))
            lengths.append(len(words))
            for word, count in Counter(words).items():
                tid = vocab.get(word)
                if tid is None:
                    tid = vocab[word] = len(vocab)
                tids.append(tid)
                rows.append(row)
                tfs.append(min(count, 65535))
        self.vocab = vocab
        self.pids = np.frombuffer(pids, np.int64)
        self.lengths = np.frombuffer(lengths, np.float32)
        tid_array = np.frombuffer(tids, np.int32)
        order = np.argsort(tid_array, kind="stable")
        self.rows = np.frombuffer(rows, np.int32)[order]
        self.tfs = np.frombuffer(tfs, np.uint16)[order].astype(np.float32)
        self.starts = np.concatenate([[0], np.cumsum(np.bincount(tid_array, minlength=len(vocab)))])
        self.n, self.avg = len(self.pids), float(self.lengths.mean())
        self.postings = len(self.rows)

    def search(self, query: str, k: int = K) -> list[int]:
        from index.lexical import terms
        scores = np.zeros(self.n, dtype=np.float32)
        for t in set(terms(query)):
            tid = self.vocab.get(t)
            if tid is None:
                continue
            rows = self.rows[self.starts[tid]:self.starts[tid + 1]]
            tf = self.tfs[self.starts[tid]:self.starts[tid + 1]]
            idf = math.log(1 + (self.n - len(rows) + 0.5) / (len(rows) + 0.5))
            scores[rows] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * self.lengths[rows] / self.avg))
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        return [int(self.pids[r]) for r in top[scores[top] > 0]]


def naive_search(lexical: NaiveLexical, exact: ExactDense, query: str, vector: np.ndarray) -> list[int]:
    fused: dict[int, float] = defaultdict(float)
    for ranking in (lexical.search(query), exact.search(vector)):
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] += 1 / (20 + rank)
    return [pid for pid, _ in sorted(fused.items(), key=lambda x: -x[1])[:10]]


# -- the stage profile -----------------------------------------------------------------
def instrument(stages: bq.Stages) -> None:
    """bench_query's instrumented functions, plus the lexical retriever and every class of the
    PostgreSQL package (whatever its modules are called)."""
    stages.instrument()
    owners = [("assistant.retrieval", "LexicalRetriever")]
    try:
        package = importlib.import_module("index.postgres")
        modules = [package] + [importlib.import_module(f"index.postgres.{m.name}")
                               for m in pkgutil.iter_modules(package.__path__)]
        for module in modules:
            for name, value in vars(module).items():
                if isinstance(value, type) and value.__module__ == module.__name__:
                    owners.append((module.__name__, name))
    except ImportError:
        pass
    for module, owner in owners:
        cls = getattr(importlib.import_module(module), owner, None)
        if cls is None or dataclasses.is_dataclass(cls):
            continue
        for attr, fn in list(vars(cls).items()):
            if (callable(fn) and not attr.startswith("__") and not hasattr(fn, "__wrapped__")
                    and not isinstance(fn, (staticmethod, classmethod, type))):
                setattr(cls, attr, stages.wrap(f"{owner}.{attr}", fn))


# -- measuring -------------------------------------------------------------------------
def measure(config, cache: Path, queries_n: int, naive_n: int, store_kind: str) -> dict:
    from assistant.kompass import Kompass

    stages = bq.Stages()
    instrument(stages)
    base = np.load(cache / "base.npz", allow_pickle=True)
    queries = [str(q) for q in base["queries"]]
    embedder = bq.QueryVectors(cache)
    out: dict = {"rss_start": proc_status()}

    started = time.perf_counter()
    kompass = Kompass(config, embedder=embedder)
    kompass.search(queries[0], top=10)
    out["first_query_s"] = time.perf_counter() - started
    out["passages"] = kompass.store.passage_count()
    for q in queries[:5]:
        kompass.search(q, top=10)

    order = [queries[i % len(queries)] for i in range(queries_n)]
    for mode in ("hybrid", "lexical", "dense"):
        stages.active = mode == "hybrid"
        times, _ = timed(lambda q, mode=mode: kompass.search(q, top=10, mode=mode), order, SECONDS)
        stages.active = False
        out[mode] = p50_95(times)
        out[mode + "_n"] = len(times)
    n_hybrid = out["hybrid_n"]
    out["stages_ms"] = {k: v * 1000 / n_hybrid for k, v in
                        sorted(stages.total.items(), key=lambda kv: -kv[1]) if v * 1000 / n_hybrid >= 0.05}
    out["hybrid_total_ms"] = sum(out["stages_ms"].values())
    out["rss_warm"] = proc_status()
    if store_kind == "postgres":
        out["server_warm"] = server_rss()

    area = kompass.filters(area=3)
    stages.total.clear()
    stages.active = True
    times, _ = timed(lambda q: kompass.search(q, top=10, filters=area), order[:max(20, queries_n // 4)], SECONDS)
    stages.active = False
    out["hybrid_area_filter"] = p50_95(times)
    n_area = out["hybrid_area_filter_n"] = len(times)
    out["stages_area_ms"] = {k: v * 1000 / n_area for k, v in
                             sorted(stages.total.items(), key=lambda kv: -kv[1]) if v * 1000 / n_area >= 0.05}
    out["rss_after_filtered"] = proc_status()
    if store_kind == "postgres":
        out["server_after_filtered"] = server_rss()

    # the product's dense top 10, then the baselines (their arrays are this process's memory
    # from here on: RSS figures above are the product's alone)
    product_dense = [[pid for pid, _ in kompass.dense.search(v, kompass.filters(), K)[:10]]
                     for v in base["qvec"]]
    started = time.perf_counter()
    if store_kind == "sqlite":
        exact = sqlite_vectors(kompass.store)
    else:
        exact = postgres_vectors(kompass.store)
    out["exact_load_s"] = time.perf_counter() - started
    out["exact_vectors"] = (len(exact.pids), len(exact.owners))
    times, exact_top = timed(lambda v: exact.search(v)[:10], list(base["qvec"]))
    out["exact_dense"] = p50_95(times)
    out["exact_dense_n"] = len(times)
    out["dense_recall@10"] = float(np.mean([len(set(a) & set(b)) / 10
                                            for a, b in zip(exact_top, product_dense)]))
    if store_kind == "postgres":  # recall with pgvector's largest ef_search, what it costs
        from index.postgres import search as pg_search
        default, pg_search.EF_SEARCH_MIN = pg_search.EF_SEARCH_MIN, pg_search.EF_SEARCH_MAX
        times, ef_top = timed(lambda v: [pid for pid, _ in kompass.dense.search(v, kompass.filters(), K)[:10]],
                              list(base["qvec"]))
        pg_search.EF_SEARCH_MIN = default
        out["dense_ef_max"] = p50_95(times)
        out["dense_recall@10_ef_max"] = float(np.mean([len(set(a) & set(b)) / 10
                                                       for a, b in zip(exact_top, ef_top)]))
    # the same with the area filter: the product's filtered dense top 10 against exact search
    # over the passages the filter allows
    allowed = kompass.store.filtered_ids(area)
    filtered_exact = [exact.search(v, allowed=allowed)[:10] for v in base["qvec"]]
    filtered_product = [[pid for pid, _ in kompass.dense.search(v, area, K)[:10]] for v in base["qvec"]]
    out["area_allowed"] = len(allowed)
    out["dense_recall@10_area"] = float(np.mean([len(set(a) & set(b)) / max(1, len(a))
                                                 for a, b in zip(filtered_exact, filtered_product)]))
    started = time.perf_counter()
    lexical = NaiveLexical(kompass.store)
    out["naive_lexical_build_s"] = time.perf_counter() - started
    out["naive_postings"] = lexical.postings
    naive_order = order[:naive_n]
    times, _ = timed(lambda q: lexical.search(q), naive_order, SECONDS)
    out["naive_lexical"] = p50_95(times)
    out["naive_lexical_n"] = len(times)
    times, _ = timed(lambda q: naive_search(lexical, exact, q, embedder.vectors[q]), naive_order, SECONDS)
    out["naive"] = p50_95(times)
    out["naive_n"] = len(times)
    out["rss_with_baselines"] = proc_status()
    kompass.close()
    return out


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def code_version(code: Path) -> str:
    version = bq.code_version(code)
    return code.name if version == "unknown" else version


# -- SQLite ----------------------------------------------------------------------------
def sqlite_one(db_dir: Path, size: int, cache: Path, queries: int, naive: int, fresh: bool) -> dict:
    built = db_dir / "built.json"
    if fresh or not built.exists():
        shutil.rmtree(db_dir, ignore_errors=True)
        figures = bq.build(db_dir, size, cache)
        figures["build_peak_mb"] = bq.peak_mb()
        built.write_text(json.dumps(figures))
        return figures
    from assistant.config import Config
    figures = json.loads(built.read_text())
    figures["disk_mb"] = disk_mb(db_dir)
    figures["copy_mb"] = disk_mb(db_dir / "kompass.search") if (db_dir / "kompass.search").exists() else 0
    os.environ.pop("KOMPASS_STORE", None)
    return figures | measure(Config.from_env(home=db_dir), cache, queries, naive, "sqlite")


# -- PostgreSQL ------------------------------------------------------------------------
PG_BUILT_AFTER = ("passage_vectors_hnsw", "sentence_vectors_hnsw", "passages_lexemes")  # (the GIN: schema 1)


def pg_server(cache: Path) -> str:
    """pgserver's bundled PostgreSQL 16 + pgvector, its data kept in cache/pgdata for reuse; the
    server's URI (a Unix socket)."""
    import tempfile
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="kompass-bench-run-")
    import pgserver
    uri = pgserver.get_server(cache / "pgdata", cleanup_mode=None).get_uri()
    POSTMASTER[:] = [(cache / "pgdata" / "postmaster.pid").read_text().split()[0]]
    return uri


def pg_database(server_url: str, name: str, fresh: bool) -> str:
    import psycopg
    with psycopg.connect(server_url, autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            db.execute(f'DROP DATABASE "{name}"')
        if fresh or not exists:
            db.execute(f'CREATE DATABASE "{name}"')
    before, _, after = server_url.partition("?")
    return f"{before.rsplit('/', 1)[0]}/{name}" + (f"?{after}" if after else "")


def pg_load(url: str, size: int, cache: Path, db_dir: Path) -> dict:
    """The derived reports through the store's own `replace_report` (its COPY of passages,
    sentences, vectors and postings, its vocabulary upsert), with the HNSW indexes of the
    product's schema dropped first and built afterwards with the schema's own statements
    (pg_indexes.indexdef), each timed. Waits for db_dir/go-index, when --pg-wait-index made
    it expected, before building them (to keep the build away from another measurement)."""
    import psycopg

    from index.postgres import PostgresStore
    store = PostgresStore(url, bq.QueryVectors.name, bq.QueryVectors.dim)
    figures: dict = {}
    with psycopg.connect(url, autocommit=True) as db:
        definitions = dict(db.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'kompass' "
                                      "AND indexname = ANY(%s)", (list(PG_BUILT_AFTER),)).fetchall())
        for name in definitions:
            db.execute(f"DROP INDEX kompass.{name}")
    started = time.perf_counter()
    written = 0
    for number, (report, records, source) in enumerate(bq.derived_reports(size, cache)):
        store.replace_report(report, records, source)
        written += len(records)
        if number % 200 == 0 and number:
            print(f"    {written:,} passages ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    figures["load_s"] = time.perf_counter() - started
    figures["reports"] = number + 1
    store.close()
    wait = db_dir / "wait-index"
    while wait.exists() and not (db_dir / "go-index").exists():
        time.sleep(5)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"SET maintenance_work_mem = '{PG_MAINTENANCE_WORK_MEM}'")
        db.execute("SET max_parallel_maintenance_workers = 1")  # the leader and one worker: 2 cores
        for name, definition in definitions.items():
            started = time.perf_counter()
            db.execute(definition)
            figures[f"index_s:{name}"] = time.perf_counter() - started
            print(f"    {name}: {figures[f'index_s:{name}']:.0f} s", file=sys.stderr, flush=True)
        started = time.perf_counter()
        db.execute("VACUUM ANALYZE")
        figures["vacuum_analyze_s"] = time.perf_counter() - started
    figures["definitions"] = definitions
    return figures


PG_MAINTENANCE_WORK_MEM = os.environ.get("BENCH_PG_MAINTENANCE_WORK_MEM", "10GB")


def pg_sizes(url: str) -> dict:
    import psycopg
    with psycopg.connect(url, autocommit=True) as db:
        tables = db.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
            "pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'kompass' AND c.relkind = 'r' ORDER BY 2 DESC").fetchall()
        indexes = db.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON "
            "n.oid = c.relnamespace WHERE n.nspname = 'kompass' AND c.relkind = 'i' ORDER BY 2 DESC").fetchall()
        database = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        settings = dict(db.execute("SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                                   "('shared_buffers', 'work_mem', 'effective_cache_size', "
                                   "'max_parallel_workers_per_gather', 'jit')").fetchall())
    return {"tables_mb": {t: (total / 1e6, heap / 1e6, idx / 1e6) for t, total, heap, idx in tables},
            "indexes_mb": {i: n / 1e6 for i, n in indexes}, "database_mb": database / 1e6,
            "settings": settings}


def postgres_vectors(store) -> ExactDense:
    """Every vector of a PostgreSQL index through the store's own streaming scan."""
    return ExactDense(*store.all_vectors())


def postgres_one(db_dir: Path, size: int, cache: Path, queries: int, naive: int, fresh: bool,
                 wait_index: bool) -> dict:
    db_dir.mkdir(parents=True, exist_ok=True)
    url = pg_database(pg_server(cache), f"kompass_{size}", fresh)
    loaded = db_dir / "loaded.json"
    if fresh or not loaded.exists():
        if wait_index:
            (db_dir / "wait-index").touch()
        figures = pg_load(url, size, cache, db_dir)
        loaded.write_text(json.dumps(figures))
        return figures
    from assistant.config import Config
    figures = json.loads(loaded.read_text()) | pg_sizes(url)
    figures["server_idle"] = server_rss()
    config = dataclasses.replace(Config.from_env(home=db_dir), store=url)
    return figures | measure(config, cache, queries, naive, "postgres")


# -- the tables ------------------------------------------------------------------------
def report(store: str, f: dict) -> None:
    print(f"\n## {store}: {f['passages']:,} passages ({f.get('reports', '?')} reports) — code {f['code']}")
    if store == "sqlite":
        print(f"build {f['build_s']:.0f} s through replace_report, then the search copy "
              f"{f.get('vector_index_s', float('nan')):.0f} s; build peak RSS {f.get('build_peak_mb', float('nan')):.0f} MB; "
              f"on disk {f['disk_mb']:.0f} MB (search copy {f['copy_mb']:.0f} MB)")
    else:
        for line in f.get("build_lines", []):
            print(line)
    print("| path | p50 ms | p95 ms | queries |\n|---|---|---|---|")
    for key, label in (("hybrid", "hybrid"), ("lexical", "lexical"), ("dense", "dense"),
                       ("hybrid_area_filter", "hybrid, area filter"),
                       ("exact_dense", "exact dense (numpy float32, every vector)"),
                       ("naive_lexical", "naive BM25 (numpy postings)"),
                       ("naive", "naive path (exact dense + naive BM25 + RRF)")):
        if key in f:
            print(f"| {label} | {f[key][0]:.1f} | {f[key][1]:.1f} | {f.get(key + '_n', '')} |")
    print(f"naive / hybrid at p50: {f['naive'][0] / f['hybrid'][0]:.1f}x; "
          f"dense recall@10 against exact search: {f['dense_recall@10']:.3f}"
          + (f"; with the area filter ({f['area_allowed']:,} passages allowed): "
             f"{f['dense_recall@10_area']:.3f}" if "dense_recall@10_area" in f else ""))
    if "dense_ef_max" in f:
        print(f"dense at ef_search 1000 (pgvector's largest): p50 {f['dense_ef_max'][0]:.1f} ms, "
              f"p95 {f['dense_ef_max'][1]:.1f} ms, recall@10 {f['dense_recall@10_ef_max']:.3f}")
    print(f"first hybrid query after opening: {f['first_query_s']:.2f} s")
    if "one_shot_s" in f:
        print(f"one-shot `kompass search` (new process, real model): {f['one_shot_s']:.2f} s, "
              f"peak RSS {f['one_shot_peak_mb']:.0f} MB" + ("" if f["one_shot_ok"] else " (FAILED)"))
    for key, label in (("rss_warm", "after the unfiltered loops"),
                       ("rss_after_filtered", "after the area-filtered loop"),
                       ("rss_with_baselines", "with the baselines' arrays")):
        r = f[key]
        print(f"client RSS {label}: {r['VmRSS']:.0f} MB (anonymous {r['RssAnon']:.0f}, "
              f"file-backed {r['RssFile']:.0f}), peak so far {r['VmHWM']:.0f} MB")
    for key in ("server_warm", "server_after_filtered"):
        if key in f:
            s = f[key]
            print(f"server RSS ({key}): {s['processes']} processes, sum {s['sum_rss_mb']:.0f} MB, "
                  f"shared memory counted once {s['shared_once_mb']:.0f} MB")
    print(f"baselines: {f['exact_vectors'][0]:,} passage and {f['exact_vectors'][1]:,} sentence vectors "
          f"read in {f['exact_load_s']:.0f} s; naive postings {f['naive_postings']:,} built in "
          f"{f['naive_lexical_build_s']:.0f} s")
    for key, label in (("stages_ms", "hybrid"), ("stages_area_ms", "hybrid, area filter")):
        print(f"per-stage, {label}, ms per query (exclusive"
              + (f"; sum {f['hybrid_total_ms']:.1f}" if key == "stages_ms" else "") + "):")
        for name, ms in list(f[key].items())[:14]:
            print(f"  {ms:8.2f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="timed queries per mode")
    parser.add_argument("--naive-queries", type=int, default=59, help="timed naive-path queries")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("TMPDIR") or "/tmp") / "kompass-bench" / "million")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code is measured")
    parser.add_argument("--fresh", action="store_true", help="build again")
    parser.add_argument("--no-one-shot", action="store_true")
    parser.add_argument("--pg-wait-index", action="store_true",
                        help="PostgreSQL: after loading, wait for the file go-index in the index's folder "
                             "before building the HNSW indexes")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--_one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    code = args.code.resolve()
    version = code_version(code)
    db_dir = args.cache / (f"{version}-{args.size}" + ("" if args.store == "sqlite" else "-pg"))
    if args._one:  # child: build or measure, in its own process
        if args.store == "sqlite":
            figures = sqlite_one(db_dir, args.size, args.cache, args.queries, args.naive_queries, args.fresh)
        else:
            figures = postgres_one(db_dir, args.size, args.cache, args.queries, args.naive_queries,
                                   args.fresh, args.pg_wait_index)
        print(json.dumps(figures))
        return 0

    args.cache.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "KOMPASS_STORE"}
    env |= {"PYTHONPATH": str(code), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    subprocess.run([sys.executable, "-c", (f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                    f"import bench_query as b; from pathlib import Path; c = Path({str(args.cache)!r}); "
                    "b.base_material(c); b.dense_query_vectors(c)")],
                   env=env, check=True)
    print(f"# bench_million: {args.store}, code {version} ({code}), {os.cpu_count()} cores")
    print("# " + bq.__doc__.split("How an index")[1].split("Each size")[0].strip().replace("\n", "\n# "))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_one", "--store", args.store,
           "--size", str(args.size), "--queries", str(args.queries), "--naive-queries",
           str(args.naive_queries), "--cache", str(args.cache), "--code", str(code)]
    if args.pg_wait_index:
        cmd.append("--pg-wait-index")
    marker = db_dir / ("built.json" if args.store == "sqlite" else "loaded.json")
    if (args.fresh or not marker.exists()) and subprocess.run([*cmd, "--fresh"], env=env, check=False).returncode:
        return 1
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    figures = json.loads(proc.stdout.strip().splitlines()[-1]) | {"code": version}
    if args.store == "sqlite" and not args.no_one_shot:
        figures |= bq.one_shot(db_dir, env, code)
    report(args.store, figures)
    (args.json or args.cache / f"results-{args.store}-{args.size}.json").write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
