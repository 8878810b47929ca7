"""Concurrent searches against the running server on loopback, against the library called in
the bench's own process, in the same run.

    .venv/bin/python bench/bench_serve.py                  # 1, 8 and 32 clients, SQLite then PostgreSQL
    .venv/bin/python bench/bench_serve.py --store postgres --servers 2   # two server processes, one database
    .venv/bin/python bench/bench_serve.py --clients 1,4 --requests 60 --seconds 20

The server is `kompass serve` in its own process (as a user runs it), on a free 127.0.0.1 port,
over the bundled sample report (ingested once into $TMPDIR/kompass-bench/serve/<store>). With
`--servers N`, N processes serve the same store and each client talks to one of them (as behind
a load balancer). PostgreSQL is a local pgserver (PostgreSQL 16 with pgvector) with its data in
$TMPDIR/kompass-bench/pg, talking over a Unix socket. Each client is a
thread with its own keep-alive HTTP connection sending `GET /api/v1/search?q=…` one after the
other. The in-process baseline runs the same questions through `Kompass.search` from as many
threads. Questions are the dev set's (assistant/data/eval_sv.jsonl) in three wordings each, more
distinct texts than Kompass keeps query vectors for (assistant/kompass.py QUERY_CACHE), sent
in a cycle: every request embeds its question, as a new question does. A level stops after
`--requests` requests or `--seconds`, whichever comes first. Figures: requests/s, p50 and p95
latency per request; the ratio is server p50 over in-process p50 at the same level.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.kompass import QUERY_CACHE  # noqa: E402

WORDINGS = ("{q}", "Jag undrar: {q}", "{q} Tack på förhand.")


def questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "assistant" / "data" / "eval_sv.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    texts = [w.format(q=r["query"]) for w in WORDINGS for r in rows]
    assert len(set(texts)) > QUERY_CACHE, "fewer distinct questions than the query cache holds"
    return texts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def home() -> Path:
    path = Path(tempfile.gettempdir()) / "kompass-bench" / "serve"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_level(clients: int, requests: int, seconds: float, call, position) -> dict[str, float]:
    """`clients` threads calling `call(client, question)` until `requests` are done or time is up.
    `position` (an itertools.count per target) carries on through the questions from level to
    level, so that no level finds its questions' vectors cached by the one before."""
    texts = questions()
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds
    errors = []

    def client(number: int) -> None:
        session = None
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
                text = texts[next(position) % len(texts)]
            if n >= requests:
                return
            started = time.perf_counter()
            try:
                session = call(session, text)
            except Exception as exc:  # noqa: BLE001 - counted and shown
                errors.append(repr(exc))
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"clients": clients, "requests": len(latencies), "errors": len(errors),
            "seconds": round(elapsed, 1), "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else float("nan"),
            "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else float("nan")}


def start_postgres() -> tuple[object, str]:
    """A PostgreSQL with pgvector for the bench (pgserver, kept in $TMPDIR/kompass-bench/pg), and
    the URL of a fresh `kompass_serve` database on it."""
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="kompass-xdg-"))  # pgserver as root
    import pgserver
    import psycopg

    data = home().parent / "pg"
    data.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data, cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS kompass_serve")
        connection.execute("CREATE DATABASE kompass_serve")
    return server, server.get_uri("kompass_serve")


def wait_for(base: str, process: subprocess.Popen) -> None:
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    print(process.stdout.read() if process.stdout else "", file=sys.stderr)
    raise SystemExit("the server did not start")


def bench_store(store: str, location: str | None, levels: list[int], servers: int, args) -> list[dict]:
    """Ingest the sample into this store, start `servers` processes of `kompass serve` on it and
    run every level against them (clients spread over the servers) and in-process."""
    import httpx

    from assistant.config import Config
    from assistant.kompass import Kompass

    env = {**os.environ, "KOMPASS_HOME": str(home() / store), "KOMPASS_ADMIN_KEY": "",
           "KOMPASS_STORE": location or ""}
    kompass_cli = str(Path(sys.executable).with_name("kompass"))
    subprocess.run([kompass_cli, "ingest"], env=env, check=True, capture_output=True)
    ports = [free_port() for _ in range(servers)]
    processes = [subprocess.Popen([kompass_cli, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for port in ports]
    bases = [f"http://127.0.0.1:{port}/api/v1" for port in ports]
    rows = []
    try:
        for base, process in zip(bases, processes):
            wait_for(base, process)
        kompass = Kompass(Config.from_env(home=home() / store, store=location)).open()
        kompass.search("uppvärmning")
        spread = itertools.count()

        def over_http(client, text):
            if client is None:
                client = httpx.Client(timeout=60, base_url=bases[next(spread) % len(bases)])
            response = client.get("/search", params={"q": text, "top": 10})
            response.raise_for_status()
            return client

        def in_process(_, text):
            kompass.search(text, top=10)

        for base in bases:
            with httpx.Client(base_url=base) as client:
                client.get("/search", params={"q": "uppvärmning"}).raise_for_status()
        local_position, remote_position = itertools.count(), itertools.count()
        for clients in levels:
            local = run_level(clients, args.requests, args.seconds, in_process, local_position)
            remote = run_level(clients, args.requests, args.seconds, over_http, remote_position)
            for name, row in (("in-process", local), (f"{servers} server" + "s" * (servers > 1), remote)):
                rows.append({"store": store, "where": name, **row,
                             "ratio": remote["p50_ms"] / local["p50_ms"] if name != "in-process" else None})
                print(f"{store:<9} {clients:>7} {name:<10} {row['requests']:>8} {row['errors']:>6} "
                      f"{row['per_second']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8}", end="")
                print(f"   {remote['p50_ms'] / local['p50_ms']:.2f}" if name != "in-process" else "", flush=True)
        kompass.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=200, help="requests per level (at most)")
    parser.add_argument("--seconds", type=float, default=45.0, help="time per level (at most)")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--servers", type=int, default=1, help="`kompass serve` processes per store")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    stores = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    print(f"{len(questions())} distinct questions, cycled; {args.servers} server process(es) per store")
    print(f"{'store':<9} {'clients':>7} {'where':<10} {'requests':>8} {'errors':>6} {'req/s':>7} "
          f"{'p50 ms':>8} {'p95 ms':>8}   server p50 / in-process p50")
    for store in stores:
        server = None
        location = None
        if store == "postgres":
            server, location = start_postgres()
        try:
            bench_store(store, location, levels, args.servers, args)
        finally:
            if server is not None:
                server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
