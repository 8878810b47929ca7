"""The HTTP API under /api/v1: the same results as the command line's JSON, over one shared
`Kompass`, plus uploads, conversations and offline API docs at /docs.

    add_routes(app, kompass, settings, uploads)   called by ui.server.create_app before the UI

Every error is JSON `{"detail": "<one Swedish line>"}`: 400 for values the library refuses,
401/403 for keys, 404 for what does not exist, 413/415 for uploads, 422 for malformed requests,
503 when the index itself fails. Blocking library calls run in FastAPI's thread pool (plain
`def` endpoints).
"""

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from assistant.chat import Conversation
from assistant.models import PageText, ReportSummary
from corpus.errors import InputError, KompassError

from .security import changer, check_change, reader
from .settings import KEY_HEADER, ServerSettings
from .uploads import TooLarge, UploadError, Uploads, megabytes

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
DOCS_STATIC = "/docs-static"
DOCS_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
              "favicon-32x32.png": "image/png", "favicon-16x16.png": "image/png"}
MULTIPART_SLACK = 64 * 1024  # a multipart body's boundaries and headers beside the file
CHUNK = 64 * 1024
CONVERSATIONS = 1000  # kept at once, least recently used dropped first
CONVERSATION_IDLE = 2 * 3600.0  # seconds without a turn before a conversation is forgotten
FILTER_TEXT = 100  # longest filter value accepted


# -- response models (the library's to_dict() shapes) ----------------------------------------
class Out(BaseModel):
    """A response object; fields a newer library adds pass through unchanged."""

    model_config = ConfigDict(extra="allow")


class ErrorOut(BaseModel):
    detail: str = Field(description="vad som är fel, en rad på svenska")


class AppliedFilterOut(Out):
    kind: str = Field(description="municipality | year | area | section")
    value: str
    words: str = Field(description="frågans ord som gav filtret (tomt när det följer med från tidigare)")


class PassageOut(Out):
    passage_id: int
    text: str
    report_id: str
    municipality: str
    display_name: str
    year: int | None
    area: int | None
    section: str
    page: int | None = Field(description="första sidan; null när filen inte anger sidor")
    page_end: int | None
    heading: str
    area_name: str | None
    section_label: str
    pages: list[int]


class HitOut(PassageOut):
    score: float


class CitationOut(PassageOut):
    number: int = Field(description="numret i svarets [n]")
    quote: str
    source: str = Field(description="källan i klartext: rapport, år, område, avsnitt, sida")
    passage_pages: list[int]


class UnderstoodOut(Out):
    query: str = Field(description="frågan")
    topic: str = Field(description="frågan utan de ord som blev filter")
    filters_applied: list[AppliedFilterOut]
    notes: list[str]


class SearchOut(UnderstoodOut):
    hits: list[HitOut]


class AskOut(UnderstoodOut):
    conversation_id: str = Field(description="skicka med i nästa fråga för en följdfråga")
    question: str = Field(description="frågan som den skrevs")
    route: Literal["fact", "passage", "examples", "wording"]
    kind: Literal["fact", "passage", "none"] = Field(
        description="fact: ur poängtabellerna; passage: citat ur rapporterna; none: inget svar i indexet")
    answer: str = Field(description="svaret, med [n] som hänvisar till citations")
    confidence: float | None
    groups: list[str]
    generation: dict[str, Any] | None
    citations: list[CitationOut]
    hits: list[HitOut] = Field(description="avsnitten bakom svaret (tom för följdfrågor)")
    filters_carried: list[AppliedFilterOut] = Field(description="filter som följer med från tidigare i samtalet")
    turn: int = Field(description="frågans nummer i samtalet")


class EvidenceOut(HitOut):
    quote: str
    quote_page: int | None
    quote_page_end: int | None
    stance: str
    cue: str | None
    relevance: float
    weight: float
    source: str


class ScoreUsedOut(Out):
    kind: str
    label: str
    value: int
    max: int
    median: float
    page: int | None


class ExampleOut(Out):
    municipality: str
    display_name: str
    year: int | None
    report_id: str
    strength: float
    parts: dict[str, float]
    explanation: str
    scores: list[ScoreUsedOut]
    evidence: list[EvidenceOut]
    earlier: list[dict[str, Any]]


class LackingOut(Out):
    report_id: str
    municipality: str
    year: int | None
    stance: str
    quote: str
    page: int | None


class ExamplesOut(UnderstoodOut):
    message: str
    reports_considered: int
    examples: list[ExampleOut]
    lacking: list[LackingOut]


class UseOut(Out):
    passage_id: int
    report_id: str
    municipality: str
    display_name: str
    year: int | None
    area: int | None
    area_name: str | None
    section: str
    section_label: str
    page: int | None
    page_end: int | None
    source: str


class WordingEntryOut(Out):
    text: str
    score: float
    reports: int
    uses: list[UseOut]
    variants: list[str]


class WordingOut(UnderstoodOut):
    message: str
    entries: list[WordingEntryOut]


@dataclass(frozen=True)
class PageOut(PageText):
    """A page of a report, with the passage a source pane marks."""

    highlight: int | None = None  # the `passage` asked for, echoed


class IngestOut(Out):
    report_id: str | None
    status: str = Field(description="new | updated | unchanged | duplicate | failed")
    duplicate_of: str | None
    passages: int
    embedded: int
    reused: int
    seconds: float
    warnings: list[str]
    error: str | None


class JobOut(Out):
    id: str
    name: str = Field(description="filens namn som den laddades upp (bara för visning)")
    format: str
    size: int
    status: Literal["queued", "running", "done", "failed"]
    created_at: float
    started_at: float | None
    finished_at: float | None
    result: IngestOut | None
    error: str | None


class HealthOut(Out):
    status: Literal["ok"]
    reports: int
    passages: int
    model: str
    schema_version: int
    generation: int = Field(description="ökas av varje ändring av indexet")
    store: Literal["sqlite", "postgresql"] = Field(description="var indexet ligger")
    changes_allowed: bool = Field(description="uppladdning och borttagning är påslagna (KOMPASS_ADMIN_KEY satt)")
    read_key_required: bool


# -- conversations ---------------------------------------------------------------------
class _Entry:
    __slots__ = ("conversation", "lock", "turns", "used")

    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.lock = threading.Lock()  # one turn at a time per conversation
        self.used = time.monotonic()
        self.turns = 0


class Conversations:
    """Conversations kept server-side: bounded, least recently used first out, forgotten after
    `idle` seconds without a turn. Thread-safe."""

    def __init__(self, limit: int = CONVERSATIONS, idle: float = CONVERSATION_IDLE, clock=time.monotonic):
        self.limit, self.idle, self.clock = limit, idle, clock
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, conversation: Conversation) -> tuple[str, _Entry]:
        key = secrets.token_hex(16)
        entry = _Entry(conversation)
        entry.used = self.clock()
        with self._lock:
            self._expire()
            self._items[key] = entry
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return key, entry

    def get(self, key: str) -> _Entry | None:
        with self._lock:
            self._expire()
            entry = self._items.get(key)
            if entry is not None:
                entry.used = self.clock()
                self._items.move_to_end(key)
            return entry

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _expire(self) -> None:
        now = self.clock()
        while self._items:
            key, oldest = next(iter(self._items.items()))
            if now - oldest.used <= self.idle:
                return
            del self._items[key]


def _understood(understood) -> dict[str, object]:
    """The understood question, as the command line's JSON has it."""
    return {"query": understood.question, "topic": understood.topic,
            "filters_applied": [a.to_dict() for a in understood.applied], "notes": list(understood.notes)}


# -- errors ----------------------------------------------------------------------------
ERRORS = {status: {"model": ErrorOut, "description": text} for status, text in (
    (400, "ett värde som inte går att använda (t.ex. okänd kommun, ogiltigt år)"),
    (401, "nyckel saknas eller är fel"),
    (422, "felaktigt anrop (parameter saknas, fel typ, för lång)"),
    (503, "indexet går inte att läsa"))}
STATUS_TEXT = {
    400: "felaktigt anrop", 401: "nyckel saknas eller är fel", 403: "åtkomst nekad",
    404: "adressen finns inte i API:t; se /docs", 405: "metoden stöds inte för den här adressen",
    406: "svarsformatet stöds inte", 408: "anropet tog för lång tid", 409: "konflikt",
    411: "Content-Length saknas", 413: "anropet är för stort", 415: "formatet stöds inte",
    422: "felaktigt anrop", 429: "för många anrop; försök igen om en stund",
    500: "internt fel i servern; försök igen eller kontakta administratören",
    503: "tjänsten är inte tillgänglig just nu; försök igen om en stund"}
ENGLISH = {"There was an error parsing the body": "anropets kropp går inte att läsa (fel format)"}


def _swedish_detail(status: int, detail: object) -> str:
    text = str(detail) if detail is not None else ""
    if text in ENGLISH:
        return ENGLISH[text]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if not text or text == phrase or not isinstance(detail, str):
        return STATUS_TEXT.get(status, "felaktigt anrop" if status < 500 else STATUS_TEXT[500])
    return text


def _params(dependant) -> Iterator[tuple[str, object]]:
    for kind, fields in (("query", dependant.query_params), ("path", dependant.path_params),
                         ("header", dependant.header_params), ("cookie", dependant.cookie_params)):
        for f in fields:
            yield f"{kind}:{f.alias}", f.field_info
    for sub in dependant.dependencies:
        yield from _params(sub)


def _bounds(request: Request, where: str, name: str) -> tuple[object, object]:
    """The declared (minimum, maximum) of a request parameter, from its route."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None, None
    for key, info in _params(dependant):
        if key == f"{where}:{name}":
            low = high = None
            for m in getattr(info, "metadata", []):
                low = getattr(m, "ge", low)
                high = getattr(m, "le", high)
            return low, high
    return None, None


def _integer(low, high) -> str:
    if low is not None and high is not None:
        return f"ett heltal {low}–{high}"
    if low is not None:
        return f"ett heltal, minst {low}"
    if high is not None:
        return f"ett heltal, högst {high}"
    return "ett heltal"


def validation_message(request: Request, errors: list[dict[str, Any]]) -> str:
    """The first validation error as one Swedish line that names the field."""
    if not errors:
        return "felaktigt anrop"
    error = errors[0]
    loc = [str(p) for p in error.get("loc", ())]
    where, name = (loc[0] if loc else ""), ".".join(loc[1:])
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if where == "body" and not name:
        if kind == "missing":
            return "anropets kropp saknas: skicka JSON, t.ex. {\"question\": \"...\"}"
        if kind == "json_invalid":
            return "anropets kropp är inte giltig JSON"
        return "anropets kropp måste vara ett JSON-objekt"
    if where == "body" and kind == "json_invalid":
        return "anropets kropp är inte giltig JSON"
    if where == "body" and name == "file" and kind in ("missing", "value_error"):
        return "filen saknas: skicka rapporten i formulärfältet file (multipart/form-data)"
    subject = {"query": f"parametern {name}", "path": f"adressdelen {name}", "body": f"fältet {name}",
               "header": f"huvudet {name}", "cookie": f"kakan {name}"}.get(where, name or "anropet")
    if kind == "missing":
        return f"{subject} saknas"
    if kind in ("int_parsing", "int_type", "int_from_float", "greater_than_equal", "less_than_equal",
                "greater_than", "less_than"):
        low, high = _bounds(request, where, name)
        low = ctx.get("ge", low) if low is None else low
        high = ctx.get("le", high) if high is None else high
        return f"{subject} måste vara {_integer(low, high)}"
    if kind == "string_too_long":
        given = error.get("input")
        now = f" (nu {len(given)})" if isinstance(given, str) else ""
        return f"{subject} får vara högst {ctx.get('max_length')} tecken{now}"
    if kind == "string_too_short":
        return f"{subject} får inte vara tom" if ctx.get("min_length") == 1 else \
            f"{subject} måste vara minst {ctx.get('min_length')} tecken"
    if kind == "bool_parsing" or kind == "bool_type":
        return f"{subject} måste vara true eller false"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", " eller ")
        return f"{subject} måste vara en av {expected}"
    if kind in ("string_type", "string_unicode"):
        return f"{subject} måste vara text"
    if kind == "extra_forbidden":
        return f"okänt fält {name}"
    if kind == "string_pattern_mismatch":
        return f"{subject} har fel format"
    if kind in ("float_parsing", "float_type"):
        return f"{subject} måste vara ett tal"
    return f"ogiltigt värde för {subject}"


def _json_error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error as `{"detail": "<Swedish line>"}`, never a trace."""

    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _json_error(422, validation_message(request, list(exc.errors())))

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304) or exc.status_code < 400:
            return Response(status_code=exc.status_code, headers=exc.headers)
        return _json_error(exc.status_code, _swedish_detail(exc.status_code, exc.detail),
                           getattr(exc, "headers", None))

    async def kompass_error(request: Request, exc: KompassError) -> JSONResponse:
        if isinstance(exc, UploadError):
            return _json_error(exc.status, str(exc))
        if isinstance(exc, InputError):
            return _json_error(400, str(exc))
        log.error("index error on %s: %s", request.url.path, exc)
        return _json_error(503, str(exc) or STATUS_TEXT[503])

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _json_error(500, STATUS_TEXT[500])

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(KompassError, kompass_error)
    app.add_exception_handler(Exception, unexpected)


# -- uploads: checked before the body is read ------------------------------------------
def _too_large(limit: int) -> str:
    return f"filen är för stor; högst {megabytes(limit)}"


def _bounded(receive, limit: int, message: str):
    """`receive` that refuses a body longer than `limit` bytes (413) as it arrives."""
    seen = 0

    async def bounded() -> dict[str, Any]:
        nonlocal seen
        msg = await receive()
        if msg.get("type") == "http.request":
            seen += len(msg.get("body", b""))
            if seen > limit:
                raise HTTPException(413, message)
        return msg
    return bounded


def upload_route(settings: ServerSettings) -> type[APIRoute]:
    """A route that checks the admin key and the declared and the real size of the body before
    FastAPI parses it (parsing spools the whole body to disk)."""

    class UploadRoute(APIRoute):
        def get_route_handler(self):
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                check_change(request, settings)
                limit = settings.max_upload_bytes + MULTIPART_SLACK
                message = _too_large(settings.max_upload_bytes)
                declared = request.headers.get("content-length")
                if declared is not None:
                    if not declared.strip().isdigit():
                        raise HTTPException(400, "ogiltig Content-Length")
                    if int(declared) > limit:
                        raise HTTPException(413, message)
                return await handler(Request(request.scope, _bounded(request.receive, limit, message)))
            return guarded
    return UploadRoute


# -- OpenAPI 3.0 for the bundled Swagger UI (4.x reads 3.0 only) -----------------------------
def openapi_30(spec: object) -> object:
    """FastAPI's OpenAPI 3.1 document rewritten as 3.0 for Swagger UI 4: nullable instead of a
    `null` type, binary strings instead of contentMediaType, enum instead of const."""
    if isinstance(spec, list):
        return [openapi_30(v) for v in spec]
    if not isinstance(spec, dict):
        return spec
    out = {k: openapi_30(v) for k, v in spec.items()}
    if "openapi" in out and isinstance(out["openapi"], str):
        out["openapi"] = "3.0.3"
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del out[key]
            if len(rest) == 1 and "$ref" not in rest[0]:
                out.update(rest[0])
            elif len(rest) == 1:
                out["allOf"] = rest
            else:
                out[key] = rest
            out["nullable"] = True
    if "contentMediaType" in out:
        out.pop("contentMediaType")
        out["format"] = "binary"
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list) and out.get("type"):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    return out


def add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle package's files (no CDN)."""
    import swagger_ui_bundle

    folder = Path(swagger_ui_bundle.swagger_ui_path)
    cache: dict[str, object] = {}
    # FastAPI's own /docs and /redoc load their scripts from a CDN: never those.
    cdn = {u for u in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if u}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in cdn]
    app.docs_url = app.redoc_url = None

    @app.get(f"{DOCS_STATIC}/{{name}}", include_in_schema=False)
    def docs_static(name: str) -> FileResponse:
        if name not in DOCS_FILES:
            raise HTTPException(404, "filen finns inte")
        return FileResponse(folder / name, media_type=DOCS_FILES[name],
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/docs/openapi.json", include_in_schema=False)
    def docs_openapi() -> JSONResponse:
        if "spec" not in cache:
            cache["spec"] = openapi_30(app.openapi())
        return JSONResponse(cache["spec"])

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}/docs/openapi.json", title=f"{app.title} – API",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon-32x32.png")


# -- the routes ------------------------------------------------------------------------
def add_routes(app: FastAPI, kompass, settings: ServerSettings, uploads: Uploads) -> APIRouter:
    """Add /api/v1, /docs and the error handlers to `app`; returns the API's router."""
    max_chars = kompass.config.max_query_chars
    conversations = Conversations()
    app.state.conversations = conversations
    read = Depends(reader(settings))
    change = Depends(changer(settings))
    router = APIRouter(prefix=PREFIX, responses=ERRORS)

    Q = Annotated[str, Query(min_length=1, max_length=max_chars, description="frågan, med egna ord",
                             examples=["servicedeklarationer"])]
    Municipality = Annotated[str | None, Query(max_length=FILTER_TEXT,
                                               description="endast denna kommun, t.ex. Enköping")]
    Year = Annotated[str | None, Query(max_length=FILTER_TEXT, description="år eller intervall: 2016, 2014-2017")]
    Area = Annotated[str | None, Query(max_length=FILTER_TEXT, description="område: 1–8 eller namn")]
    Section = Annotated[str | None, Query(max_length=FILTER_TEXT,
                                          description="avsnitt: styrkor, forbattringsmojligheter, "
                                                      "sammanfattning, allmant, poang, delfragor, ...")]
    AutoFilters = Annotated[bool, Query(description="läs kommun, år, område och avsnitt ur frågan")]

    class AskIn(BaseModel):
        model_config = ConfigDict(extra="forbid", json_schema_extra={
            "examples": [{"question": "Vilket område fick lägst poäng?"},
                         {"question": "bara förbättringsområden", "conversation_id": "…"}]})
        question: str = Field(min_length=1, max_length=max_chars, description="frågan")
        conversation_id: str | None = Field(None, max_length=64,
                                            description="fortsätt ett samtal (från ett tidigare svar)")
        municipality: str | None = Field(None, max_length=FILTER_TEXT)
        year: str | None = Field(None, max_length=FILTER_TEXT)
        area: str | None = Field(None, max_length=FILTER_TEXT)
        section: str | None = Field(None, max_length=FILTER_TEXT)
        auto_filters: bool = True

    def known(report_id: str) -> None:
        if not kompass.has_report(report_id):
            raise HTTPException(404, f"rapporten {report_id!r} finns inte i indexet; se GET {PREFIX}/reports")

    @router.get("/search", response_model=SearchOut, tags=["sök"], dependencies=[read],
                summary="Sök avsnitt", description="Avsnitt ur rapporterna, bäst först (som `kompass search --json`).")
    def search(q: Q, top: Annotated[int, Query(ge=1, le=200, description="antal träffar")] = 10,
               municipality: Municipality = None, year: Year = None, area: Area = None,
               section: Section = None,
               mode: Annotated[Literal["hybrid", "lexical", "dense"],
                               Query(description="hybrid = ord och betydelse")] = "hybrid",
               auto_filters: AutoFilters = True) -> dict[str, object]:
        understood = kompass.prepare(q, municipality, year, area, section, auto_filters=auto_filters)
        hits = kompass.search(understood.topic, top=top, filters=understood.filters, mode=mode)
        return {**_understood(understood), "hits": [h.to_dict() for h in hits]}

    @router.get("/examples", response_model=ExamplesOut, tags=["sök"], dependencies=[read],
                summary="Goda exempel", description="Kommuner som är starka på ämnet, med belägg och poäng "
                                                    "(som `kompass examples --json`).")
    def examples(q: Q, top: Annotated[int, Query(ge=1, le=100, description="antal kommuner")] = 10,
                 municipality: Municipality = None, year: Year = None, area: Area = None,
                 auto_filters: AutoFilters = True) -> dict[str, object]:
        understood = kompass.prepare(q, municipality, year, area, None, auto_filters=auto_filters,
                                     sections=False)
        result = kompass.examples(understood.topic, top=top, filters=understood.filters, auto_filters=False)
        result.query, result.applied, result.notes = q, list(understood.applied), list(understood.notes)
        return result.to_dict()

    @router.get("/wording", response_model=WordingOut, tags=["sök"], dependencies=[read],
                summary="Formuleringar", description="Hur tidigare rapporter uttryckt något, ordagrant "
                                                     "(som `kompass wording --json`).")
    def wording(q: Q, top: Annotated[int, Query(ge=1, le=100, description="antal formuleringar")] = 10,
                section: Section = None, municipality: Municipality = None, year: Year = None,
                area: Area = None, auto_filters: AutoFilters = True) -> dict[str, object]:
        kompass.check_query(q)
        given = kompass.filters(municipality, year, area, section)
        return kompass.wording(q, top=top, filters=given, auto_filters=auto_filters).to_dict()

    @router.post("/ask", response_model=AskOut, tags=["sök"], dependencies=[read],
                 summary="Fråga", responses={404: {"model": ErrorOut, "description": "okänt samtal"}},
                 description="Ett svar med källhänvisningar: fakta ur poängtabellerna eller citat ur "
                             "rapporterna (som `kompass ask --json`). Svaret har ett conversation_id; "
                             "skicka det med nästa fråga för en följdfråga (\"bara förbättringsområden\", "
                             "\"och 2017?\", \"fler\"). Filter anges i samtalets första fråga; i en "
                             "följdfråga skrivs de i frågan.")
    def ask(body: AskIn) -> dict[str, object]:
        if body.conversation_id is None:
            return first_turn(body)
        entry = conversations.get(body.conversation_id)
        if entry is None:
            raise HTTPException(404, "samtalet finns inte (okänt id eller för länge sedan): "
                                     "ställ frågan utan conversation_id")
        if any((body.municipality, body.year, body.area, body.section)):
            raise InputError("filter anges i samtalets första fråga; i en följdfråga skriver du dem i "
                             "frågan, t.ex. 'och 2017?' eller 'bara Enköping'")
        with entry.lock:
            reply = entry.conversation.ask(kompass, body.question)
            entry.turns += 1
            turn = entry.turns
        data = reply.to_dict()
        kind = "fact" if reply.route == "fact" else ("passage" if reply.citations else "none")
        return {**data, "conversation_id": body.conversation_id, "query": reply.question, "kind": kind,
                "confidence": None, "groups": [], "generation": None, "hits": [], "notes": [],
                "turn": turn}

    def first_turn(body) -> dict[str, object]:
        understood = kompass.prepare(body.question, body.municipality, body.year, body.area,
                                     body.section, auto_filters=body.auto_filters)
        answer = kompass.ask(understood.topic, filters=understood.filters)
        conversation = Conversation.started(understood, answer)
        route = conversation.route
        key, entry = conversations.add(conversation)
        entry.turns = 1
        return {**answer.to_dict(), **_understood(understood), "conversation_id": key,
                "question": body.question, "route": route, "filters_carried": [], "turn": 1}

    @router.get("/reports", response_model=list[ReportSummary], tags=["rapporter"], dependencies=[read],
                summary="Rapporterna i indexet", description="Varje rapport med områdespoäng och filer.")
    def reports(questions: Annotated[bool, Query(description="med varje områdes delfrågor")] = False
                ) -> list[dict[str, object]]:
        return [r.to_dict() for r in kompass.reports(questions=questions)]

    @router.get("/reports/jobs", response_model=list[JobOut], tags=["uppladdning"], dependencies=[change],
                summary="Uppladdningar", description="De senaste uppladdningarna, nyast först (administratörsnyckel).")
    def jobs() -> list[dict[str, object]]:
        return [j.to_dict() for j in uploads.jobs()]

    @router.get("/reports/jobs/{job_id}", response_model=JobOut, tags=["uppladdning"], dependencies=[read],
                summary="En uppladdnings status", description="queued → running → done eller failed.",
                responses={404: {"model": ErrorOut, "description": "okänd uppladdning"}})
    def job(job_id: Annotated[str, PathParam(max_length=64)]) -> dict[str, object]:
        found = uploads.job(job_id)
        if found is None:
            raise HTTPException(404, f"uppladdningen {job_id!r} finns inte (eller är för gammal)")
        return found.to_dict()

    @router.get("/reports/{report_id}", response_model=ReportSummary, tags=["rapporter"], dependencies=[read],
                summary="En rapport", description="Rapporten med område- och delfrågepoäng.",
                responses={404: {"model": ErrorOut, "description": "okänd rapport"}})
    def report(report_id: Annotated[str, PathParam(max_length=200)]) -> dict[str, object]:
        known(report_id)
        return kompass.report(report_id).to_dict()

    @router.get("/reports/{report_id}/pages/{n}", response_model=PageOut, tags=["rapporter"],
                dependencies=[read], summary="En sida", description="Sidans text avsnitt för avsnitt "
                "(källrutan bredvid ett citat); `passage` kommer tillbaka som `highlight`.",
                responses={404: {"model": ErrorOut, "description": "okänd rapport eller sida"}})
    def page(report_id: Annotated[str, PathParam(max_length=200)],
             n: Annotated[int, PathParam(ge=1, le=100_000, description="sidnummer")],
             passage: Annotated[int | None, Query(ge=1, description="avsnittet att markera")] = None
             ) -> dict[str, object]:
        known(report_id)
        try:
            text = kompass.page(report_id, n)
        except InputError as exc:
            raise HTTPException(404, str(exc)) from None
        return {**text.to_dict(), "highlight": passage}

    async def upload(file: Annotated[UploadFile, File(description="rapporten: PDF, Word (.docx), "
                                                                    "webbsida eller text (UTF-8)")]
                     ) -> dict[str, object]:
        limit = settings.max_upload_bytes
        chunks, size = [], 0
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(_too_large(limit))
            chunks.append(chunk)
        job = await run_in_threadpool(uploads.submit, b"".join(chunks), file.filename)
        return job.to_dict()

    router.add_api_route(
        "/reports", upload, methods=["POST"], status_code=202, response_model=JobOut,
        dependencies=[change], tags=["uppladdning"], route_class_override=upload_route(settings),
        summary="Ladda upp en rapport",
        description=f"Filen läses in i bakgrunden (följ den med GET {PREFIX}/reports/jobs/{{id}}); "
                    "sökningar fungerar under tiden. Kräver administratörsnyckeln i " + KEY_HEADER + ".",
        responses={403: {"model": ErrorOut, "description": "uppladdning avstängd"},
                   413: {"model": ErrorOut, "description": "filen är för stor"},
                   415: {"model": ErrorOut, "description": "filtypen stöds inte"}})

    @router.delete("/reports/{report_id}", status_code=204, response_class=Response, tags=["rapporter"],
                   dependencies=[change], summary="Ta bort en rapport",
                   description="Tar bort rapporten ur indexet (och en uppladdad fil till den). "
                               "Kräver administratörsnyckeln.",
                   responses={403: {"model": ErrorOut, "description": "borttagning avstängd"},
                              404: {"model": ErrorOut, "description": "okänd rapport"}})
    def delete(report_id: Annotated[str, PathParam(max_length=200)]) -> Response:
        known(report_id)
        files = [s.path for s in kompass.report(report_id).sources]
        try:
            kompass.remove(report_id)
        except InputError as exc:  # removed meanwhile
            raise HTTPException(404, str(exc)) from None
        uploads.discard(files)
        return Response(status_code=204)

    @router.get("/health", response_model=HealthOut, tags=["drift"], summary="Status",
                description="Indexets storlek och modell; läser inget med modellen.")
    def health() -> dict[str, object]:
        return {"status": "ok", **kompass.status().to_dict(),
                "changes_allowed": settings.changes_allowed, "read_key_required": bool(settings.read_key)}

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                      include_in_schema=False)
    def unknown(request: Request, rest: str) -> Response:
        for route in router.routes:
            if route.path_format.endswith("{rest:path}"):
                continue
            match, _ = route.matches({**request.scope, "path": f"{PREFIX}/{rest}", "root_path": ""})
            if match == Match.PARTIAL:
                allowed = ", ".join(sorted(route.methods or ()))
                raise HTTPException(405, f"metoden {request.method} stöds inte här; använd {allowed}",
                                    headers={"Allow": allowed})
        raise HTTPException(404, f"{PREFIX}/{rest} finns inte i API:t; se /docs")

    install_error_handlers(app)
    app.include_router(router)
    add_docs(app)
    return router
