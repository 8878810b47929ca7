"""`kompass` command line: ingest, search, ask, reports, remove, eval.

Heavy modules are imported inside the subcommands. Errors a user can act on print one line
on stderr and exit 2; failures of single files during ingest exit 1.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path


def _err(message: str) -> None:
    print(f"kompass: {message}", file=sys.stderr)


class _Progress:
    """Progress lines on stderr. Counters ("bäddar in 32/434 texter") overwrite one line on a
    terminal and appear at each quarter otherwise, so logs stay readable."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.open_line = False
        self.quarter = -1

    def __call__(self, message: str) -> None:
        counter = re.search(r"(\d+)/(\d+)", message) if message.startswith("  ") else None
        if counter:
            done, total = int(counter.group(1)), int(counter.group(2))
            if self.tty:
                print(f"\r{message}", end="", file=sys.stderr, flush=True)
                self.open_line = done < total
                if done == total:
                    print(file=sys.stderr)
                return
            quarter = 4 * done // max(total, 1)
            if quarter == self.quarter:
                return
            self.quarter = quarter
        elif self.open_line:
            print(file=sys.stderr)
            self.open_line = False
        if not counter:
            self.quarter = -1
        print(message, file=sys.stderr, flush=True)


_progress = _Progress()


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--municipality", "-m", help="endast denna kommun, t.ex. Enköping")
    parser.add_argument("--year", "-y", help="år eller intervall, t.ex. 2016 eller 2014-2017")
    parser.add_argument("--area", "-a", help="område 1–8 (eller namn)")
    parser.add_argument("--section", "-s",
                        help="avsnitt: styrkor, forbattringsmojligheter, sammanfattning, allmant, "
                             "poang, delfragor, resultat, inledning")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kompass", description="Sök i Kommunkompassens rapporter.")
    parser.add_argument("--home", help="datamapp (annars KOMPASS_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="läs in rapporter (standard: exempelkorpusen)")
    ingest.add_argument("paths", nargs="*", type=Path)
    ingest.add_argument("--rebuild", action="store_true", help="bygg om indexet från början")

    search = sub.add_parser("search", help="sök avsnitt")
    search.add_argument("query")
    search.add_argument("--top", "-k", type=int, default=10)
    search.add_argument("--mode", choices=("hybrid", "lexical", "dense"), default="hybrid")
    search.add_argument("--json", action="store_true")
    _add_filters(search)

    ask = sub.add_parser("ask", help="kort svar med källhänvisningar")
    ask.add_argument("query")
    ask.add_argument("--json", action="store_true")
    _add_filters(ask)

    reports = sub.add_parser("reports", help="vad som finns i indexet")
    reports.add_argument("--json", action="store_true")

    remove = sub.add_parser("remove", help="ta bort en rapport ur indexet")
    remove.add_argument("report_id")

    evaluate = sub.add_parser("eval", help="mät sökkvaliteten (MRR@10, hit@5) på utvärderingsfrågorna")
    evaluate.add_argument("--set", choices=("dev", "holdout", "all"), default="all",
                          help="frågeuppsättning (standard: båda)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from corpus.errors import KompassError

    try:
        return _run(args)
    except KompassError as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        _err("avbrutet; indexet är oförändrat för den rapport som pågick")
        return 130
    except BrokenPipeError:  # `kompass search … | head`
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    from .config import Config
    from .kompass import Kompass

    config = Config.from_env(home=args.home)
    if args.command == "ingest" and args.rebuild and config.db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(config.db_path) + suffix).unlink(missing_ok=True)
    kompass = Kompass(config)
    try:
        return COMMANDS[args.command](kompass, args)
    finally:
        kompass.close()


def _ingest(kompass, args) -> int:
    started = time.perf_counter()
    results = kompass.ingest(args.paths or None, progress=_progress)
    failed = 0
    for r in results:
        if r.error:
            failed += 1
            _err(r.error)
            continue
        detail = {"unchanged": "oförändrad, hoppades över", "new": "ny", "updated": "uppdaterad"}[r.status]
        line = f"{r.report_id}: {detail}"
        if r.status != "unchanged":
            line += f", {r.passages} avsnitt ({r.embedded} inbäddade, {r.reused} återanvända), {r.seconds:.1f} s"
        _progress(line)
        for warning in r.warnings:
            _progress(f"  varning: {r.path}: {warning}")
    ok = len(results) - failed
    _progress(f"Klart: {ok} av {len(results)} filer inlästa, {failed} misslyckades, "
              f"{kompass.store.passage_count()} avsnitt i indexet ({time.perf_counter() - started:.1f} s). "
              f"Index: {kompass.config.db_path}")
    return 1 if failed else 0


def _prepare(kompass, args):
    """Validate the query and filters, reading the sample first if the index is empty.

    Values that need no index are checked before that, so a typo does not wait for an ingest;
    the municipality is checked against what is indexed, so after it."""
    kompass.check_query(args.query)
    kompass.filters(None, args.year, args.area, args.section)
    kompass.ensure_ingested(_progress)
    return kompass.filters(args.municipality, args.year, args.area, args.section)


def _search(kompass, args) -> int:
    filters = _prepare(kompass, args)
    hits = kompass.search(args.query, top=args.top, filters=filters, mode=args.mode)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("Inga träffar.")
    for i, h in enumerate(hits, 1):
        print(f"[{i}] {h.source_label()}  (poäng {h.score:.4f})")
        print("    " + h.text.replace("\n", "\n    "))
        print()
    return 0


def _ask(kompass, args) -> int:
    filters = _prepare(kompass, args)
    answer = kompass.ask(args.query, filters=filters)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print("\nKällor:")
        for c in answer.citations:
            print(f"[{c.number}] {c.source_label()}")
    return 0


def _reports(kompass, args) -> int:
    rows = kompass.reports()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    if not rows:
        print("Indexet är tomt. Kör `kompass ingest`.")
    for row in rows:
        scores = " ".join(f"{a['area']}:{a['score']}" for a in row["areas"])
        print(f"{row['report_id']:<24} {row['display_name']} {row['year']}  totalt {row['total_score']}  "
              f"områden {scores}  ({row['page_count']} s.)")
    return 0


def _remove(kompass, args) -> int:
    kompass.remove(args.report_id)
    _progress(f"{args.report_id}: borttagen")
    return 0


def _eval(kompass, args) -> int:
    from .evaluate import EVAL_SETS, SAMPLE_REPORT_ID, evaluate, format_table, load_questions

    kompass.ensure_ingested(_progress)
    names = list(EVAL_SETS) if args.set == "all" else [args.set]
    for name in names:
        questions = load_questions(EVAL_SETS[name])
        print(f"\n{name}: {len(questions)} frågor, rapport {SAMPLE_REPORT_ID}")
        print(format_table(evaluate(kompass, questions)))
    return 0


COMMANDS = {"ingest": _ingest, "search": _search, "ask": _ask, "reports": _reports,
            "remove": _remove, "eval": _eval}

if __name__ == "__main__":
    sys.exit(main())
