"""One server process: the FastAPI service under /api/v1 and the Gradio UI at /, over one
`Kompass` that the lifespan opens once (model, index, search copy) before the first request.

    create_app()            the ASGI app (tests serve it on a loopback port)
    serve(host, port)       `kompass serve`: uvicorn on 127.0.0.1 unless told otherwise
"""
from __future__ import annotations

import errno
import os
import socket

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no version check or analytics calls
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from contextlib import asynccontextmanager  # noqa: E402

from anyio import to_thread  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from assistant.config import Config  # noqa: E402
from assistant.kompass import Kompass  # noqa: E402
from corpus.errors import InputError  # noqa: E402

from .settings import ServerSettings  # noqa: E402
from .uploads import Uploads  # noqa: E402


def create_app(kompass: Kompass | None = None, settings: ServerSettings | None = None,
               config: Config | None = None) -> FastAPI:
    """The app: API routes first (a mount at / would shadow later routes), then the UI."""
    from .api import add_routes
    from .web import mount

    settings = settings or ServerSettings.from_env()
    owned = kompass is None
    kompass = kompass or Kompass(config or Config.from_env())
    uploads = Uploads(kompass, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await to_thread.run_sync(kompass.open)
        uploads.start()
        try:
            yield
        finally:
            uploads.stop()
            if owned:
                kompass.close()

    app = FastAPI(title="Kompass", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Sök och citerade svar i KommunKompassens utvärderingsrapporter.")
    app.state.kompass, app.state.settings, app.state.uploads = kompass, settings, uploads
    add_routes(app, kompass, settings, uploads)
    return mount(app, kompass, settings, uploads)


def check_address(host: str, port: int) -> None:
    """A clear error before the model is loaded when the address cannot be used."""
    if not 1 <= port <= 65535:
        raise InputError(f"ogiltig port {port}: välj 1–65535")
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise InputError(f"okänd adress {host!r}: ange t.ex. 127.0.0.1 eller 0.0.0.0") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(f"porten {port} används redan (kanske av en annan kompass serve): "
                                 "välj en annan med --port eller KOMPASS_PORT") from None
            raise InputError(f"kan inte lyssna på {host}:{port} ({exc.strerror}); välj en annan "
                             "adress eller port") from None


def serve(host: str | None = None, port: int | None = None, config: Config | None = None,
          ready=lambda url: None) -> None:
    """Run the server in the foreground until Ctrl-C (`kompass serve`); `ready(url)` once it
    accepts connections."""
    import uvicorn

    settings = ServerSettings.from_env(host=host, port=port)
    check_address(settings.host, settings.port)
    app = create_app(settings=settings, config=config)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    url = f"http://{'127.0.0.1' if settings.host in ('0.0.0.0', '') else settings.host}:{settings.port}/"
    original = server.startup

    async def startup(sockets=None) -> None:
        await original(sockets)
        if server.started:
            ready(url)

    server.startup = startup  # type: ignore[method-assign]
    server.run()
