"""Charts as inline SVG, in pure Python: a radar of the eight area scores (0–100) with several
series and a legend, and a horizontal score bar against the corpus median. No plotting library
and nothing fetched: the page works offline."""
from __future__ import annotations

import math
from html import escape

from assistant.models import AREA_MAXIMUM

# Colours that stay apart for the colour-blind (Okabe–Ito), in series order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _wrap(label: str, width: int = 18) -> list[str]:
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def radar_svg(axes: list[str], series: list[tuple[str, list[int | float | None]]],
              radius: int = 120, maximum: float = AREA_MAXIMUM, title: str = "") -> str:
    """A radar (spider) chart: one spoke per axis (the areas, clockwise from the top), rings at
    every fifth of `maximum`, and one closed polygon per series (label, values; a missing value
    is drawn at 0 and shown as "–" in the tooltip), with a legend below. Returns an `<svg>`."""
    n = len(axes)
    if n < 3:
        raise ValueError("a radar needs at least three axes")
    side, top = 150, 56  # room for the axis labels beside and above the plot
    width = 2 * (radius + side)
    cx, cy = width / 2, top + radius
    legend_top = cy + radius + 56
    height = legend_top + 22 * len(series) + 4

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(value, maximum * 1.3)) / maximum
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    out = [(f'<svg class="radar" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_fmt(height)}" '
            f'width="{width}" height="{_fmt(height)}" role="img" aria-label="{escape(title or "Radardiagram")}" '
            f'style="max-width:100%;height:auto">')]
    if title:
        out.append(f"<title>{escape(title)}</title>")
    for step in range(1, 6):  # rings and their values
        value = maximum * step / 5
        ring = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, value) for i in range(n)))
        out.append(f'<polygon points="{ring}" fill="none" stroke="#cfcfcf" stroke-width="1"/>')
        x, y = point(0, value)
        out.append(f'<text x="{_fmt(x + 4)}" y="{_fmt(y + 11)}" font-size="10" fill="#888">{_fmt(value)}</text>')
    for i, label in enumerate(axes):  # spokes and axis labels
        x, y = point(i, maximum)
        out.append(f'<line x1="{_fmt(cx)}" y1="{_fmt(cy)}" x2="{_fmt(x)}" y2="{_fmt(y)}" stroke="#cfcfcf"/>')
        lx, ly = point(i, maximum * 1.1)
        anchor = "middle" if abs(lx - cx) < 1 else ("start" if lx > cx else "end")
        lines = _wrap(label)
        first = ly - 13 * (len(lines) - 1) if ly < cy - 1 else (ly + 10 if ly > cy + 1 else ly - 6 * (len(lines) - 1) + 4)
        text = "".join(f'<tspan x="{_fmt(lx)}" y="{_fmt(first + 13 * j)}">{escape(w)}</tspan>'
                       for j, w in enumerate(lines))
        out.append(f'<text class="axis" font-size="11.5" text-anchor="{anchor}" fill="#333">{text}</text>')
    for k, (label, values) in enumerate(series):  # the series
        colour = PALETTE[k % len(PALETTE)]
        points = [point(i, float(v) if v is not None else 0.0) for i, v in enumerate(values[:n])]
        path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
        tip = ", ".join(f"{axes[i]}: {'–' if v is None else v}" for i, v in enumerate(values[:n]))
        out.append(f'<g class="series" data-series="{k}"><title>{escape(label)}: {escape(tip)}</title>'
                   f'<polygon points="{path}" fill="{colour}" fill-opacity="0.12" stroke="{colour}" '
                   f'stroke-width="2"/>')
        out += [f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3" fill="{colour}"/>' for x, y in points]
        out.append("</g>")
    for k, (label, _) in enumerate(series):  # the legend
        colour = PALETTE[k % len(PALETTE)]
        y = legend_top + 22 * k
        out.append(f'<g class="legend-item"><rect x="{side - 40}" y="{_fmt(y)}" width="14" height="14" fill="{colour}"/>'
                   f'<text x="{side - 18}" y="{_fmt(y + 12)}" font-size="13" fill="#222">{escape(label)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def score_bar_svg(value: float, maximum: float, median: float | None, label: str = "",
                  width: int = 260, height: int = 26) -> str:
    """A horizontal bar of `value` out of `maximum`, with a dark tick at the corpus `median`."""
    maximum = maximum or AREA_MAXIMUM
    share = max(0.0, min(value / maximum, 1.0))
    inner = width - 2
    better = median is None or value >= median
    colour = "#009E73" if better else "#E69F00"
    tip = f"{label}: {_fmt(value)} av {_fmt(maximum)}" + (
        f", median {_fmt(median)}" if median is not None else "")
    out = [(f'<svg class="scorebar" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(tip)}"><title>{escape(tip)}</title>'),
           f'<rect x="1" y="5" width="{inner}" height="14" fill="#eee" stroke="#ccc"/>',
           f'<rect class="value" x="1" y="5" width="{_fmt(inner * share)}" height="14" fill="{colour}"/>']
    if median is not None:
        x = 1 + inner * max(0.0, min(median / maximum, 1.0))
        out.append(f'<line class="median" x1="{_fmt(x)}" y1="1" x2="{_fmt(x)}" y2="{height - 3}" '
                   f'stroke="#222" stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)
