"""Run the real DAG once, in this process, with a throwaway-grade local Airflow (SQLite metadata DB).

Airflow reads its configuration when it is first imported, so `configure_environment` must run before any
`import airflow`.
"""
from __future__ import annotations

import os
from pathlib import Path

DAG_ID = "transparency_reports"


def configure_environment(airflow_home: Path, dags_folder: Path) -> None:
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(airflow_home)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{airflow_home / 'airflow.db'}"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")  # into var/logs/pipeline.log, not the terminal
    # a failing task in a local one-off run should fail now, not wait for a retry
    os.environ.setdefault("PIPELINE_TASK_RETRIES", "0")


def migrate_db() -> None:
    """Create the metadata DB, or upgrade it to this Airflow's schema (a no-op when current)."""
    from airflow.utils import db

    db.initdb()


def load_dag(dags_folder: Path, dag_id: str = DAG_ID):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder))  # examples are off: AIRFLOW__CORE__LOAD_EXAMPLES=False
    if bag.import_errors:
        raise RuntimeError(f"the DAG folder has import errors: {bag.import_errors}")
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise RuntimeError(f"no DAG {dag_id!r} in {dags_folder}")
    return dag


def run_dag_once(dags_folder: Path, dag_id: str = DAG_ID):
    """`dag.test()`: one DAG run, tasks executed in this process. Returns the DagRun."""
    migrate_db()
    return load_dag(dags_folder, dag_id).test()
