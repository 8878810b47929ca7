"""The library API: ingest reports, search them, answer with citations. CLI/API/UI wrap this."""
from __future__ import annotations

import functools
import math
import os
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

import corpus
from corpus.errors import InputError, KompassError
from corpus.models import QuestionScore, SectionKind
from corpus.municipalities import lookup
from corpus.taxonomy import area_name, fold, parse_area_argument
from index.dense import DenseRetriever
from index.embedder import Embedder, identity, load_embedder
from index.lexical import terms
from index.records import Filters
from index.store import Search, Store, is_database_url, open_store

from .config import Config
from .fusion import rrf
from .glossary import dense_query
from .ingest import Ingester, Listener, Quiet
from .intent import section_weights
from .lexical_query import analyse
from .models import (
    Answer,
    AreaScore,
    Comparison,
    ComparisonRow,
    Hit,
    IndexStatus,
    IngestResult,
    KvalitetskommunRef,
    PagePart,
    PageText,
    ReportSummary,
    SourceFile,
)
from .retrieval import LexicalRetriever
from .understand import Understood, understand

BUNDLED_CORPUS = Path(corpus.__file__).resolve().parent / "samples"
MODES = ("hybrid", "lexical", "dense")
QUERY_CACHE = 256  # query embeddings kept (about 1.5 kB each)
CONCURRENCY_ENV = "KOMPASS_CONCURRENCY"  # declared in assistant/config.py
MAX_COMPARED = 8  # reports on one radar
BACKGROUND = 256  # passages whose median similarity to a query is its baseline (abstention)

def parse_year(value: str | int | None) -> tuple[int | None, int | None]:
    """`2016`, `2014-2017`, `2014-` or `-2017` → (from, to)."""
    if value is None or value == "":
        return None, None
    text = str(value).strip().replace("–", "-")
    match = re.fullmatch(r"((?:19|20)\d\d)?\s*(-)?\s*((?:19|20)\d\d)?", text)
    if not match or not (match.group(1) or match.group(3)) or (match.group(1) and match.group(3)
                                                                and not match.group(2)):
        raise InputError(f"ogiltigt år {value!r}: ange t.ex. 2016 eller 2014-2017")
    start = int(match.group(1)) if match.group(1) else None
    end = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        end = start
    if start and end and start > end:
        raise InputError(f"ogiltigt årsintervall {value!r}: startåret är efter slutåret")
    return start, end


def parse_section(value: str | None) -> SectionKind | None:
    if not value:
        return None
    folded = fold(value).replace(" ", "")
    for kind in SectionKind:
        if folded in (kind.value, fold(kind.label).replace(" ", "")):
            return kind
    choices = ", ".join(k.value for k in SectionKind)
    raise InputError(f"okänd sektion {value!r}: välj en av {choices}")


def _reads(method):
    """Run a query method on one state of the index (Kompass.reading), in one of the query
    slots (Kompass.__init__): a nested call (ask's search) runs in its caller's slot."""
    @functools.wraps(method)
    def reading(self, *args, **kwargs):
        local = self._thread
        if getattr(local, "in_slot", False) or self._slots is None:
            with self.reading():
                return method(self, *args, **kwargs)
        with self._slots:
            local.in_slot = True
            try:
                with self.reading():
                    return method(self, *args, **kwargs)
            finally:
                local.in_slot = False
    return reading


class Slots:
    """At most `n` holders at once, served in arrival order: a released slot goes straight to
    the longest waiting thread (threading.Semaphore lets the releasing thread take it again, and
    with 16 requests for 2 slots some waited seconds while others ran back to back)."""

    def __init__(self, n: int):
        self._free = n
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the slot passes on; `_free` is unchanged
            else:
                self._free += 1


def query_slots() -> int | None:
    """How many queries run at once (KOMPASS_CONCURRENCY): `auto`, twice the cores this process
    may use; a number; 0 for no limit. Beyond it a request waits its turn instead of every request
    thread of a server sharing the cores at once. Twice, not once: a query spends part of its
    time in Python (holding the GIL) and part in the embedder and FAISS (not holding it), and
    with one slot per core the cores idled; with 16 clients on 2 cores, 4 slots kept the
    throughput of no limit and cut the p95 by 23 % (bench/README.md, *The server under load*)."""
    value = os.environ.get(CONCURRENCY_ENV, "").strip().lower() or "auto"
    if value == "auto":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return 2 * cores
    if not value.isdigit():
        raise KompassError(f"ogiltigt {CONCURRENCY_ENV}={value!r}: ange ett antal, 0 (ingen gräns) eller auto")
    return int(value) or None


class Kompass:
    """The one library API every skin calls. Safe to share between threads once open: the
    model, the store and the search copy are made once (under a lock), each thread reads
    through its own connection, and every query reads one state of the index however often
    an ingest writes meanwhile. A server calls `open()` at start; a command may skip it, and
    a command that only reads the index (`reports`, a page, `remove`) never loads the model."""

    def __init__(self, config: Config | None = None, embedder: Embedder | None = None):
        self.config = config or Config.from_env()
        self._embedder = embedder
        self._store: Store | None = None
        self._searcher: Search | None = None
        self._dense_retriever: DenseRetriever | None = None
        self._lexical_retriever: LexicalRetriever | None = None
        self._units = None  # examples.UnitCache, made on first use
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._vector_lock = threading.Lock()
        self._lock = threading.RLock()  # making the resources above, once
        self._ingest_lock = threading.Lock()  # one ingest or removal at a time
        slots = query_slots()
        self._slots = Slots(slots) if slots else None
        self._thread = threading.local()
        self._background: tuple[object, list[int]] | None = None  # (search copy signature, passage ids)

    def open(self) -> "Kompass":
        """Load the model, open the index and bring its search copy up to date now, instead of
        in the first request (a server's start-up; a web request must not wait for them)."""
        with self._lock:
            self.embedder  # noqa: B018 - made here, not in the first request
            self.sync_search_copy()
            self.dense  # noqa: B018
            self._unit_cache()
        return self

    def __enter__(self) -> "Kompass":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- resources ---------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = load_embedder(self.config.embedder)
        return self._embedder

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    if self._embedder is not None:
                        name, dim = self._embedder.name, self._embedder.dim
                    else:  # reading needs the model's name and size, not the model
                        name, dim = identity(self.config.embedder)
                        if dim is None:
                            name, dim = self.embedder.name, self.embedder.dim
                    self._store = open_store(self.config.store_location, name, dim)
        return self._store

    @property
    def dense(self) -> DenseRetriever:
        if self._dense_retriever is None:
            with self._lock:
                if self._dense_retriever is None:
                    self._dense_retriever = DenseRetriever(self.searcher)
        return self._dense_retriever

    @property
    def lexical(self) -> LexicalRetriever:
        if self._lexical_retriever is None:
            with self._lock:
                if self._lexical_retriever is None:
                    self._lexical_retriever = LexicalRetriever(self.store, self.searcher)
        return self._lexical_retriever

    @property
    def searcher(self) -> Search:
        """The store's query path: SQLite's search copy (kept in KOMPASS_HOME/kompass.search), or
        the database itself (PostgreSQL)."""
        if self._searcher is None:
            with self._lock:
                if self._searcher is None:
                    self._searcher = self.store.searcher(self.config.search_copy_path)
        return self._searcher

    @property
    def search_copy(self) -> Search:
        """The SQLite store's search copy (the searcher, by its older name)."""
        return self.searcher

    def _unit_cache(self):
        """Every unit's vector and terms for goda exempel and wording (examples.UnitCache)."""
        if self._units is None:
            with self._lock:
                if self._units is None:
                    from .examples import UnitCache
                    self._units = UnitCache(self.store)
        return self._units

    def sync_search_copy(self) -> None:
        """Bring the searcher up to date (SQLite: its search copy, index/search_copy.py): after
        ingest and remove; a query that finds it stale does the same."""
        self.searcher.refresh()

    def reading(self):
        """Hold one state of the index (search copy and store) for this thread until the block
        ends; every query method does this itself, a skin that calls several may too."""
        return self.searcher.reading()

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
                self._searcher = None
                self._dense_retriever = None
                self._lexical_retriever = None
                self._units = None

    # -- ingest ------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path] | None = None, listener: Listener | None = None,
               force: bool = False, workers: int | None = None) -> list[IngestResult]:
        """Read files and folders (default: the bundled corpus); see assistant.ingest. `workers`:
        batches embedded at once (None: KOMPASS_INGEST_WORKERS; a server's uploads use 1, so
        that an upload leaves the other core to the queries)."""
        targets = [Path(p) for p in paths] if paths is not None else [BUNDLED_CORPUS]
        with self._ingest_lock:
            results = Ingester(self.store, self.embedder, workers).run(targets, listener or Quiet(), force)
            self.sync_search_copy()
        return results

    def remove(self, report_id: str) -> None:
        with self._ingest_lock:
            if not self.store.remove_report(report_id):
                raise InputError(f"rapporten {report_id!r} finns inte i indexet; se `kompass reports`")
            self.sync_search_copy()

    def ensure_ingested(self, listener: Listener | None = None, notice=lambda message: None) -> None:
        """A new user's first search must not fail on an empty index: read the sample first."""
        if self.store.passage_count() == 0:
            notice("Indexet är tomt: läser in exempelkorpusen först (kompass ingest).")
            failed = [r for r in self.ingest(listener=listener) if r.error]
            if failed:
                raise KompassError(f"exempelkorpusen kunde inte läsas in: {failed[0].error}")

    # -- search ------------------------------------------------------------------------
    def filters(self, municipality: str | None = None, year: str | int | None = None,
                area: str | int | None = None, section: str | None = None,
                report_id: str | None = None) -> Filters:
        """Validate user-given filter values into `Filters` (clear errors for bad values)."""
        key = None
        if municipality:
            known = self.store.municipality_keys()
            key = fold(municipality)
            place = lookup(municipality)  # any form of the 290: "Enköpings", "Västerås stad"
            if key not in known and place is not None:
                key = fold(place.name)
            if key not in known:
                names = ", ".join(sorted(known.values())) or "inga"
                raise InputError(f"okänd kommun {municipality!r}; indexerade kommuner: {names}")
        year_from, year_to = parse_year(year)
        if area is not None and area != "":
            try:
                area_number: int | None = parse_area_argument(str(area))
            except ValueError as exc:
                raise InputError(str(exc)) from None
        else:
            area_number = None
        return Filters(municipality=key, year_from=year_from, year_to=year_to, area=area_number,
                       section=parse_section(section), report_id=report_id)

    def check_query(self, query: str) -> str:
        query = (query or "").strip()
        if not query:
            raise InputError("frågan är tom: skriv vad du söker, t.ex. 'servicedeklarationer'")
        if len(query) > self.config.max_query_chars:
            raise InputError(f"frågan är för lång ({len(query)} tecken); högst "
                             f"{self.config.max_query_chars} tecken")
        return query

    def prepare(self, query: str, municipality: str | None = None, year: str | int | None = None,
                area: str | int | None = None, section: str | None = None, auto_filters: bool = True,
                sections: bool = True, listener: Listener | None = None,
                notice=lambda message: None, ingest_if_empty: bool = False) -> Understood:
        """A request as a skin receives it (the question and filter values as typed), checked
        and understood: the question and the filters that need no index are checked first, so a
        typo does not wait for an ingest (`ingest_if_empty`: a command line's first use) or a
        model; the municipality is checked against what is indexed, so after it. `sections`:
        read a section (Styrkor, ...) from the question too; goda exempel weigh every section."""
        self.check_query(query)
        self.filters(None, year, area, section)
        if ingest_if_empty:
            self.ensure_ingested(listener, notice)
        given = self.filters(municipality, year, area, section)
        return self.understand(query, given, auto_filters=auto_filters, sections=sections)

    @_reads
    def search(self, query: str, top: int = 10, filters: Filters | None = None,
               mode: str = "hybrid") -> list[Hit]:
        query = self.check_query(query)
        if mode not in MODES:
            raise InputError(f"okänt sökläge {mode!r}: välj en av {', '.join(MODES)}")
        if top < 1 or top > 200:
            raise InputError(f"ogiltigt antal träffar {top}: välj 1–200")
        filters = filters or Filters()
        k = max(self.config.candidates, top)
        analysed = self.lexical.analyse(query) if mode in ("hybrid", "lexical") else None
        # an English query is embedded with its Swedish report words
        vector = self.query_vector(dense_query(query)) if mode in ("hybrid", "dense") else None
        found = self.searcher.candidates(vector, list(analysed.match_terms) if analysed else None,
                                         filters, k)
        lexical = self.lexical.scored(analysed, found) if analysed else []
        dense, candidates = found.dense, found.passages
        if mode == "lexical":
            ranked = lexical
        elif mode == "dense":
            ranked = dense
        else:
            boost = section_weights(query)
            boost[SectionKind.ALLMANT.value] = self.config.allmant_weight
            weights = {pid: boost.get(p.section, 1.0) for pid, p in candidates.items()}
            # A lexical hit counts as much as it covers the query: sharing one common word is
            # not the evidence that sharing the rare one is.
            ranked = rrf([[(i, self.config.lexical_weight * coverage) for i, coverage in lexical],
                          [(i, 1.0) for i, _ in dense]], self.config.rrf_k, weights)
        return [Hit.from_stored(candidates[pid], score) for pid, score in ranked[:top]
                if pid in candidates]

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding, from a small cache shared by threads: `ask` needs the vector
        that `search` just made, and a user who refines filters asks the same words again."""
        key = (self.embedder.name, text)
        with self._vector_lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                return vector
        vector = self.embedder.embed_query(text)
        vector.setflags(write=False)
        with self._vector_lock:
            self._vectors[key] = vector
            while len(self._vectors) > QUERY_CACHE:
                self._vectors.popitem(last=False)
        return vector

    def understand(self, query: str, filters: Filters | None = None, auto_filters: bool = True,
                   sections: bool = True) -> Understood:
        """The question's topic and filters: those given, plus (with `auto_filters`) those read
        from the question (assistant/understand.py)."""
        query = self.check_query(query)
        given = filters or Filters()
        if not auto_filters:
            return Understood(query, query, given)
        return understand(query, given, self.store.municipality_keys(), sections)

    # -- goda exempel -----------------------------------------------------------------
    @_reads
    def examples(self, query: str, top: int = 10, filters: Filters | None = None,
                 auto_filters: bool = True):
        """Municipalities that are strong on the asked topic, best first (assistant/examples.py)."""
        from .examples import (
            ExamplesResult,
            build_examples,
            find_anchor,
            rank_reports,
            topic_text,
        )
        if top < 1 or top > 100:
            raise InputError(f"ogiltigt antal kommuner {top}: välj 1–100")
        understood = self.understand(query, filters, auto_filters, sections=False)
        understood = replace(understood, topic=topic_text(understood.topic))
        filters = understood.filters
        units = self._unit_cache().get(self.embedder)
        allowed = None if filters == Filters() else self.store.filtered_ids(filters)
        lexical = analyse(understood.topic, self.store)
        vector = self.query_vector(understood.topic)
        anchor = find_anchor(units, vector, lexical)
        per_report = rank_reports(units, vector, lexical, allowed, anchor)
        if allowed is None:
            in_scope = set(range(len(units.report_names)))
        else:
            in_scope = set(np.unique(units.report[np.isin(units.passage, allowed)]).tolist())

        found, lacking = build_examples(units, per_report, anchor, in_scope, self.hits_for, top)
        return ExamplesResult(understood.question, understood.topic, list(understood.applied),
                              list(understood.notes), found, lacking, len(in_scope))

    # -- precedent wording -------------------------------------------------------------
    @_reads
    def wording(self, query: str, top: int = 10, filters: Filters | None = None,
                auto_filters: bool = True):
        """How earlier reports worded a finding: verbatim sentences, near-duplicates folded
        into one entry listing every report that used them (assistant/wording.py)."""
        from .wording import WordingResult, find_wording, wording_topic
        if top < 1 or top > 100:
            raise InputError(f"ogiltigt antal formuleringar {top}: välj 1–100")
        understood = self.understand(query, filters, auto_filters)
        topic = wording_topic(understood.topic, tuple(a.words for a in understood.applied if a.kind == "section"))
        filters = understood.filters
        section = filters.section.value if filters.section else None
        units = self._unit_cache().get(self.embedder)
        scope = replace(filters, section=None)
        allowed = None if scope == Filters() else self.store.filtered_ids(scope)
        entries = find_wording(units, self.query_vector(topic), topic, self.store, allowed,
                               section, top)
        return WordingResult(understood.question, topic, list(understood.applied), list(understood.notes),
                             entries)

    # -- answers and listings ----------------------------------------------------------
    @_reads
    def hits_for(self, passage_ids: Iterable[int]) -> dict[int, Hit]:
        """Passages by id, as hits (score 0): what fact answers and examples cite."""
        return {pid: Hit.from_stored(p, 0.0) for pid, p in self.store.passages(passage_ids).items()}

    @_reads
    def ask(self, query: str, filters: Filters | None = None, top: int = 8) -> Answer:
        """Answer a question: a fact question (scores, rankings, totals, evaluators, dates, the
        compared Kvalitetskommun) is computed from the tables (assistant/facts.py); any other is
        answered with verbatim, cited sentences from the best passages (assistant/answer.py),
        or plainly not, when nothing in the index answers it."""
        from .answer import compose
        from .facts import answer as fact_answer
        from .facts import classify
        query = self.check_query(query)
        filters = filters or Filters()
        fact = classify(query, filters.area)
        if fact is not None:
            return self._generated(fact_answer(query, fact, self.store, replace(filters, section=None),
                                               self.hits_for))
        hits = self.search(query, top=top, filters=filters)
        stored = self.store.sentences_of(h.passage_id for h in hits)
        total = max(self.store.passage_count(), 1)
        df = self.store.document_frequencies(terms(query))
        idf = {t: math.log((total + 1) / (n + 0.5)) for t, n in df.items()}
        wanted = frozenset(s for s, w in section_weights(query).items() if w > 1)
        # How far the best dense hit stands out from a typical passage of the index (abstention);
        # not when the question named an area or a section (that part of a report exists).
        vector = self.query_vector(dense_query(query))  # the one `search` made
        margin = None
        if filters.area is None and filters.section is None:
            best = self.dense.search(vector, filters, 1)
            margin = float(best[0][1] - self._typical_similarity(vector)) if best else 0.0
        lexical = analyse(query, self.store)
        mass = sum(c.idf for c in lexical.concepts) or 1.0
        unknown = sum(c.idf for c in lexical.concepts if not c.known) / mass
        return self._generated(compose(query, hits, self.embedder, stored, idf, wanted,
                                       coverage=lexical.coverage,
                                       dense_margin=margin, unknown=unknown,
                                       broad=filters.section is None, query_vector=vector,
                                       passage_vectors=self._passage_vectors))

    def _typical_similarity(self, vector: np.ndarray) -> float:
        """The query's median similarity to a fixed, evenly spread sample of the index's passages
        (at most BACKGROUND passages, chosen once per index generation). A baseline that does not
        shrink as the corpus grows: with 300 reports the top 50 hits of an answerable question
        are all on topic, and a margin over them declined one answerable question in four."""
        signature = self.store.signature()  # inside reading(): the pinned state's
        with self._vector_lock:
            cached = self._background
        if cached is None or cached[0] != signature:
            ids = self.store.passage_ids()
            chosen = ids[np.linspace(0, len(ids) - 1, min(BACKGROUND, len(ids))).astype(int)] if len(ids) else ids
            cached = (signature, [int(i) for i in np.unique(chosen)])
            with self._vector_lock:
                self._background = cached
        similarities = list(self.searcher.similarities(vector, cached[1]).values())
        return float(np.median(similarities)) if similarities else 0.0

    def _passage_vectors(self, passage_ids: list[int]) -> dict[int, np.ndarray]:
        vectors, _, _ = self.store.vectors_of(passage_ids)
        return dict(zip(passage_ids, vectors))

    def _generated(self, answer: Answer) -> Answer:
        """With an LLM endpoint configured (KOMPASS_LLM_URL), a model rewrites the answer from
        its own citations and facts only; sentences that cite nothing or get a number wrong are
        dropped, and any failure keeps the extractive answer (assistant/generate.py)."""
        from .generate import LLMSettings, generate
        settings = LLMSettings.from_env()
        if not settings.enabled or answer.kind == "none":
            return answer
        facts = answer.text.splitlines() if answer.kind == "fact" else []
        result = generate(answer.query, answer, facts, settings)
        info = result.to_dict()
        if not result.generated:
            return replace(answer, generation=info)
        return replace(answer, text=result.text, citations=list(result.citations), generation=info)

    def reports(self, questions: bool = False) -> list[ReportSummary]:
        """Every indexed report with its area scores and files (`questions`: with each area's
        sub-questions), by municipality and year. Reads the index only: no model is loaded."""
        with self.store.reading():
            return [self._summary(row, questions) for row in self.store.report_rows()]

    def report(self, report_id: str) -> ReportSummary:
        """One report with its area and sub-question scores; a clear error when it is unknown."""
        with self.store.reading():
            row = self._report_row(report_id)
            return self._summary(row, questions=True)

    def page(self, report_id: str, page: int) -> PageText:
        """The text of page `page` of a report as indexed, passage by passage: what a source
        pane shows beside a citation."""
        with self.store.reading():
            row = self._report_row(report_id)
            count = row["page_count"]
            if not isinstance(page, int) or page < 1 or (count and page > int(count)):
                raise InputError(f"sidan {page} finns inte i {report_id}; välj 1–{count or '?'}")
            parts: list[PagePart] = []
            for pid, heading, section, area, text in self.store.page_units(report_id, page):
                if parts and parts[-1].passage_id == pid:
                    last = parts[-1]
                    parts[-1] = replace(last, text=f"{last.text}\n{text}")
                else:
                    parts.append(PagePart(int(pid), heading, section, area, text))
            if not parts and not count:
                raise InputError(f"{report_id} har inga sidnummer (filen anger inga sidor)")
            return PageText(report_id, str(row["display_name"]), row["year"], page, count, parts)

    def status(self) -> IndexStatus:
        """The index's size, model and schema version (a health check; loads no model)."""
        with self.store.reading():
            return IndexStatus(len(self.store.report_rows()), self.store.passage_count(),
                               self.store.model_name, self.store.schema_version, self.store.generation(),
                               "postgresql" if is_database_url(self.store.location) else "sqlite")

    def compare(self, report_ids: list[str]) -> Comparison:
        """Reports side by side in the order given, area by area, with the change from the
        first to the last (for two years of one municipality: give the earlier first)."""
        ids = list(dict.fromkeys(report_ids))
        if not 2 <= len(ids) <= MAX_COMPARED:
            raise InputError(f"välj 2–{MAX_COMPARED} olika rapporter att jämföra (fick {len(ids)})")
        with self.store.reading():
            reports = [self.report(i) for i in ids]
        areas = sorted({a.area for r in reports for a in r.areas})
        rows = []
        for area in areas:
            scores = [next((a.score for a in r.areas if a.area == area), None) for r in reports]
            change = scores[-1] - scores[0] if scores[0] is not None and scores[-1] is not None else None
            rows.append(ComparisonRow(area, area_name(area), scores, change))
        totals = [r.total_score for r in reports]
        total_change = totals[-1] - totals[0] if totals[0] is not None and totals[-1] is not None else None
        return Comparison(reports, rows, totals, total_change)

    def kvalitetskommun(self, report_id: str) -> KvalitetskommunRef | None:
        """The Kvalitetskommun the report is compared with (None: the report names none), with
        that municipality's indexed report nearest the year, if any."""
        from .facts import find_kvalitetskommun
        with self.store.reading():
            self._report_row(report_id)
            passages = self.store.passages(self.store.table_passage_ids([report_id]))
            for passage in sorted(passages.values(), key=lambda p: p.id):
                found = find_kvalitetskommun(passage.text)
                if found is None:
                    continue
                name, year = found
                key = fold(name)
                candidates = [r for r in self.store.report_rows()
                              if r["municipality_key"] == key and r["report_id"] != report_id]
                best = min(candidates, key=lambda r: (abs(int(r["year"] or 0) - year), -int(r["year"] or 0)),
                           default=None)
                summary = self.report(str(best["report_id"])) if best else None
                return KvalitetskommunRef(name, year, passage.id, passage.page_start, summary)
        return None

    def has_report(self, report_id: str) -> bool:
        with self.store.reading():
            return bool(report_id) and self.store.report_row(report_id) is not None

    def _report_row(self, report_id: str) -> dict[str, object]:
        row = self.store.report_row(report_id) if report_id else None
        if row is None:
            raise InputError(f"rapporten {report_id!r} finns inte i indexet; se `kompass reports`")
        return row

    def _summary(self, row: dict[str, object], questions: bool) -> ReportSummary:
        report_id = str(row["report_id"])
        by_area: dict[int, list[QuestionScore]] = {}
        if questions:
            def number_key(q: tuple) -> tuple:
                return tuple(int(n) if n.isdigit() else 0 for n in str(q[1]).split("."))
            for area, number, question, achieved, maximum, percent, page in sorted(
                    self.store.questions_of(report_id), key=number_key):
                by_area.setdefault(area, []).append(
                    QuestionScore(str(number), question or "", achieved, maximum, percent, page))
        areas = [AreaScore(int(a["area"]), area_name(int(a["area"])), a["name_in_report"], a["score"],
                           a["page"], list(a["rubriker"]), a["question_total"],
                           by_area.get(int(a["area"]), []))
                 for a in self.store.area_rows(report_id)]
        sources = [SourceFile(f.path, f.format, f.role) for f in self.store.sources_of(report_id)]
        return ReportSummary(
            report_id=report_id, municipality=str(row["municipality"]),
            display_name=str(row["display_name"]), kind=row["kind"], year=row["year"],
            month=row["month"], title=row["title"], evaluators=list(row["evaluators"]),
            publisher=row["publisher"], date=row["date"], page_count=row["page_count"],
            total_score=row["total_score"], source_path=row["source_path"],
            source_sha256=row["source_sha256"], parser_version=row["parser_version"],
            warnings=list(row["warnings"]), ingested_at=row["ingested_at"], areas=areas,
            sources=sources)
