"""`python -m pipeline run` (what `make run` calls) and `python -m pipeline rebuild`.

run      runs the real Airflow DAG once over the inbox (`dag.test()`, local SQLite metadata DB under
         var/airflow), then prints a short summary. Airflow, dbt and GX output goes to var/logs/pipeline.log.
rebuild  rebuilds the warehouse from the raw documents already in object storage (no inbox, no Airflow):
         extraction, staging, dbt and the identity checks run into a new DuckDB file that replaces the old
         one only when everything succeeded.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import sys
from contextlib import closing
from pathlib import Path
from typing import Iterator

from .config import Settings, load_settings


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


def _has_table(settings: Settings, schema: str, table: str) -> bool:
    import duckdb

    if not settings.warehouse_path.exists():
        return False
    with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
        return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? "
                                "and table_name = ?", [schema, table]).fetchone()[0])


def identity_line(settings: Settings) -> str:
    """Identity failures as the warehouse records them (marts.fct_identity_checks, identities 1-5), or as
    the staging tables give them (identities 1-4) before dbt built the marts."""
    import duckdb

    from .steps import identity_findings

    if _has_table(settings, "marts", "fct_identity_checks"):
        with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
            counts = dict(con.execute("select result, count(*) from marts.fct_identity_checks group by result")
                          .fetchall())
            documents = con.execute("select count(distinct document_hash) from marts.fct_identity_checks "
                                    "where result = 'fail'").fetchone()[0]
            return (f"identity failures: {counts.get('fail', 0)} in {documents} document(s) "
                    f"({sum(counts.values())} evaluated, {counts.get('incomplete', 0)} incomplete)")
    findings = identity_findings(settings.warehouse_path)
    documents = len({f["document_hash"] for f in findings})
    return f"identity failures: {len(findings)} in {documents} document(s) (staging, identities 1-4)"


def summary(settings: Settings) -> str:
    import json

    import duckdb

    lines = []
    if _has_table(settings, "landing", "documents"):
        with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
            by_status = con.execute("select status, count(*) from landing.documents group by status "
                                    "order by status").fetchall()
            failed = con.execute("select original_name, issues_json from landing.documents "
                                 "where status = 'failed' order by original_name").fetchall()
            cells = con.execute("select count(*) from landing.cells").fetchone()[0]
        total = sum(n for _, n in by_status)
        statuses = " (" + ", ".join(f"{s} {n}" for s, n in by_status) + ")" if by_status else ""
        lines.append(f"documents: {total}{statuses}; {cells} cells")
        for name, issues_json in failed:
            issues = json.loads(issues_json or "[]")
            reason = issues[0]["message"] if issues else "unknown"
            lines.append(f"  failed: {reason if reason.startswith(name) else name + ': ' + reason}")
        lines.append(identity_line(settings))
        lines.extend(findings_lines(settings))
    else:
        lines.append("no documents were staged")
    raw_store = f"s3://{settings.s3_bucket}/{settings.s3_prefix}" if settings.uses_s3 else settings.object_store_path
    lines += [
        f"warehouse:  {settings.warehouse_path}",
        f"raw store:  {raw_store}",
        f"data docs:  {_data_docs_index(settings)}",
        f"alerts:     {settings.alerts_path}" if settings.alerts_path.exists() else
        f"alerts:     none yet (nothing new to alert; {settings.alerts_path} and "
        f"{settings.var_path / 'digests'} appear when a run finds something)",
        *([f"digests:    {settings.var_path / 'digests'}"] if (settings.var_path / "digests").exists() else []),
        f"quality:    {_quality_report(settings)}",
        f"log:        {settings.log_path / 'pipeline.log'}",
    ]
    return "\n".join(lines)


def findings_lines(settings: Settings) -> list[str]:
    """Open findings per check (pipeline/findings.py), the lines `make run` prints."""
    from .review import findings_lines as lines

    return lines(settings)


def _quality_report(settings: Settings) -> Path:
    from .review import quality_report_path

    return quality_report_path(settings)


def _data_docs_index(settings: Settings) -> Path:
    index = settings.data_docs_path / "index.html"
    return index if index.is_file() else settings.data_docs_path


def _log_header(log_file: Path, command: str) -> None:
    from datetime import datetime, timezone

    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a", encoding="utf-8") as fh:
        fh.write(f"\n===== python -m pipeline {command} at {datetime.now(timezone.utc).isoformat()} =====\n")


def run(settings: Settings, quiet: bool = True) -> int:
    from .airflow_local import configure_environment

    configure_environment(settings.var_path / "airflow", settings.project_root / "dags")
    log_file = settings.log_path / "pipeline.log"
    _log_header(log_file, "run")
    try:
        with output_to(log_file, quiet):
            from .airflow_local import run_dag_once

            dag_run = run_dag_once(settings.project_root / "dags")
            states = {ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
                      for ti in dag_run.get_task_instances()}
    except Exception as exc:
        import traceback

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


def rebuild(settings: Settings) -> int:
    from . import steps, storage

    target = settings.warehouse_path
    building = target.with_name(target.name + ".rebuild")
    building.unlink(missing_ok=True)
    work = dataclasses.replace(settings, warehouse_path=building)
    store = storage.make_store(settings)
    log_file = settings.log_path / "pipeline.log"
    _log_header(log_file, "rebuild")
    try:
        with output_to(log_file, quiet=True):
            landed = [obj.to_dict() for obj in storage.landed_from_store(store)]
            summaries = [steps.extract_documents(batch, work) for batch in steps.batches(landed, work.batch_size)]
            steps.load_staging(summaries, work)
            steps.dbt_build(work)
            validation = steps.validate_identities(work)
            logging.getLogger(__name__).info("rebuild finished in %s", building)
    except Exception as exc:
        logging.getLogger(__name__).exception("rebuild failed")
        print(f"the rebuild failed, the warehouse was left as it was: {type(exc).__name__}: {exc}\n"
              f"see {log_file}", file=sys.stderr)
        return 1
    os.replace(building, target)
    steps.notify_maintainers(validation, settings)
    print(f"rebuilt the warehouse from {len(landed)} raw documents")
    print(summary(settings))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the DAG once over the inbox")
    run_parser.add_argument("--verbose", action="store_true", help="show Airflow's output instead of logging it")
    sub.add_parser("rebuild", help="rebuild the warehouse from the raw documents in object storage")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "run":
        return run(settings, quiet=not args.verbose)
    return rebuild(settings)


if __name__ == "__main__":
    sys.exit(main())
