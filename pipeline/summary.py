"""The short account `python -m pipeline run|rebuild` prints at the end: documents, identity failures and open
findings as the warehouse and the findings history record them, and where everything was written."""
from __future__ import annotations

import json
from contextlib import closing

import duckdb

from . import findings
from .config import Settings
from .digest import finding_line

MOST_FINDINGS_LISTED = 40


def _has_table(con, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, table]).fetchone()[0])


def document_lines(con) -> list[str]:
    by_status = con.execute("select status, count(*) from landing.documents group by status "
                            "order by status").fetchall()
    failed = con.execute("select original_name, issues_json from landing.documents "
                         "where status = 'failed' order by original_name").fetchall()
    cells = con.execute("select count(*) from landing.cells").fetchone()[0]
    total = sum(n for _, n in by_status)
    statuses = " (" + ", ".join(f"{s} {n}" for s, n in by_status) + ")" if by_status else ""
    lines = [f"documents: {total}{statuses}; {cells} cells"]
    for name, issues_json in failed:
        issues = json.loads(issues_json or "[]")
        reason = issues[0]["message"] if issues else "unknown"
        lines.append(f"  failed: {reason if reason.startswith(name) else name + ': ' + reason}")
    return lines


def identity_line(con) -> str:
    """Identity failures as dbt computed them (marts.fct_check_results, identities 1-5)."""
    if not _has_table(con, "marts", "fct_check_results"):
        return "identity failures: not evaluated (no marts.fct_check_results: dbt did not build the warehouse)"
    counts = dict(con.execute("select result, count(*) from marts.fct_check_results "
                              "where check_code like 'identity_%' group by result").fetchall())
    documents = con.execute("select count(distinct document_hash) from marts.fct_check_results "
                            "where check_code like 'identity_%' and result = 'fail'").fetchone()[0]
    return (f"identity failures: {counts.get('fail', 0)} in {documents} document(s) "
            f"({sum(counts.values())} evaluated, {counts.get('incomplete', 0)} incomplete)")


def findings_lines(settings: Settings) -> list[str]:
    """Open findings: counts by check, then one line each (at most MOST_FINDINGS_LISTED), dismissed ones apart."""
    if not settings.findings_db_path.exists():
        return ["findings: none recorded yet"]
    with closing(findings.open_findings_db(settings.findings_db_path, None)) as con:
        recorded = [f for f in findings.all_findings(con) if f["status"] == "open"]
    dismissed = [f for f in recorded if f.get("decision") == "dismissed"]
    active = [f for f in recorded if f.get("decision") != "dismissed"]
    by_check: dict[str, int] = {}
    for finding in active:
        by_check[finding["check_code"]] = by_check.get(finding["check_code"], 0) + 1
    counts = f" ({', '.join(f'{c} {n}' for c, n in sorted(by_check.items()))})" if by_check else ""
    lines = [f"findings: {len(active)} open{counts}" + (f", {len(dismissed)} dismissed" if dismissed else "")]
    for finding in active[:MOST_FINDINGS_LISTED]:
        lines.append(f"  {finding.get('agency') or '?'} " + finding_line(finding, with_status=False)[2:])
    if len(active) > MOST_FINDINGS_LISTED:
        lines.append(f"  ... {len(active) - MOST_FINDINGS_LISTED} more in the quality report")
    return lines


def summary(settings: Settings) -> str:
    lines = []
    landed = False
    if settings.warehouse_path.exists():
        with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
            landed = _has_table(con, "landing", "documents")
            if landed:
                lines += document_lines(con)
                lines.append(identity_line(con))
    if landed:
        lines += findings_lines(settings)
    else:
        lines.append("no documents were staged")
    data_docs_index = settings.data_docs_path / "index.html"
    raw_store = f"s3://{settings.s3_bucket}/{settings.s3_prefix}" if settings.uses_s3 else settings.object_store_path
    lines += [
        f"warehouse:  {settings.warehouse_path}",
        f"raw store:  {raw_store}",
        f"data docs:  {data_docs_index if data_docs_index.is_file() else settings.data_docs_path}",
        f"alerts:     {settings.alerts_path}" if settings.alerts_path.exists() else
        f"alerts:     none yet (nothing new to alert; {settings.alerts_path} and "
        f"{settings.digests_path} appear when a run finds something)",
        *([f"digests:    {settings.digests_path}"] if settings.digests_path.exists() else []),
        f"quality:    {settings.quality_report_path}",
        f"log:        {settings.log_path / 'pipeline.log'}",
    ]
    return "\n".join(lines)
