"""The findings step of a run: record findings, send one digest of the new ones, write the quality report.
And the technical alert a failing Airflow task sends through the same sinks (`alert_task_failure`).

Configuration (environment): `FINDINGS_DB_PATH` (default `<var>/findings.duckdb`) holds the findings
history (see pipeline/findings.py); `REVIEW_DECISIONS_PATH` (default `reviews/decisions.csv`, relative to the
project root) is the maintainers' review file (see pipeline/findings.py); `QUALITY_REPORT_PATH` (default
`<var>/quality-report/index.html`) the static HTML report. The digest's text: pipeline/digest.py; its
delivery (sinks, retries, undelivered digests): pipeline/notify.py.
"""
from __future__ import annotations

import logging
import os
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import Settings, load_settings

log = logging.getLogger(__name__)


def decisions_path(settings: Settings) -> Path:
    value = os.getenv("REVIEW_DECISIONS_PATH", "").strip() or "reviews/decisions.csv"
    path = Path(value).expanduser()
    return path if path.is_absolute() else settings.project_root / path


def findings_db_path(settings: Settings) -> Path:
    value = os.getenv("FINDINGS_DB_PATH", "").strip()
    if not value:
        return settings.var_path / "findings.duckdb"
    path = Path(value).expanduser()
    return path if path.is_absolute() else settings.project_root / path


def quality_report_path(settings: Settings) -> Path:
    value = os.getenv("QUALITY_REPORT_PATH", "").strip()
    if not value:
        return settings.var_path / "quality-report" / "index.html"
    path = Path(value).expanduser()
    return path if path.is_absolute() else settings.project_root / path


def review_findings(settings: Settings | None = None, run_id: str | None = None, sinks: list | None = None,
                    now: datetime | None = None) -> dict[str, Any]:
    """Record this run's findings, alert the new/reopened ones (one digest), write the quality report."""
    from . import findings
    from .digest import build_digest
    from .notify import deliver_from_settings, undelivered_path
    from .quality_report import write_quality_report

    settings = settings or load_settings()
    run_id = run_id or datetime.now(timezone.utc).strftime("manual-%Y%m%dT%H%M%SZ")
    if not settings.warehouse_path.exists():
        return {"status": "skipped", "reason": "no warehouse"}
    plausibility = validate_plausibility(settings, run_id)
    decisions = findings.read_decisions(decisions_path(settings))
    with closing(findings.open_findings_db(findings_db_path(settings), settings.warehouse_path)) as con:
        counts = findings.record_findings(con, decisions, now=now)
        to_alert = findings.findings_to_alert(con)
        digest = build_digest(to_alert, run_id)
        delivery: dict[str, Any] = {"delivered": [], "failed": {}, "redelivered": {}, "still_undelivered": 0}
        if "skipped" not in counts:  # else the caller alerts the staging findings (pipeline/steps.py)
            # also when there is nothing new: what earlier runs could not deliver is sent again
            delivery = deliver_from_settings(digest, settings, sinks)
        # the file sink is the record: once it holds the digest the findings were alerted; a failed
        # webhook/SMTP delivery stays in the undelivered file and in this step's outcome
        if digest is not None and "file" in delivery["delivered"]:
            findings.mark_alerted(con, [f["fingerprint"] for f in to_alert], now=now)
        report_path = write_quality_report(con, quality_report_path(settings),
                                           data_docs_index=settings.data_docs_path / "index.html")
    outcome = {"status": "ok", "run_id": run_id, **counts, "alerted": len(to_alert) if digest else 0,
               "digest_delivered": delivery["delivered"], "digest_failed": delivery["failed"],
               "redelivered": delivery["redelivered"], "still_undelivered": delivery["still_undelivered"],
               "quality_report": str(report_path), "decisions": len(decisions), "plausibility": plausibility}
    if delivery["failed"]:
        log.error("findings digest not delivered to %s (kept in %s)", sorted(delivery["failed"]),
                  undelivered_path(settings))
    log.info("findings: %s", outcome)
    return outcome


def findings_lines(settings: Settings) -> list[str]:
    """A short account of the open findings for the command line: counts by check, then one line each
    (at most `limit`), dismissed ones apart."""
    from . import findings
    from .digest import finding_line

    path = findings_db_path(settings)
    if not path.exists():
        return ["findings: none recorded yet"]
    con = findings.open_findings_db(path, None)
    try:
        recorded = [f for f in findings.all_findings(con) if f["status"] == "open"]
    finally:
        con.close()
    dismissed = [f for f in recorded if f.get("decision") == "dismissed"]
    active = [f for f in recorded if f.get("decision") != "dismissed"]
    by_check: dict[str, int] = {}
    for finding in active:
        by_check[finding["check_code"]] = by_check.get(finding["check_code"], 0) + 1
    counts = f" ({', '.join(f'{c} {n}' for c, n in sorted(by_check.items()))})" if by_check else ""
    lines = [f"findings: {len(active)} open{counts}" + (f", {len(dismissed)} dismissed" if dismissed else "")]
    limit = 40
    for finding in active[:limit]:
        lines.append(f"  {finding.get('agency') or '?'} " + finding_line(finding, with_status=False)[2:])
    if len(active) > limit:
        lines.append(f"  ... {len(active) - limit} more in the quality report")
    return lines


def validate_plausibility(settings: Settings, run_id: str) -> dict[str, Any]:
    """The GX plausibility checkpoint (warnings) over marts.fct_check_results, into the run's Data Docs.
    A GX problem is logged and returned, never fatal: the findings come from the same rows."""
    try:
        from expectations import WarehouseNotReadyError
        from expectations.plausibility import run_plausibility_checkpoint
    except ModuleNotFoundError as exc:
        return {"status": "skipped", "reason": str(exc)}
    try:
        result = run_plausibility_checkpoint(settings.warehouse_path, settings.data_docs_path,
                                             context_dir=settings.var_path / "gx", run_name=f"{run_id}-plausibility")
    except WarehouseNotReadyError as exc:
        return {"status": "skipped", "reason": str(exc)}
    except Exception as exc:  # GX itself failed: visible in the outcome and the log
        log.exception("the plausibility checkpoint could not run")
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "success": result.success, "counts": result.counts,
            "failed": len(result.failing_check_result_ids), "data_docs_index": str(result.data_docs_index)}


def alert_task_failure(context: dict[str, Any]) -> None:
    """Airflow `on_failure_callback`: a task that fails for a technical reason alerts the maintainers
    through the same sinks as the findings digest. Never raises (a callback error would hide the task's own)."""
    try:
        from .digest import technical_digest
        from .notify import deliver_from_settings

        ti = context.get("task_instance") or context.get("ti")
        dag_run = context.get("dag_run")
        error = context.get("exception")
        digest = technical_digest(
            run_id=str(getattr(dag_run, "run_id", None) or context.get("run_id") or "unknown-run"),
            dag_id=str(getattr(ti, "dag_id", None) or "transparency_reports"),
            task_id=str(getattr(ti, "task_id", None) or "unknown-task"),
            error=f"{type(error).__name__}: {error}" if error else "unknown error",
            log_url=getattr(ti, "log_url", None),
        )
        deliver_from_settings(digest, load_settings())
    except Exception:  # the callback must not mask the failure it reports
        log.exception("could not send the technical alert")
