"""Hybrid search, filters, the fast dense path against exact search."""
from __future__ import annotations

import faiss
import numpy as np
import pytest

from assistant.kompass import parse_year
from corpus.errors import InputError
from index.dense import combine
from index.records import Filters
from index.vectors import VectorSet


def test_keyword_query_finds_the_passage(kompass):
    hits = kompass.search("servicedeklarationer", top=3)
    assert hits[0].area == 2
    assert any("servicedeklarationer" in h.text for h in hits[:2])


def test_compound_and_inflection(kompass):
    # "totalpoäng" is not in the report: split into total + poäng, it finds the summary table.
    assert kompass.search("Vilken totalpoäng fick Enköping?", top=1)[0].section == "resultat"
    # "fullmäktige" also finds "kommunfullmäktige"; "totalpoäng" counts as total + poäng.
    from assistant.lexical_query import analyse

    concepts = {c.source: c.alternatives for c in analyse("fullmäktiges totalpoäng", kompass.store).concepts}
    assert {"fullmäkt", "kommunfullmäkt"} <= concepts["fullmäktige"]
    assert "poäng" in concepts["totalpoäng"] and any(t.startswith("total") for t in concepts["totalpoäng"])


def test_lexical_hits_carry_their_coverage_of_the_query(kompass):
    from assistant.lexical_query import analyse

    query = analyse("Har kommunen servicedeklarationer för hemtjänsten?", kompass.store)
    both, one, common = ({"servicedeklaration", "hemtjänst", "kommun"}, {"servicedeklaration"}, {"kommun"})
    assert query.coverage(both) > 0.99
    assert query.coverage(both) > query.coverage(one) > 10 * query.coverage(common) > 0
    assert query.coverage(set()) == 0.0
    english = analyse("How are complaints handled?", kompass.store)
    complaint = next(c for c in english.concepts if "klagomål" in c.alternatives)
    assert complaint.source == "complaints"


def test_english_query_uses_the_dense_side(kompass):
    hits = kompass.search("Does Enköping use individual contracts for managers?", top=3)
    assert any("chefsavtal" in h.text for h in hits)


def test_filters(kompass):
    hits = kompass.search("styrning", top=20, filters=kompass.filters(area="4"))
    assert hits and {h.area for h in hits} == {4}
    hits = kompass.search("medborgardialog", top=20, filters=kompass.filters(section="styrkor"))
    assert hits and {h.section for h in hits} == {"styrkor"}
    hits = kompass.search("medborgardialog", filters=kompass.filters(municipality="Enköpings", year="2014-2017"))
    assert hits and {h.municipality for h in hits} == {"Enköping"}
    assert kompass.search("medborgardialog", filters=kompass.filters(year="2015")) == []


@pytest.mark.parametrize("kwargs,message", [
    ({"area": "9"}, "okänt område"),
    ({"year": "20x6"}, "ogiltigt år"),
    ({"year": "2018-2014"}, "startåret"),
    ({"section": "slutsatser"}, "okänd sektion"),
    ({"municipality": "Umeå"}, "okänd kommun"),
])
def test_bad_filter_values(kompass, kwargs, message):
    with pytest.raises(InputError, match=message):
        kompass.filters(**kwargs)


def test_parse_year():
    assert parse_year("2016") == (2016, 2016)
    assert parse_year("2014-2017") == (2014, 2017)
    assert parse_year("2014–") == (2014, None)
    assert parse_year("-2017") == (None, 2017)


@pytest.mark.parametrize("query,message", [("", "tom"), ("   ", "tom"), ("x" * 10_000, "för lång")])
def test_bad_queries(kompass, query, message):
    with pytest.raises(InputError, match=message):
        kompass.search(query)


def test_fast_dense_path_equals_exact_search(kompass):
    """The memory-mapped float16 copy ranks as exact float32 search over every stored vector
    (sqlite-vec's vec_distance_cosine, a scan) combined the same way."""
    store = kompass.store
    for query, filters in [("Hur följer fullmäktige upp målen?", Filters()),
                           ("kompetensutveckling", Filters(area=6)),
                           ("frivilligkrafter", Filters(section=kompass.filters(section="styrkor").section))]:
        vector = kompass.embedder.embed_query(query)
        everything = dict(store.exact_dense_search(vector, filters, 10_000))
        expected = combine(vector, store.exact_dense_search(vector, filters, 50),
                           store.exact_dense_search(vector, filters, 200, sentences=True),
                           lambda _v, ids, exact=everything: {i: exact[i] for i in ids}, 10)
        got = kompass.dense.search(vector, filters, 50)[:10]
        assert [pid for pid, _ in got] == [pid for pid, _ in expected]
        assert np.allclose([s for _, s in got], [s for _, s in expected], atol=2e-3)


def test_vector_set_against_numpy_brute_force():
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(100, 3100, dtype=np.int64) // 2  # two vectors per id, as sentences have
    vector_set = VectorSet.build(384, ids, vectors)
    allowed = np.unique(ids[ids % 3 == 0])
    for q in vectors[:20] + 0.1 * rng.standard_normal((20, 384)).astype(np.float32):
        scores = vectors @ q
        for selector, mask in ((None, np.ones(len(ids), bool)),
                               (faiss.IDSelectorBatch(allowed), np.isin(ids, allowed))):
            got = vector_set.search(q, 10, selector)
            tenth = np.sort(scores[mask])[::-1][9]
            assert len(got) == 10 and all(np.isin([i for i, _ in got], ids[mask]))
            # float16 may swap near-ties only: every hit is within its rounding of the top 10
            assert all(s >= tenth - 2e-3 for _, s in got)
            # an id's score is that of one of its vectors (an id can come twice)
            assert all(np.abs(scores[ids == i] - s).min() < 2e-3 for i, s in got)
        similarities = vector_set.similarities(q, [50, 51, 99_999])
        assert set(similarities) == {50, 51}
        assert abs(similarities[50] - float(vectors[0] @ q)) < 2e-3  # the first vector of id 50


def test_ask_cites_every_claim(kompass):
    answer = kompass.ask("Vem arbetar bra med servicedeklarationer?")
    # Every claim ends with its citation; a grouped answer also has its group headings.
    lines = [line for line in answer.text.splitlines() if line.strip() and not line.endswith(":")]
    assert lines and all(line.rstrip().endswith(tuple(f"[{c.number}]" for c in answer.citations))
                         for line in lines)
    assert any("servicedeklarationer" in c.quote for c in answer.citations)
    for c in answer.citations:
        assert c.quote in c.hit.text
        assert c.hit.municipality == "Enköping" and c.hit.year == 2016
        assert c.hit.page <= c.page <= c.page_end <= c.hit.page_end
    assert {c.page for c in answer.citations if "servicedeklarationer" in c.quote} == {8}


def test_citation_names_the_page_of_the_quoted_sentence(kompass):
    # The passage runs over pages 11-12; the sentence about resultatenheter is on page 11.
    answer = kompass.ask("När inrättades resultatenheter inom vård och omsorg?")
    [citation] = [c for c in answer.citations if "inrättades resultatenheter 2009" in c.quote]
    assert (citation.page, citation.page_end) == (11, 11)
    assert citation.source_label().endswith("Sammanfattning, s. 11")


def test_list_question_gets_the_list(kompass):
    answer = kompass.ask("Vilka styrkor har Enköping inom personalpolitiken?")
    assert {c.hit.section for c in answer.citations} == {"styrkor"}
    assert {c.hit.area for c in answer.citations} == {6}
    assert len(answer.text.splitlines()) >= 5


def test_glossary_expansion():
    from assistant.glossary import expansions

    assert "klagomålshantering" in expansions("How are complaints handled?")
    assert "vänort" in expansions("Does it have a twin town?")
    assert "webbsida" in expansions("Finns det på hemsidan?")
    assert expansions("Finns det resultatenheter?") == ""  # "result" is English, whole words only


def test_english_question_finds_swedish_passage_through_glossary(kompass):
    hits = kompass.search("How does the municipality handle complaints?", top=5, mode="lexical")
    assert any(h.area == 2 and "klagomålspolicy" in h.text for h in hits)


def test_english_query_is_embedded_with_its_swedish_report_words():
    from assistant.glossary import dense_query, is_english

    assert is_english("How does the municipality handle complaints?")
    assert not is_english("Hur hanterar kommunen klagomål?")
    assert not is_english("Har Enköping någon vänort?")  # Swedish, though "vänort" has an entry
    english = dense_query("How does the municipality handle complaints?")
    assert english.startswith("How does the municipality handle complaints? ")
    assert {"klagomål", "synpunkter", "kommun"} <= set(english.split())
    assert dense_query("Har Enköping någon vänort?") == "Har Enköping någon vänort?"
    assert dense_query("What is Lorem ipsum?") == "What is Lorem ipsum?"  # nothing to add


def test_english_query_finds_the_complaints_passage(kompass):
    for mode in ("hybrid", "dense"):
        hits = kompass.search("How does the municipality handle complaints?", top=3, mode=mode)
        assert any(h.area == 2 and ("klagomålspolicy" in h.text or "synpunkter" in h.text)
                   for h in hits), mode
    hits = kompass.search("What was the overall result of the evaluation?", top=3)
    assert hits[0].section == "resultat"


def test_misspelt_word_matches_the_index_term_one_edit_away(kompass):
    from assistant.lexical_query import _one_edit, analyse

    plain = {c.source: c.alternatives for c in analyse("resultat för äldreboendna", kompass.store).concepts}
    assert plain["äldreboendn"] == {"äldreboendn"}  # off by default (ask, goda exempel)
    fuzzy = {c.source: c.alternatives
             for c in analyse("resultat för äldreboendna", kompass.store, fuzzy=True).concepts}
    assert "äldreboenden" in fuzzy["äldreboendn"]
    assert fuzzy["result"] == plain["result"]  # a known word keeps its own terms only
    assert kompass.search("äldreboendna på hemsidan", top=3, mode="lexical")
    assert _one_edit("äldreboendn", "äldreboenden") and _one_edit("modell", "model")
    assert _one_edit("abcd", "abdc") and _one_edit("katt", "kast")
    assert not _one_edit("arbetslag", "arbetsplat") and not _one_edit("katt", "katt")
    assert not _one_edit("katt", "tkat")


def test_introduction_is_nudged_down_unless_the_question_is_about_the_evaluation():
    from assistant.intent import INTRO_PENALTY, OVERALL_BOOST, section_weights

    assert section_weights("Anställer kommunen folk med olika bakgrund?")["inledning"] == INTRO_PENALTY < 1
    assert "inledning" not in section_weights("Hur många intervjuades i utvärderingen?")
    assert "inledning" not in section_weights("Who carried out the evaluation?")
    assert section_weights("What was the overall result?")["resultat"] == OVERALL_BOOST
