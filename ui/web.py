"""The Swedish web UI (Gradio), mounted at "/" of the server's FastAPI app (ui/server.py).

Tabs: Fråga (a conversation with numbered citations that open the cited page in a source pane,
and the filters it applied as removable chips), Goda exempel (who does it well: evidence and the
matching area score against the corpus median), Sök (passages with filters and CSV), Rapporter
(the indexed reports, a radar of each, comparisons and the compared Kvalitetskommun),
Formuleringar (precedent wording with copy buttons) and Ladda upp (admin only).

Everything is served from this machine: system fonts, inline SVG charts, no CDN. The HTML this
module builds escapes every text from the index; citations are `data-*` links in gr.HTML,
whose click handler (js_on_load) triggers a Python event."""
from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import statistics
import tempfile
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
from fastapi import FastAPI

from assistant.chat import Conversation
from assistant.models import Citation, Hit
from corpus.errors import InputError, KompassError
from corpus.models import SECTION_LABELS, SectionKind
from corpus.taxonomy import AREAS, area_name

from . import charts, export
from .security import key_ok
from .settings import KEY_COOKIE
from .uploads import ACCEPTED, megabytes

FILTER_NAMES = {"municipality": "kommun", "year": "år", "area": "område", "section": "avsnitt"}
SEARCH_SECTIONS = (SectionKind.SAMMANFATTNING, SectionKind.STYRKOR, SectionKind.FORBATTRINGSMOJLIGHETER,
                   SectionKind.ALLMANT, SectionKind.POANG, SectionKind.DELFRAGOR, SectionKind.INLEDNING,
                   SectionKind.RESULTAT, SectionKind.TEXT)
JOB_STATUS = {"queued": "i kö", "running": "läses in", "done": "klar", "failed": "misslyckades"}
AREA_COUNT = 8

THEME = gr.themes.Default(primary_hue="blue", font=["system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"])
HEAD = '<meta name="description" content="Kompass: sök och citerade svar i KommunKompassens rapporter">'

CSS = """
.gradio-container { max-width: 1280px !important; }
#kompass-title h1 { margin: 0; font-size: 1.6rem; }
#kompass-title p { margin: 0.2rem 0 0.6rem; color: #555; }
.kx-turn { border-bottom: 1px solid #e3e3e3; padding: 0.6rem 0; }
.kx-q { font-weight: 600; margin-bottom: 0.3rem; }
.kx-q::before { content: "Fråga: "; color: #666; font-weight: 400; }
.kx-a { white-space: normal; line-height: 1.5; }
.kx-note { color: #555; font-size: 0.9em; margin: 0.2rem 0; }
.kx-sources { font-size: 0.9em; margin: 0.4rem 0 0; padding-left: 1.4rem; }
.kx-sources li { margin: 0.15rem 0; }
a.cite { text-decoration: none; font-weight: 600; padding: 0 1px; cursor: pointer; }
a.cite:hover, a.src:hover { text-decoration: underline; }
a.src { cursor: pointer; }
.kx-chips { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; min-height: 1.6rem; }
.kx-chip { display: inline-flex; align-items: center; gap: 0.3rem; border: 1px solid #9bb7e0;
           background: #eef4fc; border-radius: 999px; padding: 0.1rem 0.2rem 0.1rem 0.6rem; font-size: 0.9em; }
.kx-chip.carried { border-style: dashed; }
.kx-chip button { border: none; background: transparent; cursor: pointer; font-size: 1rem; line-height: 1;
                  padding: 0 0.3rem; color: #334; }
.kx-pane { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 0.8rem; background: #fcfcfc; }
.kx-page { max-height: 600px; overflow-y: auto; }
.kx-pane h3 { margin: 0 0 0.3rem; font-size: 1rem; }
.kx-pane .kx-nav { display: flex; gap: 0.6rem; font-size: 0.9em; margin-bottom: 0.4rem; }
.kx-part { padding: 0.3rem 0.4rem; margin: 0.2rem 0; border-left: 3px solid transparent; white-space: pre-wrap; }
.kx-part .kx-head { display: block; font-size: 0.8em; color: #666; white-space: normal; }
.kx-part.cited { border-left-color: #d9a400; background: #fff8dc; }
mark { background: #ffe066; padding: 0 1px; }
.kx-error { border: 1px solid #d33; background: #fdeeee; color: #700; padding: 0.5rem 0.7rem; border-radius: 6px; }
.kx-info { border: 1px solid #9bb7e0; background: #eef4fc; padding: 0.5rem 0.7rem; border-radius: 6px; }
.kx-example { border: 1px solid #e0e0e0; border-radius: 6px; padding: 0.6rem 0.8rem; margin: 0.5rem 0; }
.kx-example h3 { margin: 0 0 0.2rem; font-size: 1.05rem; }
.kx-score { display: flex; align-items: center; gap: 0.6rem; font-size: 0.9em; margin: 0.2rem 0; }
.kx-score svg { flex: none; } .kx-score span { flex: 1; }
.kx-evidence { margin: 0.3rem 0 0; padding-left: 1.2rem; }
.kx-evidence li { margin: 0.2rem 0; }
.kx-count { font-weight: 600; margin: 0.3rem 0; }
.kx-hit { border-bottom: 1px solid #eee; padding: 0.4rem 0; }
.kx-hit .kx-text { white-space: pre-wrap; font-size: 0.95em; display: -webkit-box; -webkit-line-clamp: 6;
                  -webkit-box-orient: vertical; overflow: hidden; }
.kx-side { position: sticky; top: 0.5rem; align-self: flex-start; }
table.kx-table { border-collapse: collapse; font-size: 0.9em; margin: 0.4rem 0; }
table.kx-table th, table.kx-table td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left; }
table.kx-table td.num, table.kx-table th.num { text-align: right; }
td.up { color: #0a6b2d; } td.down { color: #a33; }
.kx-charts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.kx-charts > div { flex: 0 1 auto; }
.kx-wording { border-bottom: 1px solid #eee; padding: 0.5rem 0; }
.kx-wording .kx-sentence { font-size: 1.0em; }
button.copy { margin-left: 0.4rem; font-size: 0.8em; border: 1px solid #999; border-radius: 4px;
              background: #f5f5f5; cursor: pointer; padding: 0.05rem 0.5rem; }
.kx-uses { font-size: 0.85em; color: #444; margin: 0.2rem 0 0 1rem; padding-left: 0.8rem; }
"""

# One click handler for the HTML that holds citations, chips and copy buttons: the quoted
# names ('cite', 'remove') become events of the component (gr.HTML js_on_load).
CLICK_JS = """
element.addEventListener('click', async (e) => {
  const c = e.target.closest('[data-cite]');
  if (c) {
    e.preventDefault();
    trigger('cite', {report: c.dataset.report || '', page: c.dataset.page || '',
                     passage: c.dataset.passage || '', quote: c.dataset.quote || ''});
    return;
  }
  const x = e.target.closest('[data-remove]');
  if (x) { e.preventDefault(); trigger('remove', {kind: x.dataset.remove}); return; }
  const b = e.target.closest('button.copy');
  if (b) {
    e.preventDefault();
    try { await navigator.clipboard.writeText(b.dataset.text); b.textContent = 'Kopierad ✓'; }
    catch (err) { b.textContent = 'Kunde inte kopiera'; }
    setTimeout(() => { b.textContent = 'Kopiera'; }, 2500);
  }
});
"""
# After a login: the key as a cookie, so that a reload (and the API) need no second login.
COOKIE_JS = ("(k) => { if (k) document.cookie = '" + KEY_COOKIE + "=' + encodeURIComponent(k) + "
             "'; path=/; SameSite=Strict'; }")
SCROLL_JS = """(pane) => { setTimeout(() => { document.querySelectorAll('.kx-pane .cited').forEach(
  (m) => m.scrollIntoView({block: 'nearest'})); }, 60); }"""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def error_html(message: str) -> str:
    return f'<div class="kx-error" role="alert">{esc(message)}</div>'


def info_html(message: str) -> str:
    return f'<div class="kx-info">{esc(message)}</div>'


def _message(exc: Exception) -> str:
    text = str(exc).strip() or "något gick fel"
    return text[0].upper() + text[1:]


# -- exported files ------------------------------------------------------------------------
_EXPORT_DIRS: deque[str] = deque()
_EXPORT_LOCK = threading.Lock()
KEEP_EXPORTS = 200  # export folders kept in the temp dir (Gradio copies each into its cache)


def _export_folder() -> Path:
    folder = tempfile.mkdtemp(prefix="kompass-export-")
    with _EXPORT_LOCK:
        _EXPORT_DIRS.append(folder)
        while len(_EXPORT_DIRS) > KEEP_EXPORTS:
            shutil.rmtree(_EXPORT_DIRS.popleft(), ignore_errors=True)
    return Path(folder)


def write_exports(question: str, text: str, citations: list, stem: str = "kompass-svar",
                  title: str = "Svar från Kompass") -> tuple[str, str]:
    """The Markdown and .docx files of an answer (ui/export.py), in a fresh temp folder."""
    folder = _export_folder()
    md, docx = folder / f"{stem}.md", folder / f"{stem}.docx"
    md.write_text(export.answer_markdown(question, text, citations, title=title), encoding="utf-8")
    docx.write_bytes(export.answer_docx(question, text, citations, title=title))
    return str(md), str(docx)


def write_csv(hits: list[Hit]) -> str:
    """The hits as CSV for Excel (UTF-8 with BOM, semicolons)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["nr", "kommun", "år", "område", "avsnitt", "sidor", "rubrik", "text",
                     "rapport", "avsnitt_id", "poäng"])
    for i, hit in enumerate(hits, 1):
        pages = "" if hit.page is None else (str(hit.page) if not hit.page_end or hit.page_end == hit.page
                                             else f"{hit.page}-{hit.page_end}")
        writer.writerow([i, hit.display_name, hit.year or "",
                         f"{hit.area} {hit.area_name}" if hit.area else "", hit.section_label, pages,
                         hit.heading, hit.text, hit.report_id, hit.passage_id, f"{hit.score:.4f}"])
    path = _export_folder() / "kompass-sok.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return str(path)


# -- shared HTML pieces ----------------------------------------------------------------------
def cite_attrs(report_id: str, page: int | None, passage_id: int | None, quote: str = "") -> str:
    return (f'data-cite="1" data-report="{esc(report_id)}" data-page="{esc(page or "")}" '
            f'data-passage="{esc(passage_id if passage_id is not None else "")}" data-quote="{esc(quote[:400])}"')


def citation_dict(c: Citation) -> dict[str, object]:
    data = c.to_dict()
    return {k: data.get(k) for k in ("number", "report_id", "passage_id", "display_name", "year", "area",
                                     "area_name", "section", "section_label", "page", "page_end",
                                     "quote", "source")}


def text_with_citations(text: str, citations: list[dict]) -> str:
    """The answer's text, escaped, each [n] a link that opens the cited page."""
    by_number = {int(c["number"]): c for c in citations}

    def link(match: re.Match[str]) -> str:
        c = by_number.get(int(match.group(1)))
        if c is None:
            return match.group(0)
        return (f'<a class="cite" href="#" title="{esc(c["source"])}" '
                f'{cite_attrs(str(c["report_id"]), c.get("page"), c.get("passage_id"), str(c.get("quote") or ""))}>'
                f'[{match.group(1)}]</a>')

    lines = [re.sub(r"\[(\d+)\]", link, esc(line)) for line in text.splitlines()]
    return "<br>".join(lines)


def sources_list(citations: list[dict]) -> str:
    if not citations:
        return ""
    items = "".join(
        f'<li value="{esc(c["number"])}"><a class="src" href="#" '
        f'{cite_attrs(str(c["report_id"]), c.get("page"), c.get("passage_id"), str(c.get("quote") or ""))}>'
        f'{esc(c["source"])}</a></li>' for c in citations)
    return f'<ol class="kx-sources" aria-label="Källor">{items}</ol>'


def _quote_pattern(quote: str) -> re.Pattern[str] | None:
    words = [w for w in re.split(r"\s+", quote.replace("…", " ").strip()) if w]
    words = [w.strip("”\"'") for w in words]
    words = [w for w in words if w]
    if len(words) < 2:
        return None
    # Bullets and page breaks may sit between the words in the page text.
    return re.compile(r"[\s•;]+".join(re.escape(w) for w in words[:60]))


def page_html(kompass, report_id: str, page: int | None, passage_id: int | None = None,
              quote: str = "") -> str:
    """The source pane: the page's text, passage by passage, the cited one marked (and the
    quoted words in it), with links to the pages before and after."""
    if page is None:
        return info_html("Källan har inga sidnummer; se avsnittet i sökfliken.")
    text = kompass.page(report_id, int(page))
    nav = []
    if page > 1:
        nav.append(f'<a class="src" href="#" {cite_attrs(report_id, page - 1, None)}>‹ Sida {page - 1}</a>')
    if not text.page_count or page < text.page_count:
        nav.append(f'<a class="src" href="#" {cite_attrs(report_id, page + 1, None)}>Sida {page + 1} ›</a>')
    parts = []
    pattern = _quote_pattern(quote) if quote else None
    for part in text.parts:
        cited = passage_id is not None and part.passage_id == passage_id
        body = esc(part.text)
        match = pattern.search(part.text) if cited and pattern is not None else None
        if match:
            body = (esc(part.text[:match.start()]) + "<mark>" + esc(match.group(0)) + "</mark>"
                    + esc(part.text[match.end():]))
        where = ", ".join(x for x in (
            f"Område {part.area} {area_name(part.area)}" if part.area else "",
            SECTION_LABELS.get(SectionKind(part.section), part.section) if part.section else "") if x)
        parts.append(f'<div class="kx-part{" cited" if cited else ""}" data-passage="{part.passage_id}">'
                     f'<span class="kx-head">{esc(where)}</span>{body}</div>')
    if not parts:
        parts.append(info_html("Sidan har ingen indexerad text."))
    count = f" av {text.page_count}" if text.page_count else ""
    return (f'<div class="kx-pane" data-report="{esc(report_id)}" data-page="{page}">'
            f'<h3>{esc(text.display_name)} {esc(text.year or "")}, sida {page}{count}</h3>'
            f'<div class="kx-nav">{"".join(nav)}</div><div class="kx-page">{"".join(parts)}</div></div>')


def chip_label(kind: str, value: str) -> str:
    if kind == "area" and str(value).isdigit():
        return f"område {value} {area_name(int(value))}"
    if kind == "section":
        try:
            return f"avsnitt {SectionKind(value).label}"
        except ValueError:
            return f"avsnitt {value}"
    return f"{FILTER_NAMES.get(kind, kind)} {value}"


def chips_html(applied: list[dict], carried: list[dict], removable: bool = True) -> str:
    if not applied and not carried:
        return '<div class="kx-chips"><span class="kx-note">Inga filter.</span></div>'
    out = ['<div class="kx-chips"><span class="kx-note">Filter:</span>']
    for item, cls, why in [(a, "", "ur frågan") for a in applied] + [(a, " carried", "från tidigare i samtalet")
                                                                    for a in carried]:
        label = chip_label(item["kind"], item["value"])
        words = f" (”{item['words']}”)" if item.get("words") else ""
        button = (f'<button type="button" data-remove="{esc(item["kind"])}" aria-label="Ta bort filtret {esc(label)}" '
                  f'title="Ta bort filtret">×</button>' if removable else "")
        out.append(f'<span class="kx-chip{cls}" data-kind="{esc(item["kind"])}" title="{esc(why + words)}">'
                   f'{esc(label)}{button}</span>')
    out.append("</div>")
    return "".join(out)


def _filter_dicts(items: Iterable) -> list[dict]:
    return [a.to_dict() if hasattr(a, "to_dict") else dict(a) for a in items]


# -- Fråga -----------------------------------------------------------------------------------
def transcript_html(turns: list[dict]) -> str:
    if not turns:
        return ('<div class="kx-note">Ställ en fråga om KommunKompassens rapporter, t.ex. ”Hur arbetar '
                'kommunen med medborgardialog?” eller ”Vilka styrkor har Enköping inom område 2?”. '
                'Klicka på en siffra [1] för att se sidan i rapporten.</div>')
    out = []
    for turn in turns:
        note = f'<div class="kx-note">{esc(turn["note"])}</div>' if turn.get("note") else ""
        out.append(f'<div class="kx-turn"><div class="kx-q">{esc(turn["question"])}</div>{note}'
                   f'<div class="kx-a">{text_with_citations(turn["text"], turn["citations"])}</div>'
                   f'{sources_list(turn["citations"])}</div>')
    return "".join(out)


def reply_turn(reply, note: str = "") -> dict:
    citations = [citation_dict(c) for c in reply.citations]
    text = reply.text.strip() or "Inget svar hittades i rapporterna."
    return {"question": reply.question, "route": reply.route, "text": text, "citations": citations,
            "applied": _filter_dicts(reply.applied), "carried": _filter_dicts(reply.carried), "note": note}


# -- Goda exempel ----------------------------------------------------------------------------
def area_medians(reports) -> dict[int, float]:
    by_area: dict[int, list[int]] = {}
    for report in reports:
        for area in report.areas:
            if area.score is not None:
                by_area.setdefault(area.area, []).append(area.score)
    return {a: statistics.median(v) for a, v in by_area.items()}


def examples_view(result, reports) -> tuple[str, str, list[Citation]]:
    """(HTML, the answer as text with [n] marks, its citations) for an ExamplesResult."""
    medians = area_medians(reports)
    scores_of = {r.report_id: {a.area: a for a in r.areas} for r in reports}
    citations: list[Citation] = []
    lines = [result.message]
    parts = [f'<div class="kx-count">{esc(result.message)}</div>']
    for note in result.notes:
        parts.append(f'<div class="kx-note">Obs: {esc(note)}</div>')
    for rank, example in enumerate(result.examples, 1):
        lines.append(f"{rank}. {example.display_name} {example.year or ''} – {example.explanation}")
        bars = []
        area_scores = [s for s in example.scores if s.kind == "område"]
        if not area_scores:  # no anchor: the area of the best evidence, from the score tables
            area = next((e.hit.area for e in example.evidence if e.hit.area), None)
            own = scores_of.get(example.report_id, {}).get(area) if area else None
            if own is not None and own.score is not None:
                bars.append((f"Område {area} {area_name(area)}", own.score, 100, medians.get(area), own.page,
                             " av 100"))
        for s in example.scores:
            bars.append((s.label, s.value, s.maximum, s.median, s.page,
                         f" av {s.maximum}" if s.kind == "område" else "%"))
        score_html = []
        for label, value, maximum, median, page, unit in bars:
            text = f"{value}{unit}" + (f" · median {charts._fmt(median)}" if median is not None else "")
            score_html.append(f'<div class="kx-score">{charts.score_bar_svg(value, maximum, median, label)}'
                              f'<span>{esc(label)}: <b>{esc(text)}</b>{f" (s. {page})" if page else ""}</span></div>')
        evidence = []
        for e in example.evidence:
            number = len(citations) + 1
            citations.append(Citation(number, e.hit, e.quote, e.page, e.page_end))
            lines.append(f"   ”{e.quote}” [{number}]")
            label = e.hit.source_label(e.page, e.page_end)
            evidence.append(f'<li>”{esc(e.quote)}” <a class="src" href="#" '
                            f'{cite_attrs(e.hit.report_id, e.page or e.hit.page, e.hit.passage_id, e.quote)}>'
                            f'[{number}] {esc(label)}</a></li>')
        earlier = ""
        if example.earlier:
            earlier = '<div class="kx-note">Tidigare rapporter: ' + ", ".join(
                esc(f"{e['year'] or ''}" + ("" if e.get("strength") is None else f" (styrka {e['strength']:.2f})"))
                for e in example.earlier) + "</div>"
        parts.append(f'<div class="kx-example" data-rank="{rank}"><h3>{rank}. {esc(example.display_name)} '
                     f'{esc(example.year or "")}</h3><div class="kx-note">{esc(example.explanation)} '
                     f'Styrka {example.strength:.2f}.</div>{"".join(score_html)}'
                     f'<ul class="kx-evidence">{"".join(evidence)}</ul>{earlier}</div>')
    if result.lacking:
        items = "".join(f'<li>{esc(item["municipality"])} {esc(item["year"] or "")}: ”{esc(item["quote"])}”'
                        f'{esc(" (s. {})".format(item["page"]) if item.get("page") else "")}</li>'
                        for item in result.lacking)
        parts.append(f'<h4>Saknas eller behöver utvecklas enligt rapporten</h4><ul>{items}</ul>')
        for item in result.lacking[:5]:
            lines.append(f"Saknas enligt rapporten: {item['municipality']} {item['year'] or ''}: ”{item['quote']}”")
    return "".join(parts), "\n".join(lines), citations


# -- Sök -----------------------------------------------------------------------------------
def hits_html(hits: list[Hit]) -> str:
    count = f"{len(hits)} {'träff' if len(hits) == 1 else 'träffar'}"
    rows = [f'<div class="kx-count" id="search-count">{count}</div>']
    for i, hit in enumerate(hits, 1):
        rows.append(f'<div class="kx-hit"><div><b>{i}.</b> <a class="src" href="#" '
                    f'{cite_attrs(hit.report_id, hit.page, hit.passage_id)}>{esc(hit.source_label())}</a></div>'
                    f'<div class="kx-text">{esc(hit.text)}</div></div>')
    return "".join(rows)


# -- Rapporter -----------------------------------------------------------------------------
def reports_table(reports) -> str:
    if not reports:
        return info_html("Indexet är tomt. Läs in rapporter under Ladda upp eller med `kompass ingest`.")
    head = "".join(f'<th class="num" title="{esc(a.name)}">{a.number}</th>' for a in AREAS)
    rows = []
    for r in reports:
        scores = {a.area: a.score for a in r.areas}
        cells = "".join(f'<td class="num">{esc(scores.get(a.number, "–") if scores.get(a.number) is not None else "–")}</td>'
                        for a in AREAS)
        rows.append(f'<tr data-report="{esc(r.report_id)}"><td>{esc(r.display_name)}</td><td>{esc(r.year or "")}</td>'
                    f'<td class="num">{esc(r.total_score if r.total_score is not None else "–")}</td>{cells}'
                    f'<td class="num">{esc(r.page_count or "")}</td></tr>')
    legend = "; ".join(f"{a.number} {a.name}" for a in AREAS)
    return (f'<table class="kx-table" id="reports-table"><thead><tr><th>Kommun</th><th>År</th>'
            f'<th class="num">Totalt (av 800)</th>{head}<th class="num">Sidor</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table><div class="kx-note">Områden: {esc(legend)}.</div>')


def report_label(r) -> str:
    total = f", {r.total_score} p" if r.total_score is not None else ""
    return f"{r.display_name} {r.year or ''}{total}".strip()


def _series_label(r) -> str:
    return f"{r.display_name} {r.year or ''}".strip()


def axis_labels() -> list[str]:
    return [f"{a.number} {a.name}" for a in AREAS][:AREA_COUNT]


def scores_by_area(report) -> list[int | None]:
    scores = {a.area: a.score for a in report.areas}
    return [scores.get(n) for n in range(1, AREA_COUNT + 1)]


def radar_of(reports, title: str) -> str:
    return charts.radar_svg(axis_labels(), [(_series_label(r), scores_by_area(r)) for r in reports],
                            title=title)


def comparison_html(kompass, reports, heading: str = "Jämförelse", first_label: str = "") -> str:
    """One radar with a series per report and a table of each area's scores and the change from
    the first report to the last (Kompass.compare)."""
    ids = [r.report_id for r in reports]
    comparison = kompass.compare(ids)
    names = [_series_label(r) for r in comparison.reports]
    head = "".join(f'<th class="num">{esc(n)}</th>' for n in names)
    change_head = "Skillnad"
    rows = []
    for row in comparison.rows:
        cells = "".join(f'<td class="num">{esc("–" if s is None else s)}</td>' for s in row.scores)
        cls = "" if not row.change else (" up" if row.change > 0 else " down")
        change = "–" if row.change is None else f"{row.change:+d}"
        rows.append(f'<tr><td>{row.area} {esc(row.name)}</td>{cells}<td class="num{cls}">{esc(change)}</td></tr>')
    totals = "".join(f'<td class="num"><b>{esc("–" if t is None else t)}</b></td>' for t in comparison.totals)
    total_change = "–" if comparison.total_change is None else f"{comparison.total_change:+d}"
    rows.append(f'<tr><td><b>Totalt (av 800)</b></td>{totals}<td class="num"><b>{esc(total_change)}</b></td></tr>')
    table = (f'<table class="kx-table" id="change-table"><thead><tr><th>Område</th>{head}'
             f'<th class="num">{esc(change_head)}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    radar = charts.radar_svg(axis_labels(), [(n, scores_by_area(r)) for n, r in zip(names, comparison.reports)],
                             title=heading)
    note = f'<div class="kx-note">{esc(first_label)}</div>' if first_label else ""
    return (f'<h3>{esc(heading)}</h3>{note}<div class="kx-charts" id="compare-chart"><div>{radar}</div>'
            f'<div>{table}</div></div>')


def single_report_html(report) -> str:
    rows = "".join(f'<tr><td>{a.area} {esc(a.name)}</td><td class="num">{esc("–" if a.score is None else a.score)}</td>'
                   f'<td class="num">{esc(a.page or "")}</td></tr>' for a in report.areas)
    table = (f'<table class="kx-table"><thead><tr><th>Område</th><th class="num">Poäng (av 100)</th>'
             f'<th class="num">Sida</th></tr></thead><tbody>{rows}<tr><td><b>Totalt (av 800)</b></td>'
             f'<td class="num"><b>{esc(report.total_score if report.total_score is not None else "–")}</b></td>'
             f'<td></td></tr></tbody></table>')
    evaluators = f'<div class="kx-note">Utvärderare: {esc(", ".join(report.evaluators))}</div>' if report.evaluators else ""
    return (f'<h3>{esc(_series_label(report))}</h3>{evaluators}<div class="kx-charts" id="report-chart">'
            f'<div>{radar_of([report], _series_label(report))}</div><div>{table}</div></div>')


# -- Formuleringar ---------------------------------------------------------------------------
def wording_html(result) -> str:
    parts = [f'<div class="kx-count">{esc(result.message)}</div>']
    for note in result.notes:
        parts.append(f'<div class="kx-note">Obs: {esc(note)}</div>')
    for i, entry in enumerate(result.entries, 1):
        uses = "".join(f"<li>{esc(u.source_label())}</li>" for u in entry.uses)
        variants = "".join(f'<li class="kx-variant">även: ”{esc(v)}”</li>' for v in entry.variants)
        count = len({u.report_id for u in entry.uses})
        parts.append(f'<div class="kx-wording"><span class="kx-sentence">{i}. ”{esc(entry.text)}”</span>'
                     f'<button type="button" class="copy" data-text="{esc(entry.text)}" '
                     f'aria-label="Kopiera meningen">Kopiera</button>'
                     f'<div class="kx-note">Använd i {count} {"rapport" if count == 1 else "rapporter"}:</div>'
                     f'<ul class="kx-uses">{uses}{variants}</ul></div>')
    return "".join(parts)


# -- uploads ---------------------------------------------------------------------------------
def _result_text(result: object) -> str:
    if result is None:
        return ""
    if isinstance(result, dict):
        status = {"new": "ny rapport", "updated": "uppdaterad", "unchanged": "oförändrad",
                  "duplicate": "dubblett"}.get(str(result.get("status")), result.get("status"))
        bits = [str(b) for b in (status, result.get("report_id")) if b]
        if result.get("duplicate_of"):
            bits.append(f"samma som {result['duplicate_of']}")
        if result.get("passages"):
            bits.append(f"{result['passages']} avsnitt")
        if result.get("error"):
            bits.append(str(result["error"]))
        warnings = result.get("warnings") or []
        if warnings:
            bits.append(f"{len(warnings)} varning{'ar' if len(warnings) != 1 else ''}")
        return ", ".join(bits) if bits else ", ".join(f"{k}: {v}" for k, v in result.items())
    if isinstance(result, list):
        return "; ".join(_result_text(r) for r in result)
    return str(result)


def jobs_html(jobs: list[dict]) -> str:
    if not jobs:
        return ""
    rows = []
    for job in jobs:
        status = str(job.get("status") or "")
        detail = job.get("error") or _result_text(job.get("result"))
        rows.append(f'<tr class="job-{esc(status)}" data-status="{esc(status)}"><td>{esc(job.get("name") or "")}</td>'
                    f'<td>{esc(JOB_STATUS.get(status, status))}</td><td>{esc(detail)}</td></tr>')
    return (f'<table class="kx-table" id="upload-jobs"><thead><tr><th>Fil</th><th>Status</th><th>Resultat</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


# -- the app -------------------------------------------------------------------------------
def mount(app: FastAPI, kompass, settings, uploads) -> FastAPI:
    """Build the UI over `kompass` and mount it at "/" of `app` (after the API routes)."""
    blocks = build(kompass, settings, uploads)
    # Gradio's upload endpoint is open to every visitor: hold it to the upload limit.
    return gr.mount_gradio_app(app, blocks, path="/", theme=THEME, css=CSS, head=HEAD, footer_links=[],
                               show_error=False, max_file_size=settings.max_upload_bytes)


def export_buttons(prefix: str) -> tuple[gr.DownloadButton, gr.DownloadButton]:
    """The two export buttons of an answer, hidden until there is one."""
    with gr.Row():
        return (gr.DownloadButton("Exportera som Markdown", visible=False, elem_id=f"{prefix}-md", size="sm"),
                gr.DownloadButton("Exportera som Word", visible=False, elem_id=f"{prefix}-docx", size="sm"))


def source_column(elem_id: str, hint: str) -> gr.HTML:
    """The source pane beside a tab's results: the cited page."""
    with gr.Column(scale=2, elem_classes=["kx-side"]):
        gr.Markdown("**Källa**")
        return gr.HTML(info_html(hint), js_on_load=CLICK_JS, elem_id=elem_id)


def build(kompass, settings, uploads) -> gr.Blocks:
    read_key = getattr(settings, "read_key", "") or ""
    admin_key = getattr(settings, "admin_key", "") or ""

    def can_read(given: str | None, request: gr.Request | None) -> bool:
        if not read_key:
            return True
        cookie = request.cookies.get(KEY_COOKIE) if request is not None else None
        return any(key_ok(k, expected) for k in (given or "", unquote(cookie or ""))
                   for expected in (read_key, admin_key) if k and expected)

    def guard(given: str | None, request: gr.Request | None) -> None:
        if not can_read(given, request):
            raise InputError("logga in med läsnyckeln först")

    def report_list():
        return kompass.reports()

    with gr.Blocks(title="Kompass", analytics_enabled=False, fill_width=False) as demo:
        key_state = gr.State("")
        gr.HTML('<div id="kompass-title"><h1>Kompass</h1><p>Sök, svar och goda exempel ur SKR:s '
                'KommunKompassen-rapporter. Svaren citerar rapporterna ordagrant, med sida.</p></div>')

        with gr.Column(visible=bool(read_key), elem_id="login") as login_box:
            gr.Markdown("Den här Kompass-tjänsten kräver en läsnyckel.")
            login_key = gr.Textbox(label="Läsnyckel", type="password", elem_id="login-key")
            login_go = gr.Button("Logga in", elem_id="login-go", variant="primary")
            login_msg = gr.HTML("", elem_id="login-msg")
            login_ok = gr.Textbox("", visible=False)  # the accepted key, for the cookie (a State never reaches JS)

        with gr.Column(visible=not read_key, elem_id="main") as main_box, gr.Tabs(elem_id="tabs"):
                # -- Fråga ------------------------------------------------------------------
                with gr.Tab("Fråga", id="ask", elem_id="tab-ask"):
                    conv_state = gr.State(Conversation().to_dict())
                    turns_state = gr.State([])
                    with gr.Row():
                        with gr.Column(scale=3):
                            transcript = gr.HTML(transcript_html([]), js_on_load=CLICK_JS, elem_id="transcript")
                            chips = gr.HTML(chips_html([], []), js_on_load=CLICK_JS, elem_id="ask-chips")
                            question = gr.Textbox(label="Din fråga", placeholder="Hur arbetar kommunen med medborgardialog?",
                                                  lines=2, elem_id="ask-q")
                            with gr.Row():
                                ask_go = gr.Button("Fråga", variant="primary", elem_id="ask-go")
                                ask_new = gr.Button("Nytt samtal", elem_id="ask-new")
                            ask_error = gr.HTML("", elem_id="ask-error")
                            ask_md, ask_docx = export_buttons("ask")
                        ask_pane = source_column("ask-pane", "Klicka på en källhänvisning, t.ex. [1], för att "
                                                 "se sidan i rapporten.")

                # -- Goda exempel ---------------------------------------------------------------
                with gr.Tab("Goda exempel", id="examples", elem_id="tab-examples"), gr.Row():
                    with gr.Column(scale=3):
                        ex_q = gr.Textbox(label="Vem arbetar bra med …?", lines=1, elem_id="ex-q",
                                          placeholder="Vem arbetar bra med servicedeklarationer?")
                        ex_go = gr.Button("Hitta goda exempel", variant="primary", elem_id="ex-go")
                        ex_out = gr.HTML("", js_on_load=CLICK_JS, elem_id="ex-results")
                        ex_md, ex_docx = export_buttons("ex")
                    ex_pane = source_column("ex-pane", "Klicka på en källa för att se sidan.")

                # -- Sök -----------------------------------------------------------------------
                with gr.Tab("Sök", id="search", elem_id="tab-search") as search_tab:
                    with gr.Row(equal_height=True):
                        s_q = gr.Textbox(label="Sökord", lines=1, elem_id="s-q", placeholder="servicedeklarationer",
                                         scale=4)
                        s_go = gr.Button("Sök", variant="primary", elem_id="s-go", scale=1)
                    with gr.Row():
                        s_muni = gr.Dropdown(label="Kommun", choices=[("Alla kommuner", "")], value="",
                                             elem_id="s-muni")
                        s_year = gr.Dropdown(label="År (eller t.ex. 2014-2017)", choices=[("Alla år", "")], value="",
                                             allow_custom_value=True, elem_id="s-year")
                        s_area = gr.Dropdown(label="Område", value="", elem_id="s-area",
                                             choices=[("Alla områden", "")] + [(f"{a.number} {a.name}", str(a.number))
                                                                              for a in AREAS])
                        s_section = gr.Dropdown(label="Avsnitt", value="", elem_id="s-section",
                                                choices=[("Alla avsnitt", "")] + [(k.label, k.value)
                                                                                 for k in SEARCH_SECTIONS])
                        s_top = gr.Slider(5, 100, value=20, step=5, label="Högst antal träffar", elem_id="s-top")
                    s_auto = gr.Checkbox(value=True, label="Läs också filter ur sökorden (t.ex. en kommun eller ett år)",
                                         elem_id="s-auto")
                    with gr.Row():
                        with gr.Column(scale=3):
                            s_chips = gr.HTML("", elem_id="s-chips")
                            s_out = gr.HTML("", js_on_load=CLICK_JS, elem_id="s-results")
                            s_csv = gr.DownloadButton("Exportera träffarna som CSV", visible=False, elem_id="s-csv",
                                                      size="sm")
                        s_pane = source_column("s-pane", "Klicka på en träff för att se sidan.")

                # -- Rapporter ----------------------------------------------------------------
                with gr.Tab("Rapporter", id="reports", elem_id="tab-reports") as reports_tab:
                    r_table = gr.HTML("", elem_id="r-table")
                    r_pick = gr.CheckboxGroup(label="Välj en rapport för dess diagram, eller två eller fler att jämföra",
                                              choices=[], elem_id="r-pick")
                    with gr.Row():
                        r_show = gr.Button("Visa / jämför", variant="primary", elem_id="r-compare")
                        r_kk = gr.Button("Jämför med årets Kvalitetskommun", elem_id="r-kk")
                    r_out = gr.HTML("", elem_id="r-out")

                # -- Formuleringar ------------------------------------------------------------
                with gr.Tab("Formuleringar", id="wording", elem_id="tab-wording"):
                    w_q = gr.Textbox(label="Hur har rapporterna formulerat …?", lines=1, elem_id="w-q",
                                     placeholder="förbättringsområden om chefsavtal")
                    w_go = gr.Button("Hitta formuleringar", variant="primary", elem_id="w-go")
                    w_out = gr.HTML("", js_on_load=CLICK_JS, elem_id="w-results")

                # -- Ladda upp ----------------------------------------------------------------
                with gr.Tab("Ladda upp", id="upload", elem_id="tab-upload"):
                    if not admin_key:
                        gr.HTML(info_html("Uppladdning är avstängd av den som driftar tjänsten "
                                          "(ingen administratörsnyckel är satt, KOMPASS_ADMIN_KEY)."),
                                elem_id="upload-off")
                    else:
                        gr.Markdown(f"Ladda upp rapporter: {ACCEPTED}. Bara administratörer kan läsa in "
                                    f"rapporter; högst {megabytes(settings.max_upload_bytes)} per fil.")
                        u_key = gr.Textbox(label="Administratörsnyckel", type="password", elem_id="u-key")
                        u_files = gr.File(label="Rapporter", file_count="multiple", elem_id="u-files",
                                          file_types=[".pdf", ".docx", ".txt", ".md", ".html", ".htm"])
                        u_go = gr.Button("Läs in", variant="primary", elem_id="u-go")
                        u_msg = gr.HTML("", elem_id="u-msg")
                        u_jobs = gr.HTML("", elem_id="u-jobs")
                        u_state = gr.State([])
                        u_timer = gr.Timer(1.0, active=False)

        # -- handlers ---------------------------------------------------------------------------
        def exports_for(turn: dict) -> tuple:
            md, docx = write_exports(turn["question"], turn["text"], turn["citations"])
            return (gr.DownloadButton(value=md, visible=True), gr.DownloadButton(value=docx, visible=True))

        hidden_downloads = (gr.DownloadButton(visible=False), gr.DownloadButton(visible=False))

        def ask(message: str, conv: dict, turns: list, key: str, request: gr.Request):
            try:
                guard(key, request)
                conversation = Conversation.from_dict(conv)
                reply = conversation.ask(kompass, message)
            except KompassError as exc:
                return (gr.update(), conv, turns, gr.update(), gr.update(), error_html(_message(exc)),
                        gr.update(), gr.update())
            turn = reply_turn(reply)
            turns = [*turns, turn]
            return (transcript_html(turns), conversation.to_dict(), turns, chips_html(turn["applied"], turn["carried"]),
                    "", "", *exports_for(turn))

        ask_outputs = [transcript, conv_state, turns_state, chips, question, ask_error, ask_md, ask_docx]
        ask_go.click(ask, [question, conv_state, turns_state, key_state], ask_outputs)
        question.submit(ask, [question, conv_state, turns_state, key_state], ask_outputs)

        def new_conversation():
            return (transcript_html([]), Conversation().to_dict(), [], chips_html([], []), "", "", *hidden_downloads)

        ask_new.click(new_conversation, None, ask_outputs)

        def remove_filter(conv: dict, turns: list, key: str, request: gr.Request, evt: gr.EventData):
            """Drop a filter from the conversation and answer the last question again without it;
            the next follow-up no longer carries it either."""
            kind = getattr(evt, "kind", "") or ""
            try:
                guard(key, request)
                conversation = Conversation.from_dict(conv)
                if not turns or conversation.topic is None or kind not in FILTER_NAMES:
                    return (gr.update(),) * 8
                last = turns[-1]
                reply = conversation.without_filter(kompass, kind, last["question"],
                                                    _applied_objects(last["applied"]),
                                                    _applied_objects(last["carried"]))
            except KompassError as exc:
                return (gr.update(), conv, turns, gr.update(), gr.update(), error_html(_message(exc)),
                        gr.update(), gr.update())
            removed = next((a for a in last["applied"] + last["carried"] if a["kind"] == kind), None)
            note = f"Svaret utan filtret {chip_label(kind, removed['value']) if removed else kind}."
            turn = reply_turn(reply, note)
            turns = [*turns[:-1], turn]
            return (transcript_html(turns), conversation.to_dict(), turns, chips_html(turn["applied"], turn["carried"]),
                    gr.update(), "", *exports_for(turn))

        chips.remove(remove_filter, [conv_state, turns_state, key_state], ask_outputs)

        def show_source(key: str, request: gr.Request, evt: gr.EventData):
            try:
                guard(key, request)
                report = getattr(evt, "report", "") or ""
                page = int(getattr(evt, "page", "") or 0) or None
                passage = getattr(evt, "passage", "") or ""
                return page_html(kompass, report, page, int(passage) if str(passage).isdigit() else None,
                                 getattr(evt, "quote", "") or "")
            except KompassError as exc:
                return error_html(_message(exc))

        for source, pane in ((transcript, ask_pane), (ask_pane, ask_pane), (ex_out, ex_pane), (ex_pane, ex_pane),
                             (s_out, s_pane), (s_pane, s_pane)):
            source.cite(show_source, [key_state], pane).then(None, None, None, js=SCROLL_JS)

        def examples(message: str, key: str, request: gr.Request):
            try:
                guard(key, request)
                result = kompass.examples(message, top=10)
                view, text, citations = examples_view(result, report_list())
            except KompassError as exc:
                return (error_html(_message(exc)), *hidden_downloads)
            md, docx = write_exports(message, text, citations, stem="kompass-goda-exempel",
                                     title="Goda exempel från Kompass")
            return view, gr.DownloadButton(value=md, visible=True), gr.DownloadButton(value=docx, visible=True)

        ex_go.click(examples, [ex_q, key_state], [ex_out, ex_md, ex_docx])
        ex_q.submit(examples, [ex_q, key_state], [ex_out, ex_md, ex_docx])

        def search(query: str, municipality: str, year: str, area: str, section: str, top: float, auto: bool,
                   key: str, request: gr.Request):
            try:
                guard(key, request)
                understood = kompass.prepare(query, municipality or None, (year or "").strip() or None,
                                             area or None, section or None, auto_filters=bool(auto))
                hits = kompass.search(understood.topic, top=int(top), filters=understood.filters)
            except KompassError as exc:
                return error_html(_message(exc)), "", gr.DownloadButton(visible=False)
            applied = chips_html(_filter_dicts(understood.applied), [], removable=False) if understood.applied else ""
            notes = "".join(f'<div class="kx-note">Obs: {esc(n)}</div>' for n in understood.notes)
            csv_button = gr.DownloadButton(value=write_csv(hits), visible=True) if hits else gr.DownloadButton(visible=False)
            return hits_html(hits), applied + notes, csv_button

        search_inputs = [s_q, s_muni, s_year, s_area, s_section, s_top, s_auto, key_state]
        s_go.click(search, search_inputs, [s_out, s_chips, s_csv])
        s_q.submit(search, search_inputs, [s_out, s_chips, s_csv])

        def refresh_filters(key: str, request: gr.Request):
            if not can_read(key, request):
                return gr.update(), gr.update()
            reports = report_list()
            names = sorted({r.display_name: r.municipality for r in reports}.items())
            years = sorted({r.year for r in reports if r.year}, reverse=True)
            return (gr.Dropdown(choices=[("Alla kommuner", "")] + [(d, m) for d, m in names]),
                    gr.Dropdown(choices=[("Alla år", "")] + [(str(y), str(y)) for y in years]))

        def refresh_reports(key: str, request: gr.Request):
            if not can_read(key, request):
                return gr.update(), gr.update()
            reports = report_list()
            return reports_table(reports), gr.CheckboxGroup(choices=[(report_label(r), r.report_id) for r in reports])

        def show_reports(picked: list[str], key: str, request: gr.Request):
            try:
                guard(key, request)
                if not picked:
                    return info_html("Välj en eller flera rapporter i listan.")
                chosen = [kompass.report(i) for i in picked]
                if len(chosen) == 1:
                    return single_report_html(chosen[0])
                chosen.sort(key=lambda r: (r.year or 0, r.display_name))
                return comparison_html(kompass, chosen, "Jämförelse, område för område",
                                       "Skillnaden är den senaste rapporten minus den första.")
            except KompassError as exc:
                return error_html(_message(exc))

        def kvalitetskommun(picked: list[str], key: str, request: gr.Request):
            try:
                guard(key, request)
                if len(picked or []) != 1:
                    return info_html("Välj precis en rapport för att jämföra den med årets Kvalitetskommun.")
                report = kompass.report(picked[0])
                ref = kompass.kvalitetskommun(report.report_id)
                if ref is None:
                    return info_html(f"Rapporten för {_series_label(report)} nämner ingen Kvalitetskommun att jämföra med.")
                where = f" (s. {ref.page})" if ref.page else ""
                said = f"{_series_label(report)} jämförs med {ref.name}, Sveriges Kvalitetskommun {ref.year}{where}."
                if ref.report is None:
                    return info_html(f"{said} Den kommunens rapport finns inte i indexet, så poängen kan inte "
                                     "jämföras här. Läs in den under Ladda upp.")
                return comparison_html(kompass, [ref.report, report],
                                       f"{_series_label(report)} och Kvalitetskommunen {_series_label(ref.report)}",
                                       said + " Skillnaden är kommunens poäng minus Kvalitetskommunens.")
            except KompassError as exc:
                return error_html(_message(exc))

        r_show.click(show_reports, [r_pick, key_state], r_out)
        r_kk.click(kvalitetskommun, [r_pick, key_state], r_out)

        def wording(message: str, key: str, request: gr.Request):
            try:
                guard(key, request)
                return wording_html(kompass.wording(message, top=10))
            except KompassError as exc:
                return error_html(_message(exc))

        w_go.click(wording, [w_q, key_state], w_out)
        w_q.submit(wording, [w_q, key_state], w_out)

        if admin_key:
            def upload(files: list | None, given: str, jobs: list):
                if not key_ok(given or "", admin_key):
                    gr.Warning("Fel administratörsnyckel: uppladdningen nekades.")
                    return (error_html("Fel administratörsnyckel: uppladdningen nekades. Ange nyckeln som "
                                       "den som driftar tjänsten har gett dig."), gr.update(), jobs, gr.Timer(active=False))
                if not files:
                    return error_html("Välj minst en fil att ladda upp."), gr.update(), jobs, gr.Timer(active=False)
                new = []
                for path in files:
                    path = Path(str(path))
                    try:
                        if path.stat().st_size > settings.max_upload_bytes:
                            raise InputError(f"filen är för stor ({megabytes(path.stat().st_size)}); högst "
                                             f"{megabytes(settings.max_upload_bytes)}")
                        job = uploads.submit(path.read_bytes(), path.name)
                        new.append(job.to_dict())
                    except KompassError as exc:
                        new.append({"id": None, "name": path.name, "status": "failed", "result": None,
                                    "error": _message(exc)})
                jobs = new + list(jobs)
                running = any(j.get("status") in ("queued", "running") for j in jobs)
                return (info_html(f"{len(new)} {'fil' if len(new) == 1 else 'filer'} mottagna."), jobs_html(jobs),
                        jobs, gr.Timer(active=running))

            def poll(jobs: list):
                updated = []
                for job in jobs:
                    if job.get("id") and job.get("status") in ("queued", "running"):
                        current = uploads.job(job["id"])
                        job = current.to_dict() if current is not None else {**job, "status": "failed",
                                                                              "error": "jobbet finns inte längre"}
                    updated.append(job)
                running = any(j.get("status") in ("queued", "running") for j in updated)
                return jobs_html(updated), updated, gr.Timer(active=running)

            u_go.click(upload, [u_files, u_key, u_state], [u_msg, u_jobs, u_state, u_timer])
            u_timer.tick(poll, u_state, [u_jobs, u_state, u_timer])

        # -- loading and logging in ---------------------------------------------------------------
        def on_load(key: str, request: gr.Request):
            allowed = can_read(key, request)
            reports_out = refresh_reports(key, request) if allowed else (gr.update(), gr.update())
            filters_out = refresh_filters(key, request) if allowed else (gr.update(), gr.update())
            return (gr.Column(visible=not allowed), gr.Column(visible=allowed), *reports_out, *filters_out)

        load_outputs = [login_box, main_box, r_table, r_pick, s_muni, s_year]
        demo.load(on_load, [key_state], load_outputs)
        reports_tab.select(refresh_reports, [key_state], [r_table, r_pick])
        search_tab.select(refresh_filters, [key_state], [s_muni, s_year])

        def login(given: str, request: gr.Request):
            if not key_ok(given or "", read_key):
                return ("", "", error_html("Fel läsnyckel."), gr.Column(visible=True), gr.Column(visible=False),
                        gr.update(), gr.update(), gr.update(), gr.update())
            return (given, given, "", gr.Column(visible=False), gr.Column(visible=True),
                    *refresh_reports(given, None), *refresh_filters(given, None))

        login_outputs = [key_state, login_ok, login_msg, login_box, main_box, r_table, r_pick, s_muni, s_year]
        login_go.click(login, [login_key], login_outputs).then(
            None, [login_ok], None,
            js=COOKIE_JS)
        login_key.submit(login, [login_key], login_outputs).then(
            None, [login_ok], None,
            js=COOKIE_JS)

    demo.queue(default_concurrency_limit=4)
    return demo


def _applied_objects(items: list[dict]):
    from assistant.understand import AppliedFilter
    return [AppliedFilter(i["kind"], i["value"], i.get("words", "")) for i in items]
