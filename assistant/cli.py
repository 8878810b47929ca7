"""`kompass` command line: ingest, search, ask, reports, remove, eval.

Heavy modules are imported inside the subcommands. Errors a user can act on print one line
on stderr and exit 2; failures of single files during ingest exit 1.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.taxonomy import AREA_CHOICES

if TYPE_CHECKING:
    from .models import IngestResult


def _err(message: str) -> None:
    print(f"kompass: {message}", file=sys.stderr)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class IngestDisplay:
    """Ingest progress on stderr. On a terminal one line redrawn in place: a bar, files done of
    all, the estimated time left and the embedding counter; otherwise plain lines (a line per
    file, embedding at each quarter) so that logs stay readable."""

    def __init__(self, tty: bool | None = None) -> None:
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.started = time.monotonic()
        self.total = self.done = 0
        self.path = ""
        self.quarter = -1
        self.drawn = False

    def file_started(self, index: int, total: int, path: str) -> None:
        self.total, self.path, self.quarter = total, path, -1
        if self.tty:
            self._draw("")
        else:
            _say(f"[{index}/{total}] {path}")

    def embedding(self, done: int, total: int) -> None:
        if self.tty:
            self._draw(f"bäddar in {done}/{total}")
            return
        quarter = 4 * done // max(total, 1)
        if quarter != self.quarter:
            self.quarter = quarter
            _say(f"  bäddar in {done}/{total} texter")

    def file_done(self, result: IngestResult) -> None:
        self.done += 1
        self._clear()
        if result.error:
            _err(result.error)
            return
        line = f"{result.report_id}: " + {
            "unchanged": "oförändrad, hoppades över",
            "duplicate": f"samma rapport som {result.duplicate_of}, redan inläst därifrån",
            "removed": f"filen {result.path} finns inte längre; rapporten är borttagen ur indexet",
            "new": "ny", "updated": "uppdaterad"}[result.status]
        if result.status in ("new", "updated"):
            line += (f", {result.passages} avsnitt ({result.embedded} texter inbäddade, "
                     f"{result.reused} återanvända), {result.seconds:.1f} s")
        _say(line)
        for warning in result.warnings:
            _say(f"  varning: {result.path}: {warning}")

    def eta(self) -> str:
        if not self.done:
            return "–"
        left = (time.monotonic() - self.started) / self.done * max(self.total - self.done, 0)
        return f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"

    def _draw(self, detail: str) -> None:
        width = 24
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        text = f"[{bar}] {self.done}/{self.total} filer, kvar ca {self.eta()}  {Path(self.path).name}  {detail}"
        print(f"\r\x1b[K{text[:160]}", end="", file=sys.stderr, flush=True)
        self.drawn = True

    def _clear(self) -> None:
        if self.drawn:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)
            self.drawn = False


# argparse's own words (usage line, group titles, -h, errors) in Swedish. argparse looks its
# texts up through the module's gettext functions `_` and `ngettext` when it needs them, so
# SwedishArgumentParser puts a lookup in this table in their place while it builds, formats and
# parses; texts not in the table stay as argparse writes them. The keys are argparse 3.11's.
ARGPARSE_SWEDISH = {
    "usage: ": "användning: ",
    "positional arguments": "argument",
    "options": "flaggor",
    "subcommands": "kommandon",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "show program's version number and exit": "visa programmets version och avsluta",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fel: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "följande argument krävs: %s",
    "one of the arguments %s is required": "ett av argumenten %s krävs",
    "unrecognized arguments: %s": "okända argument: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ogiltigt val: %(value)r (välj bland %(choices)s)",
    "invalid %(type)s value: %(value)r": "ogiltigt värde: %(value)r",
    "expected one argument": "ett värde krävs",
    "expected at most one argument": "högst ett värde får anges",
    "expected at least one argument": "minst ett värde krävs",
    "expected %s argument": "%s värde krävs",
    "expected %s arguments": "%s värden krävs",
    "ambiguous option: %(option)s could match %(matches)s": "flaggan %(option)s är tvetydig: kan vara %(matches)s",
    "not allowed with argument %s": "får inte anges tillsammans med %s",
    "ignored explicit argument %r": "värdet %r ignoreras",
    "unexpected option string: %s": "oväntad flagga: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "okänt kommando %(parser_name)r (välj bland %(choices)s)",
    "can't open '%(filename)s': %(error)s": "kan inte öppna '%(filename)s': %(error)s",
}


@contextmanager
def _argparse_in_swedish() -> Iterator[None]:
    saved = argparse._, argparse.ngettext

    def translate(text):
        return ARGPARSE_SWEDISH.get(text, text) if isinstance(text, str) else text

    argparse._ = translate
    argparse.ngettext = lambda singular, plural, n: translate(singular if n == 1 else plural)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class SwedishHelpFormatter(argparse.HelpFormatter):
    """Help with each option's default after its text, "(standard: …)"; none for on/off flags,
    options without a default, or a text that already names its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (default is None or default is argparse.SUPPRESS or isinstance(default, bool) or default == []
                or "%(default)" in text or "standard:" in text
                or not (action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE))):
            return text
        return f"{text} (standard: %(default)s)"


class SwedishArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and errors are in Swedish. Subcommands' parsers are
    made of the same class (argparse's default), so they are Swedish too."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", SwedishHelpFormatter)
        with _argparse_in_swedish():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs):
        with _argparse_in_swedish():
            return super().add_subparsers(**kwargs)

    def parse_args(self, args=None, namespace=None):
        with _argparse_in_swedish():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with _argparse_in_swedish():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _argparse_in_swedish():
            return super().format_usage()

    def format_help(self) -> str:
        with _argparse_in_swedish():
            return super().format_help()

    def error(self, message: str):
        with _argparse_in_swedish():
            super().error(message)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--municipality", "-m", metavar="KOMMUN",
                        help="endast denna kommun, t.ex. Enköping eller Enköpings")
    parser.add_argument("--year", "-y", metavar="ÅR", help="år eller intervall, t.ex. 2016 eller 2014-2017")
    parser.add_argument("--area", "-a", metavar="OMRÅDE",
                        help=f"område: nummer 1–8 eller namn ({AREA_CHOICES}); även andra ord ur "
                             "områdets namn, t.ex. kvalitet, chefer, näringsliv")
    parser.add_argument("--section", "-s", metavar="AVSNITT",
                        help="avsnitt: styrkor, forbattringsmojligheter, sammanfattning, allmant, "
                             "poang, delfragor, resultat, inledning")
    parser.add_argument("--no-auto-filters", action="store_true",
                        help="läs inte kommun, år, område eller avsnitt ur frågan")


def _add_query(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="fråga", help="vad du söker, med egna ord")


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = SwedishArgumentParser(prog="kompass", description="Sök i Kommunkompassens rapporter.")
    parser.add_argument("--home", metavar="MAPP", help="datamapp för indexet (annars KOMPASS_HOME)")
    parser.add_argument("--store", metavar="PLATS",
                        help="indexets plats: postgresql://… för en PostgreSQL-databas "
                             "(annars KOMPASS_STORE, eller SQLite-filen i datamappen)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="kommando",
                                help="`kompass kommando --help` visar kommandots argument och flaggor")

    ingest = sub.add_parser("ingest", help="läs in rapporter (standard: exempelkorpusen)")
    ingest.add_argument("paths", nargs="*", type=Path, metavar="sökväg",
                        help="rapportfiler eller mappar med rapporter (standard: exempelkorpusen)")
    ingest.add_argument("--rebuild", action="store_true", help="bygg om indexet från början")

    search = sub.add_parser("search", help="sök avsnitt")
    _add_query(search)
    search.add_argument("--top", "-k", type=int, default=10, metavar="ANTAL", help="antal träffar")
    search.add_argument("--mode", choices=("hybrid", "lexical", "dense"), default="hybrid",
                        help="sökmetod: hybrid = ord och betydelse, lexical = bara ord, dense = bara betydelse")
    _add_json(search)
    _add_filters(search)

    ask = sub.add_parser("ask", help="svar med källhänvisningar: fakta ur poängtabellerna eller citat ur rapporterna")
    _add_query(ask)
    _add_json(ask)
    _add_filters(ask)

    examples = sub.add_parser("examples", help="goda exempel: kommuner som är starka på något")
    _add_query(examples)
    examples.add_argument("--top", "-k", type=int, default=10, metavar="ANTAL", help="antal kommuner")
    _add_json(examples)
    _add_filters(examples)

    wording = sub.add_parser("wording", help="formuleringar: hur tidigare rapporter uttryckt något, ordagrant")
    _add_query(wording)
    wording.add_argument("--top", "-k", type=int, default=10, metavar="ANTAL", help="antal formuleringar")
    _add_json(wording)
    _add_filters(wording)

    chat = sub.add_parser("chat", help="samtal: ställ frågor och följdfrågor (avsluta med tom rad eller Ctrl-D)")
    chat.add_argument("--json", action="store_true", help="skriv varje svar som JSON")

    reports = sub.add_parser("reports", help="vad som finns i indexet")
    _add_json(reports)

    serve = sub.add_parser("serve", help="starta webbsidan och API:t (läser in exempelkorpusen först om indexet är tomt)")
    serve.add_argument("--host", default=None, metavar="ADRESS",
                       help="adress att lyssna på (standard: KOMPASS_HOST eller 127.0.0.1, bara den här datorn)")
    serve.add_argument("--port", type=int, default=None, metavar="PORT",
                       help="port (standard: KOMPASS_PORT eller 7860)")

    remove = sub.add_parser("remove", help="ta bort en rapport ur indexet")
    remove.add_argument("report_id", metavar="rapport-id", help="rapportens id, t.ex. enkoping-2016 (se `kompass reports`)")

    evaluate = sub.add_parser("eval", help="mät sök- och svarskvaliteten på utvärderingsfrågorna (MRR@10, hit@5, fakta, avstående, formuleringar)")
    evaluate.add_argument("--set", choices=("dev", "holdout", "all"), default="all",
                          help="frågeuppsättning: dev, holdout eller all = båda")
    evaluate.add_argument("--examples", action="store_true",
                          help="mät goda exempel på genererade fiktiva rapporter (precision@5, nDCG@10)")
    evaluate.add_argument("--pool", choices=("a", "b"), default="b",
                          help="formuleringar i de genererade rapporterna: a = justering, b = utvärdering")
    evaluate.add_argument("--seed", type=int, default=2026, metavar="FRÖ",
                          help="slumpfrö för de genererade rapporterna")
    evaluate.add_argument("--count", type=int, default=30, metavar="ANTAL", help="antal genererade rapporter")
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
        _err("avbrutet: rapporter som redan var klara finns kvar i indexet; den som pågick skrevs inte")
        return 130
    except BrokenPipeError:  # `kompass search … | head`
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace) -> int:
    from index.store import wipe_store

    from .config import Config
    from .kompass import Kompass

    config = Config.from_env(home=args.home, store=args.store)
    if args.command == "ingest" and args.rebuild:
        wipe_store(config.store_location)
    kompass = Kompass(config)
    try:
        return COMMANDS[args.command](kompass, args)
    finally:
        kompass.close()


def _ingest(kompass, args) -> int:
    started = time.perf_counter()
    results = kompass.ingest(args.paths or None, listener=IngestDisplay())
    failed = sum(1 for r in results if r.error)
    files = sum(1 for r in results if r.status != "removed")
    _say(f"Klart: {files - failed} av {files} filer inlästa, {failed} misslyckades, "
         f"{kompass.store.passage_count()} avsnitt i indexet ({time.perf_counter() - started:.1f} s). "
         f"Index: {kompass.store.location}")
    return 1 if failed else 0


def _prepare(kompass, args):
    """The question and filters as typed, checked and understood by the library (the sample
    is read first when the index is empty)."""
    return kompass.prepare(args.query, args.municipality, args.year, args.area, args.section,
                           auto_filters=not args.no_auto_filters, sections=args.command != "examples",
                           listener=IngestDisplay(), notice=_say, ingest_if_empty=True)


def _show_filters(understood) -> None:
    """The filters read from the question, on screen (the JSON carries them too)."""
    if understood.applied:
        parts = ", ".join(f"{FILTER_NAMES[a.kind]} {a.value} (”{a.words}”)" for a in understood.applied)
        print(f"Filter ur frågan: {parts}. Stäng av med --no-auto-filters.\n")
    for note in understood.notes:
        print(f"Obs: {note}.\n")


FILTER_NAMES = {"municipality": "kommun", "year": "år", "area": "område", "section": "avsnitt"}


def _understood_dict(understood) -> dict[str, object]:
    return {"query": understood.question, "topic": understood.topic,
            "filters_applied": [a.to_dict() for a in understood.applied], "notes": list(understood.notes)}


def _search(kompass, args) -> int:
    understood = _prepare(kompass, args)
    hits = kompass.search(understood.topic, top=args.top, filters=understood.filters, mode=args.mode)
    if args.json:
        print(json.dumps({**_understood_dict(understood), "hits": [h.to_dict() for h in hits]},
                         ensure_ascii=False, indent=2))
        return 0
    _show_filters(understood)
    if not hits:
        print("Inga träffar.")
    for i, h in enumerate(hits, 1):
        print(f"[{i}] {h.source_label()}  (poäng {h.score:.4f})")
        print("    " + h.text.replace("\n", "\n    "))
        print()
    return 0


def _ask(kompass, args) -> int:
    understood = _prepare(kompass, args)
    answer = kompass.ask(understood.topic, filters=understood.filters)
    if args.json:
        print(json.dumps({**answer.to_dict(), **_understood_dict(understood)}, ensure_ascii=False, indent=2))
        return 0
    _show_filters(understood)
    print(answer.text)
    if answer.citations:
        print("\nKällor:")
        for c in answer.citations:
            print(f"[{c.number}] {c.source_label()}")
    return 0


def _examples(kompass, args) -> int:
    understood = _prepare(kompass, args)
    result = kompass.examples(understood.topic, top=args.top, filters=understood.filters, auto_filters=False)
    result.query, result.applied, result.notes = args.query, list(understood.applied), list(understood.notes)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    _show_filters(understood)
    print(f"Goda exempel: {result.topic}")
    print(result.message)
    for i, example in enumerate(result.examples, 1):
        print(f"\n{i}. {example.display_name} {example.year or ''}  styrka {example.strength:.2f}")
        print(f"   {example.explanation}")
        for evidence in example.evidence:
            print(f"   – ”{evidence.quote}” ({evidence.hit.source_label(evidence.page, evidence.page_end)})")
        if example.earlier:
            print("   Tidigare: " + ", ".join(
                f"{e['year']} (styrka {e['strength']:.2f})" if e["strength"] is not None
                else f"{e['year']} (ingen styrka belagd)" for e in example.earlier))
    if result.lacking:
        print("\nSaknas eller behöver utvecklas enligt rapporten:")
        for item in result.lacking:
            page = f", s. {item['page']}" if item["page"] else ""
            print(f"   {item['municipality']} {item['year'] or ''}: ”{item['quote']}”{page}")
    return 0


def _wording(kompass, args) -> int:
    understood = _prepare(kompass, args)
    given = kompass.filters(args.municipality, args.year, args.area, args.section)
    result = kompass.wording(args.query, top=args.top, filters=given, auto_filters=not args.no_auto_filters)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    _show_filters(understood)
    print(f"Formuleringar: {result.topic}")
    print(result.message)
    for i, entry in enumerate(result.entries, 1):
        reports = len({u.report_id for u in entry.uses})
        used = f" (använd i {reports} rapporter)" if reports > 1 else ""
        print(f"\n{i}. ”{entry.text}”{used}")
        for use in entry.uses:
            print(f"   – {use.source_label()}")
        for variant in entry.variants:
            print(f"   även: ”{variant}”")
    return 0


def _chat(kompass, args) -> int:
    from corpus.errors import KompassError

    from .chat import Conversation

    kompass.ensure_ingested(IngestDisplay(), notice=_say)
    conversation = Conversation()
    interactive = sys.stdin.isatty()
    if interactive:
        _say("Kompass – ställ en fråga (tom rad eller Ctrl-D avslutar).")
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line or not line.strip():
            return 0
        try:
            reply = conversation.ask(kompass, line.strip())
        except KompassError as exc:
            _err(str(exc))
            continue
        if args.json:
            print(json.dumps(reply.to_dict(), ensure_ascii=False))
            continue
        if reply.carried:
            print("Från tidigare i samtalet: " + ", ".join(f"{FILTER_NAMES[a.kind]} {a.value}" for a in reply.carried) + ".")
        if reply.applied:
            print("Filter ur frågan: " + ", ".join(f"{FILTER_NAMES[a.kind]} {a.value}" for a in reply.applied) + ".")
        print(reply.text)
        if reply.citations:
            print("Källor:")
            for c in reply.citations:
                print(f"[{c.number}] {c.source_label()}")
        print()


def _reports(kompass, args) -> int:
    reports = kompass.reports(questions=args.json)
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2, default=str))
        return 0
    if not reports:
        print("Indexet är tomt. Kör `kompass ingest`.")
    for report in reports:
        scores = " ".join(f"{a.area}:{'–' if a.score is None else a.score}" for a in report.areas)
        total = "totalpoäng saknas" if report.total_score is None else f"totalt {report.total_score}"
        print(f"{report.report_id:<24} {report.display_name} {report.year or 'år okänt'}  {total}  "
              f"områden {scores or 'saknas'}  ({report.page_count or 'okänt antal'} s.)")
        for source in report.sources:
            role = "inläst från" if source.role == "primary" else "samma rapport"
            print(f"{'':<24} {role}: {source.path} ({source.format})")
    return 0


def _remove(kompass, args) -> int:
    kompass.remove(args.report_id)
    _say(f"{args.report_id}: borttagen")
    return 0


def _eval(kompass, args) -> int:
    from .evaluate import (
        EVAL_SETS,
        SAMPLE_REPORT_ID,
        evaluate,
        format_table,
        load_questions,
    )

    if args.examples:
        from .evaluate_examples import run

        root = kompass.config.db_path.parent / "eval"
        _say(f"Goda exempel: {args.count} fiktiva rapporter (pool {args.pool}, frö {args.seed}) i {root}; "
             "de genereras och läses in första gången ...")
        print(run(root, args.pool, args.seed, args.count, IngestDisplay()))
        return 0
    kompass.ensure_ingested(IngestDisplay(), notice=_say)
    names = list(EVAL_SETS) if args.set == "all" else [args.set]
    from .evaluate_answers import evaluate_answers, format_answers

    for name in names:
        questions = load_questions(EVAL_SETS[name])
        print(f"\n{name}: {len(questions)} frågor, rapport {SAMPLE_REPORT_ID}")
        print(format_table(evaluate(kompass, questions)))
        print(f"\n{name}: svar (fakta, avstående, passager, formuleringar)")
        print(format_answers(evaluate_answers(kompass, name, EVAL_SETS[name])))
    return 0


def _serve(kompass, args) -> int:
    from ui.server import check_address, serve
    from ui.settings import ServerSettings

    settings = ServerSettings.from_env(host=args.host, port=args.port)
    check_address(settings.host, settings.port)  # before an ingest or a model load
    kompass.ensure_ingested(IngestDisplay(), notice=_say)
    config = kompass.config
    kompass.close()

    def ready(url: str) -> None:
        print(f"Kompass är igång: öppna {url} i webbläsaren (API: {url}api/v1, dokumentation: "
              f"{url}docs). Avsluta med Ctrl-C.", flush=True)

    try:
        serve(settings.host, settings.port, config, ready)
    except KeyboardInterrupt:  # Ctrl-C: uvicorn has shut down cleanly
        pass
    _say("Kompass stängdes av.")
    return 0


COMMANDS = {"ingest": _ingest, "serve": _serve, "search": _search, "ask": _ask, "examples": _examples, "wording": _wording,
            "chat": _chat, "reports": _reports,
            "remove": _remove, "eval": _eval}

if __name__ == "__main__":
    sys.exit(main())
