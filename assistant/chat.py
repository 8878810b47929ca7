"""A conversation: follow-up questions that keep their context.

"Hur arbetar Enköping med medborgardialog?" then "och 2017?", "bara förbättringsområden",
"vad säger rapporten om Västerås om det?", "fler" or "jämför med Kvalitetskommun". Each turn
is routed by what it asks — facts from the score tables, a passage answer, goda exempel or
precedent wording — and a follow-up reuses the previous topic and filters, overriding only
what it names. The state is plain data (`to_dict` / `from_dict`), so a web server can keep
one per user; `Conversation.ask` holds no lock and shares nothing between conversations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from corpus.errors import InputError
from corpus.models import SectionKind
from index.records import Filters

from .facts import classify
from .models import Citation, Hit
from .understand import AppliedFilter

ROUTES = ("fact", "passage", "examples", "wording")
MORE = re.compile(r"^\s*(?:fler|mer|visa fler|visa mer|fler svar|fler exempel|more|show more)\s*[?.!]*\s*$", re.IGNORECASE)
_FOLLOW_UP = re.compile(r"^\s*(?:och|samt|men|än|samma|bara|endast|enbart|också|även|hur är det|vad säger|"
                        r"and|only|what about|same)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:det|detta|dem|där|den|it|that|there)\b\s*[?.!]*\s*$", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:och|samt|men|än|bara|endast|enbart|också|även|då|hur är det med|hur är det|"
                     r"vad säger|rapporten|rapporterna|om|det|detta|dem|där|med|för|i|jämför|and|only|"
                     r"what about|the|report|about|it)\b", re.IGNORECASE)
_EXAMPLES = re.compile(r"\b(?:vem|vilka kommuner|vilken kommun)\b.*\b(?:bra|bäst|stark\w*|duktig\w*|framgångsrik\w*)\b|"
                       r"\bgoda? exempel\b|\bförebild\w*\b|\bwho (?:is|are|does) (?:good|best|strong)", re.IGNORECASE)
_WORDING = re.compile(r"\bformuler\w*|\bhur (?:har man |har de )?(?:skriv\w*|skrev|uttryck\w*)\b|"
                      r"\bskrivning\w*|\bwording\b|\bphrased?\b", re.IGNORECASE)
SHOWN = 5
ASK_TOP = 8  # passages a passage answer draws on (what "fler" continues after)
FILTER_KEYS = ("municipality", "year_from", "year_to", "area", "section")


@dataclass
class Reply:
    question: str
    route: str
    topic: str
    text: str
    citations: list[Citation]
    applied: list[AppliedFilter]  # read from this message
    carried: list[AppliedFilter]  # kept from earlier in the conversation
    filters: Filters

    def to_dict(self) -> dict[str, object]:
        return {"question": self.question, "route": self.route, "topic": self.topic, "answer": self.text,
                "citations": [c.to_dict() for c in self.citations],
                "filters_applied": [a.to_dict() for a in self.applied],
                "filters_carried": [a.to_dict() for a in self.carried]}


def _describe(filters: Filters, names: dict[str, str]) -> list[AppliedFilter]:
    out = []
    if filters.municipality:
        out.append(AppliedFilter("municipality", names.get(filters.municipality, filters.municipality), ""))
    if filters.year_from or filters.year_to:
        value = (str(filters.year_from) if filters.year_from == filters.year_to
                 else f"{filters.year_from or ''}-{filters.year_to or ''}")
        out.append(AppliedFilter("year", value, ""))
    if filters.area:
        out.append(AppliedFilter("area", str(filters.area), ""))
    if filters.section:
        out.append(AppliedFilter("section", filters.section.value, ""))
    return out


@dataclass
class Conversation:
    """The state of one conversation; plain data."""

    topic: str | None = None
    route: str | None = None
    filters: dict[str, object] = field(default_factory=dict)
    shown: int = 0
    seen: list[int] = field(default_factory=list)  # passages already cited
    history: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"topic": self.topic, "route": self.route, "filters": dict(self.filters),
                "shown": self.shown, "seen": list(self.seen), "history": list(self.history)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Conversation:
        return cls(data.get("topic"), data.get("route"), dict(data.get("filters") or {}),  # type: ignore[arg-type]
                   int(data.get("shown") or 0), [int(i) for i in data.get("seen") or []],  # type: ignore[union-attr]
                   list(data.get("history") or []))  # type: ignore[arg-type]

    @classmethod
    def started(cls, understood, answer) -> Conversation:
        """A conversation whose first turn was `Kompass.ask` on an understood question (an API's
        first request answers like `kompass ask`); follow-ups then go through `ask`."""
        route = "fact" if answer.kind == "fact" else "passage"
        conversation = cls(topic=understood.topic, route=route, shown=0 if route == "fact" else ASK_TOP,
                           seen=[c.hit.passage_id for c in answer.citations],
                           history=[{"question": understood.question, "route": route, "topic": understood.topic}])
        conversation._store(understood.filters)
        return conversation

    def without_filter(self, kompass, kind: str, question: str, applied: list[AppliedFilter],
                       carried: list[AppliedFilter]) -> Reply:
        """Answer the last `question` again without the filter of `kind` (municipality, year,
        area, section): a chip the user removed. Later follow-ups no longer carry it."""
        if self.topic is None:
            raise InputError("det finns ingen fråga att svara på igen: ställ en fråga först")
        if kind not in ("municipality", "year", "area", "section"):
            raise InputError(f"okänt filter {kind!r}: välj municipality, year, area eller section")
        for name in {"year": ("year_from", "year_to")}.get(kind, (kind,)):
            self.filters[name] = None
        return self._answer(kompass, question, self.topic, self._filters(), self.route or "passage",
                            [a for a in applied if a.kind != kind], [a for a in carried if a.kind != kind])

    def _filters(self) -> Filters:
        values = {k: self.filters.get(k) for k in FILTER_KEYS}
        section = values.pop("section")
        return Filters(**values, section=SectionKind(section) if section else None)  # type: ignore[arg-type]

    def _store(self, filters: Filters) -> None:
        self.filters = {"municipality": filters.municipality, "year_from": filters.year_from,
                        "year_to": filters.year_to, "area": filters.area,
                        "section": filters.section.value if filters.section else None}

    def ask(self, kompass, message: str) -> Reply:
        message = kompass.check_query(message)
        names = kompass.store.municipality_keys()
        previous = self._filters()
        if MORE.match(message):
            if self.topic is None:
                raise InputError("det finns inget tidigare svar att visa fler av: ställ en fråga först")
            return self._answer(kompass, message, self.topic, previous, self.route or "passage", [],
                                _describe(previous, names), more=True)
        understood = kompass.understand(message)
        applied = list(understood.applied)
        residue = _FILLER.sub(" ", understood.topic)
        residue = re.sub(r"[^\w]+", " ", residue).strip()
        follow_up = self.topic is not None and (
            not residue or _FOLLOW_UP.match(message) is not None or _PRONOUN.search(message) is not None)
        if follow_up:
            kinds = {a.kind for a in applied}
            merged = understood.filters
            for key in FILTER_KEYS:
                kind = {"year_from": "year", "year_to": "year"}.get(key, key)
                if kind not in kinds and getattr(merged, key) is None:
                    merged = replace(merged, **{key: getattr(previous, key)})
            carried = [a for a in _describe(merged, names) if a.kind not in kinds]
            topic = understood.topic if residue and not _PRONOUN.search(message) \
                and len(residue.split()) > 1 else self.topic
            route = self._route(message, topic, merged) if classify(message) else (self.route or "passage")
            if route == "fact" and not classify(topic, merged.area):
                topic = message
            return self._answer(kompass, message, topic, merged, route, applied, carried)
        topic = understood.topic
        return self._answer(kompass, message, topic, understood.filters,
                            self._route(message, topic, understood.filters), applied, [])

    @staticmethod
    def _route(message: str, topic: str, filters: Filters) -> str:
        if classify(topic, filters.area) or classify(message, filters.area):
            return "fact"
        if _WORDING.search(message):
            return "wording"
        if _EXAMPLES.search(message):
            return "examples"
        return "passage"

    def _answer(self, kompass, message: str, topic: str, filters: Filters, route: str,
                applied: list[AppliedFilter], carried: list[AppliedFilter], more: bool = False) -> Reply:
        shown = self.shown if more else 0
        if route == "fact":
            fact = classify(topic, filters.area) or classify(message, filters.area)
            question = topic if classify(topic, filters.area) else message
            answer = kompass.ask(question, filters=replace(filters, section=None)) if fact else None
            text, citations = (answer.text, answer.citations) if answer else ("", [])
            count = 0
        elif route == "examples":
            result = kompass.examples(topic, top=shown + SHOWN, filters=replace(filters, section=None),
                                      auto_filters=False)
            text, citations, count = _examples_text(result, shown)
        elif route == "wording":
            result = kompass.wording(topic, top=shown + SHOWN, filters=filters, auto_filters=False)
            text, citations, count = _wording_text(kompass, result, shown)
        elif more:
            seen = set(self.seen)
            hits = [h for h in kompass.search(topic, top=len(seen) + SHOWN, filters=filters)
                    if h.passage_id not in seen][:SHOWN]
            text, citations, count = _hits_text(hits)
        else:
            answer = kompass.ask(topic, filters=filters, top=ASK_TOP)
            text, citations, count = answer.text, answer.citations, ASK_TOP
        if more and not citations:
            text = "Det finns inget mer att visa för den frågan."
        self.topic, self.route, self.shown = topic, route, shown + count
        self.seen = (self.seen if more else []) + [c.hit.passage_id for c in citations]
        self._store(filters)
        self.history.append({"question": message, "route": route, "topic": topic})
        return Reply(message, route, topic, text, citations, applied, carried, filters)


def _numbered(citations: list[Citation], hit: Hit, quote: str, page, page_end) -> str:
    number = len(citations) + 1
    citations.append(Citation(number, hit, quote, page, page_end))
    return f"[{number}]"


def _examples_text(result, shown: int) -> tuple[str, list[Citation], int]:
    citations: list[Citation] = []
    lines = [] if shown else [result.message]
    for i, example in enumerate(result.examples[shown:], shown + 1):
        lines.append(f"{i}. {example.display_name} {example.year or ''} – {example.explanation}")
        for evidence in example.evidence[:2]:
            mark = _numbered(citations, evidence.hit, evidence.quote, evidence.page, evidence.page_end)
            lines.append(f"   ”{evidence.quote}” {mark}")
    if not shown:
        for item in result.lacking[:3]:
            lines.append(f"Saknas enligt rapporten: {item['municipality']} {item['year'] or ''}: ”{item['quote']}”")
    return "\n".join(lines), citations, len(result.examples[shown:])


def _wording_text(kompass, result, shown: int) -> tuple[str, list[Citation], int]:
    entries = result.entries[shown:]
    hits = kompass.hits_for({u.passage_id for e in entries for u in e.uses})
    citations: list[Citation] = []
    lines = [] if shown or entries else [result.message]
    for i, entry in enumerate(entries, shown + 1):
        marks = " ".join(_numbered(citations, hits[u.passage_id], entry.text, u.page, u.page_end)
                         for u in entry.uses if u.passage_id in hits)
        lines.append(f"{i}. ”{entry.text}” {marks}")
    return "\n".join(lines), citations, len(entries)


def _hits_text(hits: list[Hit]) -> tuple[str, list[Citation], int]:
    citations: list[Citation] = []
    lines = []
    for hit in hits:
        first = hit.text.replace("\n• ", "; ").replace("• ", "").replace("\n", " ")
        quote = first if len(first) <= 300 else first[:300].rsplit(" ", 1)[0] + " …"
        mark = _numbered(citations, hit, quote, hit.page, hit.page_end)
        lines.append(f"– {hit.source_label()}: {quote} {mark}")
    return "\n".join(lines), citations, len(hits)
