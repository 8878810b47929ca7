"""Generative answers against a local HTTP server that plays an OpenAI-compatible endpoint.

The extractive answer is built from real passages of the sample report (parsed and chunked as
at ingest); only the chat-completions endpoint is faked. Each reply is chosen by the model name
in the request, so one server can answer several callers at once.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.answer import NO_ANSWER
from assistant.generate import SYSTEM_PROMPT, Fact, Generated, LLMSettings, generate
from assistant.models import Answer, Citation, Hit
from corpus.chunker import chunk_report
from corpus.models import SectionKind

KEY = "sk-test-hemlig-nyckel-4711"
QUESTION = "Hur arbetar Enköping med brukarundersökningar?"


# -- the fake endpoint ------------------------------------------------------------------------
@dataclass
class Reply:
    body: bytes
    status: int = 200
    delay: float = 0.0  # before the headers
    trickle: float = 0.0  # between the bytes of the body


def chat(content: str | None, model: str = "kompass-test") -> bytes:
    message = {"role": "assistant"} if content is None else {"role": "assistant", "content": content}
    return json.dumps({"id": "x", "object": "chat.completion", "model": model,
                       "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]},
                      ensure_ascii=False).encode("utf-8")


class Endpoint:
    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with endpoint.lock:
                    endpoint.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body})
                reply = endpoint.replies[body["model"]]
                if endpoint.stop.wait(reply.delay):
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if not reply.trickle:
                    self.wfile.write(reply.body)
                    return
                for i in range(len(reply.body)):
                    self.wfile.write(reply.body[i:i + 1])
                    self.wfile.flush()
                    if endpoint.stop.wait(reply.trickle):
                        return

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def settings(self, model: str = "kompass-test", timeout: float = 5.0) -> LLMSettings:
        return LLMSettings(url=self.url, model=model, key=KEY, timeout=timeout)


@pytest.fixture
def endpoint():
    served = Endpoint()
    served.thread.start()
    yield served
    served.stop.set()
    served.server.shutdown()
    served.server.server_close()


# -- a real extractive answer -----------------------------------------------------------------
@pytest.fixture(scope="module")
def extractive(report) -> Answer:
    """Two citations from the sample's area 2: a Styrkor item (s. 8) and the score line (s. 7)."""
    passages = {(p.area, p.section): p for p in chunk_report(report)}

    def hit(passage, rank: int) -> Hit:
        return Hit(passage_id=passage.ordinal, text=passage.text, score=1.0 / rank,
                   report_id=passage.report_id, municipality=passage.municipality,
                   display_name=report.display_name, year=passage.year, area=passage.area,
                   section=passage.section.value, page=passage.units[0].page_start,
                   page_end=passage.units[-1].page_end, heading=passage.heading)

    styrkor = hit(passages[2, SectionKind.STYRKOR], 1)
    poang = hit(passages[2, SectionKind.POANG], 2)
    item = next(u for u in passages[2, SectionKind.STYRKOR].units if u.text.startswith("Brukarunders"))
    score = passages[2, SectionKind.POANG].units[0]
    citations = [Citation(1, styrkor, item.text, item.page_start, item.page_end),
                 Citation(2, poang, score.text, score.page_start, score.page_end)]
    text = "\n".join(f"{c.hit.display_name} {c.hit.year}, {c.hit.area_name.lower()} "
                     f"({c.hit.section_label.lower()}): {c.quote} [{c.number}]" for c in citations)
    return Answer(QUESTION, text, citations, [styrkor, poang])


GOOD = ("Enköping genomför brukarundersökningar i alla verksamheter, och vård och omsorg "
        "lyfts fram som ett gott exempel [1]. Området tillgänglighet och brukarorientering fick "
        "55 av 100 poäng [2].")


def assert_fallback(result: Generated, extractive: Answer, reason: str) -> None:
    assert not result.generated
    assert result.text == extractive.text
    assert result.citations == extractive.citations
    assert result.fallback_reason and reason in result.fallback_reason, result.fallback_reason


# -- answers ----------------------------------------------------------------------------------
def test_good_answer_keeps_every_cited_sentence(endpoint, extractive):
    endpoint.replies["kompass-test"] = Reply(chat(GOOD, model="qwen-served"))
    result = generate(QUESTION, extractive, [], endpoint.settings())
    assert result.generated and result.fallback_reason is None
    assert result.text == GOOD
    assert result.citations == extractive.citations
    assert result.removed == [] and result.facts == []
    assert result.model == "qwen-served"
    [request] = endpoint.requests
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "kompass-test" and body["stream"] is False
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert "på svenska" in SYSTEM_PROMPT and "Källorna säger inget om" in SYSTEM_PROMPT
    content = user["content"]
    assert QUESTION in content
    for citation in extractive.citations:  # number, label, quote and the whole passage
        assert f"[{citation.number}] {citation.source_label()}" in content
        assert citation.quote in content and citation.hit.text in content


def test_citations_are_the_subset_the_text_cites(endpoint, extractive):
    text = "Enköpings område 2 fick 55 av 100 poäng. [2]"
    endpoint.replies["kompass-test"] = Reply(chat(text))
    result = generate(QUESTION, extractive, [], endpoint.settings())
    assert result.generated and result.text == text
    assert result.citations == [extractive.citations[1]]


def test_sentence_without_citation_is_removed_and_reported(endpoint, extractive):
    uncited = "Enköping är därmed Sveriges bästa kommun på brukarfokus."
    first, second = GOOD.split(" Området")
    endpoint.replies["kompass-test"] = Reply(chat(f"{first} {uncited}\nOmrådet{second}"))
    result = generate(QUESTION, extractive, [], endpoint.settings())
    assert result.generated
    assert result.text == f"{first}\nOmrådet{second}"
    [removed] = result.removed
    assert removed.sentence == uncited
    assert "hänvisar inte till någon källa" in removed.reason


def test_citation_to_an_unknown_source_is_removed(endpoint, extractive):
    unknown = "Kommunen har också servicedeklarationer för alla verksamheter [1][7]."
    endpoint.replies["kompass-test"] = Reply(chat(f"{GOOD} {unknown}"))
    result = generate(QUESTION, extractive, [], endpoint.settings())
    assert result.generated and result.text == GOOD
    [removed] = result.removed
    assert removed.sentence == unknown and "[7]" in removed.reason


def test_numbers_are_checked_against_the_cited_sources_and_the_facts(endpoint, extractive):
    facts = [Fact(None, "Enköping fick totalt 434 poäng av 800 möjliga.",
                  "Enköpings kommun 2016, Resultat, s. 3"),
             Fact(2, "Område 2 ligger 8 poäng under Enköpings bästa område, 63 poäng.")]
    wrong = "Området fick 65 av 100 poäng [2]."
    elsewhere = "Brukarundersökningar gav området 55 poäng [1]."  # 55 is in [2], not in [1]
    total = "Totalt fick Enköping 434 poäng [3]."
    from_facts = "Det är 8 poäng under det bästa området [2]."
    endpoint.replies["kompass-test"] = Reply(chat(f"{GOOD} {wrong} {elsewhere} {total} {from_facts}"))
    result = generate(QUESTION, extractive, facts, endpoint.settings())
    assert result.generated
    assert result.text == f"{GOOD} {total} {from_facts}"
    assert [(r.sentence, r.reason) for r in result.removed] == [
        (wrong, "Talet 65 finns inte i de källor meningen hänvisar till eller i de beräknade fakta."),
        (elsewhere, "Talet 55 finns inte i de källor meningen hänvisar till eller i de beräknade fakta.")]
    assert result.citations == extractive.citations
    assert result.facts == [Fact(3, facts[0].sentence, facts[0].source)]
    content = endpoint.requests[0]["body"]["messages"][1]["content"]
    assert "[3] Enköpings kommun 2016, Resultat, s. 3\nBeräknade fakta: Enköping fick totalt 434" in content
    assert "Beräknade fakta: Område 2 ligger 8 poäng" in content  # shown with source [2]


def test_when_nothing_survives_the_extractive_answer_is_used(endpoint, extractive):
    endpoint.replies["kompass-test"] = Reply(chat("Enköping fick 99 poäng [2]. Allt är bra."))
    result = generate(QUESTION, extractive, [], endpoint.settings())
    assert_fallback(result, extractive, "gick att belägga")
    assert len(result.removed) == 2


def test_saying_the_sources_do_not_answer(endpoint, extractive):
    question = "Vad fick Enköping för poäng 2019?"
    absent = "Källorna säger inget om Enköpings poäng 2019."
    endpoint.replies["kompass-test"] = Reply(chat(absent))
    assert_fallback(generate(question, extractive, [], endpoint.settings()), extractive,
                    "fann inget svar")
    endpoint.replies["kompass-test"] = Reply(chat(f"{absent} Rapporten från 2016 ger 55 av 100 poäng [2]."))
    result = generate(question, extractive, [], endpoint.settings())
    assert result.generated and result.removed == [] and result.text.startswith(absent)


# -- failures ---------------------------------------------------------------------------------
@pytest.mark.parametrize("body, reason", [
    (b"{\"choices\": [", "inte giltig JSON"),
    (b"<html>Bad gateway</html>", "inte giltig JSON"),
    (b"{\"choices\": []}", "saknade text"),
    (b"{\"error\": \"overloaded\"}", "saknade text"),
    (chat(None), "saknade text"),
    (chat("   "), "tomt"),
])
def test_malformed_replies_fall_back(endpoint, extractive, body, reason):
    endpoint.replies["kompass-test"] = Reply(body)
    assert_fallback(generate(QUESTION, extractive, [], endpoint.settings()), extractive, reason)


def test_http_error_falls_back_without_echoing_the_body(endpoint, extractive):
    endpoint.replies["kompass-test"] = Reply(f"internal error, key {KEY}".encode(), status=500)
    result = generate(QUESTION, extractive, [], endpoint.settings())
    assert_fallback(result, extractive, "HTTP-fel 500")
    assert KEY not in repr(result)


@pytest.mark.parametrize("reply", [Reply(chat(GOOD), delay=10),  # no headers in time
                                   Reply(chat(GOOD), trickle=0.05)],  # a body that never ends
                         ids=["slow", "trickle"])
def test_a_slow_endpoint_falls_back_within_the_timeout(endpoint, extractive, reply):
    endpoint.replies["kompass-test"] = reply
    started = time.monotonic()
    result = generate(QUESTION, extractive, [], endpoint.settings(timeout=0.5))
    elapsed = time.monotonic() - started
    assert_fallback(result, extractive, "inom 0.5 s")
    assert 0.4 < elapsed < 0.5 + 1.0, elapsed


def test_refused_connection_falls_back(extractive):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = LLMSettings(url=f"http://127.0.0.1:{port}/v1", model="m", key=KEY, timeout=2)
    assert_fallback(generate(QUESTION, extractive, [], settings), extractive, "nekades")


def test_off_or_without_sources_nothing_is_sent(endpoint, extractive):
    assert_fallback(generate(QUESTION, extractive, [], LLMSettings()), extractive, "avstängda")
    empty = Answer(QUESTION, NO_ANSWER, [], [])
    result = generate(QUESTION, empty, [], endpoint.settings())
    assert not result.generated and result.text == NO_ANSWER and "inga källor" in result.fallback_reason
    assert endpoint.requests == []


def test_the_key_is_sent_as_bearer_and_never_shown(endpoint, extractive, caplog):
    caplog.set_level("DEBUG")
    endpoint.replies["kompass-test"] = Reply(chat(f"{GOOD} Nyckeln är {KEY}."))
    result = generate(QUESTION, extractive, [], endpoint.settings())
    endpoint.replies["kompass-test"] = Reply(b"{}", status=401)
    failed = generate(QUESTION, extractive, [], endpoint.settings())
    assert [r["headers"]["Authorization"] for r in endpoint.requests] == [f"Bearer {KEY}"] * 2
    settings = endpoint.settings()
    shown = [repr(result), json.dumps(result.to_dict(), ensure_ascii=False), repr(failed),
             json.dumps(failed.to_dict(), ensure_ascii=False), repr(settings), str(settings),
             caplog.text]
    assert all(KEY not in text for text in shown)
    endpoint.replies["kompass-test"] = Reply(chat(GOOD))
    no_key = generate(QUESTION, extractive, [], LLMSettings(url=endpoint.url, model="kompass-test"))
    assert "Authorization" not in endpoint.requests[-1]["headers"] and no_key.generated


def test_concurrent_calls_get_their_own_answers(endpoint, extractive):
    names = [f"modell-{letter}" for letter in "abcdefgh"]  # no digits: they would be checked
    for i, name in enumerate(names):
        endpoint.replies[name] = Reply(chat(f"Område 2 fick 55 av 100 poäng enligt {name} [2].", name),
                                       delay=0.1 * (i % 3))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(
            lambda name: generate(QUESTION, extractive, [], endpoint.settings(name)), names))
    for name, result in zip(names, results, strict=True):
        assert result.generated and result.text.endswith(f"enligt {name} [2].")
        assert result.model == name


def test_settings_from_the_environment(monkeypatch):
    for name in ("KOMPASS_LLM_URL", "KOMPASS_LLM_MODEL", "KOMPASS_LLM_KEY", "KOMPASS_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    off = LLMSettings.from_env()
    assert not off.enabled and off.timeout == 20
    monkeypatch.setenv("KOMPASS_LLM_URL", "http://localhost:8000/v1")
    monkeypatch.setenv("KOMPASS_LLM_MODEL", "qwen")
    monkeypatch.setenv("KOMPASS_LLM_KEY", KEY)
    monkeypatch.setenv("KOMPASS_LLM_TIMEOUT", "7.5")
    on = LLMSettings.from_env()
    assert (on.enabled, on.url, on.model, on.key, on.timeout) == (True, "http://localhost:8000/v1",
                                                                  "qwen", KEY, 7.5)
    assert KEY not in repr(on)
    monkeypatch.setenv("KOMPASS_LLM_TIMEOUT", "snart")
    with pytest.raises(ValueError, match="KOMPASS_LLM_TIMEOUT"):
        LLMSettings.from_env()


def test_fact_lines_as_strings_take_their_number_from_the_marker(endpoint, extractive):
    facts = ["Område 2 fick 55 av 100 poäng, 8 poäng under område 3 [2].",
             "Enköping fick totalt 434 av 800 poäng."]
    endpoint.replies["kompass-test"] = Reply(chat("Totalt blev det 434 av 800 poäng [3]."))
    result = generate(QUESTION, extractive, facts, endpoint.settings())
    assert result.generated and result.citations == []
    assert result.facts == [Fact(3, "Enköping fick totalt 434 av 800 poäng.")]
    content = endpoint.requests[0]["body"]["messages"][1]["content"]
    assert "Beräknade fakta: Område 2 fick 55 av 100 poäng, 8 poäng under område 3." in content
    assert "[3] Beräknat ur poängtabellerna\nBeräknade fakta: Enköping fick totalt 434" in content


def test_ask_uses_the_endpoint_when_configured(endpoint, kompass, monkeypatch):
    """Kompass.ask end to end: a real fact answer, rewritten by the (played) endpoint; a
    sentence with a wrong number is dropped; with the endpoint down the answer is extractive."""
    extractive = kompass.ask("Vilket område fick lägst poäng?")
    endpoint.replies["kompass-test"] = Reply(chat(
        "Lägst poäng fick område 4 Ledarskap, ansvar och delegation, 42 av 100 [1]. "
        "Det var 17 poäng under snittet [1]."))
    monkeypatch.setenv("KOMPASS_LLM_URL", endpoint.url)
    monkeypatch.setenv("KOMPASS_LLM_MODEL", "kompass-test")
    answer = kompass.ask("Vilket område fick lägst poäng?")
    assert answer.generation["generated"] is True
    assert answer.text.startswith("Lägst poäng fick område 4") and "17 poäng" not in answer.text
    assert [c.number for c in answer.citations] == [1] and answer.citations[0].page == 3
    monkeypatch.setenv("KOMPASS_LLM_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    fallback = kompass.ask("Vilket område fick lägst poäng?")
    assert fallback.text == extractive.text and fallback.generation["generated"] is False
