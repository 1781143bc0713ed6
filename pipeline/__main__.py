"""`python -m pipeline run` (what `make run` calls) and `python -m pipeline rebuild`.

run      runs the real Airflow DAG once over the inbox (`dag.test()`, local SQLite metadata DB under
         var/airflow), then prints a short summary. Airflow, dbt and GX output goes to var/logs/pipeline.log.
rebuild  rebuilds the warehouse from the raw documents already in object storage (no inbox, no Airflow):
         the warehouse steps of pipeline/steps.py (extraction, landing, dbt) run into a new DuckDB file that
         replaces the old one only when they all succeeded; then the check steps (validation, findings,
         digest, quality report, the snapshot BI tools read) run over it, as in a DAG run. Stored extraction
         results of the current extractor version are reused.
reextract  a rebuild that extracts every raw document again, replacing its stored result.

One command at a time: each holds var/pipeline.lock while it runs; a second one is refused with a message
naming the first (exit status 75).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import logging
import os
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from . import one_process, steps, storage
from .airflow_local import configure_environment, run_dag_once
from .config import Settings, SettingsError, load_settings
from .summary import summary

log = logging.getLogger(__name__)


@contextlib.contextmanager
def output_to(log_file: Path, quiet: bool) -> Iterator[None]:
    """Send logging, and (when quiet) everything written to stdout/stderr by this process and its
    subprocesses, to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    if not quiet:
        try:
            yield
        finally:
            root.removeHandler(handler)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_file, "a", encoding="utf-8") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            root.removeHandler(handler)


def _log_header(log_file: Path, command: str) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a", encoding="utf-8") as fh:
        fh.write(f"\n===== python -m pipeline {command} at {datetime.now(timezone.utc).isoformat()} =====\n")


EXIT_ANOTHER_RUN = 75  # EX_TEMPFAIL: try again when the other run is over


class AnotherRunError(RuntimeError):
    """Another `python -m pipeline` command holds the run lock."""


@contextlib.contextmanager
def one_run_at_a_time(settings: Settings, command: str) -> Iterator[None]:
    """Hold the run lock (an flock on var/pipeline.lock, released by the kernel if the process dies) for the
    duration of a command; refuse at once, naming the holder, when another command holds it."""
    path = settings.run_lock_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise AnotherRunError(f"another pipeline command is running ({holder}); this one did not start. "
                                  f"Wait for it to finish and run again (lock: {path}).") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"python -m pipeline {command}, pid {os.getpid()}, "
                   f"started {datetime.now(timezone.utc).replace(microsecond=0).isoformat()}")
        lock.flush()
        try:
            yield
        finally:
            lock.seek(0)
            lock.truncate()
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(settings: Settings, quiet: bool = True) -> int:
    configure_environment(settings.var_path / "airflow", settings.project_root / "dags")
    log_file = settings.log_path / "pipeline.log"
    _log_header(log_file, "run")
    try:
        # dag.test() runs the tasks in this process: build_warehouse's dbt process can start early
        with output_to(log_file, quiet), one_process.steps_in_one_process(settings):
            dag_run = run_dag_once(settings.project_root / "dags")
            states = {ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
                      for ti in dag_run.get_task_instances()}
    except Exception as exc:
        with log_file.open("a", encoding="utf-8") as fh:
            traceback.print_exc(file=fh)
        print(f"the pipeline could not run: {type(exc).__name__}: {exc}\nsee {log_file}", file=sys.stderr)
        return 1
    state = str(dag_run.state)
    print(f"DAG run {dag_run.run_id}: {state}")
    bad = {task: s for task, s in states.items() if s not in ("success", "skipped")}
    for task, task_state in sorted(bad.items()):
        print(f"  task {task}: {task_state}")
    if bad:
        print(f"  the task logs are in {log_file}")
    print(summary(settings))
    return 0 if state in ("success", "DagRunState.SUCCESS") else 1


def rebuild(settings: Settings, reextract: bool = False) -> int:
    target = settings.warehouse_path
    building = target.with_name(target.name + ".rebuild")
    building.unlink(missing_ok=True)
    work = dataclasses.replace(settings, warehouse_path=building, force_reextract=reextract or settings.force_reextract)
    log_file = settings.log_path / "pipeline.log"
    _log_header(log_file, "reextract" if reextract else "rebuild")
    with output_to(log_file, quiet=True):
        try:
            # the raw documents are already in object storage: the intake steps have nothing to do
            landed = [obj.to_dict() for obj in storage.landed_from_store(storage.make_store(settings))]
            with one_process.steps_in_one_process(work) as run:
                run.extraction.expect(landed)
                built = steps.run_steps(steps.stage("warehouse"), steps.batches(landed, work.batch_size), work)
        except Exception as exc:
            log.exception("rebuild failed")
            failure = f"the rebuild failed, the warehouse was left as it was: {type(exc).__name__}: {exc}"
        else:
            os.replace(building, target)
            log.info("rebuilt %s", target)
            try:
                steps.run_steps(steps.stage("checks"), [*built.values()][-1], settings)
                failure = None
            except Exception as exc:
                log.exception("the checks after the rebuild failed")
                failure = f"the warehouse was rebuilt, but its checks failed: {type(exc).__name__}: {exc}"
    if failure:
        print(f"{failure}\nsee {log_file}", file=sys.stderr)
        return 1
    print(f"rebuilt the warehouse from {len(landed)} raw documents" + (", every one extracted again" if reextract else ""))
    print(summary(settings))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the DAG once over the inbox")
    run_parser.add_argument("--verbose", action="store_true", help="show Airflow's output instead of logging it")
    sub.add_parser("rebuild", help="rebuild the warehouse from the raw documents in object storage")
    sub.add_parser("reextract", help="rebuild the warehouse, extracting every raw document again")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 78  # EX_CONFIG
    try:
        with one_run_at_a_time(settings, args.command):
            if args.command == "run":
                return run(settings, quiet=not args.verbose)
            return rebuild(settings, reextract=args.command == "reextract")
    except AnotherRunError as exc:
        print(exc, file=sys.stderr)
        return EXIT_ANOTHER_RUN


if __name__ == "__main__":
    sys.exit(main())
