"""Concurrent searches against the running server on loopback, against the library called in
the bench's own process, in the same run.

    .venv/bin/python bench/bench_serve.py                          # 1, 4 and 16 clients
    .venv/bin/python bench/bench_serve.py --clients 1,4 --requests 60 --seconds 20

The server is `kompass serve` in its own process (as a user runs it), on a free 127.0.0.1 port,
over the bundled sample report (ingested once into $TMPDIR/kompass-bench/serve). Each client is a
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--requests", type=int, default=200, help="requests per level (at most)")
    parser.add_argument("--seconds", type=float, default=45.0, help="time per level (at most)")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]

    import httpx

    from assistant.config import Config
    from assistant.kompass import Kompass

    env = {**os.environ, "KOMPASS_HOME": str(home()), "KOMPASS_ADMIN_KEY": ""}
    kompass_cli = str(Path(sys.executable).with_name("kompass"))
    subprocess.run([kompass_cli, "ingest"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([kompass_cli, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            print(server.stdout.read() if server.stdout else "", file=sys.stderr)
            raise SystemExit("the server did not start")

        kompass = Kompass(Config.from_env(home=home())).open()
        kompass.search("uppvärmning")

        def over_http(client, text):
            client = client or httpx.Client(timeout=60)
            response = client.get(f"{base}/search", params={"q": text, "top": 10})
            response.raise_for_status()
            return client

        def in_process(_, text):
            kompass.search(text, top=10)

        over_http(None, "uppvärmning").close()
        print(f"{len(questions())} distinct questions, cycled; server pid {server.pid} on 127.0.0.1:{port}")
        print(f"{'clients':>7} {'where':<10} {'requests':>8} {'errors':>6} {'req/s':>7} "
              f"{'p50 ms':>8} {'p95 ms':>8}   server p50 / in-process p50")
        local_position, remote_position = itertools.count(), itertools.count()
        for clients in levels:
            local = run_level(clients, args.requests, args.seconds, in_process, local_position)
            remote = run_level(clients, args.requests, args.seconds, over_http, remote_position)
            for name, row in (("in-process", local), ("server", remote)):
                print(f"{clients:>7} {name:<10} {row['requests']:>8} {row['errors']:>6} "
                      f"{row['per_second']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8}", end="")
                print(f"   {remote['p50_ms'] / local['p50_ms']:.2f}" if name == "server" else "")
        kompass.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
