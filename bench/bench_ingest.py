"""Ingest and query timings on the bundled sample report (not part of the test run).

Run from the repository root:  .venv/bin/python bench/bench_ingest.py [--repeat 3]

Prints medians over `--repeat` fresh indexes (each in its own temporary KOMPASS_HOME) for:
parse, chunk, full ingest (embedding included), re-ingest of the unchanged file; and per-query
latency over the evaluation set's questions for lexical, dense and hybrid search and `ask`,
with hybrid's cost as a ratio to the lexical baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant.config import Config
from assistant.evaluate import load_questions
from assistant.kompass import BUNDLED_CORPUS, Kompass
from corpus.chunker import chunk_report
from corpus.parser import parse_report
from corpus.readers import read_document

SAMPLE = BUNDLED_CORPUS / "enkoping_2016.txt"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    parse_s = [timed(lambda: parse_report(read_document(SAMPLE)))[0] for _ in range(20)]
    report = parse_report(read_document(SAMPLE))
    chunk_s = [timed(lambda: chunk_report(report))[0] for _ in range(20)]
    passages = chunk_report(report)
    units = sum(len(p.sentence_texts_for_index) for p in passages)

    ingest_s, reingest_s = [], []
    latencies: dict[str, list[float]] = {"lexical": [], "dense": [], "hybrid": [], "ask": []}
    questions = [q.query for q in load_questions()]
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as home:
            kompass = Kompass(Config.from_env(home=Path(home)))
            kompass.embedder.embed_query("uppvärmning")  # model load is not ingest
            ingest_s.append(timed(kompass.ingest)[0])
            reingest_s.append(timed(kompass.ingest)[0])
            for query in questions:
                for mode in ("lexical", "dense", "hybrid"):
                    latencies[mode].append(timed(lambda q=query, m=mode, k=kompass: k.search(q, mode=m))[0])
                latencies["ask"].append(timed(lambda q=query, k=kompass: k.ask(q))[0])
            kompass.close()

    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    pages = report.page_count or 1
    print(f"sample: {SAMPLE.name}, {pages} pages, {len(passages)} passages + {units} sentence units")
    print(f"{'step':<28}{'median':>12}")
    print(f"{'parse':<28}{ms(parse_s):>9.1f} ms   ({pages / statistics.median(parse_s):,.0f} pages/s)")
    print(f"{'chunk':<28}{ms(chunk_s):>9.1f} ms")
    print(f"{'ingest (embedding incl.)':<28}{statistics.median(ingest_s):>10.1f} s   "
          f"({(len(passages) + units) / statistics.median(ingest_s):.1f} texts/s, n={args.repeat})")
    print(f"{'re-ingest unchanged':<28}{ms(reingest_s):>9.1f} ms")
    base = ms(latencies["lexical"])
    for mode, values in latencies.items():
        print(f"{'query ' + mode:<28}{ms(values):>9.1f} ms   "
              f"(p90 {statistics.quantiles(values, n=10)[-1] * 1000:.1f} ms, x{ms(values) / base:.1f} lexical, "
              f"n={len(values)})")


if __name__ == "__main__":
    main()
