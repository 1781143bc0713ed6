"""The quality report's pictures as static SVG, drawn here from plain data (no script, no network, no
plotting library): a browser shows them as they are, and so does a saved copy of the report.

- `check_heatmap`: agencies × years, each report coloured by its worst check result;
- `applications_chart`: one small chart per agency, applications received / granted / denied over the years;
- `page_crop`: a crop of a PDF page (a PNG) with the boxes of the cells a finding is about drawn on it.

Every drawn datum carries the class `mark` (and a more specific one), a `data-*` description and a <title> a
browser shows on hover, so a test can count what was drawn and a reader can hover for the numbers.
"""
from __future__ import annotations

import base64
import html
import math
from typing import Iterable, Mapping, Sequence

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", system-ui, sans-serif'
STATE_COLOURS = {"fail": "#d9534f", "incomplete": "#f0ad4e", "pass": "#5cb85c"}
STATE_ORDER = ("fail", "incomplete", "pass")
SERIES_COLOURS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _text_width(text: str, size: float) -> float:
    """A text's width, estimated: CJK and full-width characters are about one em, others about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _shorten(text: str, size: float, width: float) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def worst_state(counts: Mapping[str, int]) -> str:
    return next((state for state in STATE_ORDER if counts.get(state)), "pass")


def check_heatmap(cells: Mapping[tuple[str, int | None], Mapping[str, int]],
                  links: Mapping[tuple[str, int | None], str] | None = None) -> str:
    """Agencies (rows) × years (columns); a cell per report, coloured by its worst result (fail, incomplete,
    pass) and labelled with its failing evaluations; `links` maps a cell to the anchor of its first finding."""
    links = links or {}
    agencies = sorted({agency for agency, _ in cells})
    years = sorted({year for _, year in cells}, key=lambda y: (y is None, y or 0))
    size, cell_w, cell_h = 13, 58, 26
    label_w = min(320.0, max([_text_width(a, size) for a in agencies] + [60.0]) + 12)
    legend = (("fail", "fail (the number of failing checks)"), ("incomplete", "incomplete (a blank cell)"),
              ("pass", "every check passes"))
    top, legend_line = 26, 20
    width = max(label_w + cell_w * max(1, len(years)) + 10, max(_text_width(text, 12) for _, text in legend) + 30)
    height = top + cell_h * max(1, len(agencies)) + 12 + legend_line * len(legend)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" id="check-heatmap" width="{width:.0f}" '
             f'height="{height}" viewBox="0 0 {width:.0f} {height}" font-family=\'{FONT}\' font-size="{size}" '
             'role="img" aria-label="Check results by agency and year">',
             "<title>Check results by agency and year (worst result of each report)</title>"]
    for j, year in enumerate(years):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(f'<text class="axis-label" x="{x:.1f}" y="{top - 8}" text-anchor="middle">{_e(year or "?")}</text>')
    for i, agency in enumerate(agencies):
        y = top + i * cell_h
        parts.append(f'<text class="axis-label" x="{label_w - 8:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end">'
                     f'<title>{_e(agency)}</title>{_e(_shorten(agency, size, label_w - 12))}</text>')
        for j, year in enumerate(years):
            counts = cells.get((agency, year))
            if not counts:
                continue
            state = worst_state(counts)
            x = label_w + j * cell_w
            summary = (f"{agency} {year}: {counts.get('pass', 0)} pass, {counts.get('fail', 0)} fail, "
                       f"{counts.get('incomplete', 0)} incomplete")
            label = str(counts["fail"]) if counts.get("fail") else ("?" if state == "incomplete" else "✓")
            mark = (f'<g class="heatmap-report"><rect class="mark heatmap-cell" data-state="{state}" '
                    f'data-agency="{_e(agency)}" data-year="{_e(year)}" x="{x + 1:.1f}" y="{y + 1}" '
                    f'width="{cell_w - 2}" height="{cell_h - 2}" rx="3" fill="{STATE_COLOURS[state]}">'
                    f'<title>{_e(summary)}</title></rect>'
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle" fill="#fff" '
                    f'font-weight="bold" pointer-events="none">{_e(label)}</text></g>')
            anchor = links.get((agency, year))
            parts.append(f'<a href="#{_e(anchor)}">{mark}</a>' if anchor else mark)
    legend_y = top + cell_h * max(1, len(agencies)) + 12
    for index, (state, text) in enumerate(legend):
        y = legend_y + index * legend_line
        parts.append(f'<rect x="0" y="{y}" width="14" height="14" rx="2" fill="{STATE_COLOURS[state]}"/>'
                     f'<text x="19" y="{y + 12}" font-size="12">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least `value` (1 for nothing to show)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def applications_chart(agency: str, years: Sequence[int], series: Sequence[tuple[str, str, Mapping[int, float]]],
                       chart_id: str) -> str:
    """One agency's applications over `years`: per series (key, label, {year: count}) a line through its
    points and a dot per year printed (a blank cell draws no dot and breaks the line)."""
    width, legend_line = 340, 14
    left, right, top, bottom = 44, 12, 26 + legend_line * len(series), 28
    height = top + 150 + bottom
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, _, points in series for v in points.values() if v is not None]
    y_max = _nice_ceiling(max(values, default=0))

    def x_of(year: int) -> float:
        if len(years) == 1:
            return left + plot_w / 2
        return left + plot_w * years.index(year) / (len(years) - 1)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart applications" id="{_e(chart_id)}" '
             f'data-agency="{_e(agency)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'font-family=\'{FONT}\' font-size="11" role="img" aria-label="{_e(agency)}: applications by year">',
             f"<title>{_e(agency)}: applications received, granted and denied by year</title>",
             f'<text x="0" y="13" font-size="13" font-weight="bold">{_e(_shorten(agency, 13, width))}'
             f"<title>{_e(agency)}</title></text>"]
    for index, (_, label, _) in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        y = 20 + index * legend_line
        parts.append(f'<rect x="0" y="{y}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="14" y="{y + 9}">{_e(_shorten(label, 11, width - 14))}<title>{_e(label)}</title></text>')
    for tick in (0, y_max / 2, y_max):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{tick:g}</text>')
    for year in years:
        parts.append(f'<text x="{x_of(year):.1f}" y="{height - 8}" text-anchor="middle" fill="#555">{year}</text>')
    for index, (key, label, points) in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        run: list[str] = []
        runs: list[list[str]] = [run]
        for year in years:
            value = points.get(year)
            if value is None:
                run = []
                runs.append(run)
                continue
            run.append(f"{x_of(year):.1f},{y_of(value):.1f}")
        for segment in runs:
            if len(segment) > 1:
                parts.append(f'<polyline class="series-line" data-series="{_e(key)}" points="{" ".join(segment)}" '
                             f'fill="none" stroke="{colour}" stroke-width="2"/>')
        for year in years:
            value = points.get(year)
            if value is not None:
                parts.append(f'<circle class="mark point" data-series="{_e(key)}" data-year="{year}" '
                             f'data-value="{value:g}" cx="{x_of(year):.1f}" cy="{y_of(value):.1f}" r="3.5" '
                             f'fill="{colour}"><title>{_e(agency)} {year} {_e(label)}: {value:g}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def page_crop(png: bytes, width: int, height: int, boxes: Iterable[tuple[float, float, float, float, str]],
              caption: str) -> str:
    """A cropped page image (PNG, `width` × `height` pixels) with each box (x0, y0, x1, y1 in the crop's
    pixels, label) drawn over it."""
    image = base64.b64encode(png).decode("ascii")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart page-crop" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(caption)}"><title>{_e(caption)}</title>',
             f'<image href="data:image/png;base64,{image}" x="0" y="0" width="{width}" height="{height}"/>']
    for x0, y0, x1, y1, label in boxes:
        parts.append(f'<rect class="mark cell-box" x="{x0:.1f}" y="{y0:.1f}" width="{max(1.0, x1 - x0):.1f}" '
                     f'height="{max(1.0, y1 - y0):.1f}" fill="rgba(217,83,79,0.15)" stroke="#d9534f" stroke-width="2">'
                     f"<title>{_e(label)}</title></rect>")
    parts.append("</svg>")
    return "".join(parts)
