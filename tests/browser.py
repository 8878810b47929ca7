"""Helpers for the browser tests: serve an ASGI app with uvicorn on a free loopback port in a
background thread, and drive Debian's Chromium (/usr/bin/chromium, `make system-test-deps`)
through Playwright, recording every request a page makes off the machine.

Never `playwright install`: the tests use the system Chromium only. Gradio must not phone home,
so GRADIO_ANALYTICS_ENABLED is set here, before anything imports gradio (import this module
first in a browser test).
"""
from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name fails to resolve except the loopback address the app is served on.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(app, host: str = "127.0.0.1", port: int | None = None,
          timeout: float = 30.0) -> Iterator[str]:
    """Serve the ASGI `app` with uvicorn in a daemon thread; yield its base URL
    ("http://127.0.0.1:PORT", no trailing slash) once it accepts connections, and stop it
    cleanly (should_exit, then join) on leaving the block. The app's lifespan runs."""
    import uvicorn

    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                            ws="none")
    server = uvicorn.Server(config)
    # In a background thread the server must not touch signal handlers.
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"uvicorn on {host}:{port} exited before it started")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"uvicorn on {host}:{port} did not start in {timeout} s")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():  # a connection that would not close: force it
            server.force_exit = True
            thread.join(5)


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine: loopback hosts and the browser's own schemes
    (data:, blob:, about:, chrome:, ...)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS or (parts.hostname or "").startswith("127.")


@dataclass
class RequestLog:
    """Every request the pages of a context made, and the ones that left the machine."""
    all: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def record(self, url: str) -> None:
        self.all.append(url)
        if not is_local(url):
            self.external.append(url)


@dataclass
class Browser:
    browser: object  # playwright.sync_api.Browser
    context: object  # playwright.sync_api.BrowserContext
    requests: RequestLog

    def new_page(self):
        return self.context.new_page()


@contextlib.contextmanager
def chromium(**context_options) -> Iterator[Browser]:
    """Launch the system Chromium headless through Playwright; yield a Browser whose context
    records every request (`.requests.external` lists those to hosts other than loopback,
    including websockets and service-worker fetches). Extra keyword arguments go to
    `browser.new_context` (e.g. viewport=..., permissions=["clipboard-read",
    "clipboard-write"])."""
    from playwright.sync_api import sync_playwright

    log = RequestLog()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            context = browser.new_context(**context_options)
            context.on("request", lambda request: log.record(request.url))
            context.on("page", lambda page: page.on("websocket", lambda ws: log.record(ws.url)))
            context.set_default_timeout(15_000)
            yield Browser(browser, context, log)
            context.close()
        finally:
            browser.close()
