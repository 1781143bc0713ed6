"""The steps of a run, in order (`STEPS`), each callable without Airflow: the DAG builds its task chain from
this list, `python -m pipeline rebuild` runs the same list from object storage, and tests call the steps.

Each step does one thing and receives what the step before it returned (the DAG passes it as XCom). Values
passed between steps are small JSON-ready dicts (object keys, hashes, statuses, counts): documents and
extraction results travel through object storage, never through XCom.

Who does what: dbt computes every check (marts.fct_check_results); Great Expectations validates those results
and publishes Data Docs (validate_checks); the findings history decides what is new (record_findings); one
notifier sends one digest (notify_maintainers); the quality report shows it all (publish_quality_report).

The DAG file imports this module when the scheduler parses it: the libraries that take seconds to import
(great_expectations, duckdb, boto3, the parsers) are imported by the functions that use them, never here.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import expectations
from extract import ExtractOptions, extract_bytes

from . import findings, storage
from .config import Settings, load_settings
from .digest import build_digest
from .inbox import InboxItem, discover, read_item
from .landing import ExtractedDocument, load_results
from .notify import deliver_from_settings
from .quality_report import write_quality_report

log = logging.getLogger(__name__)


def discover_documents(settings: Settings | None = None) -> list[dict[str, str]]:
    """List the documents waiting in the inbox (`PIPELINE_INBOX`: a folder, or an S3 prefix)."""
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


def load_landing(summaries: Iterable[Iterable[dict[str, Any]]] | Iterable[dict[str, Any]],
                 settings: Settings | None = None) -> dict[str, Any]:
    """Read the extraction results named by the summaries (a flat list, or one list per mapped task) and
    land them in the warehouse's landing tables."""
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


def build_warehouse(loaded: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """`dbt build` over the landing tables: staging → intermediate → marts, with every check of the spec
    computed into marts.fct_check_results, and the models' tests.

    dbt runs as a subprocess (in-process dbt keeps the DuckDB file open and breaks later steps). Its output
    goes to var/logs/dbt.log, its artifacts to var/dbt-target (so that runs with different settings do not
    share dbt_project/target); a failing build raises with the tail of that log."""
    settings = settings or load_settings()
    project = settings.dbt_project_dir
    if not (project / "dbt_project.yml").is_file():
        raise FileNotFoundError(f"no dbt project at {project} (DBT_PROJECT_DIR): the warehouse cannot be built")
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


def validate_checks(built: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Validate the check results dbt computed with the Great Expectations checkpoint (one suite per check of
    the catalogue) and publish Data Docs.

    A failed check is a finding for the maintainers, never a reason to fail the run; only a validation that
    cannot run (no marts, a GX error) fails this step."""
    settings = settings or load_settings()
    validation = expectations.validate_checks(settings.warehouse_path, settings.data_docs_path,
                                              context_dir=settings.gx_context_path)
    log.info("GX checkpoint %s: %d failing and %d incomplete check results; Data Docs at %s",
             validation.run_name, len(validation.failing_check_result_ids),
             len(validation.incomplete_check_result_ids), validation.data_docs_index)
    return validation.to_dict()


def _run_name(upstream: dict[str, Any] | None) -> str:
    """The run's name, which the digest carries: the GX validation run's, passed on by the steps after it."""
    name = (upstream or {}).get("run_name")
    return name or datetime.now(timezone.utc).strftime("manual-%Y%m%dT%H%M%SZ")


def record_findings(validation: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Merge this run's failing check results (and incomplete identities) into the findings history, with
    stable fingerprints, and reload the maintainers' decisions (`REVIEW_DECISIONS_PATH`).

    See pipeline/findings.py. Rerunning on the same warehouse changes nothing but last_seen."""
    settings = settings or load_settings()
    decisions = findings.read_decisions(settings.review_decisions_path)
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        counts = findings.record_findings(con, decisions)
    outcome = {"run_name": _run_name(validation), **counts, "decisions": len(decisions)}
    log.info("findings: %s", outcome)
    return outcome


def notify_maintainers(recorded: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Send ONE digest of the new or reopened findings nobody dismissed through every sink (alerts file,
    webhook, SMTP); nothing new, no digest.

    Delivery is pipeline/notify.py's: digests a sink could not take earlier are sent again first."""
    settings = settings or load_settings()
    run_name = _run_name(recorded)
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        to_alert = findings.findings_to_alert(con)
        digest = build_digest(to_alert, run_name)
        delivery = deliver_from_settings(digest, settings)
        # the file sink is the record: once it holds the digest the findings were alerted; a failed
        # webhook/SMTP delivery stays in the undelivered file and in this step's outcome
        if digest is not None and "file" in delivery["delivered"]:
            findings.mark_alerted(con, [f["fingerprint"] for f in to_alert])
    if delivery["failed"]:
        log.error("findings digest not delivered to %s (kept in %s)", sorted(delivery["failed"]),
                  settings.undelivered_path)
    outcome = {"run_name": run_name, "alerted": len(to_alert) if digest else 0, **delivery}
    log.info("alerts: %s", outcome)
    return outcome


def publish_quality_report(notified: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Write the static HTML quality report (`QUALITY_REPORT_PATH`): agencies × years × check families and
    every open finding with its numbers, source and decision."""
    settings = settings or load_settings()
    data_docs_index = settings.data_docs_path / "index.html"
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        path = write_quality_report(con, settings.quality_report_path, data_docs_index=data_docs_index)
    return {"quality_report": str(path)}


@dataclass(frozen=True)
class Step:
    """One step of a run, as the DAG makes it a task and `rebuild` runs it."""

    run: Callable[..., Any]  # run(what the previous step returned, settings=None); the first: run(settings=None)
    stage: str  # intake: inbox → object storage; warehouse: object storage → warehouse; checks: over the warehouse
    mapped: bool = False  # one task per item of what the previous step returned (dynamic task mapping)
    trigger_rule: str = "all_success"

    @property
    def name(self) -> str:
        return self.run.__name__

    @property
    def doc(self) -> str:
        """The first paragraph of the step's docstring: the task's doc in Airflow."""
        return " ".join((self.run.__doc__ or "").split("\n\n")[0].split())


STEPS: tuple[Step, ...] = (
    Step(discover_documents, "intake"),
    Step(land_raw_files, "intake"),
    Step(extract_documents, "warehouse", mapped=True),
    # none_failed: an empty inbox maps no extraction task, and the warehouse is still built
    Step(load_landing, "warehouse", trigger_rule="none_failed"),
    Step(build_warehouse, "warehouse"),
    Step(validate_checks, "checks"),
    Step(record_findings, "checks"),
    Step(notify_maintainers, "checks"),
    Step(publish_quality_report, "checks"),
)


def stage(name: str) -> tuple[Step, ...]:
    """The steps of one stage, in order."""
    return tuple(step for step in STEPS if step.stage == name)


def run_steps(steps: Iterable[Step], upstream: Any, settings: Settings) -> dict[str, Any]:
    """Run `steps` in order outside Airflow, each on what the one before returned (the first on `upstream`;
    None for the first step of STEPS, which takes nothing); a mapped step runs once per item.
    Returns every step's output by step name, in order."""
    outputs: dict[str, Any] = {}
    for step in steps:
        if upstream is None:
            upstream = step.run(settings=settings)
        elif step.mapped:
            upstream = [step.run(item, settings=settings) for item in upstream]
        else:
            upstream = step.run(upstream, settings=settings)
        outputs[step.name] = upstream
    return outputs
