"""The HTTP API (ui/api.py) against the real sample index and model: the same results as the
command line's JSON, Swedish one-line errors for every bad request, keys, docs without a CDN,
and a real server on a loopback port. Uploads and removals: tests/test_uploads.py."""
from __future__ import annotations

import json
import re

import browser  # tests/browser.py: serve(app) on a loopback port
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.cli import _understood_dict
from ui.api import Conversations, add_routes, openapi_30
from ui.settings import KEY_COOKIE, KEY_HEADER, ServerSettings
from ui.uploads import Uploads

ADMIN = "admin-nyckel-123"
SCORES = [54, 55, 63, 42, 43, 55, 56, 66]
ENGLISH = re.compile(r"Field required|Input should|Not Found|Method Not Allowed|value is not|"
                     r"Unprocessable|Internal Server Error|Traceback|There was an error")


def make_app(kompass, **settings) -> FastAPI:
    settings = ServerSettings(**settings)
    app = FastAPI(title="Kompass", docs_url=None, redoc_url=None)
    add_routes(app, kompass, settings, Uploads(kompass, settings))  # no upload reaches its worker here
    return app


@pytest.fixture(scope="module")
def client(kompass):
    """Read-only: the session Kompass on the built sample index; no request may change it."""
    kompass.open()
    with TestClient(make_app(kompass, admin_key=ADMIN), raise_server_exceptions=False) as c:
        yield c


def error(response, status: int, *words: str) -> str:
    """The response is `{"detail": <one Swedish line>}` with `status`, naming `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str), body
    detail = body["detail"]
    assert "\n" not in detail and not ENGLISH.search(detail), detail
    for word in words:
        assert word in detail, (word, detail)
    return detail


def same(data) -> object:
    return json.loads(json.dumps(data))


# -- reading ---------------------------------------------------------------------------
def test_health(client, kompass):
    data = client.get("/api/v1/health").json()
    assert data["status"] == "ok" and data["reports"] == 1
    assert data["passages"] == kompass.store.passage_count() > 50
    assert data["model"] == kompass.store.model_name and data["schema_version"] >= 1
    assert data["store"] == "sqlite"
    assert data["changes_allowed"] is True and data["read_key_required"] is False


def test_search_returns_the_cli_json(client, kompass):
    response = client.get("/api/v1/search", params={"q": "servicedeklarationer"})
    assert response.status_code == 200
    data = response.json()
    hits = data["hits"]
    assert len(hits) == 10 and hits[0]["report_id"] == "enkoping-2016"
    assert any("servicedeklaration" in h["text"].lower() for h in hits[:3])
    assert all(h["pages"] and h["page"] == h["pages"][0] for h in hits)
    # The same fields and values as `kompass search --json`.
    understood = kompass.prepare("servicedeklarationer")
    expected = kompass.search(understood.topic, top=10, filters=understood.filters)
    assert data == same({**_understood_dict(understood), "hits": [h.to_dict() for h in expected]})


def test_search_filters(client):
    data = client.get("/api/v1/search", params={"q": "styrkor inom medborgardialog", "top": 3}).json()
    assert [(a["kind"], a["value"]) for a in data["filters_applied"]] == [("section", "styrkor")]
    assert len(data["hits"]) == 3 and {h["section"] for h in data["hits"]} == {"styrkor"}
    data = client.get("/api/v1/search", params={"q": "styrkor inom medborgardialog", "auto_filters": "false",
                                               "municipality": "Enköpings", "year": "2014-2017",
                                               "area": "1", "mode": "lexical"}).json()
    assert data["filters_applied"] == [] and data["hits"]
    assert {h["area"] for h in data["hits"]} == {1}


def test_bad_values_are_swedish_4xx(client):
    search = "/api/v1/search"
    error(client.get(search, params={"q": "x" * 10_000}), 422, "parametern q", "högst 1000 tecken")
    error(client.get(search), 422, "parametern q saknas")
    error(client.get(search, params={"q": ""}), 422, "parametern q")
    error(client.get(search, params={"q": "   "}), 400, "frågan är tom")
    error(client.get(search, params={"q": "x", "top": "abc"}), 422, "parametern top måste vara ett heltal 1–200")
    error(client.get(search, params={"q": "x", "top": 0}), 422, "parametern top måste vara ett heltal 1–200")
    error(client.get(search, params={"q": "x", "top": 201}), 422, "1–200")
    error(client.get("/api/v1/examples", params={"q": "x", "top": 101}), 422, "parametern top", "1–100")
    error(client.get(search, params={"q": "x", "area": 99}), 400, "okänt område '99'")
    error(client.get(search, params={"q": "x", "year": "abc"}), 400, "ogiltigt år 'abc'")
    error(client.get(search, params={"q": "x", "year": "2017-2014"}), 400, "startåret")
    error(client.get(search, params={"q": "x", "municipality": "Gnarpby"}), 400, "okänd kommun", "Enköping")
    error(client.get(search, params={"q": "x", "section": "kapitel"}), 400, "okänd sektion")
    error(client.get(search, params={"q": "x", "mode": "snabb"}), 422, "parametern mode", "'hybrid'", "eller")
    error(client.get(search, params={"q": "x", "auto_filters": "kanske"}), 422, "true eller false")
    error(client.get(search, params={"q": "x", "municipality": "E" * 500}), 422, "parametern municipality")
    error(client.get("/api/v1/wording", params={"q": "x", "area": "nio"}), 400, "okänt område")


def test_unknown_routes_and_methods(client):
    error(client.get("/api/v1/finns-inte"), 404, "finns inte i API:t")
    error(client.get("/api/v1/reports/a/b/c/d"), 404, "finns inte i API:t")
    response = client.put("/api/v1/search")
    error(response, 405, "PUT", "GET")
    assert response.headers["allow"] == "GET"


def test_ask_fact_cites_a_page(client):
    response = client.post("/api/v1/ask", json={"question": "Vilket område fick lägst poäng?"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["kind"] == "fact" and data["route"] == "fact" and data["turn"] == 1
    assert "42" in data["answer"] and "Ledarskap" in data["answer"]
    assert data["citations"] and all(c["page"] for c in data["citations"])
    assert re.fullmatch(r"[0-9a-f]{32}", data["conversation_id"])
    # Everything `kompass ask --json` prints is there.
    assert {"query", "answer", "kind", "confidence", "groups", "generation", "citations", "hits", "topic",
            "filters_applied", "notes"} <= data.keys()
    assert {"filters_carried", "question", "route"} <= data.keys()


def test_ask_follow_up_in_a_conversation(client):
    first = client.post("/api/v1/ask", json={"question": "Hur arbetar kommunen med medborgardialog?"}).json()
    assert first["kind"] == "passage" and first["citations"] and first["hits"]
    cid = first["conversation_id"]
    follow = client.post("/api/v1/ask", json={"question": "bara förbättringsområden", "conversation_id": cid})
    assert follow.status_code == 200, follow.text
    data = follow.json()
    assert data["conversation_id"] == cid and data["turn"] == 2 and data["route"] == "passage"
    assert data["topic"] == first["topic"]
    assert [(a["kind"], a["value"]) for a in data["filters_applied"]] == [("section", "forbattringsmojligheter")]
    assert data["citations"] and {c["section"] for c in data["citations"]} == {"forbattringsmojligheter"}
    assert data.keys() == first.keys()  # one shape for first questions and follow-ups
    more = client.post("/api/v1/ask", json={"question": "fler", "conversation_id": cid}).json()
    assert more["turn"] == 3 and not ({c["passage_id"] for c in more["citations"]}
                                      & {c["passage_id"] for c in data["citations"]})
    error(client.post("/api/v1/ask", json={"question": "och 2017?", "conversation_id": "0" * 32}),
          404, "samtalet finns inte")
    error(client.post("/api/v1/ask", json={"question": "och?", "conversation_id": cid, "year": "2016"}),
          400, "följdfråga")


def test_ask_bad_requests(client):
    error(client.post("/api/v1/ask"), 422, "anropets kropp saknas")
    error(client.post("/api/v1/ask", content=b"{inte json", headers={"content-type": "application/json"}),
          422, "JSON")
    error(client.post("/api/v1/ask", json=["en lista"]), 422, "JSON-objekt")
    error(client.post("/api/v1/ask", json={"fråga": "x"}), 422, "fältet question saknas")
    error(client.post("/api/v1/ask", json={"question": "x", "extra": 1}), 422, "okänt fält extra")
    error(client.post("/api/v1/ask", json={"question": "x" * 10_000}), 422, "fältet question", "högst 1000")
    error(client.post("/api/v1/ask", json={"question": "x", "area": "99"}), 400, "okänt område")
    error(client.post("/api/v1/ask", json={"question": 5}), 422, "fältet question måste vara text")


def test_examples_and_wording_return_the_cli_json(client, kompass):
    query = "Vem arbetar bra med servicedeklarationer?"
    data = client.get("/api/v1/examples", params={"q": query}).json()
    assert data["query"] == query and data["topic"] == "servicedeklarationer"
    assert data["reports_considered"] == 1 and data["message"]
    # The sample report says Enköping lacks them: listed as lacking, with its page.
    assert [(x["report_id"], bool(x["page"])) for x in data["lacking"]] == [("enkoping-2016", True)]
    understood = kompass.prepare(query, sections=False)
    expected = kompass.examples(understood.topic, filters=understood.filters, auto_filters=False)
    expected.query, expected.applied, expected.notes = query, list(understood.applied), list(understood.notes)
    assert data == same(expected.to_dict())

    data = client.get("/api/v1/wording", params={"q": "servicedeklarationer saknas", "top": 3}).json()
    assert len(data["entries"]) == 3
    first = data["entries"][0]
    assert "servicedeklarationer" in first["text"]
    assert first["uses"][0]["report_id"] == "enkoping-2016" and first["uses"][0]["page"]
    assert data == same(kompass.wording("servicedeklarationer saknas", top=3).to_dict())
    only = client.get("/api/v1/wording", params={"q": "servicedeklarationer",
                                                 "section": "forbattringsmojligheter"}).json()
    assert {u["section"] for e in only["entries"] for u in e["uses"]} == {"forbattringsmojligheter"}


def test_reports_and_one_report(client):
    data = client.get("/api/v1/reports").json()
    assert [r["report_id"] for r in data] == ["enkoping-2016"]
    report = data[0]
    assert [a["score"] for a in report["areas"]] == SCORES and report["total_score"] == 434
    assert report["display_name"] == "Enköpings kommun" and report["year"] == 2016
    assert all(a["questions"] == [] for a in report["areas"])
    with_questions = client.get("/api/v1/reports", params={"questions": "true"}).json()[0]
    one = client.get("/api/v1/reports/enkoping-2016").json()
    assert one == with_questions
    assert [a["score"] for a in one["areas"]] == SCORES and one["total_score"] == 434
    assert sum(len(a["questions"]) for a in one["areas"]) >= 5
    question = one["areas"][0]["questions"][0]
    assert question["number"] == "1.1" and question["maximum"] and question["page"]
    error(client.get("/api/v1/reports/finns-inte-1999"), 404, "finns-inte-1999", "finns inte i indexet")
    error(client.get("/api/v1/reports/" + "x" * 300), 422, "adressdelen report_id")


def test_page_text_with_highlight(client):
    data = client.get("/api/v1/reports/enkoping-2016/pages/8").json()
    assert data["page"] == 8 and data["page_count"] == 23 and data["highlight"] is None
    assert data["parts"] and sum(len(p["text"]) for p in data["parts"]) > 500
    passage = data["parts"][1]["passage_id"]
    marked = client.get("/api/v1/reports/enkoping-2016/pages/8", params={"passage": passage}).json()
    assert marked["highlight"] == passage and marked["parts"] == data["parts"]
    error(client.get("/api/v1/reports/enkoping-2016/pages/99"), 404, "sidan 99", "1–23")
    error(client.get("/api/v1/reports/enkoping-2016/pages/0"), 422, "adressdelen n")
    error(client.get("/api/v1/reports/enkoping-2016/pages/åtta"), 422, "adressdelen n", "heltal")
    error(client.get("/api/v1/reports/okand-2000/pages/1"), 404, "okand-2000")
    error(client.get("/api/v1/reports/enkoping-2016/pages/8", params={"passage": "x"}), 422, "parametern passage")


# -- keys ------------------------------------------------------------------------------
def test_changes_need_the_admin_key(client, kompass):
    before = client.get("/api/v1/reports").json()
    upload = {"file": ("rapport.txt", b"KommunKompassen ANALYS AV TESTBY KOMMUN 2016", "text/plain")}
    error(client.post("/api/v1/reports", files=upload), 401, "saknas", KEY_HEADER)
    error(client.post("/api/v1/reports", files=upload, headers={KEY_HEADER: "fel"}), 401, "fel")
    client.cookies.set(KEY_COOKIE, ADMIN[:-1])
    error(client.post("/api/v1/reports", files=upload), 401, "fel")
    client.cookies.clear()
    error(client.delete("/api/v1/reports/enkoping-2016"), 401, "saknas")
    error(client.delete("/api/v1/reports/enkoping-2016", headers={KEY_HEADER: ADMIN + "x"}), 401, "fel")
    error(client.get("/api/v1/reports/jobs"), 401)
    error(client.delete("/api/v1/reports/finns-inte-1999", headers={KEY_HEADER: ADMIN}), 404, "finns inte")
    assert client.get("/api/v1/reports").json() == before

    with TestClient(make_app(kompass), raise_server_exceptions=False) as closed:  # no admin key set
        for key in (None, "", "nagot"):
            headers = {KEY_HEADER: key} if key is not None else {}
            error(closed.post("/api/v1/reports", files=upload, headers=headers), 403,
                  "uppladdning och borttagning är avstängda: sätt KOMPASS_ADMIN_KEY")
            error(closed.delete("/api/v1/reports/enkoping-2016", headers=headers), 403, "KOMPASS_ADMIN_KEY")
        assert closed.get("/api/v1/health").json()["changes_allowed"] is False
    assert client.get("/api/v1/reports").json() == before


def test_read_key(kompass):
    with TestClient(make_app(kompass, read_key="las-nyckel-9", admin_key=ADMIN),
                    raise_server_exceptions=False) as c:
        params = {"q": "servicedeklarationer", "top": 1}
        error(c.get("/api/v1/search", params=params), 401, "nyckel saknas", KEY_HEADER)
        error(c.get("/api/v1/search", params=params, headers={KEY_HEADER: "las"}), 401, "fel nyckel")
        error(c.post("/api/v1/ask", json={"question": "x"}), 401)
        error(c.get("/api/v1/reports"), 401)
        assert c.get("/api/v1/search", params=params, headers={KEY_HEADER: "las-nyckel-9"}).status_code == 200
        c.cookies.set(KEY_COOKIE, "las-nyckel-9")
        assert c.get("/api/v1/reports").status_code == 200
        c.cookies.clear()
        assert c.get("/api/v1/search", params=params, headers={KEY_HEADER: ADMIN}).status_code == 200
        health = c.get("/api/v1/health")  # open: a load balancer carries no key
        assert health.status_code == 200 and health.json()["read_key_required"] is True


def test_keys_are_printable_ascii(monkeypatch):
    """A header carries ASCII: a key with å or a space could never match, so it is refused."""
    from corpus.errors import KompassError
    monkeypatch.setenv("KOMPASS_ADMIN_KEY", "hemlig nyckel")
    with pytest.raises(KompassError, match="KOMPASS_ADMIN_KEY"):
        ServerSettings.from_env()
    monkeypatch.setenv("KOMPASS_ADMIN_KEY", "hemlig-nyckel_1")
    monkeypatch.setenv("KOMPASS_READ_KEY", "läs")
    with pytest.raises(KompassError, match="KOMPASS_READ_KEY"):
        ServerSettings.from_env()


# -- docs ------------------------------------------------------------------------------
def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/v1/search", "/api/v1/examples", "/api/v1/wording", "/api/v1/ask", "/api/v1/reports",
                 "/api/v1/reports/{report_id}", "/api/v1/reports/{report_id}/pages/{n}",
                 "/api/v1/reports/jobs/{job_id}", "/api/v1/health"):
        assert path in paths, path
    ok = paths["/api/v1/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/SearchOut"}
    assert "hits" in spec["components"]["schemas"]["SearchOut"]["properties"]
    assert "422" in paths["/api/v1/search"]["get"]["responses"]
    assert set(paths["/api/v1/reports"]) == {"get", "post"}
    assert "413" in paths["/api/v1/reports"]["post"]["responses"]

    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    urls = re.findall(r"""(?:href|src|url)\s*[=:]\s*['"]([^'"]+)""", page.text)
    assert urls and all(u.startswith("/") for u in urls), urls  # nothing from a CDN
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/docs/openapi.json").json()["openapi"] == "3.0.3"
    error(client.get("/docs-static/index.html"), 404)
    assert client.get("/redoc").status_code == 404


def test_openapi_30_rewrite():
    spec = {"openapi": "3.1.0", "components": {"schemas": {"A": {"properties": {
        "x": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "y": {"anyOf": [{"$ref": "#/B"}, {"type": "null"}]},
        "f": {"type": "string", "contentMediaType": "application/octet-stream"},
        "c": {"const": "ok"}}}}}}
    out = openapi_30(spec)
    props = out["components"]["schemas"]["A"]["properties"]
    assert out["openapi"] == "3.0.3"
    assert props["x"] == {"type": "integer", "nullable": True}
    assert props["y"] == {"allOf": [{"$ref": "#/B"}], "nullable": True}
    assert props["f"] == {"type": "string", "format": "binary"}
    assert props["c"] == {"enum": ["ok"]}


def test_conversations_are_bounded_and_expire():
    from assistant.chat import Conversation

    now = [0.0]
    store = Conversations(limit=3, idle=100, clock=lambda: now[0])
    keys = [store.add(Conversation())[0] for _ in range(4)]
    assert store.get(keys[0]) is None and len(store) == 3  # the least recently used went first
    now[0] = 50
    assert store.get(keys[1]) is not None  # used: kept longer
    now[0] = 120
    assert store.get(keys[2]) is None and store.get(keys[1]) is not None


# -- a real server ---------------------------------------------------------------------
def test_real_server_on_loopback(kompass):
    import httpx

    with browser.serve(make_app(kompass)) as base:
        health = httpx.get(f"{base}/api/v1/health", timeout=30)
        assert health.status_code == 200 and health.json()["reports"] == 1
        found = httpx.get(f"{base}/api/v1/search", params={"q": "servicedeklarationer", "top": 3}, timeout=30)
        assert found.status_code == 200
        assert [h["report_id"] for h in found.json()["hits"]] == ["enkoping-2016"] * 3
        bad = httpx.get(f"{base}/api/v1/search", params={"q": "x", "top": "många"}, timeout=30)
        assert bad.status_code == 422 and "heltal" in bad.json()["detail"]
