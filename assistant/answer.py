"""Extractive answers: the sentences from the best passages that answer the query, each cited.

No LLM. Candidate sentences (or list items, or score rows) come from the top hits; each is
scored by cosine similarity to the query plus a small bonus for shared terms and for the rank
of its passage. The best few become the answer, each followed by `[n]`, where n resolves to
municipality, year, area, section and the page of the quoted sentence itself. Sentence vectors
stored at ingest are reused; only units without one (score rows, one-sentence passages) are
embedded at question time.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from corpus.models import SCORE_SECTIONS, SectionKind
from index.embedder import Embedder
from index.lexical import terms
from index.records import StoredSentence

from .models import Answer, Citation, Hit

MAX_CLAIMS = 6
MAX_PER_GROUP = 5
MAX_LIST_ITEMS = 8
CLAIM_MARGIN = 0.08
LIST_MARGIN = 0.08  # a wanted list (strengths, improvements) this far below the best unit
GROUP_MARGIN = 0.07  # a unit with the question's rare words, this far below the best
GROUP_CLOSE = 0.03  # any unit this close to the best one
OVERLAP_WEIGHT = 0.2  # share of the query's IDF mass a sentence contains
RANK_WEIGHT = 0.01  # per rank of the unit's passage among the hits
LIST_SECTIONS = frozenset({SectionKind.STYRKOR.value, SectionKind.FORBATTRINGSMOJLIGHETER.value})
NO_ANSWER = ("Jag hittade inget i de indexerade rapporterna som svarar på frågan. Pröva andra ord, "
             "eller `kompass search` för att se de passager som ligger närmast.")

# Abstention (tuned on assistant/data/answers_dev.jsonl: 70 unanswerable and 180 answerable
# questions, checked for scale on 30 generated reports; see `kompass eval`): the question is
# answered when the best dense hit stands out from the query's median similarity to a sample of
# the index's passages (`margin`), less a penalty for the share of the query's words the index
# does not know at all (the share of the query's words the best unit holds added nothing on that
# set, so it is not a term). A question for an amount ("Hur många invånare …?") also needs a unit
# that holds a number and most of the question's words.
ABSTAIN_BELOW = 0.005
UNKNOWN_WEIGHT = 0.05
QUANTITY = re.compile(r"^\s*(?:hur många|hur mycket|hur stor|hur stort|hur höga?|hur långa?|vad kostar|"
                      r"how many|how much)\b", re.IGNORECASE)
GROUPS = ((SectionKind.SAMMANFATTNING.value, "Beskrivning"), (SectionKind.STYRKOR.value, "Styrkor"),
          (SectionKind.FORBATTRINGSMOJLIGHETER.value, "Förbättringsmöjligheter"))


@dataclass(frozen=True)
class Evidence:
    """How well the index answers a question, from the retrieval it already did."""

    margin: float  # best dense score minus the query's median similarity to a sample of passages
    unknown: float  # share of the query's IDF mass the index does not know
    quantity_found: bool  # for "Hur många …": a unit with a number and most of the words

    @property
    def confidence(self) -> float:
        return self.margin - UNKNOWN_WEIGHT * self.unknown

    def answers(self, query: str) -> bool:
        if QUANTITY.search(query) and not self.quantity_found:
            return False
        return self.confidence >= ABSTAIN_BELOW


def compose(query: str, hits: list[Hit], embedder: Embedder,
            units: dict[int, list[StoredSentence]],
            term_weights: dict[str, float] | None = None,
            wanted_lists: frozenset[str] = frozenset(),
            coverage: Callable[[set[str]], float] | None = None,
            dense_margin: float | None = None, unknown: float = 0.0,
            broad: bool = True, query_vector: np.ndarray | None = None,
            passage_vectors: Callable[[list[int]], dict[int, np.ndarray]] | None = None) -> Answer:
    """`units`: each hit's stored sentences / items / rows with pages and vectors;
    `term_weights`: IDF of the query's terms, so that sharing a rare word
    ("servicedeklarationer") counts and sharing "arbetar" does not; `wanted_lists`: sections
    the question asks for as a list (strengths, improvements); `coverage`: the share of the
    query's concepts a unit's terms hold (LexicalQuery.coverage); `dense_margin`: None skips
    abstention (the question named an area or section, which exists); `broad`: a question
    without a section gets every relevant point, grouped as description, strengths and
    improvements; `passage_vectors`: stored passage vectors by id (used for one-unit passages,
    whose unit has no vector of its own)."""
    if not hits:
        return Answer(query, NO_ANSWER, [], hits, kind="none")
    pool: list[tuple[int, StoredSentence]] = [
        (rank, unit) for rank, hit in enumerate(hits) for unit in units.get(hit.passage_id, [])
        if len(unit.text.split()) >= 3]
    # Score rows are facts (assistant/facts.py answers them from the tables) and have no vectors
    # of their own: embedding them here cost 0.3-1.5 s. They stay only when nothing else is left.
    prose = [(rank, unit) for rank, unit in pool if hits[rank].section not in SCORE_VALUES]
    pool = prose or pool
    if not pool:
        return Answer(query, NO_ANSWER, [], hits, kind="none")
    vectors: list[np.ndarray | None] = [unit.vector for _, unit in pool]
    if passage_vectors is not None:  # a one-unit passage: its unit's vector is the passage's
        single = {hits[rank].passage_id for (rank, _), v in zip(pool, vectors)
                  if v is None and len(units.get(hits[rank].passage_id, [])) == 1}
        found = passage_vectors(sorted(single)) if single else {}
        vectors = [found.get(hits[rank].passage_id) if v is None else v for (rank, _), v in zip(pool, vectors)]
    todo = [i for i, v in enumerate(vectors) if v is None]
    if todo:
        fresh = embedder.embed_passages([f"{hits[pool[i][0]].heading}\n{pool[i][1].text}" for i in todo])
        for i, vector in zip(todo, fresh):
            vectors[i] = vector
    qv = query_vector if query_vector is not None else embedder.embed_query(query)
    similarity = np.vstack(vectors) @ qv
    weights = term_weights or {t: 1.0 for t in terms(query)}
    total = sum(weights.values()) or 1.0
    unit_terms = [set(terms(u.text)) for _, u in pool]
    overlap = np.array([sum(w for t, w in weights.items() if t in held) / total for held in unit_terms],
                       dtype=np.float32)
    rank_prior = np.array([rank for rank, _ in pool], dtype=np.float32)
    covered = np.array([coverage(held) for held in unit_terms]) if coverage else overlap
    # Shared words: the IDF share of exact terms, or the concept coverage (compounds and their
    # parts, glossary), whichever is higher.
    score = similarity + OVERLAP_WEIGHT * np.maximum(overlap, covered) - RANK_WEIGHT * rank_prior
    order = np.argsort(-score)
    confidence = None
    if dense_margin is not None:
        numbers = any(re.search(r"\d", u.text) and covered[i] >= 0.5 for i, (rank, u) in enumerate(pool)
                      if hits[rank].section not in SCORE_VALUES)
        evidence = Evidence(dense_margin, unknown, numbers)
        confidence = evidence.confidence
        if not evidence.answers(query):
            return Answer(query, NO_ANSWER, [], [], kind="none", confidence=confidence)
    best_rank = pool[int(order[0])][0]
    listed = wanted_lists & LIST_SECTIONS
    if listed:
        # "Vilka styrkor har …?", "Vad kan … förbättra?": the best such list among the hits.
        # The list must be about the topic: its best unit close to the best unit overall.
        best_rank = next((pool[int(i)][0] for i in order if hits[pool[int(i)][0]].section in listed
                          and score[i] >= score[order[0]] - LIST_MARGIN), best_rank)
    if hits[best_rank].section in listed:
        items = [(rank, u) for rank, u in pool if rank == best_rank][:MAX_LIST_ITEMS]
        return _render(query, hits, items, confidence=confidence)
    if broad and not wanted_lists:
        grouped = _grouped(pool, hits, similarity, covered, order)
        if grouped:
            return _render(query, hits, grouped, confidence=confidence, grouped=True)
    chosen: list[tuple[int, StoredSentence]] = []
    floor = score[order[0]] - CLAIM_MARGIN
    for index in order:
        if score[index] < floor:
            break  # a claim much weaker than the best one is noise, not an answer
        rank, unit = pool[int(index)]
        if all(unit.text != u.text for _, u in chosen):
            chosen.append((rank, unit))
        if len(chosen) == MAX_CLAIMS:
            break
    # Claims in the order of their passages' rank, then of the text.
    chosen.sort(key=lambda c: (c[0], hits[c[0]].text.find(c[1].text)))
    return _render(query, hits, chosen, confidence=confidence)


SCORE_VALUES = frozenset(k.value for k in SCORE_SECTIONS)


def _group_of(section: str) -> str:
    return section if section in LIST_SECTIONS else SectionKind.SAMMANFATTNING.value


def _grouped(pool, hits, similarity, covered, order) -> list[tuple[int, StoredSentence]] | None:
    """Every distinct relevant point: units close to the best one that share the question's
    words (or are nearly as similar), at most a few per group; None when only one group has
    anything (then the plain answer reads better)."""
    best_similarity = float(similarity.max())
    # When no unit holds most of the question's words, only the best two passages are trusted.
    found = bool((covered >= 0.5).any())
    chosen: dict[str, list[tuple[int, StoredSentence]]] = {}
    seen: set[str] = set()
    for index in order:
        rank, unit = pool[int(index)]
        section = hits[rank].section
        if section in SCORE_VALUES or section == SectionKind.ALLMANT.value:
            continue
        close = similarity[index] >= best_similarity - GROUP_CLOSE and (found or rank < 2)
        on_topic = covered[index] >= 0.5 and similarity[index] >= best_similarity - GROUP_MARGIN
        if not (close or on_topic):
            continue
        key = re.sub(r"\W+", " ", unit.text.lower()).strip()
        if key in seen:
            continue
        seen.add(key)
        group = chosen.setdefault(_group_of(section), [])
        if len(group) < MAX_PER_GROUP:
            group.append((rank, unit))
    if len(chosen) < 2:
        return None
    out: list[tuple[int, StoredSentence]] = []
    for section, _label in GROUPS:
        out += chosen.get(section, [])  # the most relevant point of each group first
    return out


def _render(query: str, hits: list[Hit], chosen: list[tuple[int, StoredSentence]],
            confidence: float | None = None, grouped: bool = False) -> Answer:
    """One line per claim, `[n]` after each; n is the quoted unit (its own page). Grouped: under the
    headings Beskrivning, Styrkor and Förbättringsmöjligheter."""
    numbers: dict[tuple[int, str], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    labels = dict(GROUPS)
    reports = {hits[rank].report_id for rank, _ in chosen}
    current = None
    groups: list[str] = []
    for rank, unit in chosen:
        hit = hits[rank]
        key = (rank, unit.text)  # one number per quoted unit: the quote is exactly what is cited
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(Citation(numbers[key], hit, unit.text, unit.page_start, unit.page_end))
        claim = unit.text.rstrip(" .,;:")
        claim += "" if claim.endswith(("?", "!")) else "."
        if grouped:
            group = _group_of(hit.section)
            if group != current:
                current = group
                groups.append(labels[group])
                lines.append(("\n" if lines else "") + labels[group] + ":")
            where = f"{hit.display_name} {hit.year}: " if len(reports) > 1 else ""
            lines.append(f"– {where}{claim} [{numbers[key]}]")
            continue
        where = f"{hit.display_name} {hit.year}"
        if hit.area_name:
            where += f", {hit.area_name.lower()}"
        lines.append(f"{where} ({hit.section_label.lower()}): {claim} [{numbers[key]}]")
    return Answer(query, "\n".join(lines), citations, hits, kind="passage", confidence=confidence,
                  groups=tuple(groups))
