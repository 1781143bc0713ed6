"""The pictures of the quality report, gathered from the warehouse and the raw documents (drawn by
pipeline/charts.py and pipeline/source_views.py):

- the check results of every report, agencies × years (the grid below it, counted in DuckDB, summed per report);
- applications received / granted / denied per agency over the years (marts.fct_application_outcomes, the
  表三 总计 column; the legend is the printed label of each row, from reference.t3_rows);
- for each open finding the report lists, where it sits in its source document (at most MOST_SOURCE_VIEWS, the
  rest are named);
- for each cell of the review queue read from a PDF page or an image, a crop of that cell (at most
  MOST_REVIEW_CROPS; the other rows show their location only).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from extract.check_catalogue import RESULTS

from . import charts, source_views
from .source_views import CELL_CROPPERS, CellCrop, cell_places, source_view

log = logging.getLogger(__name__)

WAREHOUSE = "warehouse"  # the alias under which the findings connection attaches the warehouse
MOST_SOURCE_VIEWS = 40
MOST_REVIEW_CROPS = 60  # a crop is 3-7 KB of base64 PNG (a scanned cell, measured): 60 add about 250 KB
# (series, how it is read from the 总计 column of 表三, the row whose printed label names it)
APPLICATION_SERIES = (
    ("received", "outcome = 'new_received'", "new_received"),
    ("granted", "outcome = 'granted'", "granted"),
    ("denied", "outcome_group = 'denied'", "denied_state_secret"),
)


@dataclass
class Pictures:
    heatmap: str = ""
    applications: list[str] = field(default_factory=list)
    sources: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # fingerprint -> (view, why none)
    cell_crops: dict[str, CellCrop] = field(default_factory=dict)  # review queue cell_id -> its crop


class DrawnViews:
    """The source views an earlier report drew, kept in one JSON file: drawing one parses its raw document (a
    report after ten new documents spent half its time on it), and a view stays the same as long as its
    finding's document, place and caption and the code that draws it do (a raw document never changes under
    its content-addressed key; a new extractor version is part of the key). Only drawn views are kept, those of
    the last report: a view that could not be drawn is tried again."""

    FINDING_FIELDS = ("document_hash", "object_key", "check_code", "scope_kind", "scope", "line", "agency", "year")

    def __init__(self, path: Path | None):
        self.path = path
        self.drawn: dict[str, str] = {}
        self.used: dict[str, str] = {}
        if path is not None and path.is_file():
            try:
                self.drawn = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # a damaged file: every view is drawn again
                self.drawn = {}

    def view(self, finding: dict[str, Any], document_format: str | None,
             draw: Callable[[], tuple[str | None, str]]) -> tuple[str | None, str]:
        if self.path is None:
            return draw()
        key = hashlib.sha256(json.dumps([_drawing_code(), document_format,
                                         *(finding.get(name) for name in self.FINDING_FIELDS)],
                                        ensure_ascii=False, default=str).encode()).hexdigest()
        if key in self.drawn:
            self.used[key] = self.drawn[key]
            return self.drawn[key], ""
        view, why = draw()
        if view is not None:
            self.used[key] = view
        return view, why

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self.used, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)


@functools.cache
def _drawing_code() -> str:
    """What draws a view besides its inputs: pipeline/source_views.py and the extract package's version."""
    from .storage import extraction_version

    return hashlib.sha256(Path(source_views.__file__).read_bytes() + extraction_version().encode()).hexdigest()


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _has_relation(con, schema: str, name: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_catalog = ? and "
                            "table_schema = ? and table_name = ?", [WAREHOUSE, schema, name]).fetchone()[0])


def series_labels(con) -> dict[str, str]:
    """The label of each series as the report prints it: the row's label, or its group's (不予公开) when the
    series sums a group."""
    if not _has_relation(con, "reference", "t3_rows"):
        return {name: name for name, _, _ in APPLICATION_SERIES}
    labels = {}
    for name, _, row in APPLICATION_SERIES:
        found = con.execute(f"select label_zh from {WAREHOUSE}.reference.t3_rows where row_key = ?", [row]).fetchone()
        label = found[0] if found and found[0] else name
        # a group's rows print as "（三）不予公开 1.属于国家秘密": the group's label is the part before the item
        labels[name] = label.split(" ")[0] if name == "denied" else label
    return labels


def application_series(con) -> dict[str, dict[str, dict[int, float | None]]]:
    """agency -> series -> {year: count} (None: the cells were printed blank)."""
    if not _has_relation(con, "marts", "fct_application_outcomes"):
        return {}
    sums = ", ".join(f"sum(application_count) filter (where {condition}) as {name}"
                     for name, condition, _ in APPLICATION_SERIES)
    rows = con.execute(f"select agency, year, {sums} from {WAREHOUSE}.marts.fct_application_outcomes "
                       "where applicant_type = 'total' and year is not null group by agency, year "
                       "order by agency, year").fetchall()
    by_agency: dict[str, dict[str, dict[int, float | None]]] = defaultdict(lambda: defaultdict(dict))
    for agency, year, *values in rows:
        for (name, _, _), value in zip(APPLICATION_SERIES, values):
            by_agency[agency][name][int(year)] = None if value is None else float(value)
    return by_agency


def report_cells(grid: Mapping[tuple[str, int | None], Mapping[str, Mapping[str, Any]]]
                 ) -> dict[tuple[str, int | None], dict[str, int]]:
    """(agency, year) -> result -> count over all check families, from the grid of the quality report
    (quality_report.family_cells: report -> family -> counts)."""
    return {report: {result: sum(counts[result] for counts in families.values()) for result in RESULTS}
            for report, families in grid.items()}


def gather(con, cells: Mapping[tuple[str, int | None], Mapping[str, int]], open_findings: list[dict[str, Any]],
           links: Mapping[tuple[str, int | None], str], read_raw: Callable[[str], bytes] | None,
           drawn_views: Path | None = None) -> Pictures:
    """The pictures: `cells` as report_cells gives them, `open_findings` those the report lists (the first
    MOST_SOURCE_VIEWS are drawn in their sources, or taken from `drawn_views`: DrawnViews), `links` a report's
    first listed finding."""
    pictures = Pictures()
    if cells:
        pictures.heatmap = charts.check_heatmap(cells, links)
    labels = series_labels(con) if cells else {}
    for index, (agency, series) in enumerate(sorted(application_series(con).items()) if cells else []):
        years = sorted({year for points in series.values() for year in points})
        pictures.applications.append(charts.applications_chart(
            agency, years, [(name, labels[name], series.get(name, {})) for name, _, _ in APPLICATION_SERIES],
            chart_id=f"applications-{index}"))
    if read_raw is None or not open_findings:
        return pictures
    formats = {}
    if _has_relation(con, "marts", "fct_reports"):
        formats = dict(con.execute(f"select document_hash, format from {WAREHOUSE}.marts.fct_reports").fetchall())
    cells_table = f"{WAREHOUSE}.landing.cells"
    drawn = DrawnViews(drawn_views)
    for finding in open_findings[:MOST_SOURCE_VIEWS]:
        document_format = formats.get(finding["document_hash"])
        pictures.sources[finding["fingerprint"]] = drawn.view(
            finding, document_format, lambda: source_view(finding, document_format, read_raw, con, cells_table))
    drawn.save()
    return pictures


def review_crops(con, queue: list[dict[str, Any]], read_raw: Callable[[str], bytes] | None) -> dict[str, CellCrop]:
    """cell_id -> the crop of that cell of the review queue, for the first MOST_REVIEW_CROPS rows whose document
    is a PDF or an image and whose cell has a page and box; each raw document is read and opened once. A
    document that cannot be read or drawn leaves its rows without a crop (logged), never stops the report."""
    if read_raw is None:
        return {}
    wanted = [row for row in queue if row.get("format") in CELL_CROPPERS and row.get("page") is not None
              and row.get("object_key")][:MOST_REVIEW_CROPS]
    by_document: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in wanted:
        by_document[row["document_hash"]].append(row)
    crops: dict[str, CellCrop] = {}
    for document_hash, rows in by_document.items():
        try:
            places = cell_places(con, document_hash, tuple(row["cell_key"] for row in rows),
                                 f"{WAREHOUSE}.landing.cells")
            by_key = CELL_CROPPERS[rows[0]["format"]](read_raw(rows[0]["object_key"]), places)
        except Exception as exc:  # a crop that cannot be drawn never stops the report
            log.warning("no cell crops for document %s: %s: %s", document_hash, type(exc).__name__, exc)
            continue
        crops.update({row["cell_id"]: by_key[row["cell_key"]] for row in rows if row["cell_key"] in by_key})
    return crops


def cell_crop_html(crop: CellCrop, label: str) -> str:
    image = base64.b64encode(crop.png).decode("ascii")
    return (f'<img class="cell-crop" src="data:image/png;base64,{image}" width="{crop.width}" '
            f'height="{crop.height}" data-scale="{crop.scale:g}" alt="{_e(label)}" title="{_e(label)}">')


def overview_html(pictures: Pictures) -> str:
    if not pictures.heatmap:
        return ""
    parts = ['<section id="pictures"><h2>Check results by agency and year</h2>',
             '<p class="note">Each square is one report (the latest per agency and year), coloured by its worst '
             "check result; the number counts its failing evaluations. Click a red square for its findings.</p>",
             f'<figure class="heatmap">{pictures.heatmap}</figure>']
    if pictures.applications:
        parts += ["<h2>Applications by year</h2>",
                  "<p class=\"note\">表三, column 总计: applications received, granted and denied, as printed "
                  "(a blank cell draws no dot).</p>",
                  '<div class="small-multiples">' + "".join(f"<figure>{svg}</figure>"
                                                            for svg in pictures.applications) + "</div>"]
    parts.append("</section>")
    return "".join(parts)


def sources_html(pictures: Pictures, open_findings: list[dict[str, Any]]) -> str:
    if not open_findings:
        return ""
    parts = ['<section id="sources"><h2>Where the findings sit in their sources</h2>']
    for finding in open_findings:
        fingerprint = finding["fingerprint"]
        view, why = pictures.sources.get(fingerprint, (None, f"only the first {MOST_SOURCE_VIEWS} findings are drawn"))
        caption = (f'{_e(finding.get("agency"))} {_e(finding.get("year"))} · <code>{_e(finding["check_code"])}</code> '
                   f'{_e(finding.get("scope_kind"))} {_e(finding.get("scope"))} · {_e(finding.get("original_name"))} '
                   f'<a href="#finding-{_e(fingerprint)}">finding</a>')
        body = view if view else f'<p class="no-picture">No picture: {_e(why)}.</p>'
        parts.append(f'<figure class="source" id="source-{_e(fingerprint)}">{body}<figcaption>{caption}'
                     "</figcaption></figure>")
    parts.append("</section>")
    return "".join(parts)
