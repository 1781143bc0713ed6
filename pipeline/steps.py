"""The steps of a run, in order (`STEPS`), each callable without Airflow: the DAG builds its task chain from
this list, `python -m pipeline rebuild` runs the same list from object storage, and tests call the steps.

Each step does one thing and receives what the step before it returned (the DAG passes it as XCom). Values
passed between steps are small JSON-ready dicts (object keys, hashes, statuses, counts): documents and
extraction results travel through object storage, never through XCom.

Who does what: dbt computes every check (marts.fct_check_results); Great Expectations validates those results
and publishes Data Docs (validate_checks); the findings history decides what is new (record_findings); one
notifier sends one digest (notify_maintainers); the quality report shows the totals and the findings to act on
first (publish_quality_report); BI tools read the snapshot of the marts published last (publish_snapshot).

The DAG file imports this module when the scheduler parses it: the libraries that take seconds to import
(great_expectations, duckdb, boto3, the parsers) are imported by the functions that use them, never here.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import expectations
from extract import ExtractOptions, extract_bytes

from . import corrections, findings, one_process, publish, storage
from .config import Settings, load_settings
from .digest import streamed_digest
from .inbox import InboxItem, discover_inbox, read_item, write_skipped
from .landing import ExtractedDocument, _is_lock_conflict, load_stored_results, stored_results_reader
from .messages import DigestCounts
from .notify import deliver_from_settings
from .one_process import LOAD_CHUNK_DOCUMENTS
from .quality_report import write_quality_report

log = logging.getLogger(__name__)


def discover_documents(settings: Settings | None = None) -> list[dict[str, str]]:
    """List the documents waiting in the inbox (`PIPELINE_INBOX`: a folder, or an S3 prefix); what is not a
    document (folders, hidden files, FIFOs, symlinks out of the inbox) is listed in the run summary."""
    settings = settings or load_settings()
    found = discover_inbox(settings)
    write_skipped(settings, found.skipped)
    log.info("inbox %s: %d documents, %d entries skipped", settings.inbox, len(found.items), len(found.skipped))
    return [item.to_dict() for item in found.items]


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def land_raw_files(items: Iterable[dict[str, str]], settings: Settings | None = None) -> list[list[dict[str, Any]]]:
    """Land each new or changed inbox document under its content-addressed key; return the landed documents
    in batches (one mapped extraction task per batch). Identical documents under two names land once;
    inbox files the ledger knows unchanged (same size and mtime, or ETag) are not read again."""
    settings = settings or load_settings()
    store = storage.make_store(settings)
    ledger = storage.InboxLedger(store, settings.inbox)
    items = [InboxItem(**raw) for raw in items]
    progress = Progress("landed", len(items))
    landed: dict[str, dict[str, Any]] = {}
    read = 0
    known = [ledger.landed(item.ledger_entry, item.fingerprint) for item in items]
    if any(obj is None for obj in known):
        # a new or changed document: the warehouse will likely change, and dbt takes seconds to be ready
        _start_dbt_early(settings)
    with storage.WriteBehind(store) as landing_store:  # the ledger, saved after it, names only published objects
        for item, obj in zip(items, known):
            if obj is None:
                try:
                    data = read_item(settings, item)
                except OSError as exc:  # nothing to land: the file vanished or cannot be opened
                    log.error("cannot read inbox document %s: %s", storage.shown_name(item.location), exc)
                    progress.advance(failed=True)
                    continue
                read += 1
                raw_name = bytes.fromhex(item.raw_name_hex) if item.raw_name_hex else None
                obj = storage.land_raw(landing_store, data, item.name, original_name_bytes=raw_name)
                ledger.record(item.ledger_entry, item.fingerprint, obj)
                log.info("%s %r -> %s", "landed" if obj.newly_landed else "already landed", obj.original_name,
                         obj.key)
            landed.setdefault(obj.sha256, obj.to_dict())
            progress.advance()
    ledger.save({item.ledger_entry for item in items})
    log.info("landing: %d inbox documents, %d read (new or changed), %d known unchanged from the ledger",
             len(items), read, len(items) - read)
    run = one_process.current(settings)
    if run is not None:
        run.extraction.expect(list(landed.values()))
    return batches(list(landed.values()), settings.batch_size)


def extract_documents(batch: Iterable[dict[str, Any]], settings: Settings | None = None) -> list[dict[str, Any]]:
    """Extract every landed document of a batch from object storage, once per extractor version: a result
    already stored under extracted/<version>/ is reused (`PIPELINE_FORCE_REEXTRACT` or `python -m pipeline
    reextract` extract again). A document that cannot be read ends with status failed and its raw copied
    under quarantine/; the batch goes on. The returned summaries name each stored result. In a run in one
    process, EXTRACT_PROCESSES processes parse the documents ahead of their batch (one_process.ExtractionAhead)."""
    settings = settings or load_settings()
    options = ExtractOptions.from_env()
    version = storage.extraction_version()
    batch = list(batch)
    progress = Progress("extracted", len(batch))
    summaries = []
    run = one_process.current(settings)
    ahead = run.extraction if run is not None else None
    # the summaries returned (and the load alongside extraction) name only results published by then
    with storage.WriteBehind(storage.make_store(settings)) as store:
        landed_objects = [storage.LandedObject(**raw) for raw in batch]
        result_keys = [storage.extracted_key(landed.sha256, version) for landed in landed_objects]
        # without the run's look-ahead: the batch's stored results, looked up at once (head_many)
        looked_up = ([None] * len(result_keys) if ahead is not None or settings.force_reextract
                     else storage.head_many(store, result_keys))
        for landed, result_key, stored in zip(landed_objects, result_keys, looked_up):
            if ahead is not None:
                stored = ahead.stored(landed, store, version)
            if stored is not None and stored.get("status"):
                summaries.append({"sha256": landed.sha256, "object_key": landed.key, "result_key": result_key,
                                  "original_name": landed.original_name, "status": stored["status"],
                                  "quarantine_key": stored.get("quarantine_key") or None, "reused": True})
                progress.advance(failed=stored["status"] == "failed")
                continue
            _start_dbt_early(settings)
            parsed = ahead.parsed(landed, store, options) if ahead is not None else None
            if parsed is None:
                data = store.get(landed.key)
                result = extract_bytes(data, landed.original_name, options)
            else:
                data, result = parsed
            document = ExtractedDocument(result, landed.key, landed.original_name,
                                         datetime.fromisoformat(landed.arrived_at) if landed.arrived_at else None)
            if result.status == "failed":
                reason = result.failure_reason()
                document.quarantine_key = storage.quarantine(store, landed, data, reason)
                log.warning("quarantined %s (%s): %s", landed.original_name, landed.key, reason)
            store.put(result_key, document.to_json().encode("utf-8"),
                      {"raw_key": landed.key, "status": result.status, "quarantine_key": document.quarantine_key or ""})
            summaries.append({"sha256": landed.sha256, "object_key": landed.key, "result_key": result_key,
                              "original_name": landed.original_name, "status": result.status,
                              "quarantine_key": document.quarantine_key, "reused": False})
            progress.advance(failed=result.status == "failed")
    log.info("extraction (version %s): %d documents, %d extracted, %d results reused", version, len(batch),
             sum(not s["reused"] for s in summaries), sum(s["reused"] for s in summaries))
    if run is not None:
        run.load.add(summaries)
    return summaries


def load_landing(summaries: Iterable[Iterable[dict[str, Any]]] | Iterable[dict[str, Any]],
                 settings: Settings | None = None) -> dict[str, Any]:
    """Land the extraction results named by the summaries (a flat list, or one list per mapped task) in the
    warehouse's landing tables, LOAD_CHUNK_DOCUMENTS results at a time. A reused result that the warehouse
    already holds from the same stored object (`landing.documents.result_key`) is not read at all. In a run in
    one process, the results a load alongside extraction handled are not read again (one_process.EarlyLoad).
    Before a first build, dbt parses its project meanwhile (`dbt_parsing_alongside`)."""
    settings = settings or load_settings()
    flat = _flatten(summaries)
    _forget_checked_warehouse(settings)
    run = one_process.current(settings)
    handled, early_counts = run.load.finish() if run is not None else (set(), None)
    if not settings.warehouse_path.exists() or not all(summary.get("reused") for summary in flat):
        _start_dbt_early(settings)
    rest = [summary for summary in flat if (summary["sha256"], summary["result_key"]) not in handled]
    with dbt_parsing_alongside(settings):
        counts = load_stored_results(settings.warehouse_path, rest, stored_results_reader(storage.make_store(settings)),
                                     settings.warehouse_lock_timeout_seconds, chunk_size=LOAD_CHUNK_DOCUMENTS)
    if early_counts:
        counts = {**counts, **{name: counts[name] + early_counts[name] for name in early_counts}}
        log.info("landing: %d of the results were landed alongside extraction", early_counts["given"])
    statuses: dict[str, int] = {}
    for summary in flat:
        statuses[summary["status"]] = statuses.get(summary["status"], 0) + 1
    return {**counts, "by_status": statuses}


def load_corrections(loaded: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Read the maintainers' corrections (`REVIEW_CORRECTIONS_PATH`), check every line against the landed
    documents and the spec's keys, and land them in landing.corrections for dbt to apply.

    A line that cannot be applied (unknown document or key, a value that is not a number) is logged and
    skipped, with its line number, and the run goes on (pipeline/corrections.py)."""
    settings = settings or load_settings()
    _forget_checked_warehouse(settings)
    outcome = corrections.load_corrections(settings.warehouse_path, settings.review_corrections_path,
                   settings.warehouse_lock_timeout_seconds)
    return {**(loaded or {}), **outcome}


class Progress:
    """Counts a step logs as it goes (documents done of the total, failures so far, time left), every
    EVERY documents and at the end: what a person follows in a task's log or on a terminal."""

    EVERY = 50

    def __init__(self, verb: str, total: int):
        self.verb, self.total, self.done, self.failed = verb, total, 0, 0
        self._clock = time.monotonic
        self._started = self._clock()

    def advance(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        if self.done % self.EVERY == 0 or self.done == self.total:
            elapsed = self._clock() - self._started
            left = elapsed / self.done * (self.total - self.done)
            log.info("%s %d of %d documents, %d failed so far, about %.0f s left", self.verb, self.done,
                     self.total, self.failed, left)


def _flatten(summaries: Iterable[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for entry in summaries:
        if isinstance(entry, dict):
            flat.append(entry)
        else:
            flat.extend(entry)
    return flat


def build_warehouse(loaded: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """`dbt build` over the landing tables: staging → intermediate → marts, with every check of the spec
    computed into marts.fct_check_results, and the models' data tests; then `dbt docs generate`, whose one-page
    site is published next to the quality report.

    dbt runs as a subprocess (in-process dbt keeps the DuckDB file open and breaks later steps). Its output
    goes to var/logs/dbt.log, its artifacts to var/dbt-target (so that runs with different settings do not
    share dbt_project/target, and dbt parses only what changed since the last run); a failing build raises
    with the tail of that log.

    Work in proportion to change: when neither the landing tables nor the dbt project changed since the last
    successful build of this warehouse (`warehouse_inputs`), dbt is not run: it would build the same marts.
    When only the landing tables changed, the build is DATA_ONLY_BUILD (the tables and the tests on what the
    new rows reach; not the views, the seeds and their tests, or the intermediate models' tests) and the docs
    are not generated again: all of those follow from the project alone. The dbt unit tests (fixed inputs, the SQL's
    logic) never run here: they test the project's code, which `make test` does; the data tests check this
    warehouse's rows."""
    settings = settings or load_settings()
    project = settings.dbt_project_dir
    if not dbt_project_present(settings):
        raise FileNotFoundError(f"no dbt project at {project} (DBT_PROJECT_DIR): the warehouse cannot be built")
    run = one_process.current(settings)
    _forget_checked_warehouse(settings)
    project_files = dbt_project_fingerprint(settings)
    inputs = warehouse_inputs(settings, project_files)
    last = _last_build(settings)
    if last is not None and last.inputs == inputs:
        _stop_dbt_started_early(settings)
        _remember_checked_warehouse(settings, inputs)
        log.info("dbt build skipped: the landing tables and the dbt project are those of the last build")
        return {"status": "ok", "log": str(settings.log_path / "dbt.log"), "skipped": True,
                "dbt_docs": str(settings.dbt_docs_path)}
    same_project = last is not None and last.project == project_files
    settings.log_path.mkdir(parents=True, exist_ok=True)
    log_file = settings.log_path / "dbt.log"
    log_file.write_text("", encoding="utf-8")
    seeds_loaded_early = not same_project and run is not None and run.dbt.seeds_loaded(project_files)
    # a changed project computes the incremental models' rows again, as a new one would
    generate_docs = not (same_project and settings.dbt_docs_path.is_file())
    commands = [["build", *(DATA_ONLY_BUILD if same_project else
                            ["--exclude-resource-type=unit_test", "--full-refresh",
                             *(["--exclude", *SEED_NODES, "--indirect-selection=cautious"]
                               if seeds_loaded_early else [])]),
                 # dbt's JSON artefacts (manifest.json, run_results.json) are read by nothing but the docs, and
                 # writing them took a build after ten new documents about 0.2 s (the parse before it 0.5 s)
                 *([] if generate_docs else ["--no-write-json"])]]
    if generate_docs:
        # --no-compile: the build just compiled every node into the manifest the docs are made from
        commands.append(["docs", "generate", "--static", "--no-compile"])
    if run is not None:  # validate_checks runs next in this process
        run.prepared_checkpoint = _prepare_checkpoint_in_background(settings)
    _run_dbt(settings, log_file, *commands)
    _record_build(settings, inputs, project_files)
    _remember_checked_warehouse(settings, inputs)
    if generate_docs:
        _publish_file(settings.var_path / "dbt-target" / "static_index.html", settings.dbt_docs_path)
    return {"status": "ok", "log": str(log_file), "skipped": False, "seeds_loaded": not same_project,
            "dbt_docs": str(settings.dbt_docs_path)}


# A build after only the landing tables changed rebuilds the tables (an incremental one: the rows of the changed
# documents) and runs the data tests on what the new rows reach: the sources, the staging models and the marts
# (what BI reads), and the singular tests. Not again: the views (their SQL is the project's, which did not change,
# and they read the new rows as they are), the seeds and the tests on seeds alone, and the tests on intermediate
# models (the project's internals, between staging and the marts; the marts' own tests cover their keys and
# values), all of which every build of a changed project runs. Cautious indirect selection keeps a test joining a
# mart to a seed.
DATA_ONLY_BUILD = ["--select", "config.materialized:table", "config.materialized:incremental", "resource_type:test",
                   "--exclude", "resource_type:seed", "resource_type:unit_test", "path:seeds",
                   "resource_type:test,path:models/intermediate", "--indirect-selection=cautious"]


# The seeds and the tests on them alone (those in seeds/_seeds.yml): nothing else needs to be built for them, so
# a run in one process loads them while the documents are extracted, before a full build (SEEDS_FIRST). Cautious
# indirect selection: selecting them leaves out, and excluding them keeps, a test joining a model to a seed.
SEED_NODES = ["resource_type:seed", "path:seeds"]
SEEDS_FIRST = ["build", "--select", *SEED_NODES, "--indirect-selection=cautious", "--full-refresh",
               "--exclude-resource-type=unit_test"]


def _prepare_checkpoint_in_background(settings: Settings) -> Future:
    """Set up what validate_checks needs before it reads a row, on a daemon thread at the lowest CPU priority:
    import Great Expectations (about 3.5 s of CPU) and open the GX context with its suites and checkpoint
    (expectations.checkpoint.prepare_checkpoint). While dbt runs in its subprocess this process only waits, so
    when the next step runs in this process too (`python -m pipeline run`) all of it is done by then; at the
    lowest priority the thread takes only CPU time dbt leaves idle. The future holds the PreparedCheckpoint, or
    what failed (the validation then sets them up itself, and logs it)."""
    prepared: Future = Future()

    def prepare() -> None:
        with suppress(OSError, AttributeError):  # per thread on Linux; elsewhere the thread keeps its priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        try:
            from expectations.checkpoint import prepare_checkpoint

            prepared.set_result(prepare_checkpoint(settings.gx_context_path, settings.data_docs_path))
        except BaseException as exc:  # noqa: BLE001 - handed to validate_checks through the future
            prepared.set_exception(exc)

    threading.Thread(target=prepare, name="prepare the GX checkpoint", daemon=True).start()
    return prepared


# One Python process runs the dbt commands of a build in turn: importing dbt takes about 1-3 s, which a second
# `dbt` process (docs generate after build) paid again. It is still a subprocess, because in-process
# dbt-duckdb keeps the warehouse open. The commands come on stdin. A process started early (EarlyDbt) first
# parses the project, and runs the build's commands on that parse; before a full build it also loads the seeds
# (SEEDS_FIRST, once the warehouse is free: the load alongside extraction writes to it too) and says on a line
# of its own whether they loaded (one_process.SEEDS_MARK). The script cannot import this package (dbt's process
# keeps the project off sys.path), so its wait repeats landing._is_lock_conflict's test. Exit status as dbt's
# own: 1 when a command failed, 2 when it raised.
DBT_COMMANDS_SCRIPT = """
import json, sys, time
from dbt.cli.main import dbtRunner
common, early = json.loads(sys.argv[1]), json.loads(sys.argv[2])
manifest = None

def close_the_warehouse():
    # dbt-duckdb keeps its DuckDB database open for the next command
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
    DuckDBConnectionManager.close_all_connections()

if early["parse"]:
    print("$ dbt parse (while the run's earlier steps work)", flush=True)
    parsed = dbtRunner().invoke(["parse", "--no-write-json", *common])
    manifest = parsed.result if parsed.success else None
if early["seeds"]:
    import duckdb
    deadline = time.monotonic() + early["lock_timeout_seconds"]
    free = False
    while not free and time.monotonic() < deadline:
        try:
            duckdb.connect(early["warehouse"]).close()
            free = True
        except duckdb.IOException as problem:
            text = str(problem).lower()
            if not ("lock" in text and ("conflicting" in text or "could not set" in text)):
                break  # not another process holding it: the build will say what is wrong
            time.sleep(0.2)
    print("$ dbt " + " ".join(early["seeds"]) + " (while the run's earlier steps work)", flush=True)
    seeded = free and manifest is not None and dbtRunner(manifest=manifest).invoke([*early["seeds"], *common]).success
    close_the_warehouse()  # or the load could not write
    print(early["mark"] + ("yes" if seeded else "no"), flush=True)
for arguments in json.loads(sys.stdin.read() or "[]"):
    print("$ dbt " + " ".join(arguments), flush=True)
    outcome = dbtRunner(manifest=manifest).invoke([*arguments, *common])
    if not outcome.success:
        if outcome.exception is not None:
            print(f"dbt {arguments[0]} raised {outcome.exception!r}", flush=True)
        sys.exit(1 if outcome.exception is None else 2)
# Python's teardown of dbt's objects takes about half a second, and the build step waits for it: with the
# warehouse closed (written in full) there is nothing left to them, so they are left to the operating system
close_the_warehouse()
import gc
gc.disable()
gc.freeze()
"""


def _dbt_process(settings: Settings, parse_first: bool = False,
                 seeds_first: bool = False) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one dbt process, which runs the dbt commands it reads on stdin (a
    JSON list, each a dbt command line without `dbt`) in order, stopping at the first that fails; with
    `parse_first`, it parses the project before it reads them, and with `seeds_first` (and a parse) it also loads
    the seeds first."""
    project = settings.dbt_project_dir
    env = {**os.environ, "WAREHOUSE_PATH": str(settings.warehouse_path),
           "WAREHOUSE_MEMORY_LIMIT": settings.warehouse_memory_limit}
    # dbt imports any module on sys.path named dbt_*: keep the project root (and its dbt_project/) off it,
    # which -P does for the working directory
    env.pop("PYTHONPATH", None)
    # at debug level dbt's file log (var/logs/dbt/dbt.log) records every statement it sends, which takes about a
    # tenth of a build after new documents; DBT_LOG_LEVEL_FILE=debug (dbt's own setting) brings them back
    if not env.get("DBT_LOG_LEVEL_FILE", "").strip():
        env["DBT_LOG_LEVEL_FILE"] = "info"
    common = ["--project-dir", str(project), "--profiles-dir", str(project), "--log-path",
              str(settings.log_path / "dbt"), "--target-path", str(settings.var_path / "dbt-target")]
    early = {"parse": parse_first, "seeds": SEEDS_FIRST if parse_first and seeds_first else None,
             "warehouse": str(settings.warehouse_path), "mark": one_process.SEEDS_MARK,
             "lock_timeout_seconds": settings.warehouse_lock_timeout_seconds}
    return [sys.executable, "-P", "-c", DBT_COMMANDS_SCRIPT, json.dumps(common), json.dumps(early)], env


def _run_dbt(settings: Settings, log_file: Path, *commands: list[str]) -> None:
    """Run `commands` (each a dbt command line without `dbt`) in order in one dbt process (the one a run
    started early, when there is one: one_process.EarlyDbt), stopping at the first that fails; append their output to
    `log_file`, and raise with its tail when one failed."""
    run = one_process.current(settings)
    completed = run.dbt.run(commands) if run is not None and run.dbt.started else None
    if completed is not None and completed.returncode != 0 and _is_lock_conflict(completed.stdout):
        completed = None  # another process took the warehouse meanwhile: a fresh process waits for it
    if completed is None:
        command, env = _dbt_process(settings)
        completed = _run_dbt_when_the_warehouse_is_free(command, env, settings, json.dumps(commands))
    with log_file.open("a", encoding="utf-8") as fh:
        fh.write(completed.stdout)
    if completed.returncode != 0:
        shown = " && ".join("dbt " + " ".join(arguments) for arguments in commands)
        tail = "\n".join(completed.stdout.splitlines()[-30:])
        raise RuntimeError(f"{shown} failed (exit {completed.returncode}); full log in {log_file}:\n{tail}")


def _start_dbt_early(settings: Settings) -> None:
    """In a run in one process, start build_warehouse's dbt process (one_process.EarlyDbt) if it is not yet;
    when the next build will be a full one (a new warehouse, or a changed project), it loads the seeds too."""
    run = one_process.current(settings)
    if run is not None and not run.dbt.launched and dbt_project_present(settings):
        project_files = _project_of_a_full_build(settings)
        run.dbt.start(*_dbt_process(settings, parse_first=True, seeds_first=project_files is not None),
                      seeds_for=project_files)


def _project_of_a_full_build(settings: Settings) -> str | None:
    """The dbt project's fingerprint when build_warehouse would build this project whole (no build of it
    recorded in the warehouse); None when the next build is a data-only one, or when another process holds the
    warehouse (landing does not wait for it: the build will)."""
    from .landing import WarehouseLockedError

    project_files = dbt_project_fingerprint(settings)
    if settings.warehouse_path.exists():
        try:
            last = _last_build(settings, lock_timeout_seconds=0)
        except WarehouseLockedError:
            return None
        if last is not None and last.project == project_files:
            return None
    return project_files


def _stop_dbt_started_early(settings: Settings) -> None:
    run = one_process.current(settings)
    if run is not None:
        run.dbt.stop()


def dbt_project_present(settings: Settings) -> bool:
    return (settings.dbt_project_dir / "dbt_project.yml").is_file()


PARSED_PROJECT = "partial_parse.msgpack"  # what dbt keeps of its parse in its target path


@contextmanager
def dbt_parsing_alongside(settings: Settings) -> Iterator[None]:
    """Parse the dbt project in a background process for the duration of the block, when dbt has no parse of
    it in var/dbt-target yet (a first build in this var folder): dbt then parses the whole project, about 6 s,
    which needs neither the warehouse nor the landing tables. The load runs in this block, so the build that
    follows finds the project parsed. The block waits for the parse before it ends (an Airflow task leaves
    nothing running behind it); a parse that fails is only logged: the build parses again and reports it."""
    run = one_process.current(settings)
    if (settings.var_path / "dbt-target" / PARSED_PROJECT).is_file() or not dbt_project_present(settings) \
            or (run is not None and run.dbt.started):
        yield
        return
    settings.log_path.mkdir(parents=True, exist_ok=True)
    command, env = _dbt_process(settings)
    with (settings.log_path / "dbt-parse.log").open("w", encoding="utf-8") as output:
        parsing = subprocess.Popen(command, cwd=settings.project_root, env=env, stdin=subprocess.PIPE,
                                   stdout=output, stderr=subprocess.STDOUT, text=True)
        parsing.stdin.write(json.dumps([["parse"]]))
        parsing.stdin.close()
        try:
            yield
        finally:
            if parsing.wait() != 0:
                log.warning("dbt parse failed (exit %d; %s): the build parses the project itself",
                            parsing.returncode, settings.log_path / "dbt-parse.log")


def _publish_file(source: Path, target: Path) -> Path:
    """Copy `source` to `target` through a temporary file and one rename (a reader never sees half of it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    return target


BUILD_STATE = "pipeline_state.dbt_build"  # the inputs of the warehouse's last successful dbt build


def dbt_project_fingerprint(settings: Settings) -> str:
    """A fingerprint of every file of the dbt project (models, seeds, macros, tests, its yml)."""
    import hashlib

    digest = hashlib.sha256()
    storage.add_files_to_digest(digest, settings.dbt_project_dir, skip=("target", "logs", "dbt_packages"))
    return digest.hexdigest()


def warehouse_inputs(settings: Settings, project_files: str | None = None) -> str:
    """A fingerprint of what dbt builds from: the dbt project's files (`dbt_project_fingerprint`) and the
    landing tables (documents and cells counted, and the latest load: a load replaces a document's rows only
    when they changed, stamping them with a new loaded_at; the maintainers' corrections in full)."""
    import hashlib

    from .landing import SCHEMA, connect_for_write, ensure_schema

    digest = hashlib.sha256((project_files or dbt_project_fingerprint(settings)).encode())
    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        ensure_schema(con)
        landing = con.execute(f"select (select count(*) from {SCHEMA}.documents), "
                              f"(select max(loaded_at) from {SCHEMA}.documents), "
                              f"(select count(*) from {SCHEMA}.cells), "
                              f"(select string_agg(c::varchar, '|' order by line_number) "
                              f"from {SCHEMA}.corrections as c)").fetchone()
    digest.update(repr(landing).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class LastBuild:
    inputs: str  # warehouse_inputs of the build
    project: str | None  # dbt_project_fingerprint of the build (None: recorded before it was kept)


def _last_build(settings: Settings, lock_timeout_seconds: float | None = None) -> LastBuild | None:
    from .landing import connect_for_write

    timeout = settings.warehouse_lock_timeout_seconds if lock_timeout_seconds is None else lock_timeout_seconds
    with closing(connect_for_write(settings.warehouse_path, timeout)) as con:
        built = {(s, t) for s, t in con.execute("select table_schema, table_name from information_schema.tables "
                                                 "where table_schema in ('marts', 'pipeline_state')").fetchall()}
        if not {("marts", "fct_check_results"), tuple(BUILD_STATE.split("."))} <= built:
            return None
        columns = {c for (c,) in con.execute("select column_name from information_schema.columns "
                                             "where table_schema = ? and table_name = ?",
                                             BUILD_STATE.split(".")).fetchall()}
        row = con.execute(f"select inputs, {'project' if 'project' in columns else 'null'} "
                          f"from {BUILD_STATE}").fetchone()
    return LastBuild(*row) if row else None


def _last_built_inputs(settings: Settings) -> str | None:
    last = _last_build(settings)
    return last.inputs if last else None


def _record_build(settings: Settings, inputs: str, project_files: str) -> None:
    from .landing import connect_for_write

    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        con.execute("create schema if not exists pipeline_state")
        con.execute(f"create or replace table {BUILD_STATE} as select ?::varchar as inputs, "
                    f"?::varchar as project", [inputs, project_files])


def _run_dbt_when_the_warehouse_is_free(command: list[str], env: dict[str, str], settings: Settings,
                                        commands: str) -> subprocess.CompletedProcess:
    """dbt waits for the warehouse lock as the load does: DuckDB lets one process write, so dbt starts once
    the file can be opened for writing (waiting up to WAREHOUSE_LOCK_TIMEOUT_SECONDS in all), and is
    started again if another process took the lock in between and dbt failed on it."""
    from .landing import connect_for_write

    deadline = time.monotonic() + settings.warehouse_lock_timeout_seconds
    while True:
        connect_for_write(settings.warehouse_path, max(0.0, deadline - time.monotonic())).close()
        completed = subprocess.run(command, cwd=settings.project_root, env=env, input=commands, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if completed.returncode == 0 or not _is_lock_conflict(completed.stdout) or time.monotonic() >= deadline:
            return completed
        log.warning("dbt found the warehouse %s locked by another process; starting it again when it is free",
                    settings.warehouse_path)
        time.sleep(1.0)


def validate_checks(built: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Validate the check results dbt computed with the Great Expectations checkpoint (one suite per check of
    the catalogue) and publish Data Docs.

    A failed check is a finding for the maintainers, never a reason to fail the run; only a validation that
    cannot run (no marts, a GX error) fails this step.

    Work in proportion to change:
      * when the marts were built from the warehouse inputs of the last successful validation (same landing
        tables, dbt project, expectations code, catalogue and Data Docs site, the site's index untouched
        since), nothing is read or validated: that validation's outcome is returned with `skipped: True`;
      * otherwise only the check results that are new or changed since the last successful validation are
        validated (`validated_rows`; the checkpoint does not run when there are none). GX's verdict on every
        row it validated is kept in VALIDATED_ROWS_STATE, and the outcome returned (counts, failing and
        incomplete ids, success) is that of the whole table: the stored verdicts of unchanged rows plus this
        run's. A changed expectations package, GX version, catalogue or Data Docs site, or a Data Docs index
        changed or removed since, makes it a full validation.
    So each run's page in Data Docs lists only the rows that run validated (all of them after a full
    validation); the totals of the current table are in the quality report and marts.fct_check_results."""
    settings = settings or load_settings()
    key = checked_warehouse_key(settings)
    previous = _last_validation(settings, key)
    if previous is not None:
        log.info("GX checkpoint skipped: the check results are those validated by %s", previous["run_name"])
        return {**previous, "skipped": True}
    validator = _validator_key(settings)
    run = one_process.current(settings)
    prepared = run.prepared_checkpoint if run is not None else None
    if run is not None:
        run.prepared_checkpoint = None  # used once: a later validation in this run sets up its own
    validation = expectations.validate_checks(settings.warehouse_path, settings.data_docs_path,
                                              context_dir=settings.gx_context_path,
                                              known=_known_verdicts(settings, validator), prepared=prepared)
    log.info("GX checkpoint %s validated %d new or changed check results (%s); the table has %d failing and %d "
             "incomplete check results; Data Docs at %s", validation.run_name, validation.validated_rows,
             "none: the checkpoint did not run" if not validation.validated_rows else "listed on its Data Docs page",
             len(validation.failing_check_result_ids), len(validation.incomplete_check_result_ids),
             validation.data_docs_index)
    outcome = validation.to_dict()
    _record_validation(settings, key, validator, outcome, validation.row_verdicts)
    return {**outcome, "skipped": False}


VALIDATION_STATE = "pipeline_state.gx_validation"  # the last successful validation: its keys and outcome
VALIDATED_ROWS_STATE = "pipeline_state.gx_validated_rows"  # its verdict on every row of the table


def checked_warehouse_key(settings: Settings) -> str | None:
    """What the check results of this warehouse follow from: its path and inputs (`warehouse_inputs`), when
    its marts were built from exactly those inputs by the last successful `build_warehouse`; None otherwise
    (marts built elsewhere or from other inputs: nothing may be taken as unchanged)."""
    run = one_process.current(settings)
    if run is not None and run.checked_warehouse_key is not None:
        return run.checked_warehouse_key
    if not settings.warehouse_path.exists():
        return None
    built = _last_built_inputs(settings)
    if built is None or built != warehouse_inputs(settings):
        return None
    return _checked_key(settings, built)


def _checked_key(settings: Settings, built_inputs: str) -> str:
    import hashlib

    return hashlib.sha256(f"{settings.warehouse_path.resolve()}\0{built_inputs}".encode()).hexdigest()


def _remember_checked_warehouse(settings: Settings, built_inputs: str) -> None:
    """In a run in one process, keep `checked_warehouse_key` of marts just built (or kept) from `built_inputs`:
    nothing else writes the landing tables or the marts until the run's steps are done (`python -m pipeline run`
    holds var/pipeline.lock), so the steps after the build need not read the warehouse again to know it."""
    run = one_process.current(settings)
    if run is not None:
        run.checked_warehouse_key = _checked_key(settings, built_inputs)


def _forget_checked_warehouse(settings: Settings) -> None:
    run = one_process.current(settings)
    if run is not None:
        run.checked_warehouse_key = None


def _validator_key(settings: Settings) -> str:
    """What a verdict on a row follows from besides the row: the expectations package's code, the check
    catalogue its suites are made from, GX's version, and where the context and Data Docs are."""
    import hashlib

    from importlib.metadata import version

    from extract import check_catalogue

    gx_version = version("great_expectations")  # not `import great_expectations`: that alone takes seconds
    digest = hashlib.sha256(f"{gx_version}\0{settings.data_docs_path.resolve()}\0"
                            f"{settings.gx_context_path.resolve()}\0".encode())
    storage.add_files_to_digest(digest, Path(expectations.__file__).parent, "*.py")
    digest.update(b"catalogue\0" + Path(check_catalogue.__file__).read_bytes())
    return digest.hexdigest()


def _validation_key(settings: Settings, warehouse_key: str, validator: str | None = None) -> str:
    """The warehouse's key and the validator's (`_validator_key`)."""
    import hashlib

    validator = validator or _validator_key(settings)
    return hashlib.sha256(f"{warehouse_key}\0{validator}".encode()).hexdigest()


def _data_docs_digest(settings: Settings) -> str | None:
    import hashlib

    index = settings.data_docs_path / "index.html"
    return hashlib.sha256(index.read_bytes()).hexdigest() if index.is_file() else None


def _stored_validation(con) -> dict[str, Any] | None:
    """The row of VALIDATION_STATE as a dict (None when there is none; an older layout lacks some keys)."""
    exists = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                         "and table_name = ?", VALIDATION_STATE.split(".")).fetchone()[0]
    if not exists:
        return None
    cursor = con.execute(f"select * from {VALIDATION_STATE}")
    row = cursor.fetchone()
    return None if row is None else dict(zip([column[0] for column in cursor.description], row))


def _last_validation(settings: Settings, warehouse_key: str | None) -> dict[str, Any] | None:
    """The outcome of the last successful validation, when it validated these very check results and its
    Data Docs index is still the one it wrote; None when the checkpoint must run."""
    import json

    from .landing import connect_for_write

    if warehouse_key is None:
        return None
    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        stored = _stored_validation(con)
    if stored is None or stored["key"] != _validation_key(settings, warehouse_key):
        return None
    if stored["data_docs"] is None or stored["data_docs"] != _data_docs_digest(settings):
        return None
    return json.loads(stored["outcome"])


def _known_verdicts(settings: Settings, validator: str):
    """GX's verdicts on the rows the last successful validation saw, when they came from the same validator
    and its Data Docs index is still the one it wrote; None otherwise (every row is validated)."""
    from expectations.verdicts import KNOWN_COLUMNS

    from .landing import connect_for_write

    if not settings.warehouse_path.exists():
        return None
    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        stored = _stored_validation(con)
        if stored is None or stored.get("validator") != validator or stored["data_docs"] is None \
                or stored["data_docs"] != _data_docs_digest(settings):
            return None
        # the verdicts and their digests: a later validation finds verdicts by digest, and does not need the ids
        # (half a million strings at 10,000 reports)
        return con.execute(f"select {', '.join(KNOWN_COLUMNS)} from {VALIDATED_ROWS_STATE}").df()


def _record_validation(settings: Settings, warehouse_key: str | None, validator: str, outcome: dict[str, Any],
                       row_verdicts) -> None:
    """Keep the validation's keys, outcome and verdicts, in one transaction. Without a warehouse key (marts
    built elsewhere) no run may be skipped as a whole, but the verdicts still hold for their rows."""
    import json

    from .landing import connect_for_write

    key = _validation_key(settings, warehouse_key, validator) if warehouse_key is not None else None
    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        con.execute("begin transaction")
        con.execute("create schema if not exists pipeline_state")
        con.execute(f"create or replace table {VALIDATION_STATE} as select ?::varchar as key, "
                    f"?::varchar as outcome, ?::varchar as data_docs, ?::varchar as validator",
                    [key, json.dumps(outcome, sort_keys=True), _data_docs_digest(settings), validator])
        con.register("row_verdicts", row_verdicts)
        con.execute(f"create or replace table {VALIDATED_ROWS_STATE} as select * from row_verdicts")
        con.unregister("row_verdicts")
        con.execute("commit")


def _run_name(upstream: dict[str, Any] | None) -> str:
    """The run's name, which the digest carries: the GX validation run's, passed on by the steps after it."""
    name = (upstream or {}).get("run_name")
    return name or datetime.now(timezone.utc).strftime("manual-%Y%m%dT%H%M%SZ")


def record_findings(validation: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Merge this run's failing check results (and incomplete identities) into the findings history, with
    stable fingerprints, and reload the maintainers' decisions (`REVIEW_DECISIONS_PATH`).

    See pipeline/findings.py. Rerunning on the same warehouse changes nothing but last_seen; when the check
    results are those merged last time (`checked_warehouse_key`), the merge is skipped (`merged: False`) and
    only last_seen and the decisions are refreshed."""
    settings = settings or load_settings()
    decisions = findings.read_decisions(settings.review_decisions_path)
    warehouse_key = checked_warehouse_key(settings)
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path,
                                             settings.in_process_memory_limit)) as con:
        counts = findings.record_findings(con, decisions, warehouse_key=warehouse_key)
    outcome = {"run_name": _run_name(validation), **counts, "decisions": len(decisions)}
    log.info("findings: %s", outcome)
    return outcome


def notify_maintainers(recorded: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Send ONE digest of the new or reopened findings nobody dismissed through every sink (alerts file,
    webhook, SMTP); nothing new, no digest.

    Memory does not grow with the findings: the digest's counts are aggregated in SQL, and its lines and alerts
    are read from the findings database in batches for each sink (pipeline/digest.py `streamed_digest`).
    Delivery is pipeline/notify.py's: digests a sink could not take earlier are sent again first."""
    settings = settings or load_settings()
    run_name = _run_name(recorded)
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path,
                                             settings.in_process_memory_limit)) as con:
        digest = streamed_digest(
            run_name, DigestCounts.of_agencies(*findings.counts_to_alert(con)),
            findings_in_digest_order=lambda: findings.iter_findings_to_alert(con, findings.DIGEST_ORDER),
            findings_in_alert_order=lambda: findings.iter_findings_to_alert(con),
            fingerprints=lambda: findings.iter_fingerprints_to_alert(con))
        delivery = deliver_from_settings(digest, settings)
        # the file sink is the record: once it holds the digest the findings were alerted (the findings to
        # alert are still those it wrote: nothing else changes the findings database meanwhile); a failed
        # webhook/SMTP delivery stays in the undelivered file and in this step's outcome
        if digest is not None and "file" in delivery["delivered"]:
            findings.mark_findings_to_alert_alerted(con)
    if delivery["failed"]:
        log.error("findings digest not delivered to %s (kept in %s)", sorted(delivery["failed"]),
                  settings.undelivered_path)
    outcome = {"run_name": run_name, "alerted": digest.alert_count if digest else 0, **delivery}
    log.info("alerts: %s", outcome)
    return outcome


def publish_quality_report(notified: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Write the static HTML quality report (`QUALITY_REPORT_PATH`): pictures of the check results and of the
    applications over the years, agencies × years × check families, and the open findings (at most
    quality_report.MOST_FINDINGS_LISTED, failures first) with their numbers, decision and a picture of where they
    sit in their source documents (read from object storage).

    Work in proportion to change: when the check results, the findings (last_seen aside), the code and the
    settings are those of the last report written, and that file is still the one written, the report is not
    rendered again and that outcome is returned with `skipped: True`."""
    settings = settings or load_settings()
    data_docs_index = settings.data_docs_path / "index.html"
    key = _publication_key(settings, "quality_report", [
        settings.quality_report_path.resolve(), data_docs_index.resolve(), data_docs_index.is_file(),
        settings.dbt_docs_path.resolve(), settings.dbt_docs_path.is_file()])
    previous = _last_publication(settings, "quality_report", key)
    if previous is not None:
        log.info("quality report skipped: its check results and findings are those of the one at %s",
                 previous["quality_report"])
        return {**previous, "skipped": True}
    store = storage.make_store(settings)
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path,
                                             settings.in_process_memory_limit)) as con:
        path = write_quality_report(con, settings.quality_report_path, data_docs_index=data_docs_index,
                                    dbt_docs_index=settings.dbt_docs_path, read_raw=store.get,
                                    drawn_views=settings.var_path / "cache" / "source-views.json")
    outcome = {"quality_report": str(path)}
    if key is not None:
        _record_publication(settings, "quality_report", key, outcome)
    return {**outcome, "skipped": False}


def publish_snapshot(reported: dict[str, Any] | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Publish the marts, reference tables and findings for BI tools (`PUBLISH_PATH`): one Parquet file each
    and a DuckDB catalog of views over them that DuckDB 1.x opens, swapped in at once, so readers see the
    previous snapshot or this one and never block a run; with S3, the files also go under publish/.

    See pipeline/publish.py. Skipped (the last snapshot's outcome returned with `skipped: True`) when the marts,
    the findings (last_seen aside), the code and the settings are those of the snapshot published last and its
    files are still there unchanged."""
    settings = settings or load_settings()
    key = _publication_key(settings, "snapshot", [
        settings.publish_path.absolute(), settings.uses_s3, settings.s3_bucket, settings.s3_prefix,
        settings.s3_endpoint_url])
    previous = _last_publication(settings, "snapshot", key)
    if previous is not None:
        log.info("BI snapshot skipped: the marts and findings are those of snapshot %s", previous["snapshot_id"])
        return {**previous, "skipped": True}
    snapshot = publish.publish_snapshot(settings.warehouse_path, settings.publish_path, settings.findings_db_path,
                                        settings.in_process_memory_limit)
    outcome = snapshot.to_dict()
    if settings.uses_s3:
        outcome["uploaded"] = publish.upload_snapshot(storage.make_store(settings), snapshot)
    if key is not None:
        _record_publication(settings, "snapshot", key, outcome)
    return {**outcome, "skipped": False}


PUBLICATION_STATE = "pipeline_state.publications"  # per publication: its inputs' key, outcome, files' digest


def _publication_key(settings: Settings, name: str, shaping: list[Any]) -> str | None:
    """What a publication follows from: the checked warehouse (`checked_warehouse_key`; None, nothing may be
    taken as unchanged), the findings as published (`findings.published_state`), the code of the pipeline and
    extract packages (the quality report draws with both), DuckDB's version and `shaping`, the settings that
    shape it."""
    import hashlib
    from importlib.metadata import version

    warehouse_key = checked_warehouse_key(settings)
    if warehouse_key is None:
        return None
    digest = hashlib.sha256(f"{name}\0{warehouse_key}\0{version('duckdb')}\0{storage.extraction_version()}\0"
                            f"{_findings_state(settings)}\0{shaping!r}\0".encode())
    storage.add_files_to_digest(digest, Path(__file__).parent, "*.py")
    return digest.hexdigest()


def _findings_state(settings: Settings) -> str | None:
    if not settings.findings_db_path.exists():
        return None
    with closing(findings.open_findings_db(settings.findings_db_path, None)) as con:
        return findings.published_state(con)


def _published_digest(name: str, outcome: dict[str, Any]) -> str | None:
    """A digest of the files a publication wrote, as its outcome names them; None when one is missing (or
    PUBLISH_PATH points at another snapshot)."""
    import hashlib

    if name == "quality_report":
        files = [Path(outcome["quality_report"])]
    else:
        snapshot = Path(outcome["publish_path"]).resolve()
        if snapshot.name != outcome["snapshot_id"]:
            return None
        files = sorted(path for path in snapshot.rglob("*") if path.is_file())
    digest = hashlib.sha256()
    for path in files:
        if not path.is_file():
            return None
        digest.update(str(path).encode() + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def _last_publication(settings: Settings, name: str, key: str | None) -> dict[str, Any] | None:
    """The outcome of the last publication `name`, when it was made from these very inputs and its files are
    still the ones it wrote; None when it must be made again."""
    import json

    from .landing import connect_for_write

    if key is None:
        return None
    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        exists = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                             "and table_name = ?", PUBLICATION_STATE.split(".")).fetchone()[0]
        row = con.execute(f"select key, outcome, files from {PUBLICATION_STATE} where name = ?",
                          [name]).fetchone() if exists else None
    if row is None or row[0] != key:
        return None
    outcome = json.loads(row[1])
    if row[2] is None or row[2] != _published_digest(name, outcome):
        return None
    return outcome


def _record_publication(settings: Settings, name: str, key: str, outcome: dict[str, Any]) -> None:
    import json

    from .landing import connect_for_write

    files = _published_digest(name, outcome)
    with closing(connect_for_write(settings.warehouse_path, settings.warehouse_lock_timeout_seconds)) as con:
        con.execute("create schema if not exists pipeline_state")
        con.execute(f"create table if not exists {PUBLICATION_STATE} (name varchar primary key, key varchar, "
                    "outcome varchar, files varchar)")
        con.execute(f"insert or replace into {PUBLICATION_STATE} values (?, ?, ?, ?)",
                    [name, key, json.dumps(outcome, sort_keys=True), files])


@dataclass(frozen=True)
class Step:
    """One step of a run, as the DAG makes it a task and `rebuild` runs it."""

    run: Callable[..., Any]  # run(what the previous step returned, settings=None); the first: run(settings=None)
    stage: str  # intake: inbox → object storage; warehouse: object storage → warehouse; checks: over the
    # warehouse (validation, findings, alerts, the quality report and the snapshot published for BI tools)
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
    Step(load_corrections, "warehouse"),
    Step(build_warehouse, "warehouse"),
    Step(validate_checks, "checks"),
    Step(record_findings, "checks"),
    Step(notify_maintainers, "checks"),
    Step(publish_quality_report, "checks"),
    Step(publish_snapshot, "checks"),
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
