"""The browser machinery works: a FastAPI app with a Gradio UI mounted at "/", served by uvicorn
on loopback, driven in the system Chromium, and the page asks nothing of the internet."""
from __future__ import annotations

import html

import pytest

import browser  # tests/browser.py, first: sets GRADIO_ANALYTICS_ENABLED before gradio is imported

pytestmark = pytest.mark.skipif(not browser.chromium_available(),
                                reason="no /usr/bin/chromium (make system-test-deps)")


def make_app():
    import gradio as gr
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/api/v1/health")
    def health():
        return {"status": "ok"}

    def greet(name: str) -> str:
        return f'<p id="greeting">Hej, {html.escape(name)}!</p>'

    with gr.Blocks(title="Kompass smoke", analytics_enabled=False) as demo:
        name = gr.Textbox(label="Namn", elem_id="name")
        go = gr.Button("Hälsa", elem_id="go")
        out = gr.HTML(elem_id="out")
        go.click(greet, inputs=name, outputs=out)

    # Local system fonts only: the default theme would fetch Google Fonts.
    theme = gr.themes.Default(font=["system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    return gr.mount_gradio_app(app, demo, path="/", theme=theme, footer_links=[])


def test_gradio_page_in_chromium():
    import httpx

    with browser.serve(make_app()) as base, browser.chromium() as b:
        assert httpx.get(f"{base}/api/v1/health").json() == {"status": "ok"}
        page = b.new_page()
        page.goto(f"{base}/")
        page.locator("#name textarea").fill("Kompass <b>")
        page.locator("#go").click()
        greeting = page.locator("#out #greeting")
        greeting.wait_for()
        assert greeting.inner_text() == "Hej, Kompass <b>!"
        page.close()
        assert b.requests.all, "the recorder saw no requests at all"
        assert b.requests.external == []


def test_recorder_sees_off_machine_requests():
    """The recorder is not blind: a page that reaches for the internet is caught (and the
    request fails, since Chromium resolves no host but 127.0.0.1)."""
    with browser.chromium() as b:
        page = b.new_page()
        page.set_content('<img src="https://example.com/pixel.png">'
                         '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">')
        page.wait_for_load_state("networkidle")
        assert sorted(b.requests.external) == ["https://example.com/pixel.png",
                                               "https://fonts.googleapis.com/css2?family=Inter"]
