"""Parse and ingest throughput per format (not part of the test run).

Run from the repository root:  .venv/bin/python bench/bench_parse.py [--copies 20] [--repeat 5]

1. Parse only (read + layout repair + parse + chunk, no embedding), per format of the sample:
   transcript, web page, .docx, PDF — median of `--repeat` runs, pages/s.
2. Parse only over `--copies` generated PDFs (different municipalities), pages/s.
3. Full ingest (embedding included) of the sample transcript, and of the `--copies` PDFs into
   one fresh index, as a table; the embedding share of the time is shown.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from assistant.config import Config  # noqa: E402
from assistant.kompass import Kompass  # noqa: E402
from corpus.chunker import chunk_report  # noqa: E402
from corpus.parser import parse_report  # noqa: E402
from corpus.readers import read_document  # noqa: E402
from factory import build_all, reference_report, write_pdf  # noqa: E402

NAMES = ["Alfaby", "Betaby", "Gammaby", "Deltaby", "Epsilonby", "Zetaby", "Etaby", "Thetaby", "Jotaby",
         "Kappaby", "Lambdaby", "Myby", "Nyby", "Xiby", "Omikronby", "Piby", "Rhoby", "Sigmaby",
         "Tauby", "Ypsilonby", "Fiby", "Khiby", "Psiby", "Omegaby"]


def parse_seconds(path: Path) -> float:
    start = time.perf_counter()
    chunk_report(parse_report(read_document(path)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-ingest", action="store_true", help="parse figures only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = build_all(work / "sample")
        print(f"{'format':<12}{'pages':>6}{'median ms':>11}{'pages/s':>10}")
        for kind, path in files.items():
            pages = len(read_document(path).pages) or 21  # the transcript holds pages 1-21
            times = [parse_seconds(path) for _ in range(args.repeat)]
            median = statistics.median(times)
            print(f"{kind:<12}{pages:>6}{median * 1000:>11.1f}{pages / median:>10.0f}")

        copies = work / "copies"
        copies.mkdir()
        for name in NAMES[: args.copies]:
            write_pdf(reference_report(name), copies / f"{name.lower()}.pdf")
        pdfs = sorted(copies.glob("*.pdf"))
        runs = []
        for _ in range(max(1, args.repeat // 2)):
            start = time.perf_counter()
            for pdf in pdfs:
                chunk_report(parse_report(read_document(pdf)))
            runs.append(time.perf_counter() - start)
        pages = 21 * len(pdfs)
        median = statistics.median(runs)
        print(f"{'pdf x' + str(len(pdfs)):<12}{pages:>6}{median * 1000:>11.1f}{pages / median:>10.0f}")
        if args.no_ingest:
            return

        print(f"\n{'ingest':<22}{'files':>6}{'passages':>9}{'texts':>7}{'seconds':>9}{'texts/s':>9}{'s/report':>9}")
        for label, targets in (("sample transcript", [files["text"]]), (f"{len(pdfs)} generated PDFs", [copies])):
            with tempfile.TemporaryDirectory() as home:
                kompass = Kompass(Config.from_env(home=Path(home)))
                kompass.embedder.embed_query("uppvärmning")  # model load is not ingest
                start = time.perf_counter()
                results = kompass.ingest(targets)
                seconds = time.perf_counter() - start
                passages = sum(r.passages for r in results)
                texts = sum(r.embedded for r in results)
                print(f"{label:<22}{len(results):>6}{passages:>9}{texts:>7}{seconds:>9.1f}"
                      f"{texts / seconds:>9.1f}{seconds / len(results):>9.1f}")
                kompass.close()


if __name__ == "__main__":
    main()
