"""Ingesting folders of real report files: duplicates, changes, deletions, bad files, Ctrl-C."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


from assistant.config import Config
from assistant.ingest import Quiet
from assistant.kompass import Kompass
from conftest import run_cli
from factory import build_all, mini_transcript


def _counts(kompass: Kompass) -> dict[str, int]:
    db = kompass.store.db
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("reports", "passages", "sentences", "passage_embeddings", "sentence_embeddings",
                      "passages_fts", "sources")}


def test_all_formats_of_one_report_are_one_report(home_copy, tmp_path):
    folder = tmp_path / "rapporter"
    files = build_all(folder)
    shutil.copy(files["text"], folder / "enkoping_2016.txt")
    kompass = Kompass(Config.from_env(home=home_copy))
    results = {Path(r.path).suffix: r for r in kompass.ingest([folder])}
    assert results[".pdf"].status == "updated"  # the PDF wins: real pages and columns
    assert {results[s].status for s in (".txt", ".html", ".docx")} <= {"duplicate", "updated"}
    assert [r.report_id for r in kompass.reports()] == ["enkoping-2016"]
    primary = [s for s in kompass.store.sources_of("enkoping-2016") if s.role == "primary"]
    assert [Path(s.path).suffix for s in primary] == [".pdf"]
    # Only the text that differs from the transcript's passages was embedded again.
    assert results[".pdf"].embedded < 40 and results[".pdf"].reused > 350
    # A second run reads nothing again.
    assert {r.status for r in kompass.ingest([folder])} == {"unchanged"}
    kompass.close()


def test_changed_and_deleted_files(home_copy, tmp_path):
    folder = tmp_path / "rapporter"
    folder.mkdir()
    testby = mini_transcript(folder / "testby.txt", "TESTBY")
    shutil.copy(Path(__file__).parent.parent / "corpus" / "samples" / "enkoping_2016.txt", folder / "enkoping.txt")
    kompass = Kompass(Config.from_env(home=home_copy))
    first = {r.report_id: r.status for r in kompass.ingest([folder])}
    assert first == {"testby-2016": "new", "enkoping-2016": "duplicate"}
    before = kompass.store.db.execute(
        "SELECT group_concat(id) FROM passages WHERE report_id = 'enkoping-2016'").fetchone()

    testby.write_text(testby.read_text(encoding="utf-8").replace(
        "Demokratikommitté och demokratistrateg", "Demokratiråd och demokratistrateg"), encoding="utf-8")
    second = {r.report_id: (r.status, r.embedded) for r in kompass.ingest([folder])}
    assert second["testby-2016"][0] == "updated" and 1 <= second["testby-2016"][1] <= 3
    assert second["enkoping-2016"] == ("unchanged", 0)
    after = kompass.store.db.execute(
        "SELECT group_concat(id) FROM passages WHERE report_id = 'enkoping-2016'").fetchone()
    assert after == before  # the other report was not touched

    testby.unlink()
    third = {r.report_id: r.status for r in kompass.ingest([folder])}
    assert third["testby-2016"] == "removed"
    assert [r.report_id for r in kompass.reports()] == ["enkoping-2016"]
    assert kompass.store.db.execute("SELECT count(*) FROM passages WHERE report_id = 'testby-2016'").fetchone()[0] == 0
    kompass.close()


def _bad_folder(folder: Path, good: Path) -> dict[str, str]:
    """File name → the words its one error line must contain."""
    folder.mkdir()
    from reportlab.pdfgen.canvas import Canvas

    pdf = good.read_bytes()
    (folder / "trasig.pdf").write_bytes(pdf[: len(pdf) // 3])
    canvas = Canvas(str(folder / "krypterad.pdf"), encrypt="hemligt")
    canvas.drawString(72, 720, "KommunKompassen ANALYS AV TESTBY KOMMUN 2016")
    canvas.showPage()
    canvas.save()
    canvas = Canvas(str(folder / "skannad.pdf"))
    canvas.rect(60, 60, 470, 700, fill=1)  # a page that is only a picture
    canvas.showPage()
    canvas.save()
    (folder / "tom.pdf").write_bytes(b"")
    with open(folder / "jattestor.pdf", "wb") as handle:  # 200 MB, sparse: costs no disk
        handle.seek(200 * 2**20)
        handle.write(b"\0")
    (folder / "program.pdf").write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    os.symlink(folder / "slinga-b.txt", folder / "slinga-a.txt")
    os.symlink(folder / "slinga-a.txt", folder / "slinga-b.txt")
    os.symlink(folder, folder / "undermapp-slinga")
    shutil.copy(good, folder / "bra.pdf")
    return {"trasig.pdf": "PDF-filen är skadad", "krypterad.pdf": "lösenordsskyddad",
            "skannad.pdf": "inget textlager", "tom.pdf": "filen är tom",
            "jattestor.pdf": "för stor", "program.pdf": "formatet 'executable'",
            "slinga-a.txt": "slinga", "slinga-b.txt": "slinga", "undermapp-slinga": "slinga"}


def test_bad_files_each_give_one_line_and_the_rest_is_read(home_copy, tmp_path):
    good = build_all(tmp_path / "gen")["pdf"]
    folder = tmp_path / "blandat"
    expected = _bad_folder(folder, good)
    result = run_cli("ingest", str(folder), home=home_copy)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("kompass: ")]
    assert len(errors) == len(expected), errors
    for name, words in expected.items():
        [line] = [e for e in errors if f"{name}:" in e]
        assert words in line, line
    assert "bra.pdf" not in " ".join(errors)
    assert "enkoping-2016: uppdaterad" in result.stderr  # the good PDF was read
    assert f"Klart: 1 av {1 + len(expected)} filer inlästa, {len(expected)} misslyckades" in result.stderr


def test_file_that_disappears_during_ingest(home_copy, tmp_path):
    folder = tmp_path / "rapporter"
    folder.mkdir()
    first = mini_transcript(folder / "a_alfa.txt", "ALFABY")
    doomed = mini_transcript(folder / "b_beta.txt", "BETABY")

    class DeleteNext(Quiet):
        def file_started(self, index: int, total: int, path: str) -> None:
            if index == 1:
                doomed.unlink()

    kompass = Kompass(Config.from_env(home=home_copy))
    results = {Path(r.path).name: r for r in kompass.ingest([folder], DeleteNext())}
    assert results[first.name].status == "new"
    assert "försvann under inläsningen" in results[doomed.name].error
    kompass.close()


def test_ctrl_c_during_ingest_leaves_a_consistent_index(home_copy, tmp_path):
    folder = tmp_path / "rapporter"
    folder.mkdir()
    for name in ("ALFABY", "BETABY", "GAMMABY"):
        mini_transcript(folder / f"{name.lower()}.txt", name)
    env = {**os.environ, "KOMPASS_HOME": str(home_copy), "PYTHONUNBUFFERED": "1"}
    # Ctrl-C's default action even when the tests run in a background job, whose children a
    # shell starts with SIGINT ignored (Python then never raises KeyboardInterrupt)
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(folder)],
                               stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    deadline = time.monotonic() + 300
    for line in process.stderr:  # wait until the second report is being embedded
        seen.append(line)
        if line.startswith("[2/3]"):
            time.sleep(1.5)
            process.send_signal(signal.SIGINT)
            break
        assert time.monotonic() < deadline
    rest = process.stderr.read()
    assert process.wait(timeout=120) == 130
    assert "avbrutet" in rest and "Traceback" not in rest
    kompass = Kompass(Config.from_env(home=home_copy))
    ids = {r.report_id for r in kompass.reports()}
    assert ids == {"enkoping-2016", "alfaby-2016"}  # the first was written, the second not at all
    counts = _counts(kompass)
    assert counts["passages"] == counts["passage_embeddings"] == counts["passages_fts"]
    assert kompass.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = {r.report_id: r.status for r in kompass.ingest([folder])}
    assert statuses == {"alfaby-2016": "unchanged", "betaby-2016": "new", "gammaby-2016": "new"}
    kompass.close()


def test_a_file_read_as_another_report_replaces_it(home_copy, tmp_path):
    """A corrected title (or a name an older parser read wrongly: `stenfor-2016` is now
    `stenfors-2016`) gives the same file a new report id: the old report must not linger."""
    kompass = Kompass(Config.from_env(home=home_copy))
    path = mini_transcript(tmp_path / "rapport.txt", name="TESTBY")
    assert [r.report_id for r in kompass.ingest([path])] == ["testby-2016"]
    mini_transcript(path, name="ANNANBY")
    assert [r.report_id for r in kompass.ingest([path])] == ["annanby-2016"]
    assert sorted(r.report_id for r in kompass.reports()) == ["annanby-2016", "enkoping-2016"]

    assert all(h.report_id != "testby-2016" for h in kompass.search("medborgardialog", top=50))
    assert kompass.store.db.execute("SELECT count(*) FROM sources WHERE report_id = 'testby-2016'"
                                    ).fetchone()[0] == 0
    kompass.close()
