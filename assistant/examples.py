"""Goda exempel: which municipalities are strong on a topic, best first, with evidence and scores.

This is not passage search. Every unit (sentence or list item) of every report in scope is
weighed, and each report gets a strength from three things:

- **what** its units say about the topic (assistant/stance.py): a strength, a description, a
  beginning, an improvement area or an absence. A unit counts by its relevance to the topic
  (embedding similarity, calibrated against the best unit in the corpus, and the share of the
  topic's words it holds);
- **where** they say it: Styrkor and Sammanfattning count, the generic Allmänt text and the score
  tables do not;
- the **scores** of the matching area and sub-question against the corpus median.

strength = text + SCORE_WEIGHT · scores, where text = best positive evidence (plus a little for
the second and third) minus the strongest negative evidence. Only reports with positive evidence
and a positive text part are good examples; a report whose strongest evidence is that it lacks
the thing is listed apart (`lacking`). A municipality with several reports is ranked by its
latest; its earlier ones are shown with it.

The unit table (all vectors, texts and places) is read once per index generation and kept in
memory: 300 reports are about 60,000 units, 90 MB as float32.
"""
from __future__ import annotations

import bisect
import json
import re
import statistics
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from corpus.taxonomy import area_name, fold
from index.lexical import terms
from index.store import Store

from .ingest import topic_hash
from .lexical_query import LexicalQuery
from .models import Hit
from .stance import SECTION_WEIGHT, Stance, stance_of

# Tuned on the generator's phrasing pool "a" (seeds 11 and 12) only; `kompass eval --examples`
# reports pool "b" (seed 2026). Dense relevance is 0 at OFFSET above the median similarity of
# the units in scope (the query's own baseline: e5 similarities are compressed and shift from
# query to query) and 1 at OFFSET + SPAN.
RELEVANCE_OFFSET = 0.01
RELEVANCE_SPAN = 0.05
PREFIX_MIN = 5  # a topic stem this long also matches compounds it begins or ends
LEXICAL_WEIGHT = 0.5  # relevance = max(dense, LEXICAL_WEIGHT * dense + (1 - LEXICAL_WEIGHT) * coverage)
MIN_RELEVANCE = 0.2  # below: not about the topic
UNKNOWN_TOPIC = 0.04  # without a known word, the best unit must be this far above the median
OTHER_AREA = 0.5  # dense relevance of a unit outside the topic's area (chapters 1-2 have none);
# one that holds the topic's words keeps their full weight
ANCHOR_LEXICAL = 0.05  # weight of a sub-question's words beside its embedding
SCORE_WEIGHT = 2.0  # strength = text + SCORE_WEIGHT * scores
AREA_SHARE = 0.3  # of the score part: the area's score; the rest is the sub-question's
SECOND, THIRD = 0.3, 0.15
MIN_STRENGTH = 0.2


@dataclass(frozen=True)
class Evidence:
    hit: Hit  # the passage, as `search` returns it
    quote: str  # the unit that is the evidence
    page: int | None
    page_end: int | None
    stance: str  # stance label (assistant.stance)
    cue: str | None
    relevance: float
    weight: float  # relevance × section weight × stance value

    def to_dict(self) -> dict[str, object]:
        return {**self.hit.to_dict(), "quote": self.quote, "quote_page": self.page,
                "quote_page_end": self.page_end, "stance": self.stance, "cue": self.cue,
                "relevance": round(self.relevance, 3), "weight": round(self.weight, 3),
                "source": self.hit.source_label(self.page, self.page_end)}


@dataclass(frozen=True)
class ScoreUsed:
    kind: str  # "område" (value: points of 100) | "delfråga" (value: percent of its maximum)
    label: str  # "Område 2 Tillgänglighet och brukarorientering", "2.6 Finns servicedeklarationer?"
    value: int
    maximum: int
    median: float  # the corpus median of the same area / sub-question
    page: int | None

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "label": self.label, "value": self.value, "max": self.maximum,
                "median": self.median, "page": self.page}


@dataclass
class Example:
    municipality: str
    display_name: str
    year: int | None
    report_id: str
    strength: float
    parts: dict[str, float]
    explanation: str
    scores: list[ScoreUsed]
    evidence: list[Evidence]
    earlier: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"municipality": self.municipality, "display_name": self.display_name,
                "year": self.year, "report_id": self.report_id, "strength": self.strength,
                "parts": self.parts, "explanation": self.explanation,
                "scores": [s.to_dict() for s in self.scores],
                "evidence": [e.to_dict() for e in self.evidence], "earlier": self.earlier}


# -- the unit table ------------------------------------------------------------------------
class Units:
    """Every unit of the index: vectors, texts, places, and the score tables (per generation)."""

    def __init__(self, store: Store):
        signature = store.signature()
        rows, self.vectors = store.all_units()
        self.signature = signature
        self.passage = np.array([r[1] for r in rows], dtype=np.int64)
        reports = sorted({r[2] for r in rows})
        self.report_names = reports
        index = {r: i for i, r in enumerate(reports)}
        self.report = np.array([index[r[2]] for r in rows], dtype=np.int32)
        self.area_number = np.array([r[3] or 0 for r in rows], dtype=np.int16)  # 0: no area
        self.section = [r[4] for r in rows]
        self.weight = np.array([SECTION_WEIGHT.get(r[4], 0.8) for r in rows], dtype=np.float32)
        self.text = [r[5] for r in rows]
        self.pages = [(r[6], r[7]) for r in rows]
        # Which units hold each term: the topic's words are looked up here, not per unit.
        postings: dict[str, list[int]] = defaultdict(list)
        for i, text in enumerate(self.text):
            for term in set(terms(text)):
                postings[term].append(i)
        self.term_units = {t: np.array(ids, dtype=np.int32) for t, ids in postings.items()}
        self.vocabulary = sorted(self.term_units)
        self._reversed = sorted(t[::-1] for t in self.vocabulary)  # for compounds ending in a stem
        self.report_meta: dict[str, tuple[str, str, int | None]] = {
            str(r["report_id"]): (str(r["municipality"]), str(r["display_name"]), r["year"])
            for r in store.report_rows()}
        self.areas: dict[str, dict[int, tuple[int | None, int | None]]] = defaultdict(dict)
        rubriker_of: list[tuple[int, str]] = []
        for report_id, area, score, page, rubriker in store.area_table():
            self.areas[report_id][area] = (score, page)
            rubriker_of += [(area, r) for r in json.loads(rubriker or "[]")]
        self.questions: dict[str, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        for report_id, area, number, question, achieved, maximum, percent, page in store.question_rows():
            self.questions[report_id][area].append((number, question, achieved, maximum, percent, page))
        self.area_median = {a: statistics.median(v) for a, v in _by_area(self.areas).items()}
        by_question: dict[str, list[int]] = defaultdict(list)
        for per_area in self.questions.values():
            for rows_ in per_area.values():
                for number, question, _, _, percent, _ in rows_:
                    if percent is not None:
                        by_question[fold(question)].append(percent)
        self.question_median = {q: statistics.median(v) for q, v in by_question.items()}
        # Anchors: what the reports call their topics (sub-questions and Rubriker), per area.
        anchors: dict[tuple[str, int], str] = {}
        for per_area in self.questions.values():
            for area, rows_ in per_area.items():
                for _, question, *_ in rows_:
                    anchors.setdefault((fold(question), area), question)
        for area, rubrik in rubriker_of:
            if len(rubrik) > 3:
                anchors.setdefault((fold(rubrik), area), rubrik)
        self.anchor_keys = sorted(anchors)
        self.anchor_texts = [anchors[k] for k in self.anchor_keys]
        self.anchor_terms = [frozenset(terms(t)) for t in self.anchor_texts]
        self.anchor_vectors: np.ndarray | None = None

    def units_with(self, stem: str) -> np.ndarray:
        """Units holding `stem`, or (for a stem of PREFIX_MIN letters or more) a compound that
        begins or ends with it ("hållb" in "hållbarhetsarbet", "deklaration" in
        "servicedeklaration")."""
        found = [self.term_units[stem]] if stem in self.term_units else []
        if len(stem) >= PREFIX_MIN:
            start = bisect.bisect_left(self.vocabulary, stem)
            while start < len(self.vocabulary) and self.vocabulary[start].startswith(stem):
                if self.vocabulary[start] != stem:
                    found.append(self.term_units[self.vocabulary[start]])
                start += 1
            found += [self.term_units[t] for t in self._ending_with(stem)]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)

    def _ending_with(self, stem: str) -> list[str]:
        key = stem[::-1]
        out = []
        start = bisect.bisect_left(self._reversed, key)
        while start < len(self._reversed) and self._reversed[start].startswith(key):
            if self._reversed[start] != key:
                out.append(self._reversed[start][::-1])
            start += 1
        return out

    def coverage(self, lexical: LexicalQuery) -> np.ndarray:
        """Every unit's idf-weighted share of the topic's concepts (see `topic_coverage`)."""
        total = sum(c.idf for c in lexical.concepts)
        out = np.zeros(len(self.text), dtype=np.float32)
        if not total:
            return out
        for concept in lexical.concepts:
            held = [self.units_with(alt) for alt in concept.alternatives]
            if held:
                out[np.unique(np.concatenate(held))] += concept.idf / total
        return out


def _by_area(areas: dict[str, dict[int, tuple]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for per_report in areas.values():
        for area, (score, _) in per_report.items():
            if score is not None:
                out[area].append(score)
    return out


class UnitCache:
    """One `Units` per index generation, shared by threads (built once under a lock)."""

    def __init__(self, store: Store):
        self.store = store
        self._units: Units | None = None
        self._anchor_vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, embedder) -> Units:
        signature = self.store.signature()
        units = self._units
        if units is not None and units.signature == signature:
            return units
        with self._lock:
            units = self._units
            if units is None or units.signature != self.store.signature():
                units = Units(self.store)
                missing = [t for t in units.anchor_texts if t not in self._anchor_vectors]
                if missing:  # embedded at ingest (topic_vectors); an index from before that: here
                    hashes = {t: topic_hash(embedder.name, t) for t in missing}
                    stored = self.store.topic_vectors(hashes.values())
                    self._anchor_vectors.update({t: stored[h] for t, h in hashes.items() if h in stored})
                    missing = [t for t in missing if hashes[t] not in stored]
                if missing:
                    self._anchor_vectors.update(zip(missing, embedder.embed_passages(missing)))
                units.anchor_vectors = np.array([self._anchor_vectors[t] for t in units.anchor_texts],
                                                dtype=np.float32).reshape(len(units.anchor_texts), embedder.dim)
                self._units = units
            return units


# Words that frame a request for good examples rather than name its topic.
_FRAME = re.compile(
    r"\b(?:vem|vilka|vilken|vilket|kommun|kommuner|kommunerna|arbetar|jobbar|bra|bäst|bättre|"
    r"goda|gott|exempel|är|har|finns|duktiga?|starka?|framgångsrika?|lyckats|lyckas|aktivt?|"
    r"mycket|som|med|på|inom|när det gäller|who|which|municipalit(?:y|ies)|good|examples?|"
    r"does|do|well|at|with|on|in|is|are|has|have)\b", re.IGNORECASE)


def topic_text(topic: str) -> str:
    """The topic of a request for good examples: "Vem arbetar bra med servicedeklarationer?"
    → "servicedeklarationer"."""
    stripped = re.sub(r"\s+", " ", _FRAME.sub(" ", topic)).strip(" ?!.,;:")
    return stripped or topic.strip(" ?!.")


# -- ranking -------------------------------------------------------------------------------
@dataclass
class _Scored:
    unit: int
    relevance: float
    stance: Stance
    weight: float


def rank_reports(units: Units, vector: np.ndarray, lexical: LexicalQuery, allowed: np.ndarray | None,
                 anchor: Anchor | None) -> dict[int, list[_Scored]]:
    """The relevant, scored units of each report (by report index): every unit in scope is
    weighed, by its embedding and by the topic's words it holds."""
    sims = units.vectors @ vector.astype(np.float32)
    mask = units.weight > 0
    if allowed is not None:
        mask &= np.isin(units.passage, allowed)
    if not mask.any():
        return {}
    median = float(np.median(sims[mask]))
    if not lexical.match_terms and float(sims[mask].max()) - median < UNKNOWN_TOPIC:
        return {}  # no word of it in the corpus and nothing close in meaning ("qwxyz blorf")
    floor = median + RELEVANCE_OFFSET
    dense = np.clip((sims - floor) / RELEVANCE_SPAN, 0.0, 1.0)
    if anchor is not None:  # units outside the topic's area (chapters 1-2 have none) count less
        outside = (units.area_number != 0) & (units.area_number != anchor.area)
        dense = np.where(outside, dense * OTHER_AREA, dense)
    else:
        outside = None
    coverage = units.coverage(lexical)
    relevance = np.maximum(dense, LEXICAL_WEIGHT * dense + (1 - LEXICAL_WEIGHT) * coverage)
    relevant = np.flatnonzero(mask & (relevance >= MIN_RELEVANCE))
    topic = frozenset(t for c in lexical.concepts for t in c.alternatives)
    per_report: dict[int, list[_Scored]] = defaultdict(list)
    for i in relevant.tolist():
        stance = stance_of(units.text[i], units.section[i], topic, terms)
        r = float(relevance[i])
        per_report[int(units.report[i])].append(_Scored(i, r, stance, r * float(units.weight[i]) * stance.value))
    return per_report


def topic_coverage(lexical: LexicalQuery, unit_terms: frozenset[str]) -> float:
    """The idf-weighted share of the topic's concepts a unit holds. A concept's stem of
    PREFIX_MIN letters or more also matches a compound that begins or ends with it
    ("hållb" in "hållbarhetsarbet", "deklaration" in "servicedeklaration")."""
    total = sum(c.idf for c in lexical.concepts)
    if not total:
        return 0.0
    held = 0.0
    for concept in lexical.concepts:
        if concept.alternatives & unit_terms or any(
                len(alt) >= PREFIX_MIN and (term.startswith(alt) or term.endswith(alt))
                for alt in concept.alternatives for term in unit_terms):
            held += concept.idf
    return held / total


@dataclass(frozen=True)
class Anchor:
    """The sub-question (or Rubrik) the topic belongs to, and its area."""

    area: int
    text: str
    question: str | None  # fold() of the best sub-question text in that area, if any


def find_anchor(units: Units, vector: np.ndarray, lexical: LexicalQuery) -> Anchor | None:
    """The sub-question or Rubrik closest to the topic (embedding, plus its words)."""
    if units.anchor_vectors is None or not len(units.anchor_keys):
        return None
    sims = units.anchor_vectors @ vector.astype(np.float32)
    scores = sims + ANCHOR_LEXICAL * np.array([topic_coverage(lexical, t) for t in units.anchor_terms])
    best = int(np.argmax(scores))
    area = units.anchor_keys[best][1]
    questions = {k[0] for k in units.anchor_keys if k[1] == area and k[0] in units.question_median}
    in_area = [i for i, k in enumerate(units.anchor_keys) if k[1] == area and k[0] in questions]
    question = units.anchor_keys[max(in_area, key=lambda i: scores[i])][0] if in_area else None
    return Anchor(area, units.anchor_texts[best], question)


def text_strength(scored: list[_Scored]) -> tuple[float, float, float]:
    """(text part, positive evidence, negative evidence) of one report."""
    positive = sorted((s.weight for s in scored if s.weight > 0), reverse=True)
    negative = min((s.weight for s in scored if s.weight < 0), default=0.0)
    pos = sum(w * f for w, f in zip(positive, (1.0, SECOND, THIRD)))
    return pos + negative, pos, -negative


def score_part(units: Units, report_id: str, anchor: Anchor | None) -> tuple[float, list[ScoreUsed]]:
    """The topic's area and sub-question scores in this report against the corpus median, as a
    number around 0 (+0.5 for a score 50 points above the median)."""
    if anchor is None or anchor.area not in units.areas.get(report_id, {}):
        return 0.0, []
    area = anchor.area
    used: list[ScoreUsed] = []
    parts: list[float] = []
    score, page = units.areas[report_id][area]
    if score is not None and area in units.area_median:
        used.append(ScoreUsed("område", f"Område {area} {area_name(area)}", score, 100,
                              units.area_median[area], page))
        parts.append(AREA_SHARE * (score - units.area_median[area]) / 100)
    row = next((q for q in units.questions.get(report_id, {}).get(area, [])
                if anchor.question and fold(q[1]) == anchor.question), None)
    if row is not None and row[4] is not None:
        number, text, achieved, maximum, percent, qpage = row
        median = units.question_median[anchor.question]
        used.append(ScoreUsed("delfråga", f"{number} {text} ({achieved} av {maximum} poäng)", percent, 100,
                              median, qpage))
        parts.append((1 - AREA_SHARE) * (percent - median) / 100)
    return sum(parts), used


@dataclass
class ExamplesResult:
    query: str
    topic: str  # what was looked for: the question without its filter words
    applied: list  # AppliedFilter (assistant.understand)
    notes: list[str]
    examples: list[Example]
    lacking: list[dict[str, object]]  # reports whose strongest evidence is that they lack it
    reports_considered: int

    @property
    def message(self) -> str:
        if self.reports_considered == 0:
            return "Inga rapporter matchar filtren."
        n = self.reports_considered
        if not self.examples:
            if n == 1:
                return f"Rapporten beskriver inte kommunen som stark på detta ({self.topic})."
            return f"Ingen av de {n} rapporterna beskriver kommunen som stark på detta ({self.topic})."
        found = ("1 kommun är ett gott exempel" if len(self.examples) == 1
                 else f"{len(self.examples)} kommuner är goda exempel")
        return f"{found} bland {n} {'rapport' if n == 1 else 'rapporter'}."

    def to_dict(self) -> dict[str, object]:
        return {"query": self.query, "topic": self.topic,
                "filters_applied": [a.to_dict() for a in self.applied], "notes": self.notes,
                "message": self.message, "reports_considered": self.reports_considered,
                "examples": [e.to_dict() for e in self.examples], "lacking": self.lacking}


def build_examples(units: Units, per_report: dict[int, list[_Scored]], anchor: Anchor | None,
                   in_scope: set[int], hits_for, top: int) -> tuple[list[Example], list[dict[str, object]]]:
    """Rank the reports in scope; `hits_for(passage ids)` gives the `Hit`s of the evidence."""
    meta = units.report_meta
    ranked: list[tuple[float, int, dict[str, float], list[ScoreUsed], list[_Scored]]] = []
    lacking: list[dict[str, object]] = []
    for r in in_scope:
        scored = per_report.get(r, [])
        text, pos, neg = text_strength(scored)
        report_id = units.report_names[r]
        if not scored:
            continue
        if pos <= 0 or text <= 0:
            worst = min(scored, key=lambda s: s.weight)
            if worst.weight < 0:
                lacking.append({"report_id": report_id, "municipality": meta[report_id][0],
                                "year": meta[report_id][2], "stance": worst.stance.label,
                                "quote": units.text[worst.unit], "page": units.pages[worst.unit][0]})
            continue
        scores, used = score_part(units, report_id, anchor)
        strength = text + SCORE_WEIGHT * scores
        if strength < MIN_STRENGTH:
            continue
        parts = {"text": round(text, 3), "positive": round(pos, 3), "negative": round(-neg, 3),
                 "scores": round(SCORE_WEIGHT * scores, 3)}
        ranked.append((strength, r, parts, used, scored))
    ranked.sort(key=lambda item: (-item[0], units.report_names[item[1]]))

    # One entry per municipality: its latest report in scope ranks it, earlier ones are shown.
    by_municipality: dict[str, list] = defaultdict(list)
    for item in ranked:
        by_municipality[fold(meta[units.report_names[item[1]]][0])].append(item)
    latest_year: dict[str, int] = {}
    for r in in_scope:
        name, _, year = meta[units.report_names[r]]
        key = fold(name)
        latest_year[key] = max(latest_year.get(key, -1), year or -1)
    examples: list[Example] = []
    seen: set[str] = set()
    for strength, r, parts, used, scored in ranked:
        report_id = units.report_names[r]
        name, display, year = meta[report_id]
        key = fold(name)
        if key in seen or (year or -1) != latest_year[key]:
            continue  # ranked by its latest report (an earlier strong one is shown with it)
        seen.add(key)
        # The most on-topic positive units first (then the strongest).
        evidence_units = sorted((s for s in scored if s.weight > 0), key=lambda s: (-s.relevance, -s.weight))[:3]
        hits = hits_for([int(units.passage[s.unit]) for s in evidence_units])
        evidence = [Evidence(hits[int(units.passage[s.unit])], units.text[s.unit], *units.pages[s.unit],
                             s.stance.label, s.stance.cue, s.relevance, s.weight)
                    for s in evidence_units if int(units.passage[s.unit]) in hits]
        # Every earlier report in scope, with its strength (None: it shows no strength here).
        strengths = {o[1]: round(o[0], 3) for o in by_municipality[key]}
        earlier = sorted(({"report_id": units.report_names[o], "year": meta[units.report_names[o]][2],
                           "strength": strengths.get(o)}
                          for o in in_scope if o != r and fold(meta[units.report_names[o]][0]) == key),
                         key=lambda e: -(e["year"] or 0))
        explanation = explain(parts, used, evidence)
        examples.append(Example(name, display, year, report_id, round(strength, 3), parts,
                                explanation, used, evidence, earlier))
        if len(examples) == top:
            break
    lacking.sort(key=lambda item: (str(item["municipality"]), -(item["year"] or 0)))
    return examples, lacking


def explain(parts: dict[str, float], used: list[ScoreUsed], evidence: list[Evidence]) -> str:
    """One Swedish sentence: where the strength comes from."""
    kinds = {"styrka": "styrka", "beskrivning": "beskrivning", "delvis": "delvis på plats"}
    said = ", ".join(f"{kinds.get(e.stance, e.stance)} ({e.hit.section_label}, s. {e.page})"
                     if e.page else f"{kinds.get(e.stance, e.stance)} ({e.hit.section_label})"
                     for e in evidence)
    text = f"Text {parts['positive']:+.2f}"
    if parts["negative"]:
        text += f", brister {parts['negative']:+.2f}"
    scores = ""
    if used:
        scores = "; poäng " + ", ".join(
            f"{s.label}: {s.value}{' %' if s.kind == 'delfråga' else ''} mot median {s.median:g}"
            f"{' %' if s.kind == 'delfråga' else ''}" for s in used)
        scores += f" ({parts['scores']:+.2f})"
    return f"{text}{scores}. Belägg: {said}."
