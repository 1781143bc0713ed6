"""A static HTML quality report a maintainer opens in a browser: agencies × years, pass / fail / incomplete
per check family, and every open finding (linked from its cell) with its numbers, source and decision.

One self-contained file (inline CSS, no script), written atomically; rebuilt at the end of every run from
marts.fct_check_results and findings.fct_findings.
"""
from __future__ import annotations

import html
import os
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from extract.check_catalogue import CHECKS, CHECKS_BY_CODE, CheckSpec

from .digest import format_number
from .findings import CHECK_RESULTS_TABLE, all_findings, has_check_results


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
td.none { color: #8e8e93; }
a { color: #0a58ca; }
.dismissed { color: #8e8e93; text-decoration: line-through; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _description(check_code: str) -> str:
    check = CHECKS_BY_CODE.get(check_code)
    return check.description if check else ""


def _check_results(con) -> list[dict[str, Any]]:
    if not has_check_results(con):
        return []
    cursor = con.execute("select agency, year, document_hash, check_family, check_code, result "
                         f"from {CHECK_RESULTS_TABLE} where is_latest_for_agency_year")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def family_cells(results: list[dict[str, Any]]) -> dict[tuple[str, int | None], dict[str, dict[str, int]]]:
    """(agency, year) -> family -> {"pass": n, "fail": n, "incomplete": n}."""
    grid: dict[tuple[str, int | None], dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"pass": 0, "fail": 0, "incomplete": 0}))
    for row in results:
        who = row["agency"] or f"(document {row['document_hash'][:12]})"
        grid[(who, row["year"])][row["check_family"]][row["result"]] += 1
    return grid


def _cell_html(counts: dict[str, int] | None, anchor: str | None) -> str:
    if not counts:
        return '<td class="none">—</td>'
    state = "fail" if counts["fail"] else "incomplete" if counts["incomplete"] else "pass"
    text = f"{counts['pass']} pass · {counts['fail']} fail · {counts['incomplete']} incomplete"
    if anchor and state != "pass":
        text = f'<a href="#{anchor}">{text}</a>'
    return f'<td class="{state}" data-state="{state}">{text}</td>'


def render_quality_report(results: list[dict[str, Any]], findings: list[dict[str, Any]],
                          generated_at: datetime | None = None, data_docs_index: Path | None = None) -> str:
    generated_at = generated_at or datetime.now(timezone.utc).replace(microsecond=0)
    grid = family_cells(results)
    open_findings = [f for f in findings if f["status"] == "open"]
    first_finding: dict[tuple[str, int | None, str], str] = {}
    for finding in open_findings:
        key = (finding["agency"] or f"(document {finding['document_hash'][:12]})", finding["year"],
               finding["check_family"])
        first_finding.setdefault(key, f"finding-{finding['fingerprint']}")
    totals = {r: sum(1 for row in results if row["result"] == r) for r in ("pass", "fail", "incomplete")}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>Quality report: government information disclosure annual reports</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Quality report: government information disclosure annual reports</h1>",
        f'<p id="summary">Generated {_e(generated_at.isoformat())}. {len(grid)} report(s); check evaluations: '
        f'{totals["pass"]} pass, {totals["fail"]} fail, {totals["incomplete"]} incomplete. '
        f'{len(open_findings)} open finding(s).</p>',
    ]
    if data_docs_index is not None:
        parts.append(f'<p>Great Expectations Data Docs: <a href="{_e(data_docs_index.resolve().as_uri())}">'
                     f'{_e(data_docs_index)}</a></p>')
    parts += ['<h2>Reports × checks</h2>', '<table id="grid"><thead><tr><th>Agency</th><th>Year</th>']
    parts += [f'<th title="{_e(", ".join(codes))}">{_e(title)}</th>' for _, title, codes in FAMILIES]
    parts.append("</tr></thead><tbody>")
    for (agency, year) in sorted(grid, key=lambda k: (k[0], k[1] or 0)):
        families = grid[(agency, year)]
        parts.append(f'<tr data-agency="{_e(agency)}" data-year="{_e(year)}"><td>{_e(agency)}</td><td>{_e(year)}</td>')
        for family, _, _ in FAMILIES:
            parts.append(_cell_html(families.get(family), first_finding.get((agency, year, family))))
        parts.append("</tr>")
    parts += ["</tbody></table>", "<h2>Open findings</h2>",
              '<table id="findings"><thead><tr><th>Fingerprint</th><th>Agency</th><th>Year</th><th>Check</th>'
              "<th>Row / column</th><th>Severity</th><th>Result</th><th>lhs</th><th>rhs</th><th>Detail</th>"
              "<th>Source</th><th>First seen</th><th>Last seen</th><th>Decision</th></tr></thead><tbody>"]
    for f in open_findings:
        dismissed = f.get("decision") == "dismissed"
        source = f"{f.get('original_name') or ''} {f.get('object_key') or ''}".strip()
        if f.get("page") is not None:
            source += f", page {f['page']}"
        if f.get("line") is not None:
            source += f", line {f['line']}"
        decision = f.get("decision") or "—"
        if f.get("decision_note"):
            decision += f": {f['decision_note']}"
        parts.append(
            f'<tr id="finding-{_e(f["fingerprint"])}" class="{"dismissed" if dismissed else ""}">'
            f'<td><code>{_e(f["fingerprint"])}</code></td><td>{_e(f["agency"])}</td><td>{_e(f["year"])}</td>'
            f'<td title="{_e(_description(f["check_code"]))}">{_e(f["check_code"])}</td>'
            f'<td>{_e(f["scope_kind"])} {_e(f["scope"])}</td><td>{_e(f["severity"])}</td><td>{_e(f["result"])}</td>'
            f'<td>{_e(format_number(f["lhs"]))}</td><td>{_e(format_number(f["rhs"]))}</td><td>{_e(f["detail"])}</td>'
            f'<td>{_e(source)}</td><td>{_e(f["first_seen"])}</td><td>{_e(f["last_seen"])}</td>'
            f'<td>{_e(decision)}</td></tr>')
    parts += ["</tbody></table>", "<h2>Checks</h2>",
              '<table id="checks"><thead><tr><th>Check</th><th>Severity</th><th>What it verifies</th>'
              "<th>Formula</th><th>What to do with a finding</th></tr></thead><tbody>"]
    parts += [f"<tr><td><code>{_e(c.code)}</code></td><td>{_e(c.severity)}</td><td>{_e(c.description)}</td>"
              f"<td>{_e(c.formula)}</td><td>{_e(c.maintainer_action)}</td></tr>" for c in CHECKS]
    parts += ["</tbody></table></body></html>"]
    return "\n".join(parts)


def write_quality_report(con, path: str | Path, data_docs_index: Path | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = render_quality_report(_check_results(con), all_findings(con),
                                     data_docs_index=data_docs_index if data_docs_index and
                                     data_docs_index.is_file() else None)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(document, encoding="utf-8")
    os.replace(partial, path)
    return path
