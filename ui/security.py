"""Who may read and who may change the index: API keys compared in constant time.

Reading is open unless `read_key` is set; then the request must carry it (or the admin key) in
the `X-Kompass-Key` header or the `kompass_key` cookie (the UI's login sets the cookie).
Changes (upload, removal) need the admin key, and are switched off while none is set.

    key_ok(given, expected)      the one comparison (the Gradio UI uses it for its login)
    reader(settings)             a FastAPI dependency: may this request read?
    changer(settings)            a FastAPI dependency: may this request change the index?
    check_change(request, s)     the same check, callable before a request body is read
"""
from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader

from .settings import KEY_COOKIE, KEY_HEADER, ServerSettings

CHANGES_OFF = "uppladdning och borttagning är avstängda: sätt KOMPASS_ADMIN_KEY"
MISSING_KEY = f"nyckel saknas: skicka den i huvudet {KEY_HEADER}"
WRONG_KEY = "fel nyckel"
MISSING_ADMIN_KEY = f"administratörsnyckel saknas: skicka den i huvudet {KEY_HEADER}"
WRONG_ADMIN_KEY = "fel administratörsnyckel"

# Declared for OpenAPI (the docs' "Authorize" button); the checks below read the request itself.
_header = APIKeyHeader(name=KEY_HEADER, auto_error=False, scheme_name="nyckel",
                       description="API-nyckeln (KOMPASS_READ_KEY för läsning när den är satt, "
                                   "KOMPASS_ADMIN_KEY för uppladdning och borttagning)")
_cookie = APIKeyCookie(name=KEY_COOKIE, auto_error=False, scheme_name="kaka",
                       description="Samma nyckel som kaka (sätts av webbgränssnittets inloggning)")


def key_ok(given: str | None, expected: str | None) -> bool:
    """True when a key is expected and `given` is exactly it (constant time)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def request_key(request: Request) -> str | None:
    """The key a request carries: the header first, else the cookie."""
    return request.headers.get(KEY_HEADER) or request.cookies.get(KEY_COOKIE) or None


def may_read(request: Request, settings: ServerSettings) -> None:
    """Raise 401 unless reading is open or the request carries the read or the admin key."""
    if not settings.read_key:
        return
    given = request_key(request)
    if given is None:
        raise HTTPException(401, MISSING_KEY)
    if not (key_ok(given, settings.read_key) or key_ok(given, settings.admin_key)):
        raise HTTPException(401, WRONG_KEY)


def check_change(request: Request, settings: ServerSettings) -> None:
    """Raise 403 while changes are off (no admin key), 401 without the right admin key."""
    if not settings.changes_allowed:
        raise HTTPException(403, CHANGES_OFF)
    given = request_key(request)
    if given is None:
        raise HTTPException(401, MISSING_ADMIN_KEY)
    if not key_ok(given, settings.admin_key):
        raise HTTPException(401, WRONG_ADMIN_KEY)


def reader(settings: ServerSettings):
    """A dependency that lets a request read (see `may_read`)."""
    def read_access(request: Request, _h: str | None = Security(_header),
                    _c: str | None = Security(_cookie)) -> None:
        may_read(request, settings)
    return read_access


def changer(settings: ServerSettings):
    """A dependency that lets a request change the index (see `check_change`)."""
    def change_access(request: Request, _h: str | None = Security(_header),
                      _c: str | None = Security(_cookie)) -> None:
        check_change(request, settings)
    return change_access
