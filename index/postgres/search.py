"""The query path in PostgreSQL: a query's lexical and dense candidates, their passages and the
lexical hits' terms in one statement (one round trip), on the store's connection for this
thread (inside `reading()`: its snapshot).

Lexical side: the query's match terms (assistant/lexical_query.py; the same stems as the stored
terms, see store.py), bound as a text[] parameter (no parser, no stemming, no SQL built from
user text), looked up in the vocabulary (id, df), then their postings (schema.py, migration 2:
term id, passage id, tf, the passage's term count) by an index-only scan of the postings' btree,
summed per passage. Ranked by BM25, the function the SQLite store ranks with (FTS5's bm25():
k1 = 1.2, b = 0.75, idf = ln((N - df + 0.5) / (df + 0.5)), at least 1e-6), with N and the mean
length kept in `meta`: the same scores as the SQLite index. ts_rank and ts_rank_cd (normalised
by length) were measured and not chosen: they weigh every query term alike (no idf), so a
passage with several common words of the question outranks the one with its rare word. On the
dev set's 103 questions the lexical top passage agreed with the SQLite index on 103 with BM25,
85 with ts_rank(lexemes, q, 1), 62 with ts_rank_cd and 93 with a sum of idf * ts_rank per term;
lexical MRR@10 0.638 / 0.602 / 0.556 / 0.630 (hybrid 0.864 in all, within 0.002). Schema 1
ranked from the tsvectors (GIN index, then each matching passage's lexemes unnested): 1.2 s at
the median at 300,000 passages; see bench/README.md for the postings' figures.

Dense side: exactly index/search_copy.py `combine`: the top k passages by their own vector, the
top k * SENTENCE_FANOUT sentences (each keyed to its passage), a passage's score
SENTENCE_WEIGHT * best sentence + (1 - SENTENCE_WEIGHT) * its own similarity, and a passage
found only by a sentence gets its own similarity computed. Through the HNSW indexes, with
`hnsw.ef_search` set for the statement (set_config(..., true) in the CTE that supplies the query
vector, which runs before the index scans start) to at least twice what it returns (pgvector's
limit is 1000).

Filters: HNSW filters after the graph search, so a filtered query could return too few rows. So a
filtered query takes the 1000 nearest neighbours (ef_search 1000), keeps those the filters
allow, and when fewer than k remain (a narrow filter: one report, one area of a few reports)
searches the allowed passages exactly instead, through the btree indexes on report, area and
section; the exact branch runs only then (a one-time filter). On a small index (the sample's)
both are exact.
"""
from __future__ import annotations

from contextlib import AbstractContextManager

import numpy as np

from ..records import Candidates, Filters, StoredPassage
from ..search_copy import SENTENCE_FANOUT, SENTENCE_WEIGHT
from .store import PostgresStore, filter_sql, ids_param, vector_param

EF_SEARCH_MIN = 100  # hnsw.ef_search at least (pgvector's default is 40)
EF_SEARCH_MAX = 1000  # pgvector's largest
BM25_K1 = 1.2
BM25_B = 0.75


def _lexical_ctes(query_terms: list[str], where: str, params: dict[str, object]) -> str | None:
    """`lexical (id, score)`: BM25 top k of the passages sharing a term with the query, from
    the query terms' postings."""
    unique = [t for t in dict.fromkeys(query_terms) if t]
    if not unique:
        return None
    params["terms"] = unique
    join = "" if where == "TRUE" else "JOIN passages p ON p.id = o.passage_id "
    return f"""
    lq AS MATERIALIZED (
        SELECT v.id, greatest(ln((m.passages - v.df + 0.5)::float8 / (v.df + 0.5)), 1e-6) AS idf,
               m.terms::float8 / greatest(m.passages, 1) AS avgdl
        FROM vocabulary v CROSS JOIN meta m WHERE v.term = ANY(%(terms)s::text[])),
    lexical AS MATERIALIZED (
        SELECT o.passage_id AS id,
               sum(lq.idf * o.tf * {BM25_K1 + 1}::float8
                   / (o.tf + {BM25_K1}::float8 * ({1 - BM25_B}::float8 + {BM25_B}::float8 * o.length / lq.avgdl))) AS score
        FROM lq JOIN postings o ON o.term_id = lq.id {join}WHERE {where}
        GROUP BY o.passage_id ORDER BY score DESC, o.passage_id LIMIT %(k)s)"""


def _nearest(table: str, limit: str, where: str | None) -> str:
    """(id = the vector's passage, sim) of the `limit` nearest rows of `table`: the HNSW search,
    and with filters the filtered neighbours or, when fewer than `limit`, the exact search."""
    distance = "v.embedding <=> (SELECT qv FROM q)"
    if where is None:
        return f"""(SELECT v.passage_id AS id, 1 - ({distance}) AS sim FROM {table} v
                    ORDER BY {distance} LIMIT {limit})"""
    return f"""(WITH near AS (SELECT v.passage_id AS id, {distance} AS d FROM {table} v
                              ORDER BY {distance} LIMIT %(near)s),
                     allowed AS MATERIALIZED (SELECT n.id, 1 - n.d AS sim FROM near n
                              JOIN passages p ON p.id = n.id WHERE {where} ORDER BY n.d, n.id LIMIT {limit})
                SELECT id, sim FROM allowed WHERE (SELECT count(*) FROM allowed) >= {limit}
                UNION ALL
                (SELECT v.passage_id, 1 - ({distance}) AS sim FROM passages p
                 JOIN {table} v ON v.passage_id = p.id
                 WHERE {where} AND (SELECT count(*) FROM allowed) < {limit}
                 ORDER BY sim DESC, v.passage_id LIMIT {limit}))"""


def _dense_ctes(vector: np.ndarray, k: int, filtered: bool, where: str, params: dict[str, object]) -> str:
    """`q` (the query vector; sets ef_search for the statement) and `dense (id, score)`."""
    sentence_k = k * SENTENCE_FANOUT
    ef = EF_SEARCH_MAX if filtered else min(EF_SEARCH_MAX, max(EF_SEARCH_MIN, 2 * sentence_k, 2 * k))
    params.update(vector=vector_param(vector), ef=str(ef), near=EF_SEARCH_MAX, ks=sentence_k,
                  weight=SENTENCE_WEIGHT)
    condition = where if filtered else None
    return f"""
    q AS MATERIALIZED (SELECT %(vector)s::float8[]::vector AS qv,
                              set_config('hnsw.ef_search', %(ef)s, true) AS ef),
    pv AS MATERIALIZED {_nearest("passage_vectors", "%(k)s", condition)},
    sv AS MATERIALIZED {_nearest("sentence_vectors", "%(ks)s", condition)},
    best AS (SELECT id, max(sim) AS sim FROM sv GROUP BY id),
    own AS (SELECT id, sim FROM pv
            UNION ALL
            SELECT b.id, 1 - (v.embedding <=> (SELECT qv FROM q)) FROM best b
            JOIN passage_vectors v ON v.passage_id = b.id WHERE NOT EXISTS (SELECT 1 FROM pv WHERE pv.id = b.id)),
    dense AS MATERIALIZED (
        SELECT o.id, %(weight)s * coalesce(b.sim, o.sim) + (1 - %(weight)s) * o.sim AS score
        FROM own o LEFT JOIN best b ON b.id = o.id ORDER BY score DESC, o.id LIMIT %(k)s)"""


_NONE = "(SELECT NULL::bigint AS id, NULL::float8 AS score WHERE false)"


def candidates_statement(vector: np.ndarray | None, query_terms: list[str] | None, filters: Filters,
                         k: int, rows: bool = True) -> tuple[str, dict[str, object]] | None:
    """The statement for `Search.candidates` (rows: with the passages and terms) or, without
    rows, for the hits alone; None when there is nothing to search."""
    where, params = filter_sql(filters, "p")
    params["k"] = int(k)
    ctes = []
    lexical = _lexical_ctes(query_terms, where, params) if query_terms else None
    if lexical:
        ctes.append(lexical)
    else:
        ctes.append(f"lexical AS {_NONE}")
    if vector is not None:
        ctes.append(_dense_ctes(vector, int(k), filters != Filters(), where, params))
    else:
        ctes.append(f"dense AS {_NONE}")
    if not lexical and vector is None:
        return None
    head = "WITH " + ",\n".join(ctes)
    if not rows:
        return (head + "\nSELECT 'l', id, score FROM lexical UNION ALL SELECT 'd', id, score FROM dense",
                params)
    return (head + """
    SELECT h.id, l.score, d.score, p.report_id, r.municipality, r.display_name, r.year, p.area,
           p.section, p.page_start, p.page_end, p.heading, p.text,
           tsvector_to_array(x.lexemes)
    FROM (SELECT id FROM lexical UNION SELECT id FROM dense) h
    JOIN passages p ON p.id = h.id JOIN reports r ON r.report_id = p.report_id
    LEFT JOIN lexical l ON l.id = h.id LEFT JOIN dense d ON d.id = h.id
    LEFT JOIN passage_lexemes x ON x.passage_id = l.id""", params)


def _ranked(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
    return sorted(((int(i), float(s)) for i, s in hits), key=lambda pair: (-pair[1], pair[0]))


def lexical_hits(db, query_terms: list[str], filters: Filters, k: int) -> list[tuple[int, float]]:
    statement = candidates_statement(None, query_terms, filters, k, rows=False)
    if statement is None:
        return []
    return _ranked([(i, s) for _, i, s in db.execute(*statement).fetchall()])


class PostgresSearch:
    """The Search contract (index/store.py) over a PostgresStore: everything in the database."""

    def __init__(self, store: PostgresStore):
        self.store = store

    def refresh(self) -> None:
        """Nothing to bring up to date: the search reads the tables themselves."""

    def reading(self) -> AbstractContextManager[None]:
        return self.store.reading()

    def candidates(self, vector: np.ndarray | None, query_terms: list[str] | None, filters: Filters,
                   k: int) -> Candidates:
        statement = candidates_statement(vector, query_terms, filters, k)
        if statement is None:
            return Candidates([], [], {}, {})
        with self.store.connection() as db:
            rows = db.execute(*statement).fetchall()
        lexical, dense, passages, terms = [], [], {}, {}
        for row in rows:
            pid = int(row[0])
            if row[1] is not None:
                lexical.append((pid, row[1]))
                terms[pid] = set(row[13] or ())
            if row[2] is not None:
                dense.append((pid, row[2]))
            passages[pid] = StoredPassage(pid, *row[3:13])
        return Candidates(_ranked(lexical), _ranked(dense), passages, terms)

    def dense_search(self, vector: np.ndarray, filters: Filters, k: int) -> list[tuple[int, float]]:
        """Passages by their own vector and their best sentence's (index/search_copy.py combine)."""
        statement = candidates_statement(vector, None, filters, k, rows=False)
        with self.store.connection() as db:
            return _ranked([(i, s) for _, i, s in db.execute(*statement).fetchall()])

    def similarities(self, vector: np.ndarray, passage_ids: list[int]) -> dict[int, float]:
        wanted = ids_param(passage_ids)
        if not wanted:
            return {}
        with self.store.connection() as db:
            rows = db.execute("SELECT passage_id, 1 - (embedding <=> %s::float8[]::vector) FROM passage_vectors "
                              "WHERE passage_id = ANY(%s::bigint[])", (vector_param(vector), wanted)).fetchall()
        return {int(pid): float(sim) for pid, sim in rows}
