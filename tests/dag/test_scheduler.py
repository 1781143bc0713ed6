"""The DAG under Airflow's real services, as an operator runs it: `airflow db migrate`, then the scheduler
(LocalExecutor, one worker per core), the dag-processor and the api-server on 127.0.0.1, each its own process
(tests/support/airflow_services.py). The run is triggered and followed through the public REST API only; the
tasks run in processes the executor starts, so the pipeline's settings reach them through the environment,
as in a deployment."""
from __future__ import annotations

import json
import shutil
from contextlib import closing

import pytest

from tests.support.airflow_services import AirflowServices
from tests.support.paths import DEV_CASES_DIR, SAMPLES_DIR
from tests.support.pipeline_env import service_pipeline_settings

# starting the services takes minutes on a busy 2-core machine: more than the default per-test limit
pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.e2e, pytest.mark.timeout(2400)]

DAG_ID = "transparency_reports"
SAMPLE_NAMES = sorted(p.name for p in SAMPLES_DIR.glob("*.txt"))
# a real report whose printed 表三 does not add up (identity 1, columns natural_person and total: 1 != 2)
BREACHING = DEV_CASES_DIR / "pingtan-gaj-2021" / "source.txt"


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory):
    """One run of the DAG triggered through the API under the real scheduler, then stopped; returns what the tests inspect."""
    tmp = tmp_path_factory.mktemp("scheduler")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name in SAMPLE_NAMES:
        shutil.copy(SAMPLES_DIR / name, inbox / name)
    shutil.copy(BREACHING, inbox / "pingtan-gaj-2021.txt")
    var = tmp / "var"
    pipeline = service_pipeline_settings(inbox, var, reviews=tmp, batch_size=3)
    with AirflowServices(tmp / "airflow", pipeline) as airflow:
        run_id = airflow.trigger(DAG_ID)
        workers = []
        run = airflow.wait_for_run(DAG_ID, run_id, timeout=1200,
                                   while_waiting=lambda: workers.append(airflow.local_executor_workers()))
        outcome = {"run": run, "tasks": airflow.task_states(DAG_ID, run_id), "var": var,
                   "warehouse": var / "warehouse.duckdb", "most_workers": max(workers, default=0),
                   "parallelism": airflow.parallelism, "logs": airflow.log_tails()}
    outcome["stopped"], outcome["left_running"] = len(airflow.stopped), airflow.still_running()
    return outcome


def _query(warehouse, sql, params=()):
    import duckdb

    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_triggered_run_succeeds_with_extraction_mapped_over_batches(scheduled):
    assert scheduled["run"]["state"] == "success", (scheduled["tasks"], scheduled["logs"])
    assert scheduled["run"]["run_type"] == "manual"
    assert set(scheduled["tasks"].values()) == {"success"}
    # 6 documents in batches of 3
    assert sorted(t for t in scheduled["tasks"] if t.startswith("extract_documents")) == [
        "extract_documents[0]", "extract_documents[1]"]


def test_the_executor_ran_no_more_workers_than_the_cores(scheduled):
    assert 1 <= scheduled["most_workers"] <= scheduled["parallelism"]


def test_stopping_ends_every_process_the_components_started(scheduled):
    assert scheduled["stopped"] >= 3 + 1  # three components and at least one executor worker
    assert scheduled["left_running"] == []


def test_the_warehouse_holds_every_document_and_the_marts(scheduled):
    warehouse = scheduled["warehouse"]
    staged = _query(warehouse, "select original_name, status from landing.documents order by 1")
    assert staged == [(name, "ok") for name in sorted([*SAMPLE_NAMES, "pingtan-gaj-2021.txt"])]
    assert _query(warehouse, "select count(*) from marts.fct_reports where status = 'ok'") == [(6,)]
    assert _query(warehouse, "select application_count from marts.fct_application_outcomes "
                             "where agency = '黔西南州工业和信息化局' and year = 2023 "
                             "and outcome = 'new_received' and applicant_type = 'total'") == [(1.0,)]
    gold = json.loads((SAMPLES_DIR / "gold" / "qianxinan-gxj-2023.json").read_text(encoding="utf-8"))
    cells = _query(warehouse, "select count(*) from landing.cells join landing.documents using (document_hash) "
                              "where original_name = 'qianxinan-gxj-2023.txt'")
    assert cells == [(len(gold["cells"]),)]


def test_the_breach_is_a_finding_and_alerted_through_the_file_sink(scheduled):
    failures = _query(scheduled["warehouse"], "select agency, year, identity, scope from marts.fct_identity_checks "
                                              "where result = 'fail' order by scope")
    assert failures == [("平潭综合实验区公安局", 2021, 1, "natural_person"), ("平潭综合实验区公安局", 2021, 1, "total")]
    alerts = [json.loads(line) for line in (scheduled["var"] / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((a["check_code"], a["scope"]) for a in alerts if a["severity"] == "failure") == [
        ("identity_1", "natural_person"), ("identity_1", "total")]
    assert (scheduled["var"] / "data-docs" / "index.html").is_file()
