"""Optional generative answers: an OpenAI-compatible chat model rewrites the extractive answer
from the same numbered sources, and every sentence it writes is checked before it is shown.

Off by default (`KOMPASS_LLM_URL` empty). Usage::

    from assistant.generate import Fact, LLMSettings, generate

    answer = kompass.ask(question)                  # the extractive Answer
    facts = [Fact(2, "Enköping fick 55 av 100 poäng i område 2.", ""),   # rests on citation [2]
             Fact(None, "Snittet för område 2 är 58 poäng.", "Beräknat ur poängtabellerna")]
    result = generate(question, answer, facts, LLMSettings.from_env())
    print(result.text)            # generated, or the extractive text when result.generated is False
    result.citations              # the extractive citations the text cites
    result.fallback_reason        # why the extractive answer is shown (Swedish), or None
    result.removed                # sentences taken out, each with its reason (Swedish)

The sources are exactly the extractive answer's citations (number, source label, quote and the
passage `citation.hit.text`) plus `facts`. A fact is `Fact(number, sentence, source)` (a plain
tuple of the same three works): with the number of an extractive citation it is shown with that
source; with any other number it is a source of its own labelled `source`; with None it gets
the next free number. A bare string is a fact line as assistant/facts.py writes it: its `[n]`
markers give the number(s), and without one it is `Fact(None, line)`. Facts are sentences
computed from score tables, so the numbers in them are trusted.

The model's text is split into sentences. A sentence is removed, and reported, when it cites
nothing, cites a number it was not given, or contains a number (digits) found neither in the
text of the sources it cites nor in any fact. A sentence that says the sources do not answer
("Källorna säger inget om …") needs no citation. When nothing remains, or the request fails in
any way (off, refused, timeout, HTTP error, malformed JSON, no text), the extractive answer is
returned with `generated=False` and the reason.

One POST per call, with its own connection and no shared mutable state: safe to call from
several threads. The whole request is bounded by `timeout` (connect, send, and each read get
the time that is left). The key is sent only as `Authorization: Bearer …`; it is not in any
repr, reason or log line.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from .config import SETTINGS
from .models import Answer, Citation

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 2_000_000
MAX_TOKENS = 800
FACT_SOURCE = "Beräknat ur poängtabellerna"

SYSTEM_PROMPT = (
    "Du svarar på frågor om SKR:s Kommunkompassen, utvärderingar av hur kommuner arbetar. "
    "Svara bara utifrån de numrerade källorna i användarens meddelande, aldrig utifrån egen "
    "kunskap. Svara på svenska, kort och sakligt, i löptext eller som en punktlista utan rubriker.\n"
    "Varje mening, även en inledning till en lista, ska sluta med hänvisningar till de källor "
    "den bygger på, till exempel [1] eller [1][3]. Hänvisa bara till nummer som finns bland "
    "källorna.\n"
    "Skriv bara tal som står i de källor meningen hänvisar till eller bland de beräknade "
    "fakta; räkna inte fram egna tal.\n"
    "Om källorna inte besvarar frågan, eller bara en del av den, säg det rakt ut i en mening "
    "som börjar med \"Källorna säger inget om\". Hitta aldrig på något."
)


def _setting(name: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    row = next(s for s in SETTINGS if s.name == name)
    return env.get(row.env, row.default).strip()


@dataclass(frozen=True)
class LLMSettings:
    """Where the chat-completions endpoint is; `url` empty means generative answers are off.
    The key is left out of repr."""

    url: str = ""
    model: str = ""
    key: str = field(default="", repr=False)
    timeout: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMSettings:
        """From KOMPASS_LLM_URL, _MODEL, _KEY and _TIMEOUT (defaults in assistant/config.py)."""
        raw = _setting("llm_timeout", environ)
        try:
            timeout = float(raw)
        except ValueError:
            timeout = 0.0
        if not timeout > 0:
            raise ValueError(f"KOMPASS_LLM_TIMEOUT ska vara ett positivt antal sekunder, inte {raw!r}.")
        return cls(url=_setting("llm_url", environ), model=_setting("llm_model", environ),
                   key=_setting("llm_key", environ), timeout=timeout)


class Fact(NamedTuple):
    """A sentence computed from score tables. `number`: the extractive citation it rests on, a
    number of its own (then `source` labels it), or None (the next free number)."""

    number: int | None
    sentence: str
    source: str = ""


@dataclass(frozen=True)
class Removed:
    sentence: str
    reason: str  # Swedish, for the user

    def to_dict(self) -> dict[str, str]:
        return {"sentence": self.sentence, "reason": self.reason}


@dataclass(frozen=True)
class Generated:
    """`text` is the checked generated answer, or the extractive one when `generated` is False
    (then `fallback_reason` says why). `citations`: the extractive citations the text cites;
    `facts`: the facts with numbers of their own that it cites."""

    text: str
    citations: list[Citation]
    facts: list[Fact]
    removed: list[Removed]
    generated: bool
    fallback_reason: str | None
    model: str

    def to_dict(self) -> dict[str, object]:
        return {"answer": self.text, "citations": [c.to_dict() for c in self.citations],
                "facts": [f._asdict() for f in self.facts],
                "removed": [r.to_dict() for r in self.removed], "generated": self.generated,
                "fallback_reason": self.fallback_reason, "model": self.model}


class _Failure(Exception):
    """The request failed; the message (Swedish) is the fallback reason."""


@dataclass(frozen=True)
class _Source:
    number: int
    label: str
    body: str  # what the model is shown under the label
    citation: Citation | None
    facts: tuple[Fact, ...]


def generate(question: str, extractive: Answer, facts: Sequence[Fact | tuple | str] = (),
             settings: LLMSettings | None = None) -> Generated:
    """The checked generated answer, or the extractive one with the reason (never raises for a
    failing endpoint)."""
    settings = settings or LLMSettings.from_env()
    sources = _sources(extractive, facts)

    def fallback(reason: str, removed: list[Removed] | None = None,
                 level: int = logging.INFO) -> Generated:
        log.log(level, "Extraktivt svar används: %s", reason)
        return Generated(extractive.text, list(extractive.citations), [], removed or [], False,
                         reason, settings.model)

    if not settings.enabled:
        return fallback("Generativa svar är avstängda (KOMPASS_LLM_URL är tom).", level=logging.DEBUG)
    if not sources:
        return fallback("Det finns inga källor att bygga ett genererat svar på.", level=logging.DEBUG)
    payload = {"model": settings.model, "temperature": 0, "max_tokens": MAX_TOKENS,
               "stream": False,
               "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                            {"role": "user", "content": _user_message(question, sources)}]}
    try:
        raw = _post(settings, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        text, model = _content(raw, settings.model)
    except _Failure as failure:  # the endpoint is set up but does not work: worth a warning
        return fallback(_redact(str(failure), settings.key), level=logging.WARNING)
    kept, removed, cited = _check(text, question, sources)
    reported = [Removed(_redact(r.sentence, settings.key), r.reason) for r in removed]
    if not kept:
        return fallback("Inget av det språkmodellen skrev gick att belägga i källorna.", reported)
    if not cited:
        return fallback("Språkmodellen fann inget svar i källorna.", reported)
    by_number = {s.number: s for s in sources}
    citations = [by_number[n].citation for n in sorted(cited) if by_number[n].citation]
    own_facts = [f for n in sorted(cited) if by_number[n].citation is None for f in by_number[n].facts]
    return Generated(_redact(kept, settings.key), citations, own_facts, reported, True, None, model)


# -- the sources ------------------------------------------------------------------------------
def _sources(extractive: Answer, facts: Sequence[Fact | tuple | str]) -> list[_Source]:
    given = [g for f in facts for g in (_from_text(f) if isinstance(f, str) else [Fact(*f)])
             if g.sentence.strip()]
    numbers = {c.number for c in extractive.citations} | {f.number for f in given if f.number}
    free = max(numbers, default=0) + 1
    numbered: list[Fact] = []
    for fact in given:
        if fact.number is None:
            fact, free = fact._replace(number=free), free + 1
        numbered.append(fact)
    sources: list[_Source] = []
    for citation in extractive.citations:
        attached = tuple(f for f in numbered if f.number == citation.number)
        body = (f"Citat ur rapporten: \"{citation.quote}\"\n"
                f"Stycket citatet kommer från: {citation.hit.text}")
        if attached:
            body += "\nBeräknade fakta: " + " ".join(f.sentence for f in attached)
        sources.append(_Source(citation.number, citation.source_label(), body, citation, attached))
    for number in sorted({f.number for f in numbered} - {c.number for c in extractive.citations}):
        own = tuple(f for f in numbered if f.number == number)
        label = next((f.source for f in own if f.source), FACT_SOURCE)
        sources.append(_Source(number, label, "Beräknade fakta: " + " ".join(f.sentence for f in own),
                               None, own))
    return sorted(sources, key=lambda s: s.number)


def _from_text(line: str) -> list[Fact]:
    """A fact line as assistant/facts.py writes it, `… 42 av 100 poäng [1].`: one Fact per cited
    number, the marker taken out; without a marker, one Fact with the next free number."""
    sentence = re.sub(r"\s+([.!?])", r"\1", _CITATION.sub("", line)).strip()
    return [Fact(n, sentence) for n in dict.fromkeys(_cited(line))] or [Fact(None, sentence)]


def _user_message(question: str, sources: list[_Source]) -> str:
    blocks = "\n\n".join(f"[{s.number}] {s.label}\n{s.body}" for s in sources)
    return f"Fråga: {question}\n\nNumrerade källor:\n\n{blocks}"


# -- the request ------------------------------------------------------------------------------
def _post(settings: LLMSettings, payload: bytes) -> bytes:
    parts = urlsplit(settings.url.rstrip("/") + "/chat/completions")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Failure("KOMPASS_LLM_URL är ingen http- eller https-adress.")
    deadline = time.monotonic() + settings.timeout
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.key:
        headers["Authorization"] = f"Bearer {settings.key}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection = kind(parts.hostname, parts.port, timeout=settings.timeout)
    except ValueError as error:  # urlsplit's port: not a number, or out of range
        raise _Failure("KOMPASS_LLM_URL är ingen giltig adress.") from error
    try:
        connection.connect()
        sock = connection.sock  # kept: the response reads from it after the connection closes
        sock.settimeout(_left(deadline))
        connection.request("POST", path, body=payload, headers=headers)
        sock.settimeout(_left(deadline))
        response = connection.getresponse()
        if response.status != 200:
            raise _Failure(f"Språkmodellen svarade med HTTP-fel {response.status}.")
        body = bytearray()
        while True:
            sock.settimeout(_left(deadline))
            chunk = response.read1(65536)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > MAX_RESPONSE_BYTES:
                raise _Failure("Språkmodellens svar var för stort.")
    except TimeoutError as error:
        raise _Failure(f"Språkmodellen svarade inte inom {settings.timeout:g} s.") from error
    except ConnectionRefusedError as error:
        raise _Failure("Kunde inte ansluta till språkmodellen (anslutningen nekades).") from error
    except http.client.HTTPException as error:
        raise _Failure(f"Ogiltigt svar från språkmodellen ({type(error).__name__}).") from error
    except OSError as error:
        raise _Failure(f"Kunde inte nå språkmodellen ({error.strerror or type(error).__name__}).") from error
    finally:
        connection.close()


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _content(raw: bytes, model: str) -> tuple[str, str]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise _Failure("Språkmodellens svar var inte giltig JSON.") from error
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise _Failure("Språkmodellens svar saknade text (choices/message/content).") from error
    if not isinstance(content, str):
        raise _Failure("Språkmodellens svar saknade text (choices/message/content).")
    content = re.sub(r"<think>.*?</think>", "", content, flags=re.DOTALL).strip()
    if not content:
        raise _Failure("Språkmodellens svar var tomt.")
    named = data.get("model") if isinstance(data, dict) else None
    return content, named if isinstance(named, str) and named else model


def _redact(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text


# -- checking the text ------------------------------------------------------------------------
_CITE = r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]"
_CITATION = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
# A sentence ends at . ! ? (then closing quotes and any citations) or at citations (then any
# end punctuation), when white space and a capital, a quote or a bullet follow.
_END = re.compile(rf"(?:[.!?…]+[\"”»’')]*(?P<cites>(?:\s*{_CITE})*)|(?:\s*{_CITE})+(?:\s*[.!?…]+)?)"
                  r"\s+(?=[\"“”«»(•*–-]?\s*[A-ZÅÄÖÉÜ])")
_ABBREVIATIONS = frozenset({"t.ex.", "bl.a.", "m.m.", "d.v.s.", "dvs.", "s.", "ca.", "resp.",
                            "jfr.", "ex.", "kap.", "nr.", "st.", "f.d.", "p.g.a.", "pga.",
                            "enl.", "inkl.", "exkl.", "o.s.v.", "osv.", "t.o.m.", "fr.o.m."})
_ABSENCE = re.compile(r"^[\W_]*(?:källorna|underlaget|rapporterna|rapporten)\s+(?:\w+\s+){0,3}?"
                      r"(?:inget|inte|ingenting|inga)\b", re.IGNORECASE)
# 1 000 and 12 345,5 (Swedish digit groups) are one number; 3,5 and 3.5 are the same number.
_NUMBER = re.compile(r"(?<![0-9])[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?:,[0-9]+)?(?![0-9])"
                     r"|[0-9]+(?:[.,][0-9]+)?")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def _split(text: str) -> list[list[str]]:
    """Lines of sentences."""
    lines: list[list[str]] = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        sentences, start = [], 0
        for match in _END.finditer(line):
            piece = line[start:match.start() + len(match.group().rstrip())].strip()
            if not match.group("cites") and \
                    piece.split()[-1].lstrip("(\"“«").lower() in _ABBREVIATIONS:
                continue  # "t.ex. Enköping": not the end of a sentence
            sentences.append(piece)
            start = match.end()
        if line[start:].strip():
            sentences.append(line[start:].strip())
        lines.append(sentences)
    return lines


def _cited(sentence: str) -> list[int]:
    """The numbers in [1], [1, 3], [1][3] and [1–3]."""
    numbers: list[int] = []
    for group in _CITATION.findall(sentence):
        for part in re.split(r"\s*[,;]\s*", group):
            bounds = [int(n) for n in re.split(r"\s*[–-]\s*", part)]
            low, high = bounds[0], bounds[-1]
            numbers += list(range(low, high + 1)) if 0 <= high - low <= 20 else bounds
    return numbers


def _normal(number: str) -> str:
    """`1 000` → `1000`, `3,50` → `3.5`, `53,0` → `53`."""
    number = re.sub(r"[ \u00a0\u202f]", "", number).replace(",", ".")
    return number.rstrip("0").rstrip(".") if "." in number else number


def _allowed(text: str) -> set[str]:
    """Numbers in a source: as written, and each digit group on its own ("1 000" may be two)."""
    return {_normal(n) for n in _NUMBER.findall(text) + _PLAIN_NUMBER.findall(text)}


def _unsupported(sentence: str, allowed: set[str]) -> list[str]:
    """Numbers in `sentence` (citations aside) that `allowed` does not hold."""
    return [n for n in _NUMBER.findall(_CITATION.sub(" ", sentence))
            if _normal(n) not in allowed
            and not all(_normal(p) in allowed for p in _PLAIN_NUMBER.findall(n))]


def _check(text: str, question: str, sources: list[_Source]) -> tuple[str, list[Removed], set[int]]:
    by_number = {s.number: s for s in sources}
    in_source = {s.number: _allowed(f"{s.label}\n{s.body}") for s in sources}
    in_facts = set().union(*(_allowed(f.sentence) for s in sources for f in s.facts))
    anywhere = set().union(in_facts, _allowed(question), *in_source.values())
    kept_lines: list[str] = []
    removed: list[Removed] = []
    cited_all: set[int] = set()
    for line in _split(text):
        kept: list[str] = []
        for sentence in line:
            cited = _cited(sentence)
            unknown = sorted({n for n in cited if n not in by_number})
            if not cited and not _ABSENCE.match(sentence):
                removed.append(Removed(sentence, "Meningen hänvisar inte till någon källa."))
                continue
            if unknown:
                removed.append(Removed(sentence, "Meningen hänvisar till en källa som inte finns: "
                                       + ", ".join(f"[{n}]" for n in unknown) + "."))
                continue
            allowed = set().union(in_facts, *(in_source[n] for n in cited)) if cited else anywhere
            unsupported = _unsupported(sentence, allowed)
            if unsupported:
                where = "de källor meningen hänvisar till" if cited else "källorna"
                removed.append(Removed(sentence, f"Talet {', '.join(unsupported)} finns inte i {where} "
                                       "eller i de beräknade fakta."))
                continue
            kept.append(sentence)
            cited_all.update(cited)
        if kept:
            kept_lines.append(" ".join(kept))
    return "\n".join(kept_lines), removed, cited_all
