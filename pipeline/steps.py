"""The work of each DAG task, callable without Airflow (the DAG, `python -m pipeline` and tests use it).

Values passed between steps are small JSON-ready dicts (object keys, hashes, statuses): documents and
extraction results travel through object storage, never through XCom.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from . import storage
from .config import Settings, load_settings
from .inbox import InboxItem, discover, read_item

log = logging.getLogger(__name__)


def discover_documents(settings: Settings | None = None) -> list[dict[str, str]]:
    settings = settings or load_settings()
    items = discover(settings)
    log.info("inbox %s: %d documents", settings.inbox, len(items))
    return [item.to_dict() for item in items]


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def land_raw_files(items: Iterable[dict[str, str]], settings: Settings | None = None) -> list[list[dict[str, Any]]]:
    """Land each inbox document under its content-addressed key; return the landed documents in batches
    (one mapped extraction task per batch). Identical documents under two names land once."""
    settings = settings or load_settings()
    store = storage.make_store(settings)
    landed: dict[str, dict[str, Any]] = {}
    for raw in items:
        item = InboxItem(**raw)
        try:
            data = read_item(settings, item)
        except OSError as exc:  # nothing to land: the file vanished or cannot be opened
            log.error("cannot read inbox document %s: %s", item.location, exc)
            continue
        obj = storage.land_raw(store, data, item.name)
        landed.setdefault(obj.sha256, obj.to_dict())
        log.info("%s %r -> %s", "landed" if obj.newly_landed else "already landed", obj.original_name, obj.key)
    return batches(list(landed.values()), settings.batch_size)


def extract_documents(batch: Iterable[dict[str, Any]], settings: Settings | None = None) -> list[dict[str, Any]]:
    """Extract every landed document of a batch from object storage. A document that cannot be read ends
    with status failed and its raw copied under quarantine/; the batch goes on. Each result is stored
    under extracted/; the returned summaries name it."""
    from extract import ExtractOptions, extract_bytes

    from .landing import ExtractedDocument

    settings = settings or load_settings()
    store = storage.make_store(settings)
    options = ExtractOptions.from_env()
    summaries = []
    for raw in batch:
        landed = storage.LandedObject(**raw)
        data = store.get(landed.key)
        result = extract_bytes(data, landed.original_name, options)
        document = ExtractedDocument(result, landed.key, landed.original_name,
                                     datetime.fromisoformat(landed.arrived_at) if landed.arrived_at else None)
        if result.status == "failed":
            reason = result.failure_reason()
            document.quarantine_key = storage.quarantine(store, landed, data, reason)
            log.warning("quarantined %s (%s): %s", landed.original_name, landed.key, reason)
        result_key = storage.extracted_key(landed.sha256)
        store.put(result_key, document.to_json().encode("utf-8"), {"raw_key": landed.key, "status": result.status})
        summaries.append({"sha256": landed.sha256, "object_key": landed.key, "result_key": result_key,
                          "original_name": landed.original_name, "status": result.status,
                          "quarantine_key": document.quarantine_key})
    return summaries


def load_staging(summaries: Iterable[Iterable[dict[str, Any]]] | Iterable[dict[str, Any]],
                 settings: Settings | None = None) -> dict[str, Any]:
    """Read the extraction results named by the summaries (a flat list, or one list per mapped task) and
    land them in the warehouse's landing tables."""
    from .landing import ExtractedDocument, load_results

    settings = settings or load_settings()
    store = storage.make_store(settings)
    flat = _flatten(summaries)
    documents = [ExtractedDocument.from_json(store.get(summary["result_key"])) for summary in flat]
    counts = load_results(settings.warehouse_path, documents, settings.warehouse_lock_timeout_seconds)
    statuses: dict[str, int] = {}
    for summary in flat:
        statuses[summary["status"]] = statuses.get(summary["status"], 0) + 1
    return {**counts, "by_status": statuses}


def _flatten(summaries: Iterable[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for entry in summaries:
        if isinstance(entry, dict):
            flat.append(entry)
        else:
            flat.extend(entry)
    return flat


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def dbt_build(settings: Settings | None = None) -> dict[str, Any]:
    """`dbt build` as a subprocess (in-process dbt keeps the DuckDB file open and breaks later tasks).
    Its output goes to var/logs/dbt.log, its artifacts to var/dbt-target (so that runs with different
    settings do not share dbt_project/target); a failing build raises with the tail of that log."""
    settings = settings or load_settings()
    project = settings.dbt_project_dir
    if not (project / "dbt_project.yml").is_file():
        log.warning("no dbt project at %s: the models were not built", project)
        return {"status": "skipped", "reason": f"no dbt_project.yml in {project}"}
    env = {**os.environ, "WAREHOUSE_PATH": str(settings.warehouse_path)}
    # dbt imports any module on sys.path named dbt_*: keep the project root off it
    env.pop("PYTHONPATH", None)
    settings.log_path.mkdir(parents=True, exist_ok=True)
    log_file = settings.log_path / "dbt.log"
    command = [dbt_executable(), "build", "--project-dir", str(project), "--profiles-dir", str(project),
               "--log-path", str(settings.log_path / "dbt"),
               "--target-path", str(settings.var_path / "dbt-target")]
    completed = subprocess.run(command, cwd=settings.project_root, env=env, capture_output=True, text=True)
    log_file.write_text(completed.stdout + completed.stderr, encoding="utf-8")
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
        raise RuntimeError(f"dbt build failed (exit {completed.returncode}); full log in {log_file}:\n{tail}")
    return {"status": "ok", "log": str(log_file)}


def identity_findings(warehouse_path: str | Path) -> list[dict[str, Any]]:
    """Identities 1-4 that fail, per staged document (the same checks the extractor and the warehouse
    run), with what an alert needs: agency, year, identity, scope, lhs, rhs, raw object key."""
    import duckdb

    from extract.identities import FAIL, check_identities

    with closing(duckdb.connect(str(warehouse_path), read_only=True)) as con:
        documents = con.execute(
            "select document_hash, agency, year, object_key, original_name from landing.documents "
            "where status <> 'failed' order by document_hash").fetchall()
        cells = con.execute("select document_hash, cell_key, value from landing.cells").fetchall()
    values: dict[str, dict[str, float | None]] = {}
    for doc_hash, cell_key, value in cells:
        values.setdefault(doc_hash, {})[cell_key] = value
    findings = []
    for doc_hash, agency, year, object_key, original_name in documents:
        for check in check_identities(values.get(doc_hash, {})):
            if check.result == FAIL:
                findings.append({"agency": agency, "year": year, "identity": check.identity,
                                 "scope_kind": "row" if check.identity in (3, 4) else "column",
                                 "scope": check.scope, "lhs": check.lhs, "rhs": check.rhs,
                                 "object_key": object_key, "document_hash": doc_hash,
                                 "original_name": original_name})
    return findings


def validate_identities(settings: Settings | None = None) -> dict[str, Any]:
    """Check the accounting identities of everything in the warehouse with the GX checkpoint (which also
    builds Data Docs). A breach is a finding for the maintainers, never a reason to fail the run or to hold
    back a load. Without the expectations package, or before dbt built the marts, the identities 1-4 are
    evaluated on the staging tables instead, so findings are never silently dropped."""
    settings = settings or load_settings()
    if not settings.warehouse_path.exists():
        return {"source": "none", "findings": [], "counts": {}}
    try:
        import expectations
    except ModuleNotFoundError:
        log.warning("the expectations package is not available: identities checked on staging only")
        return {"source": "staging", "findings": identity_findings(settings.warehouse_path), "counts": {}}
    try:
        result = expectations.run_checkpoint(settings.warehouse_path, settings.data_docs_path,
                                             context_dir=settings.var_path / "gx")
    except expectations.WarehouseNotReadyError as exc:
        log.warning("no GX checkpoint (%s): identities checked on staging only", exc)
        return {"source": "staging", "findings": identity_findings(settings.warehouse_path), "counts": {}}
    findings = [_finding_dict(f) for f in result.failures]
    log.info("GX checkpoint %s: %s; Data Docs at %s", result.run_name, result.counts, result.data_docs_index)
    return {"source": "great_expectations", "findings": findings, "counts": dict(result.counts),
            "incomplete": len(result.incomplete), "data_docs_index": str(result.data_docs_index),
            "run_name": result.run_name}


def _finding_dict(finding: Any) -> dict[str, Any]:
    return {"agency": finding.agency, "year": finding.year, "identity": finding.identity,
            "scope_kind": finding.scope_kind, "scope": finding.scope, "lhs": finding.lhs, "rhs": finding.rhs,
            "object_key": finding.object_key, "document_hash": finding.document_hash,
            "check_name": finding.check_name, "compared_document_hash": finding.compared_document_hash}


def notify_maintainers(validation: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """One digest per run to the maintainers (pipeline/notify.py): the new or reopened findings of every
    check, identity breaches included, from the findings history. Before dbt built the marts there is no
    history: the digest then holds the identity breaches the validation found on staging, not yet sent."""
    from .notify import Alert, notify_from_settings

    settings = settings or load_settings()
    found = validation.get("findings", [])
    review = review_findings(validation, settings)
    if review.get("status") == "ok" and "skipped" not in review:
        outcome = {"new": review["alerted"], "delivered": review["digest_delivered"],
                   "failed": review["digest_failed"], "redelivered": review["redelivered"],
                   "still_undelivered": review["still_undelivered"]}
    else:
        alerts = [Alert.from_dict(f) for f in found]
        outcome = notify_from_settings(settings, alerts, run_id=validation.get("run_name"))
    log.info("alerts: %d identity findings, %d new, delivered to %s, failed %s", len(found), outcome["new"],
             outcome["delivered"], outcome["failed"])
    return {**outcome, "findings": len(found), "review": review}


def review_findings(validation: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Every check's findings (identities and plausibility warnings) with stable fingerprints and history,
    one digest of the new or reopened ones, and the HTML quality report (pipeline/review.py)."""
    from .review import review_findings as review

    return review(settings or load_settings(), run_id=(validation or {}).get("run_name"))
