"""Fan-out on a real engine: the DAG under the CeleryExecutor of the compose stack, its backing services from
the system's packages on 127.0.0.1 (tests/support/backing_services.py): PostgreSQL as Airflow's metadata DB and
Celery's result backend, Redis as the broker. The scheduler, dag-processor and api-server run as in the
scheduler test (tests/support/airflow_services.py), plus two Celery workers of one process each. The run is
triggered through the REST API; its mapped extraction batches must have run on both workers, and the warehouse
must equal the one `make run` (`python -m pipeline run`, in-process) builds from the same inbox.

Two workers on one machine stand for two machines: each reports its own hostname (`[core] hostname_callable`),
which is what the API shows for the task instances it ran."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import closing

import pytest

from tests.support.airflow_services import HOSTNAME_VARIABLE, AirflowServices, Component
from tests.support.backing_services import PostgresCluster, RedisServer
from tests.support.paths import DEV_CASES_DIR, ROOT, SAMPLES_DIR
from tests.support.pipeline_env import service_pipeline_settings

# the services and two workers take minutes to start on a busy 2-core machine
pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(2400),
              pytest.mark.needs("redis-server", "postgresql")]

DAG_ID = "transparency_reports"
SAMPLE_NAMES = sorted(p.name for p in SAMPLES_DIR.glob("*.txt"))
# a real report whose printed 表三 does not add up: the run has a finding and an alert to agree on
BREACHING = DEV_CASES_DIR / "pingtan-gaj-2021" / "source.txt"
WORKERS = ("worker-a", "worker-b")
BATCH_SIZE = 1  # 6 documents: 6 mapped extraction tasks for two workers
HOSTNAME_CALLABLE = "tests.support.airflow_services.hostname_from_environment"


def _worker(name: str) -> Component:
    # one task at a time: a busy worker takes no second message (Airflow prefetches one per process and acks
    # late), so queued batches go to the idle worker
    return Component(name, ("celery", "worker", "--celery-hostname", name, "--concurrency", "1",
                            "--skip-serve-logs"),
                     env={HOSTNAME_VARIABLE: name, "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE})


def _make_run(inbox, tmp, reviews):
    """`python -m pipeline run` (what `make run` calls) over the inbox, in a process of its own with its own
    Airflow home (SQLite), started now and read later."""
    var = tmp / "make-run"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "S3_", "PIPELINE_", "WAREHOUSE"))}
    env.update(_settings(inbox, var, reviews))
    log = (tmp / "make-run.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    log.close()
    return process, var


def _settings(inbox, var, reviews) -> dict[str, str]:
    return {**service_pipeline_settings(inbox, var, reviews, batch_size=BATCH_SIZE),
            "REVIEW_CORRECTIONS_PATH": str(reviews / "corrections.csv")}


@pytest.fixture(scope="module")
def celery_run(tmp_path_factory):
    """One run triggered through the API under the CeleryExecutor with two workers, and `make run` over the same
    inbox; returns what the tests inspect."""
    tmp = tmp_path_factory.mktemp("celery")
    inbox, reviews = tmp / "inbox", tmp / "reviews"
    inbox.mkdir()
    reviews.mkdir()
    for name in SAMPLE_NAMES:
        shutil.copy(SAMPLES_DIR / name, inbox / name)
    shutil.copy(BREACHING, inbox / "pingtan-gaj-2021.txt")
    make_run, make_run_var = _make_run(inbox, tmp, reviews)
    var = tmp / "var"
    try:
        with PostgresCluster() as postgres, RedisServer() as redis:
            celery = {
                "AIRFLOW__CELERY__BROKER_URL": redis.url,
                "AIRFLOW__CELERY__RESULT_BACKEND": postgres.url("db+postgresql+psycopg2"),
            }
            services = AirflowServices(tmp / "airflow", {**_settings(inbox, var, reviews), **celery},
                                       executor="CeleryExecutor", sql_alchemy_conn=postgres.url("postgresql+psycopg2"),
                                       components=[("scheduler", "--skip-serve-logs"), ("dag-processor",),
                                                   ("api-server",), *map(_worker, WORKERS)])
            with services as airflow:
                for worker in WORKERS:
                    airflow.wait_for_log(worker, f"celery@{worker} ready.")
                run_id = airflow.trigger(DAG_ID)
                run = airflow.wait_for_run(DAG_ID, run_id, timeout=1500)
                outcome = {"run": run, "task_instances": airflow.task_instances(DAG_ID, run_id),
                           "logs": airflow.log_tails(), "metadata_rows": _metadata_rows(postgres, run_id),
                           "scheduler_log": (airflow.home / "scheduler.log").read_text(encoding="utf-8",
                                                                                       errors="replace")}
            outcome["left_running"] = airflow.still_running()
            # read once the workers have stopped: a task's state reaches the API before its worker logs the end
            outcome["worker_logs"] = {w: (airflow.home / f"{w}.log").read_text(encoding="utf-8", errors="replace")
                                      for w in WORKERS}
        outcome["backing_left_running"] = [p.args[0] for p in (postgres.process, redis.process)
                                            if p is not None and p.poll() is None]
        make_run.wait(timeout=1500)
    finally:
        if make_run.poll() is None:
            make_run.kill()
            make_run.wait()
    outcome.update(var=var, warehouse=var / "warehouse.duckdb", make_run_returncode=make_run.returncode,
                   make_run_output=(tmp / "make-run.log").read_text(encoding="utf-8", errors="replace"),
                   make_run_warehouse=make_run_var / "warehouse.duckdb")
    return outcome


def _metadata_rows(postgres: PostgresCluster, run_id: str) -> dict[str, int]:
    """What Airflow wrote to PostgreSQL about the run: its task instances, by state."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=postgres.port, user=postgres.user, dbname=postgres.database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select state, count(*) from task_instance where dag_id = %s and run_id = %s group by state",
                           (DAG_ID, run_id))
            return dict(cursor.fetchall())
    finally:
        connection.close()


def _extractions(celery_run) -> list[dict]:
    return sorted((ti for ti in celery_run["task_instances"] if ti["task_id"] == "extract_documents"),
                  key=lambda ti: ti["map_index"])


def _marts(warehouse) -> tuple[dict[str, list], set[str]]:
    """Every marts table, its rows sorted, without the columns that record when a run happened (timestamps:
    when a document arrived, when it was loaded); returns those tables and the columns left out."""
    import duckdb

    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        columns = con.execute("select table_name, column_name, data_type from information_schema.columns "
                              "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
        kept: dict[str, list[str]] = {}
        left_out = set()
        for table, column, data_type in columns:
            if data_type.upper().startswith("TIMESTAMP"):
                left_out.add(f"{table}.{column}")
            else:
                kept.setdefault(table, []).append(column)
        return ({table: sorted(map(repr, con.execute(
                    f'select {", ".join(chr(34) + c + chr(34) for c in names)} from marts."{table}"').fetchall()))
                 for table, names in kept.items()}, left_out)


def test_the_run_under_the_celery_executor_succeeds(celery_run):
    assert celery_run["run"]["state"] == "success", (celery_run["task_instances"], celery_run["logs"])
    assert "for executor: CeleryExecutor(" in celery_run["scheduler_log"]
    # the metadata the API serves is PostgreSQL's
    assert celery_run["metadata_rows"] == {"success": len(celery_run["task_instances"])}
    assert celery_run["run"]["run_type"] == "manual"
    assert {ti["state"] for ti in celery_run["task_instances"]} == {"success"}


def _finished_workloads(worker_log: str) -> set[str]:
    """The task instance ids a Celery worker's log says it ran to the end."""
    return set(re.findall(r"Workload finished\b.*?\bworkload_id=([0-9a-f-]{36})", worker_log))


def test_the_extraction_batches_ran_on_both_workers(celery_run):
    extractions = _extractions(celery_run)
    assert [ti["map_index"] for ti in extractions] == list(range(6))  # 6 documents, batches of 1
    assert {ti["hostname"] for ti in extractions} == set(WORKERS)
    # every task went through a Celery worker, none ran anywhere else, and the worker the API names is the one
    # whose own log shows the task instance finished there (and only there)
    finished = {worker: _finished_workloads(celery_run["worker_logs"][worker]) for worker in WORKERS}
    assert sum(map(len, finished.values())) == len(celery_run["task_instances"])
    for ti in celery_run["task_instances"]:
        assert ti["hostname"] in WORKERS, ti
        assert [w for w in WORKERS if ti["id"] in finished[w]] == [ti["hostname"]], ti


def test_the_warehouse_equals_the_one_make_run_builds(celery_run):
    assert celery_run["make_run_returncode"] == 0, celery_run["make_run_output"]
    marts, left_out = _marts(celery_run["warehouse"])
    reference, reference_left_out = _marts(celery_run["make_run_warehouse"])
    assert left_out == reference_left_out
    assert all(column.endswith("_at") for column in left_out), left_out
    assert marts == reference
    assert len(marts["fct_reports"]) == 6 and marts["fct_identity_checks"]  # not two empty warehouses


def test_stopping_ends_every_process_it_started(celery_run):
    assert celery_run["left_running"] == []
    assert celery_run["backing_left_running"] == []
