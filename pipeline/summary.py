"""The short account `python -m pipeline run|rebuild` prints at the end: documents, identity failures, values
to review, the maintainers' corrections (and every line that could not be applied) and open findings as the
warehouse and the findings history record them, and where everything was written."""
from __future__ import annotations

import json
from contextlib import closing

import duckdb

from . import corrections, findings
from .config import Settings
from .digest import finding_line
from .inbox import read_skipped
from .storage import shown_name

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
        lines.append(shown_name(f"  failed: {reason if reason.startswith(name) else name + ': ' + reason}"))
    return lines


def skipped_lines(settings: Settings) -> list[str]:
    """The inbox entries the latest discovery did not take as documents, and why."""
    skipped = read_skipped(settings)
    if not skipped:
        return []
    lines = [f"inbox entries skipped: {len(skipped)}"]
    lines += [f"  {shown_name(entry['name'])}: {entry['reason']}" for entry in skipped[:MOST_FINDINGS_LISTED]]
    if len(skipped) > MOST_FINDINGS_LISTED:
        lines.append(f"  ... {len(skipped) - MOST_FINDINGS_LISTED} more in {settings.log_path / 'pipeline.log'}")
    return lines


def identity_line(con) -> str:
    """Identity failures as dbt computed them (marts.fct_check_results, identities 1-5)."""
    if not _has_table(con, "marts", "fct_check_results"):
        return "identity failures: not evaluated (no marts.fct_check_results: dbt did not build the warehouse)"
    counts = dict(con.execute("select result, count(*) from marts.fct_check_results "
                              "where check_code like 'identity_%' group by result").fetchall())
    documents = con.execute("select count(distinct document_hash) from marts.fct_check_results "
                            "where check_code like 'identity_%' and result = 'fail'").fetchone()[0]
    not_evaluated = counts.pop("not_evaluated", 0)
    return (f"identity failures: {counts.get('fail', 0)} in {documents} document(s) "
            f"({sum(counts.values())} evaluated, {counts.get('incomplete', 0)} incomplete"
            + (f", {not_evaluated} not evaluated: no previous-year report" if not_evaluated else "") + ")")


def review_lines(con) -> list[str]:
    """Values not to quote yet (the review queue) and the corrections applied; each skipped line of the
    corrections file with its line number and why."""
    lines = []
    if _has_table(con, "marts", "fct_review_queue"):
        cells, documents = con.execute("select count(*), count(distinct document_hash) "
                                       "from marts.fct_review_queue").fetchone()
        if cells:
            lines.append(f"values to review: {cells} uncertain cell(s) in {documents} representative report(s) "
                         "(value_status uncertain; the quality report's review queue)")
    if _has_table(con, "landing", "corrections"):
        applied, skipped = con.execute("select count(*) filter (where problem is null), "
                                       "count(*) filter (where problem is not null) from landing.corrections"
                                       ).fetchone()
        if applied or skipped:
            lines.append(f"corrections: {applied} applied, {skipped} skipped")
            lines += [f"  {line}" for line in corrections.problem_lines(con)]
    return lines


def findings_lines(settings: Settings) -> list[str]:
    """Open findings: counts by check, then one line each (at most MOST_FINDINGS_LISTED), dismissed ones apart.
    Counted and chosen in SQL: a first run over 10,000 reports opens some 180,000 findings."""
    if not settings.findings_db_path.exists():
        return ["findings: none recorded yet"]
    with closing(findings.open_findings_db(settings.findings_db_path, None)) as con:
        findings.ensure_schema(con)
        if not findings.has_fct_findings(con):
            return ["findings: 0 open"]
        by_check = dict(con.execute(f"select check_code, count(*) from fct_findings where {_ACTIVE} "
                                    "group by check_code order by check_code").fetchall())
        dismissed = con.execute("select count(*) from fct_findings where status = 'open' "
                                "and decision = 'dismissed'").fetchone()[0]
        listed = findings.fetch_dicts(con.execute(f"select * from fct_findings where {_ACTIVE} order by "
                                                  f"{findings.FINDINGS_ORDER} limit {MOST_FINDINGS_LISTED}"))
    active = sum(by_check.values())
    counts = f" ({', '.join(f'{c} {n}' for c, n in by_check.items())})" if by_check else ""
    lines = [f"findings: {active} open{counts}" + (f", {dismissed} dismissed" if dismissed else "")]
    for finding in listed:
        lines.append(f"  {finding.get('agency') or '?'} " + finding_line(finding, with_status=False)[2:])
    if active > MOST_FINDINGS_LISTED:
        lines.append(f"  ... {active - MOST_FINDINGS_LISTED} more in the quality report")
    return lines


_ACTIVE = "status = 'open' and decision is distinct from 'dismissed'"  # open findings nobody dismissed


def summary(settings: Settings) -> str:
    lines = []
    landed = False
    if settings.warehouse_path.exists():
        with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
            landed = _has_table(con, "landing", "documents")
            if landed:
                lines += document_lines(con)
                lines.append(identity_line(con))
                lines += review_lines(con)
    if landed:
        lines += findings_lines(settings)
    else:
        lines.append("no documents were staged")
    lines += skipped_lines(settings)
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
        *([f"dbt docs:   {settings.dbt_docs_path}"] if settings.dbt_docs_path.exists() else []),
        *([f"for BI:     {settings.publish_path} (Parquet files, catalog.duckdb)"]
          if settings.publish_path.exists() else []),
        f"log:        {settings.log_path / 'pipeline.log'}",
    ]
    return "\n".join(lines)
