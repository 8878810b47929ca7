"""`ask` and `search` in a warm process: on a quiet machine, beside two busy processes, and with
two requests at once, each with the native thread pools as KOMPASS_THREADS sets them against the
old behaviour (KOMPASS_THREADS=0: the libraries' own choice, all cores) in the same run.

    .venv/bin/python bench/bench_ask.py                       # 20 questions, 3 rounds a condition
    .venv/bin/python bench/bench_ask.py --rounds 1 --settings 0,1,2

One worker process per setting (a thread count is fixed for a process's threads), each warm
(model, index and search copy loaded; every question asked once before timing). The workers
take turns round by round, so both see the same machine. A round: every question to `search`,
then every question to `ask`. Kompass keeps recent question vectors (`Kompass.query_vector`); it
forgets the question before each timed call, so that every call embeds it once, as a new
question does (`ask` reuses the vector its own search made). Conditions:
- quiet: nothing else started by the bench (other programs on the machine are not controlled);
- busy: two processes `while True: pass` started by the bench, killed after;
- 2 at once: the round's questions spread over two threads calling one Kompass, as a web
  server would (quiet otherwise); latency per call.
The index is the bundled sample report, ingested once into $TMPDIR/kompass-bench/ask.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Hur arbetar kommunen med medborgardialog?",
    "Vilka förbättringsmöjligheter finns inom ledarskap?",
    "Vilka styrkor har kommunen?",
    "Hur följer kommunen upp kvaliteten i äldreomsorgen?",
    "Har kommunen servicedeklarationer?",
    "Hur hanteras synpunkter och klagomål?",
    "Hur arbetar kommunen med kompetensutveckling för personalen?",
    "Hur styrs verksamheten med mål och uppföljning?",
    "Vilka förbättringsmöjligheter finns inom effektivitet?",
    "Hur informerar kommunen medborgarna?",
    "Hur arbetar kommunen med jämförelser med andra kommuner?",
    "Vad säger rapporten om medarbetarsamtal?",
    "Hur arbetar kommunen med näringslivet?",
    "Vilka styrkor finns inom verksamhetsutveckling?",
    "Hur tas brukarnas synpunkter tillvara i skolan?",
    "Finns det en kvalitetsgaranti för hemtjänsten?",
    "Hur arbetar kommunen med miljö och hållbarhet?",
    "Hur delegeras ansvar till chefer?",
    "Vad kan kommunen förbättra när det gäller e-tjänster?",
    "Hur många poäng fick kommunen totalt?",
]
BUSY = "while True: pass"


# -- the worker: one warm Kompass, timing what the driver asks for ----------------------
def worker() -> None:
    from assistant.config import Config
    from assistant.kompass import Kompass

    kompass = Kompass(Config.from_env())
    embedder = kompass.embedder
    embed_passages = embedder.embed_passages
    calls = threading.local()

    def counted(texts, progress=None):  # units without a stored vector, embedded per question
        calls.embedded += len(texts)
        return embed_passages(texts, progress)

    def forget(q):
        """A new question: no vector kept for it (Kompass.query_vector's cache, if any)."""
        vectors = getattr(kompass, "_vectors", {})
        with getattr(kompass, "_vector_lock", threading.Lock()):
            for key in [key for key in vectors if q in key[1]]:
                del vectors[key]

    def timed(call, q):
        """(ms, texts embedded besides the question)"""
        calls.embedded = 0
        forget(q)
        started = time.perf_counter()
        call(q)
        return (time.perf_counter() - started) * 1000, calls.embedded

    embedder.embed_passages = counted
    for q in QUESTIONS:  # warm: every path once
        timed(kompass.search, q)
        timed(kompass.ask, q)
    pool = ThreadPoolExecutor(2)  # a server's request threads: the same two for every round
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        result = {}
        for name, call in (("search", kompass.search), ("ask", kompass.ask)):
            if command["at_once"] > 1:
                result[name] = list(pool.map(lambda q, call=call: timed(call, q), QUESTIONS))
            else:
                result[name] = [timed(call, q) for q in QUESTIONS]
        print(json.dumps(result), flush=True)
    pool.shutdown()
    kompass.close()


# -- the driver -------------------------------------------------------------------------
class Worker:
    def __init__(self, setting: str, home: Path):
        env = dict(os.environ, KOMPASS_HOME=str(home), KOMPASS_THREADS=setting)
        self.setting = setting
        self.process = subprocess.Popen([sys.executable, __file__, "--worker"], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"worker KOMPASS_THREADS={self.setting} died")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"quit": True}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def ensure_index(home: Path) -> None:
    if (home / "kompass.db").exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    print(f"ingesting the sample report into {home} ...", flush=True)
    subprocess.run([sys.executable, "-c", "from assistant.kompass import Kompass; Kompass().ingest()"],
                   cwd=ROOT, env=dict(os.environ, KOMPASS_HOME=str(home)), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the 20 questions a condition")
    parser.add_argument("--settings", default="0,auto",
                        help="KOMPASS_THREADS values, the baseline first (default 0,auto)")
    parser.add_argument("--home", type=Path,
                        default=Path(tempfile.gettempdir()) / "kompass-bench" / "ask")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    ensure_index(args.home)
    settings = args.settings.split(",")
    conditions = (("quiet", 0, 1), ("busy", 2, 1), ("2 at once", 0, 2))
    print(f"{len(QUESTIONS)} questions x {args.rounds} rounds per condition; "
          f"{os.cpu_count()} CPUs; KOMPASS_THREADS {' against '.join(settings)}", flush=True)
    workers = [Worker(s, args.home) for s in settings]
    calls: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
    busy: list[subprocess.Popen] = []
    try:
        for w in workers:
            w.read()  # ready
        for condition, loops, at_once in conditions:
            busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(loops)]
            time.sleep(1.0 if loops else 0)
            for r in range(args.rounds):
                turn = workers if r % 2 == 0 else workers[::-1]
                for w in turn:
                    result = w.call({"at_once": at_once})
                    for command in ("search", "ask"):
                        calls.setdefault((condition, w.setting, command), []).extend(
                            map(tuple, result[command]))
            for p in busy:
                p.kill()
                p.wait()
            busy = []
            print(f"  {condition} done", flush=True)
    finally:
        for p in busy:
            p.kill()
            p.wait()
        for w in workers:
            w.close()

    # "ask, no units": the calls that embedded nothing but the question; the others embedded
    # units without a stored vector (assistant/answer.py) at question time.
    def ms(condition: str, setting: str, command: str) -> list[float]:
        if command == "ask, no units":
            return [t for t, units in calls[(condition, setting, "ask")] if not units]
        return [t for t, _ in calls[(condition, setting, command)]]

    base = settings[0]
    print("\n| condition | command | KOMPASS_THREADS | calls | p50 ms | p95 ms | p50 / baseline | "
          "p95 / baseline |\n|---|---|---|---|---|---|---|---|")
    for condition, _, _ in conditions:
        for command in ("search", "ask", "ask, no units"):
            reference = ms(condition, base, command)
            for s in settings:
                values = ms(condition, s, command)
                p50, p95 = statistics.median(values), pct(values, 0.95)
                print(f"| {condition} | {command} | {s} | {len(values)} | {p50:.1f} | {p95:.1f} | "
                      f"{p50 / statistics.median(reference):.2f} | {p95 / pct(reference, 0.95):.2f} |")
    units = {q: n for (ms, n), q in zip(calls[("quiet", base, "ask")], QUESTIONS) if n}
    print(f"\nQuestions whose `ask` embeds units at question time: {units}")


if __name__ == "__main__":
    main()
