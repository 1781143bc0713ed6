"""The real DAG, run with `dag.test()` over the bundled samples plus two unreadable files and a report whose
printed sums do not add up, with raw objects in S3 (moto's server over HTTP), the warehouse in a temp DuckDB
file, dbt as a subprocess, the GX checkpoint, the findings and one digest. Then a second run, which must leave
the warehouse identical and send nothing."""
from __future__ import annotations

import hashlib
import json
import shutil
from contextlib import closing
from urllib.parse import unquote

import pytest

from tests.support.pipeline_env import ROOT, SAMPLES_DIR, configure_pipeline_env, load_dag

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GARBAGE = bytes(range(256)) * 4
SAMPLE_NAMES = sorted(p.name for p in SAMPLES_DIR.glob("*.txt"))
# a real report whose printed 表三 does not add up (identity 1, columns natural_person and total: 1 != 2)
BREACHING = ROOT / "tests" / "data" / "dev-corpus" / "cases" / "pingtan-gaj-2021" / "source.txt"


def _gold(name: str) -> dict:
    return json.loads((SAMPLES_DIR / "gold" / (name.rsplit(".", 1)[0] + ".json")).read_text(encoding="utf-8"))


def _snapshot(warehouse) -> dict[str, list]:
    """Every table of the warehouse, rows sorted: what "identical" means for a rerun."""
    import duckdb

    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "order by 1, 2").fetchall()
        return {f"{schema}.{table}": sorted(map(repr, con.execute(f'select * from "{schema}"."{table}"').fetchall()))
                for schema, table in tables}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, moto_endpoint, airflow_db):
    """Two DAG runs over the same inbox; yields what the tests inspect."""
    import boto3

    monkeypatch = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("e2e")
    inbox = tmp / "inbox"
    shutil.copytree(SAMPLES_DIR, inbox)  # gold/ comes along: discovery must not take it for documents
    (inbox / "empty-report.txt").write_bytes(b"")
    (inbox / "garbage.bin").write_bytes(GARBAGE)
    shutil.copy(BREACHING, inbox / "pingtan-gaj-2021.txt")

    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="reports")
    var = configure_pipeline_env(tmp, monkeypatch)
    monkeypatch.setenv("PIPELINE_INBOX", str(inbox))
    monkeypatch.setenv("S3_BUCKET", "reports")
    monkeypatch.setenv("S3_PREFIX", "e2e")
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("EXTRACT_BATCH_SIZE", "3")

    dag = load_dag("transparency_reports")
    first = dag.test()
    first_states = {(ti.task_id, ti.map_index): str(ti.state) for ti in first.get_task_instances()}
    first_snapshot = _snapshot(var / "warehouse.duckdb")
    first_alerts = (var / "alerts.jsonl").read_text(encoding="utf-8")
    second = dag.test()
    yield {"first": first, "first_states": first_states, "first_snapshot": first_snapshot, "second": second,
           "first_alerts": first_alerts,
           "var": var, "client": client, "warehouse": var / "warehouse.duckdb"}
    monkeypatch.undo()


def _query(warehouse, sql, params=()):
    import duckdb

    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return con.execute(sql, list(params)).fetchall()


def test_both_runs_succeed_and_extraction_was_mapped_over_batches(runs):
    assert str(runs["first"].state) == "success"
    assert str(runs["second"].state) == "success"
    assert set(runs["first_states"].values()) == {"success"}
    # 8 documents in batches of 3
    assert sorted(i for t, i in runs["first_states"] if t == "extract_documents") == [0, 1, 2]


def test_every_sample_is_staged_with_the_cells_of_its_gold_file(runs):
    staged = _query(runs["warehouse"], "select original_name, status, agency, year, template, count(c.cell_key) "
                                       "from landing.documents d left join landing.cells c using (document_hash) "
                                       "where original_name like '%-gxj-%' group by all order by 1")

    expected = [(name, "ok", _gold(name)["agency"], _gold(name)["year"], _gold(name)["template"],
                 len(_gold(name)["cells"])) for name in SAMPLE_NAMES]
    assert staged == expected
    for name in SAMPLE_NAMES:
        cells = dict(_query(runs["warehouse"], "select cell_key, value from landing.cells join landing.documents "
                                               "using (document_hash) where original_name = ?", [name]))
        assert cells == {k: (None if v is None else float(v)) for k, v in _gold(name)["cells"].items()}, name


def test_the_marts_hold_the_reports_and_their_application_counts(runs):
    warehouse = runs["warehouse"]
    assert _query(warehouse, "select application_count from marts.fct_application_outcomes "
                             "where agency = '黔西南州工业和信息化局' and year = 2023 "
                             "and outcome = 'new_received' and applicant_type = 'total'") == [(1.0,)]
    assert _query(warehouse, "select template from marts.fct_reports where agency = '吴忠市工业和信息化局' "
                             "and year = 2020") == [("2019",)]
    reports_ok = _query(warehouse, "select count(*) from marts.fct_reports where status = 'ok'")
    assert reports_ok == [(len(SAMPLE_NAMES) + 1,)]


def test_raw_objects_are_content_addressed_in_s3_with_name_and_arrival(runs):
    client = runs["client"]
    data = (SAMPLES_DIR / "qianxinan-gxj-2023.txt").read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    head = client.head_object(Bucket="reports", Key=f"e2e/raw/{sha[:2]}/{sha}")
    obj = client.get_object(Bucket="reports", Key=f"e2e/raw/{sha[:2]}/{sha}")["Body"].read()

    assert obj == data
    assert unquote(head["Metadata"]["original_name"]) == "qianxinan-gxj-2023.txt"
    assert unquote(head["Metadata"]["arrived_at"]).startswith("20")
    assert _query(runs["warehouse"], "select object_key from landing.documents where original_name = ?",
                  ["qianxinan-gxj-2023.txt"]) == [(f"raw/{sha[:2]}/{sha}",)]
    raw_keys = [o["Key"] for o in client.list_objects_v2(Bucket="reports", Prefix="e2e/raw/")["Contents"]]
    assert len(raw_keys) == len(SAMPLE_NAMES) + 3  # no gold JSON was landed


@pytest.mark.parametrize("name, data, reason", [
    ("empty-report.txt", b"", "empty"),
    ("garbage.bin", GARBAGE, None),
], ids=["an empty file", "a binary file"])
def test_an_unreadable_document_fails_with_its_reason_and_is_quarantined(runs, name, data, reason):
    client = runs["client"]
    sha = hashlib.sha256(data).hexdigest()

    ((status, issues_json, quarantine_key),) = _query(
        runs["warehouse"], "select status, issues_json, quarantine_key from landing.documents "
                           "where original_name = ?", [name])

    issues = json.loads(issues_json)
    assert status == "failed"
    assert quarantine_key == f"quarantine/{sha[:2]}/{sha}"
    if reason:
        assert issues[0]["code"] == reason
    head = client.head_object(Bucket="reports", Key=f"e2e/{quarantine_key}")
    assert unquote(head["Metadata"]["reason"]).startswith(issues[0]["code"] + ": ")
    assert client.get_object(Bucket="reports", Key=f"e2e/{quarantine_key}")["Body"].read() == data


def test_a_second_run_leaves_the_warehouse_identical(runs):
    assert _snapshot(runs["warehouse"]) == runs["first_snapshot"]
    assert runs["first_snapshot"]["landing.documents"]  # not two empty warehouses


def test_the_run_wrote_data_docs_of_every_check_and_the_quality_report(runs):
    from extract.check_catalogue import CHECKS

    index = (runs["var"] / "data-docs" / "index.html").read_text(encoding="utf-8")
    assert all(check.code in index for check in CHECKS)
    report = (runs["var"] / "quality-report" / "index.html").read_text(encoding="utf-8")
    assert "平潭综合实验区公安局" in report


def test_a_printed_sum_that_does_not_add_up_is_alerted_once_and_the_report_is_still_loaded(runs):
    sha = hashlib.sha256(BREACHING.read_bytes()).hexdigest()
    alerts = [json.loads(line) for line in runs["first_alerts"].splitlines()]
    breaches = [a for a in alerts if a["identity"] in (1, 2, 3, 4) and a["severity"] == "failure"]

    assert sorted((a["agency"], a["year"], a["identity"], a["check_code"], a["scope_kind"], a["scope"], a["lhs"],
                   a["rhs"], a["object_key"]) for a in breaches) == [
        ("平潭综合实验区公安局", 2021, 1, "identity_1", "column", "natural_person", 1.0, 2.0, f"raw/{sha[:2]}/{sha}"),
        ("平潭综合实验区公安局", 2021, 1, "identity_1", "column", "total", 1.0, 2.0, f"raw/{sha[:2]}/{sha}"),
    ]
    # every alert of the first run came in its one digest: one record, one webhook/mail message
    digests = [json.loads(line) for line in (runs["var"] / "digests" / "digests.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert [d["kind"] for d in digests] == ["findings"]
    assert {a["run_id"] for a in alerts} == {digests[0]["run_id"]}
    assert sorted(digests[0]["fingerprints"]) == sorted(a["alert_id"] for a in alerts)
    assert _query(runs["warehouse"], "select status from landing.documents where document_hash = ?",
                  [sha]) == [("ok",)]
    # the second run found the same breaches and did not alert again
    assert (runs["var"] / "alerts.jsonl").read_text(encoding="utf-8") == runs["first_alerts"]
