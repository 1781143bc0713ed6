"""A static HTML quality report a maintainer opens in a browser: pictures (agencies × years of check results,
applications over the years, each listed finding in its source document: pipeline/report_pictures.py), agencies ×
years, pass / fail / incomplete per check family, the open findings (linked from their cells) with their numbers,
source and decision, the review queue (cells of representative reports the parser could not settle, with the
readings it saw, where they are, for a PDF or an image (an OCR reading) a crop of the cell, and a ready-to-paste
line for the corrections file) and the lines of that file that could not be applied.

What grows with the corpus is counted, not listed: the grid and the totals are counted by DuckDB (one row per
report and check family reaches Python), every report has its row in the grid and its square in the heatmap, and
the summary gives the true numbers of open findings and of values to review. Listed are at most
MOST_FINDINGS_LISTED open findings (failures first) and the first MOST_REVIEW_VALUES_LISTED values of the review
queue; when there are more, the report says how many of how many and where all of them are (fct_findings,
marts.fct_review_queue, in their databases and in the BI snapshot).

One self-contained file (inline CSS, SVG and PNG, no script, nothing loaded from the network), written piece by
piece to `<path>.partial` and renamed over the last one; rebuilt at the end of every run from
marts.fct_check_results, marts.fct_review_queue, landing.corrections, findings.fct_findings and the raw documents.
"""
from __future__ import annotations

import html
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from extract.check_catalogue import CHECKS, CHECKS_BY_CODE, RESULTS, CheckSpec

from .digest import format_number
from .findings import CHECK_RESULTS_TABLE, WAREHOUSE_ALIAS, fetch_dicts, has_check_results, open_findings
from .report_pictures import (MOST_REVIEW_CROPS, Pictures, cell_crop_html, gather, overview_html, report_cells,
                              review_crops, sources_html)

REVIEW_QUEUE_TABLE = f"{WAREHOUSE_ALIAS}.marts.fct_review_queue"
CORRECTIONS_TABLE = f"{WAREHOUSE_ALIAS}.landing.corrections"
# An open finding is a table row of about 600 bytes and a figure of about 300 (measured at 10,000 reports):
# 2,000 make under 2 MB, which a browser opens at once, and are more than a maintainer works through between
# two runs; a first run over a large corpus opens far more (183,608 at 10,000 reports, 24,434 of them failures),
# and those are in fct_findings (see _findings_limit_html).
MOST_FINDINGS_LISTED = 2000
# A value of the review queue is a table row of about 500 bytes: the first 2,000 make 1 MB. A maintainer reads
# them on the page and corrects them a few at a time; the next run lists the next ones. (The first run over
# 10,000 generated reports queued 73,923 values: 38 MB of HTML.)
MOST_REVIEW_VALUES_LISTED = 2000

Grid = dict[tuple[str, int | None], dict[str, dict[str, Any]]]


def _families(checks: tuple[CheckSpec, ...]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(family, column title, check codes) in catalogue order; the title names the spec's check numbers,
    e.g. "Identities (1–4)"."""
    by_family: dict[str, list[CheckSpec]] = {}
    for check in checks:
        by_family.setdefault(check.family, []).append(check)
    families = []
    for family, members in by_family.items():
        numbers = sorted({c.spec_number for c in members})
        span = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
        families.append((family, f"{family.replace('_', ' ').capitalize()} ({span})", tuple(c.code for c in members)))
    return tuple(families)


FAMILIES = _families(CHECKS)

CSS = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 1.5rem; color: #1d1d1f; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #c8c8cc; padding: 0.3rem 0.5rem; vertical-align: top; }
th { background: #f0f0f3; }
td.fail { background: #fde2e1; } td.incomplete { background: #fff4d6; } td.pass { background: #e3f5e1; }
td.none, td.not_evaluated { color: #8e8e93; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; }
a { color: #0a58ca; }
.dismissed { color: #8e8e93; text-decoration: line-through; }
.note { color: #555; font-size: 0.9rem; }
figure { margin: 0.5rem 0 1rem; }
.small-multiples { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; }
.small-multiples figure { margin: 0; }
figure.source { border-top: 1px solid #c8c8cc; padding-top: 0.5rem; overflow-x: auto; }
figcaption { font-size: 0.85rem; color: #333; margin-top: 0.3rem; }
table.source-lines, table.source-table { margin: 0; font-size: 0.85rem; }
table.source-lines td { border: none; padding: 0 0.5rem; white-space: pre; }
table.source-lines td.ln { color: #8e8e93; text-align: right; }
mark { background: #fde2a1; }
tr.hl td { background: #fff4d6; }
td.hl { background: #fde2a1; outline: 2px solid #d9534f; }
.no-picture { color: #8e8e93; }
img.cell-crop { display: block; margin-top: 0.3rem; border: 1px solid #d9534f; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _description(check_code: str) -> str:
    check = CHECKS_BY_CODE.get(check_code)
    return check.description if check else ""


def family_cells(con) -> Grid:
    """(agency, year) -> family -> {"pass": n, "fail": n, "incomplete": n, "not_evaluated": n, "reasons": [...]}
    over the representative check results (reasons: why the not_evaluated rows were not evaluated, sorted); a
    report of no agency is "(document <first 12 of its hash>)". Counted by DuckDB: one row per report and family
    reaches Python, whatever the number of check results."""
    if not has_check_results(con):
        return {}
    who = "coalesce(agency, '(document ' || left(document_hash, 12) || ')')"
    counts = ", ".join(f"count(*) filter (where result = '{result}')" for result in RESULTS)
    grid: Grid = defaultdict(dict)
    for agency, year, family, *numbers in con.execute(f"""
            select {who}, year, check_family, {counts}
            from {CHECK_RESULTS_TABLE} where is_representative group by all""").fetchall():
        grid[(agency, year)][family] = {**dict(zip(RESULTS, numbers)), "reasons": []}
    # apart: a distinct list in the query above takes DuckDB 80 MB more at 10,000 reports
    for agency, year, family, reasons in con.execute(f"""
            select {who}, year, check_family, list_sort(list(distinct detail))
            from {CHECK_RESULTS_TABLE} where is_representative and result = 'not_evaluated' and detail <> ''
            group by all""").fetchall():
        grid[(agency, year)][family]["reasons"] = reasons
    return dict(grid)


def result_totals(grid: Grid) -> dict[str, int]:
    return {result: sum(counts[result] for families in grid.values() for counts in families.values())
            for result in RESULTS}


def _cell_html(counts: dict[str, Any] | None, anchor: str | None) -> str:
    if not counts:
        return '<td class="none">—</td>'
    if not any(counts[r] for r in ("pass", "fail", "incomplete")):
        reasons = "; ".join(counts["reasons"])
        return f'<td class="not_evaluated" data-state="not_evaluated" title="{_e(reasons)}">not evaluated</td>'
    state = "fail" if counts["fail"] else "incomplete" if counts["incomplete"] else "pass"
    text = f"{counts['pass']} pass · {counts['fail']} fail · {counts['incomplete']} incomplete"
    if counts["not_evaluated"]:
        text += f" · {counts['not_evaluated']} not evaluated"
    if anchor and state != "pass":
        text = f'<a href="#{anchor}">{text}</a>'
    return f'<td class="{state}" data-state="{state}">{text}</td>'


@dataclass
class ReviewQueue:
    rows: list[dict[str, Any]] = field(default_factory=list)  # the values listed, the first of the queue
    total: int = 0  # values in the queue
    documents: int = 0  # reports they are in


def review_queue(con, most: int) -> ReviewQueue:
    """marts.fct_review_queue: the cells of representative reports still waiting for a maintainer's reading,
    the first `most` of them by agency, year, document, table and cell, and how many there are."""
    if not _has_warehouse_table(con, "marts", "fct_review_queue"):
        return ReviewQueue()
    total, documents = con.execute(f"select count(*), count(distinct document_hash) "
                                   f"from {REVIEW_QUEUE_TABLE}").fetchone()
    cursor = con.execute(f"select * from {REVIEW_QUEUE_TABLE} order by agency, year, document_hash, table_no, "
                         "cell_key, cell_id limit ?", [most])
    return ReviewQueue(fetch_dicts(cursor), total, documents)


def correction_problems(con) -> list[dict[str, Any]]:
    """The lines of the corrections file that were skipped, with their line number and why."""
    if not _has_warehouse_table(con, "landing", "corrections"):
        return []
    cursor = con.execute(f"select line_number, document_hash, cell_key, value_text, problem from "
                         f"{CORRECTIONS_TABLE} where problem is not null order by line_number")
    return fetch_dicts(cursor)


def _has_warehouse_table(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = ? "
        "and table_name = ?", [WAREHOUSE_ALIAS, schema, table]).fetchone()[0])


def _review_queue_html(queue: ReviewQueue, crops: dict[str, Any] | None = None) -> list[str]:
    crops = crops or {}
    parts = ['<h2 id="review-queue">Review queue</h2>',
             f"<p>{queue.total} value(s) in {queue.documents} representative report(s) are provisional readings the "
             "parser could not settle (value_status <code>uncertain</code> in the fact marts: not to be quoted). "
             "Read each on the page, then paste its line into the corrections file (REVIEW_CORRECTIONS_PATH, "
             "default reviews/corrections.csv) with the number printed in place of <code>?</code> (empty for a "
             "blank cell) and your name and the date in the last two columns; the next run applies it. A cell "
             f"read from a PDF page or an image shows its crop under its place (the first {MOST_REVIEW_CROPS}).</p>",
             *_review_limit_html(queue),
             '<table id="review-queue-cells"><thead><tr><th>Agency</th><th>Year</th><th>Document</th><th>Cell</th>'
             "<th>Shown meanwhile</th><th>Candidate readings</th><th>Why</th><th>Where</th>"
             "<th>Corrections line</th></tr></thead><tbody>"]
    for row in queue.rows:
        document = f"{row.get('original_name') or ''} ({row.get('format') or '?'}) {row['document_hash'][:12]}"
        crop = crops.get(row["cell_id"])
        where = _e(row["location"]) + (cell_crop_html(crop, f"{row['cell_key']}, {row['location']}") if crop else "")
        parts.append(
            f'<tr data-cell="{_e(row["cell_id"])}"><td>{_e(row["agency"])}</td><td>{_e(row["year"])}</td>'
            f'<td>{_e(document)}</td><td><code>{_e(row["cell_key"])}</code></td>'
            f'<td>{_e(format_number(row["provisional_value"]))}</td><td>{_e(row["candidates"])}</td>'
            f'<td>{_e(row["uncertain_because"])}</td><td>{where}</td>'
            f'<td><pre>{_e(row["correction_line"])}</pre></td></tr>')
    parts.append("</tbody></table>")
    return parts


def _review_limit_html(queue: ReviewQueue) -> list[str]:
    if len(queue.rows) >= queue.total:
        return []
    return [f'<p id="review-queue-limit" class="note">The first {len(queue.rows)} of these {queue.total} values are '
            f"listed here (at most {MOST_REVIEW_VALUES_LISTED}), by agency, year, document, table and cell; those "
            "corrected leave the queue on the next run and the next ones take their place. Every value is in "
            "<code>marts.fct_review_queue</code> of the warehouse (WAREHOUSE_PATH) and of the BI snapshot "
            "published at the end of the run (the file fct_review_queue.parquet under PUBLISH_PATH, default "
            "var/publish/fct_review_queue.parquet), its corrections line included.</p>"]


def _correction_problems_html(problems: list[dict[str, Any]]) -> list[str]:
    parts = ['<h2 id="corrections">Corrections not applied</h2>']
    if not problems:
        return parts + ["<p>Every line of the corrections file was applied.</p>"]
    parts += [f"<p>{len(problems)} line(s) of the corrections file were skipped; the run went on without them.</p>",
              '<table id="correction-problems"><thead><tr><th>Line</th><th>document_hash</th><th>key</th>'
              "<th>value</th><th>Problem</th></tr></thead><tbody>"]
    parts += [f"<tr><td>{_e(p['line_number'])}</td><td><code>{_e(p['document_hash'])}</code></td>"
              f"<td><code>{_e(p['cell_key'])}</code></td><td>{_e(p['value_text'])}</td><td>{_e(p['problem'])}</td></tr>"
              for p in problems]
    parts.append("</tbody></table>")
    return parts


def _findings_limit_html(listed: int, open_total: int) -> list[str]:
    if listed >= open_total:
        return []
    return [f'<p id="findings-limit" class="note">{listed} of {open_total} open findings are listed here (at most '
            f"{MOST_FINDINGS_LISTED}): the failures first, then the warnings, each by agency, year, check and "
            "scope; the table shows them by agency, year, check and scope, and the grid and pictures above link "
            "to these only. Every open finding is in <code>fct_findings</code> (status "
            "<code>open</code>) of the findings database (FINDINGS_DB_PATH, default var/findings.duckdb) and of "
            "the BI snapshot published at the end of the run (<code>findings.fct_findings</code> in its catalog, "
            "the file fct_findings.parquet under PUBLISH_PATH, default var/publish/fct_findings.parquet).</p>"]


def _finding_row_html(f: dict[str, Any], pictures: Pictures | None) -> str:
    dismissed = f.get("decision") == "dismissed"
    source = f"{f.get('original_name') or ''} {f.get('object_key') or ''}".strip()
    if f.get("page") is not None:
        source += f", page {f['page']}"
    if f.get("line") is not None:
        source += f", line {f['line']}"
    source_html = _e(source) + (f' <a href="#source-{_e(f["fingerprint"])}">(in the source)</a>'
                                if pictures and pictures.sources.get(f["fingerprint"], (None,))[0] else "")
    decision = f.get("decision") or "—"
    if f.get("decision_note"):
        decision += f": {f['decision_note']}"
    return (f'<tr id="finding-{_e(f["fingerprint"])}" class="{"dismissed" if dismissed else ""}">'
            f'<td><code>{_e(f["fingerprint"])}</code></td><td>{_e(f["agency"])}</td><td>{_e(f["year"])}</td>'
            f'<td title="{_e(_description(f["check_code"]))}">{_e(f["check_code"])}</td>'
            f'<td>{_e(f["scope_kind"])} {_e(f["scope"])}</td><td>{_e(f["severity"])}</td><td>{_e(f["result"])}</td>'
            f'<td>{_e(format_number(f["lhs"]))}</td><td>{_e(format_number(f["rhs"]))}</td><td>{_e(f["detail"])}</td>'
            f'<td>{source_html}</td><td>{_e(f["first_seen"])}</td><td>{_e(f["last_seen"])}</td>'
            f'<td>{_e(decision)}</td></tr>')


def report_parts(grid: Grid, listed: list[dict[str, Any]], open_total: int | None = None,
                 generated_at: datetime | None = None, data_docs_index: Path | None = None,
                 dbt_docs_link: str | None = None, pictures: Pictures | None = None,
                 queue: ReviewQueue | None = None,
                 problems: list[dict[str, Any]] | None = None) -> Iterator[str]:
    """The report's HTML, piece by piece (joined by newlines): `grid` from family_cells, `listed` the open
    findings shown (open_findings), `open_total` how many are open (default: as many as are listed)."""
    generated_at = generated_at or datetime.now(timezone.utc).replace(microsecond=0)
    open_total = len(listed) if open_total is None else open_total
    first_finding: dict[tuple[str, int | None, str], str] = {}
    for finding in listed:  # only listed findings are linked to: no link leads nowhere
        key = (finding["agency"] or f"(document {finding['document_hash'][:12]})", finding["year"],
               finding["check_family"])
        first_finding.setdefault(key, f"finding-{finding['fingerprint']}")
    totals = result_totals(grid)
    queue = queue or ReviewQueue()
    yield from [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>Quality report: government information disclosure annual reports</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Quality report: government information disclosure annual reports</h1>",
        f'<p id="summary">Generated {_e(generated_at.isoformat())}. {len(grid)} report(s); check evaluations: '
        f'{totals["pass"]} pass, {totals["fail"]} fail, {totals["incomplete"]} incomplete, '
        f'{totals["not_evaluated"]} not evaluated. {open_total} open finding(s). '
        f'<a href="#review-queue">{queue.total} value(s) to review</a>.</p>',
    ]
    if data_docs_index is not None:
        yield (f'<p>Great Expectations Data Docs: <a href="{_e(data_docs_index.resolve().as_uri())}">'
               f'{_e(data_docs_index)}</a></p>')
    if dbt_docs_link is not None:
        yield (f'<p>The marts, their columns and lineage (dbt docs): <a href="{_e(dbt_docs_link)}">'
               f'{_e(dbt_docs_link)}</a></p>')
    yield overview_html(pictures or Pictures())
    yield from ['<h2>Reports × checks</h2>', '<table id="grid"><thead><tr><th>Agency</th><th>Year</th>']
    yield from [f'<th title="{_e(", ".join(codes))}">{_e(title)}</th>' for _, title, codes in FAMILIES]
    yield "</tr></thead><tbody>"
    for (agency, year) in sorted(grid, key=lambda k: (k[0], k[1] or 0)):
        families = grid[(agency, year)]
        yield f'<tr data-agency="{_e(agency)}" data-year="{_e(year)}"><td>{_e(agency)}</td><td>{_e(year)}</td>'
        for family, _, _ in FAMILIES:
            yield _cell_html(families.get(family), first_finding.get((agency, year, family)))
        yield "</tr>"
    yield from ["</tbody></table>", "<h2>Open findings</h2>", *_findings_limit_html(len(listed), open_total),
                '<table id="findings"><thead><tr><th>Fingerprint</th><th>Agency</th><th>Year</th><th>Check</th>'
                "<th>Row / column</th><th>Severity</th><th>Result</th><th>lhs</th><th>rhs</th><th>Detail</th>"
                "<th>Source</th><th>First seen</th><th>Last seen</th><th>Decision</th></tr></thead><tbody>"]
    for finding in listed:
        yield _finding_row_html(finding, pictures)
    yield from ["</tbody></table>", sources_html(pictures or Pictures(), listed)]
    yield from _review_queue_html(queue, (pictures or Pictures()).cell_crops)
    yield from _correction_problems_html(problems or [])
    yield from ["<h2>Checks</h2>",
                '<table id="checks"><thead><tr><th>Check</th><th>Severity</th><th>What it verifies</th>'
                "<th>Formula</th><th>What to do with a finding</th></tr></thead><tbody>"]
    yield from [f"<tr><td><code>{_e(c.code)}</code></td><td>{_e(c.severity)}</td><td>{_e(c.description)}</td>"
                f"<td>{_e(c.formula)}</td><td>{_e(c.maintainer_action)}</td></tr>" for c in CHECKS]
    yield "</tbody></table></body></html>"


def write_quality_report(con, path: str | Path, data_docs_index: Path | None = None,
                         dbt_docs_index: Path | None = None,
                         read_raw: Callable[[str], bytes] | None = None, drawn_views: Path | None = None) -> Path:
    """Render the report from `con` (the findings file with the warehouse attached) and write it to `path`,
    piece by piece into `<path>.partial`, then renamed over `path`. `read_raw(object_key)` returns a raw
    document's bytes, for the pictures of the findings in their sources; `drawn_views`, a file that keeps
    those pictures from one report to the next (report_pictures.DrawnViews)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = family_cells(con)
    listed, open_total = open_findings(con, MOST_FINDINGS_LISTED)
    pictures = gather(con, report_cells(grid), listed, _first_findings_by_report(listed), read_raw, drawn_views)
    queue = review_queue(con, MOST_REVIEW_VALUES_LISTED)
    pictures.cell_crops = review_crops(con, queue.rows, read_raw)
    dbt_docs_link = None
    if dbt_docs_index is not None and dbt_docs_index.is_file():
        dbt_docs_link = Path(os.path.relpath(dbt_docs_index, path.parent)).as_posix()
    parts = report_parts(grid, listed, open_total,
                         data_docs_index=data_docs_index if data_docs_index and data_docs_index.is_file() else None,
                         dbt_docs_link=dbt_docs_link, pictures=pictures, queue=queue,
                         problems=correction_problems(con))
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            out.write(next(parts))
            for part in parts:
                out.write("\n")
                out.write(part)
    except BaseException:
        partial.unlink(missing_ok=True)  # the last report stays as it was
        raise
    os.replace(partial, path)
    return path


def _first_findings_by_report(listed: list[dict[str, Any]]) -> dict[tuple[str, int | None], str]:
    first: dict[tuple[str, int | None], str] = {}
    for finding in listed:
        first.setdefault((finding["agency"] or f"(document {finding['document_hash'][:12]})", finding["year"]),
                         f"finding-{finding['fingerprint']}")
    return first
