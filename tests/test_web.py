"""The web UI in a real browser: the whole server (ui.server.create_app: API and Gradio UI) on a
loopback port over an index of the sample report and two generated ones, driven in Debian's
Chromium. Every test also checks that the page asked nothing of the internet, and leaves a
full-page screenshot of its tab under test-artifacts/screenshots/."""
from __future__ import annotations

import csv
import io
import re
import shutil
import time
from pathlib import Path

import browser  # tests/browser.py first: it sets GRADIO_ANALYTICS_ENABLED before gradio is imported
import pytest

pytestmark = [pytest.mark.skipif(not browser.chromium_available(),
                                 reason="no /usr/bin/chromium (make system-test-deps)"),
              # Gradio's queue calls pandas in ways pandas 3 deprecates; not ours to fix.
              pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
ADMIN_KEY = "hemlig-nyckel"
VIEWPORT = {"width": 1280, "height": 900}
SLOW = 60_000  # ms: the first question of a fresh server, an ingest


@pytest.fixture(scope="module")
def corpus_home(built_home, tmp_path_factory):
    """A private index: the sample report and two generated ones (two municipalities), plus a
    third generated report kept aside for the upload test."""
    from assistant.config import Config
    from assistant.kompass import Kompass
    from corpus.synthetic.generate import generate

    started = time.monotonic()
    root = tmp_path_factory.mktemp("web")
    home = root / "home"
    shutil.copytree(built_home, home)
    generate(root / "fiktiva", seed=31, count=3, pool="a")
    reports = sorted((root / "fiktiva").glob("*.txt"))
    kompass = Kompass(Config.from_env(home=home))
    results = kompass.ingest(reports[:2])
    assert [r.status for r in results] == ["new", "new"], results
    print(f"\nweb fixture: index ready in {time.monotonic() - started:.1f} s")
    yield kompass, reports[2]
    kompass.close()


@pytest.fixture(scope="module")
def server(corpus_home):
    from ui.server import create_app
    from ui.settings import ServerSettings

    kompass, _ = corpus_home
    app = create_app(kompass=kompass, settings=ServerSettings(admin_key=ADMIN_KEY,
                                                              max_upload_bytes=2 * 2**20))
    with browser.serve(app, timeout=120) as base:
        yield base


@pytest.fixture(scope="module")
def chrome():
    with browser.chromium(viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"],
                          accept_downloads=True) as b:
        yield b


@pytest.fixture
def page(server, chrome):
    page = chrome.new_page()
    page.goto(f"{server}/")
    page.locator("#tab-ask-button").wait_for()
    yield page
    page.close()
    assert chrome.requests.external == [], chrome.requests.external


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_tab(page, name: str) -> None:
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


def submit(page, tab: str, prefix: str, question: str) -> None:
    """Open a tab, ask its question box and wait for the result's count line."""
    open_tab(page, tab)
    page.locator(f"#{prefix}-q textarea").fill(question)
    page.locator(f"#{prefix}-go").click()
    page.locator(f"#{prefix}-results .kx-count").wait_for(timeout=SLOW)


def ask(page, question: str) -> None:
    count = page.locator("#transcript .kx-turn").count()
    page.locator("#ask-q textarea").fill(question)
    page.locator("#ask-go").click()
    page.locator("#transcript .kx-turn").nth(count).wait_for(timeout=SLOW)


# -- Fråga -------------------------------------------------------------------------------------
def test_ask_cites_and_the_citation_opens_the_page(page):
    from playwright.sync_api import expect

    ask(page, "Hur arbetar kommunen med medborgardialog?")
    answer = page.locator("#transcript .kx-turn").last
    assert "[1]" in answer.locator(".kx-a").inner_text()
    assert answer.locator(".kx-sources li").count() >= 1
    first = answer.locator("a.cite").first
    report, number = first.get_attribute("data-report"), first.get_attribute("data-page")
    passage = first.get_attribute("data-passage")
    first.click()
    cited = page.locator(f"#ask-pane .kx-part.cited[data-passage='{passage}']")
    cited.wait_for()
    pane = page.locator("#ask-pane .kx-pane")
    assert pane.get_attribute("data-report") == report and pane.get_attribute("data-page") == number
    expect(page.locator("#ask-pane h3")).to_contain_text(f"sida {number}")
    mark = cited.locator("mark")
    assert mark.count() == 1 and "medborgardialog" in mark.inner_text().lower()
    assert page.locator("#ask-pane .kx-part").count() > 1  # the whole page, not just the passage
    expect(cited).to_be_in_viewport()
    # The next page, from the pane itself.
    page.locator("#ask-pane .kx-nav a", has_text="›").click()
    expect(page.locator("#ask-pane h3")).to_contain_text(f"sida {int(number) + 1}")
    first.click()
    cited.wait_for()
    screenshot(page, "fraga")


def test_filter_chips_come_from_the_question_and_can_be_removed(page):
    from playwright.sync_api import expect

    ask(page, "Vilka styrkor har Enköping när det gäller medborgardialog?")
    chips = page.locator("#ask-chips .kx-chip")
    expect(chips.filter(has_text="kommun Enköping")).to_have_count(1)
    sources = page.locator("#transcript .kx-turn").last.locator(".kx-sources li")
    assert sources.count() >= 1
    assert all(t.startswith("Enköpings kommun") for t in sources.all_inner_texts())
    chips.filter(has_text="kommun Enköping").locator("button").click()
    expect(page.locator("#transcript .kx-turn").last.locator(".kx-note")).to_contain_text(
        "utan filtret kommun Enköping")
    expect(chips.filter(has_text="kommun Enköping")).to_have_count(0)
    assert page.locator("#transcript .kx-turn").count() == 1  # answered again, not added
    # The follow-up no longer carries the municipality either.
    ask(page, "och förbättringsmöjligheterna?")
    expect(chips.filter(has_text="kommun")).to_have_count(0)


def test_answer_exports_as_markdown_and_word(page):
    from docx import Document

    ask(page, "Hur arbetar kommunen med medborgardialog?")
    first_line = page.locator("#transcript .kx-turn .kx-a").last.inner_text().splitlines()[0]
    with page.expect_download() as info:
        page.locator("#ask-md").click()
    assert info.value.suggested_filename == "kompass-svar.md"
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "**Fråga:** Hur arbetar kommunen med medborgardialog?" in text
    assert first_line.strip() in text and "[1]" in text
    assert re.search(r"^1\. \S.* s\. \d+", text.split("## Källor")[1], re.MULTILINE)
    with page.expect_download() as info:
        page.locator("#ask-docx").click()
    assert info.value.suggested_filename == "kompass-svar.docx"
    paragraphs = [p.text for p in Document(info.value.path()).paragraphs]
    assert "Fråga: Hur arbetar kommunen med medborgardialog?" in paragraphs
    assert first_line.strip() in paragraphs
    assert any(p.startswith("[1] ") for p in paragraphs)


def test_a_bad_question_is_a_swedish_message(page):
    page.locator("#ask-q textarea").fill("   ")
    page.locator("#ask-go").click()
    error = page.locator("#ask-error .kx-error")
    error.wait_for()
    assert "Frågan är tom" in error.inner_text()
    assert "Traceback" not in page.content()


# -- Goda exempel -------------------------------------------------------------------------------
def test_good_examples_rank_municipalities_with_evidence_and_scores(page):
    submit(page, "Goda exempel", "ex", "Vem arbetar bra med servicedeklarationer?")
    examples = page.locator("#ex-results .kx-example")
    assert examples.count() >= 1
    best = examples.first
    assert re.match(r"1\. \S+", best.locator("h3").inner_text())
    assert best.locator(".kx-evidence li").count() >= 1
    assert re.search(r"s\. \d+", best.locator(".kx-evidence li").first.inner_text())
    bar = best.locator("svg.scorebar").first
    assert bar.locator("rect.value").count() == 1 and bar.locator("line.median").count() == 1
    assert "median" in best.locator(".kx-score").first.inner_text()
    best.locator(".kx-evidence a.src").first.click()
    page.locator("#ex-pane .kx-part.cited").wait_for()
    with page.expect_download() as info:
        page.locator("#ex-md").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "Vem arbetar bra med servicedeklarationer?" in text and "[1]" in text
    screenshot(page, "goda-exempel")


# -- Sök -----------------------------------------------------------------------------------------
def test_search_with_a_filter_counts_hits_and_exports_csv(page):
    from playwright.sync_api import expect

    open_tab(page, "Sök")
    page.locator("#s-q textarea").fill("medborgardialog")
    page.locator("#s-muni input").click()
    page.get_by_role("option", name="Enköpings kommun").click()
    page.locator("#s-section input").click()
    page.get_by_role("option", name="Sammanfattning").click()
    page.locator("#s-go").click()
    count = page.locator("#search-count")
    count.wait_for(timeout=SLOW)
    match = re.fullmatch(r"(\d+) träff(?:ar)?", count.inner_text().strip())
    assert match and int(match.group(1)) >= 1
    labels = page.locator("#s-results .kx-hit a.src").all_inner_texts()
    assert len(labels) == int(match.group(1))
    assert all(label.startswith("Enköpings kommun 2016") and "Sammanfattning" in label for label in labels)
    with page.expect_download() as info:
        page.locator("#s-csv").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["nr", "kommun", "år"] and len(rows) == len(labels) + 1
    assert {r[1] for r in rows[1:]} == {"Enköpings kommun"}
    page.locator("#s-results a.src").first.click()
    expect(page.locator("#s-pane .kx-part.cited")).to_have_count(1)
    screenshot(page, "sok")


# -- Rapporter ----------------------------------------------------------------------------------
def test_reports_compare_on_one_radar_with_a_change_table(page):
    from playwright.sync_api import expect

    open_tab(page, "Rapporter")
    table = page.locator("#reports-table tbody tr")
    expect(table).to_have_count(3)
    options = page.locator("#r-pick label")
    assert options.count() == 3
    # One report: its own radar.
    options.nth(0).click()
    page.locator("#r-compare").click()
    page.locator("#report-chart svg.radar").wait_for()
    assert page.locator("#report-chart svg.radar g.series").count() == 1
    # Two: one radar with two series and the change per area.
    options.nth(1).click()
    page.locator("#r-compare").click()
    chart = page.locator("#compare-chart svg.radar")
    chart.wait_for()
    assert chart.locator("g.series").count() == 2
    assert chart.locator("g.legend-item").count() == 2
    rows = page.locator("#change-table tbody tr")
    assert rows.count() == 9  # eight areas and the total
    headers = page.locator("#change-table thead th").all_inner_texts()
    assert headers[0] == "Område" and headers[-1] == "Skillnad" and len(headers) == 4
    first = rows.first.locator("td").all_inner_texts()
    a, b, change = int(first[1]), int(first[2]), int(first[3])
    assert change == b - a
    screenshot(page, "rapporter")
    # The compared Kvalitetskommun: needs exactly one report.
    page.locator("#r-kk").click()
    expect(page.locator("#r-out")).to_contain_text("Välj precis en rapport")
    options.nth(1).click()
    page.locator("#r-kk").click()
    expect(page.locator("#r-out")).to_contain_text("Kvalitetskommun")


# -- Formuleringar ------------------------------------------------------------------------------
def test_wording_has_a_copy_button_per_sentence(page):
    submit(page, "Formuleringar", "w", "Hur har förbättringsområden om medborgardialog formulerats?")
    entries = page.locator("#w-results .kx-wording")
    assert entries.count() >= 1
    first = entries.first
    assert first.locator(".kx-uses li").count() >= 1
    assert re.search(r"\d{4}", first.locator(".kx-uses li").first.inner_text())
    button = first.locator("button.copy")
    sentence = button.get_attribute("data-text")
    button.click()
    page.wait_for_function("b => b.textContent.startsWith('Kopierad')", arg=button.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == sentence
    screenshot(page, "formuleringar")


# -- Ladda upp ----------------------------------------------------------------------------------
def test_upload_needs_the_admin_key(page, corpus_home, tmp_path):
    from playwright.sync_api import expect

    _, report = corpus_home
    junk = tmp_path / "anteckningar.txt"
    junk.write_text("Bara några anteckningar från ett möte.\n", encoding="utf-8")
    open_tab(page, "Ladda upp")
    files = page.locator("#u-files input[type=file]")
    files.set_input_files([str(report), str(junk)])
    page.locator("#u-go").click()
    expect(page.locator("#u-msg .kx-error")).to_contain_text("Fel administratörsnyckel")
    assert page.locator("#upload-jobs").count() == 0
    page.locator("#u-key input").fill(ADMIN_KEY)
    page.locator("#u-go").click()
    jobs = page.locator("#upload-jobs tbody tr")
    expect(jobs).to_have_count(2)
    # Polled until both are finished: the report is read in, the notes are not a report.
    expect(page.locator("#upload-jobs tbody tr[data-status=queued], #upload-jobs tbody tr[data-status=running]")
           ).to_have_count(0, timeout=90_000)
    done = page.locator("#upload-jobs tbody tr", has_text=report.name)
    expect(done).to_have_attribute("data-status", "done")
    expect(done).to_contain_text("ny rapport")
    failed = page.locator("#upload-jobs tbody tr", has_text="anteckningar.txt")
    expect(failed).to_have_attribute("data-status", "failed")
    assert failed.locator("td").nth(2).inner_text().strip()  # why, in Swedish
    screenshot(page, "ladda-upp")
    # The new report is listed.
    open_tab(page, "Rapporter")
    expect(page.locator("#reports-table tbody tr")).to_have_count(4)


# -- a read key ------------------------------------------------------------------------------
def test_a_read_key_guards_the_ui(corpus_home, chrome):
    from playwright.sync_api import expect

    from ui.server import create_app
    from ui.settings import ServerSettings

    kompass, _ = corpus_home
    app = create_app(kompass=kompass, settings=ServerSettings(read_key="las-nyckel"))
    with browser.serve(app, timeout=120) as base:
        page = chrome.new_page()
        try:
            page.goto(f"{base}/")
            expect(page.locator("#login-key input")).to_be_visible()
            expect(page.locator("#tab-ask-button")).to_be_hidden()
            page.locator("#login-key input").fill("fel")
            page.locator("#login-go").click()
            expect(page.locator("#login-msg")).to_contain_text("Fel läsnyckel")
            page.locator("#login-key input").fill("las-nyckel")
            page.locator("#login-go").click()
            expect(page.locator("#tab-ask-button")).to_be_visible()
            ask(page, "Hur arbetar kommunen med medborgardialog?")
            assert "[1]" in page.locator("#transcript .kx-a").last.inner_text()
            # Uploads are off without an admin key, and the page says so.
            open_tab(page, "Ladda upp")
            expect(page.locator("#upload-off")).to_contain_text("avstängd")
            # The login is remembered (a cookie) when the page is opened again.
            page.reload()
            expect(page.locator("#tab-ask-button")).to_be_visible()
            expect(page.locator("#login-key input")).to_be_hidden()
        finally:
            page.close()
        chrome.context.clear_cookies()
    assert chrome.requests.external == []
