"""`python -m corpus.synthetic OUT [--seed 7] [--count 30] [--pool b] [--pdf]`: write fictional
KommunKompassen reports and their truth (see generate.py)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m corpus.synthetic", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--pool", choices=("a", "b"), default="b",
                        help="the catalogue's phrasings: a = tuning, b = held out")
    parser.add_argument("--pdf", action="store_true", help="also write PDFs (needs reportlab)")
    args = parser.parse_args()
    corpus = generate(args.out, args.seed, args.count, args.pool, args.pdf)
    print(f"{len(corpus.reports)} fiktiva rapporter och truth.json i {args.out}")


if __name__ == "__main__":
    main()
