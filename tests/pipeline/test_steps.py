"""The work of the DAG's tasks, called directly (no Airflow, no dbt): discovery, landing, extraction with
quarantine, idempotent loads into the landing tables, and the run summary before dbt built the marts."""
from __future__ import annotations

import hashlib
import json
import shutil
from contextlib import closing

import duckdb
import pytest

from pipeline import steps, storage
from pipeline.summary import summary
from pipeline.config import PACKAGE_ROOT, load_settings
from tests.support.pipeline_env import SAMPLES_DIR

QIANXINAN = "qianxinan-gxj-2023.txt"


@pytest.fixture
def inbox(tmp_path, monkeypatch, pipeline_env):
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLES_DIR / QIANXINAN, folder / QIANXINAN)
    monkeypatch.setenv("PIPELINE_INBOX", str(folder))
    return folder


def _warehouse_rows(sql, params=()):
    with closing(duckdb.connect(str(load_settings().warehouse_path), read_only=True)) as con:
        return con.execute(sql, list(params)).fetchall()


def _run_to_staging():
    items = steps.discover_documents()
    batches = steps.land_raw_files(items)
    summaries = [steps.extract_documents(batch) for batch in batches]
    return batches, summaries, steps.load_landing(summaries)


def test_the_defaults_put_everything_a_run_writes_under_var(monkeypatch):
    for name in ("WAREHOUSE_PATH", "OBJECT_STORE_PATH", "PIPELINE_INBOX", "ALERTS_PATH", "DATA_DOCS_PATH",
                 "S3_BUCKET", "PROJECT_ROOT", "EXTRACT_BATCH_SIZE", "PIPELINE_VAR_PATH", "FINDINGS_DB_PATH",
                 "QUALITY_REPORT_PATH", "REVIEW_DECISIONS_PATH", "REVIEW_CORRECTIONS_PATH", "PUBLISH_PATH"):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings()

    assert settings.warehouse_path == PACKAGE_ROOT / "var" / "warehouse.duckdb"
    assert settings.object_store_path == PACKAGE_ROOT / "var" / "object-store"
    assert settings.inbox == str(PACKAGE_ROOT / "data" / "samples")
    assert settings.alerts_path == PACKAGE_ROOT / "var" / "alerts.jsonl"
    assert settings.data_docs_path == PACKAGE_ROOT / "var" / "data-docs"
    assert settings.findings_db_path == PACKAGE_ROOT / "var" / "findings.duckdb"
    assert settings.quality_report_path == PACKAGE_ROOT / "var" / "quality-report" / "index.html"
    assert settings.dbt_docs_path == PACKAGE_ROOT / "var" / "quality-report" / "dbt-docs" / "index.html"
    assert settings.publish_path == PACKAGE_ROOT / "var" / "publish"
    assert settings.undelivered_path == PACKAGE_ROOT / "var" / "alerts.undelivered.jsonl"
    assert settings.review_decisions_path == PACKAGE_ROOT / "reviews" / "decisions.csv"
    assert settings.review_corrections_path == PACKAGE_ROOT / "reviews" / "corrections.csv"
    assert settings.batch_size == 10


def test_the_paths_a_run_writes_follow_the_var_folder_unless_set(monkeypatch, tmp_path):
    monkeypatch.setenv("PIPELINE_VAR_PATH", str(tmp_path / "var"))
    monkeypatch.setenv("QUALITY_REPORT_PATH", "elsewhere/report.html")
    for name in ("FINDINGS_DB_PATH", "PROJECT_ROOT", "WAREHOUSE_PATH", "OBJECT_STORE_PATH", "ALERTS_PATH",
                 "DATA_DOCS_PATH", "PUBLISH_PATH"):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings()

    assert settings.findings_db_path == tmp_path / "var" / "findings.duckdb"
    assert settings.warehouse_path == tmp_path / "var" / "warehouse.duckdb"
    assert settings.object_store_path == tmp_path / "var" / "object-store"
    assert settings.alerts_path == tmp_path / "var" / "alerts.jsonl"
    assert settings.data_docs_path == tmp_path / "var" / "data-docs"
    assert settings.publish_path == tmp_path / "var" / "publish"
    assert settings.quality_report_path == PACKAGE_ROOT / "elsewhere" / "report.html"
    assert settings.digests_path == tmp_path / "var" / "digests"
    assert not settings.uses_s3


def test_discovery_takes_the_inbox_files_but_not_subfolders_or_hidden_files(inbox):
    (inbox / ".DS_Store").write_bytes(b"x")
    (inbox / "gold").mkdir()
    (inbox / "gold" / "qianxinan.json").write_text("{}")
    (inbox / "第二份报告.html").write_text("<html></html>", encoding="utf-8")

    assert [(i["name"]) for i in steps.discover_documents()] == [QIANXINAN, "第二份报告.html"]


def test_discovery_of_an_s3_inbox_lists_the_objects_directly_under_the_prefix(s3_bucket, moto_endpoint, monkeypatch,
                                                                              pipeline_env):
    client, bucket = s3_bucket
    for key in ("inbox/a.txt", "inbox/b.pdf", "inbox/archive/old.txt", "elsewhere/c.txt"):
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    monkeypatch.setenv("PIPELINE_INBOX", f"s3://{bucket}/inbox")
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)

    items = steps.discover_documents()
    batches = steps.land_raw_files(items)

    assert [i["name"] for i in items] == ["a.txt", "b.pdf"]
    landed = storage.LocalObjectStore(pipeline_env / "object-store")
    assert sorted(landed.get(o["key"]) for o in batches[0]) == [b"inbox/a.txt", b"inbox/b.pdf"]


def test_identical_documents_land_once_and_are_split_into_batches(inbox, monkeypatch):
    shutil.copy(inbox / QIANXINAN, inbox / "copy-of-qianxinan.txt")
    for name in ("jinchang-gxj-2023.txt", "wuzhong-gxj-2020.txt"):
        shutil.copy(SAMPLES_DIR / name, inbox / name)
    monkeypatch.setenv("EXTRACT_BATCH_SIZE", "2")

    batches = steps.land_raw_files(steps.discover_documents())

    assert [len(b) for b in batches] == [2, 1]
    names = sorted(o["original_name"] for b in batches for o in b)
    assert len(names) == 3 and "wuzhong-gxj-2020.txt" in names and "jinchang-gxj-2023.txt" in names


def test_a_garbage_document_is_quarantined_and_the_rest_of_the_batch_is_extracted(inbox, pipeline_env):
    (inbox / "garbage.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")

    batches, summaries, loaded = _run_to_staging()

    by_name = {s["original_name"]: s for s in summaries[0]}
    assert by_name[QIANXINAN]["status"] == "ok" and by_name[QIANXINAN]["quarantine_key"] is None
    garbage = by_name["garbage.pdf"]
    assert garbage["status"] == "failed"
    store = storage.LocalObjectStore(pipeline_env / "object-store")
    assert store.get(garbage["quarantine_key"]) == b"%PDF-1.4 this is not really a pdf"
    assert store.head(garbage["quarantine_key"])["raw_key"] == garbage["object_key"]
    assert loaded["by_status"] == {"ok": 1, "failed": 1}
    assert _warehouse_rows("select original_name, status, quarantine_key is not null from landing.documents "
                           "order by 1") == [("garbage.pdf", "failed", True), (QIANXINAN, "ok", False)]


def test_the_extraction_result_is_stored_beside_the_raw_document(inbox, pipeline_env):
    _, summaries, _ = _run_to_staging()

    (summary,) = summaries[0]
    result = json.loads(storage.LocalObjectStore(pipeline_env / "object-store").get(summary["result_key"]))
    sha = hashlib.sha256((SAMPLES_DIR / QIANXINAN).read_bytes()).hexdigest()
    assert summary["result_key"] == f"extracted/{storage.extraction_version()}/{sha[:2]}/{sha}.json"
    assert result["object_key"] == f"raw/{sha[:2]}/{sha}"
    assert result["cells"]["t3.new_received.total"] == 1


def test_loading_the_same_results_again_changes_nothing_not_even_loaded_at(inbox):
    _, summaries, first = _run_to_staging()
    before = _warehouse_rows("select * from landing.documents")

    second = steps.load_landing(summaries)

    assert (first["loaded"], second["loaded"], second["unchanged"]) == (1, 0, 1)
    assert _warehouse_rows("select * from landing.documents") == before
    assert _warehouse_rows("select count(*) from landing.cells") == [(200,)]


def _tamper(pipeline_env, extracted, key, delta):
    store = storage.LocalObjectStore(pipeline_env / "object-store")
    result = json.loads(store.get(extracted["result_key"]))
    result["cells"][key] += delta
    store.put(extracted["result_key"], json.dumps(result, ensure_ascii=False).encode())


def test_a_changed_extraction_is_reloaded(inbox, pipeline_env):
    _, summaries, _ = _run_to_staging()
    _tamper(pipeline_env, summaries[0][0], "t3.new_received.total", 4)

    reloaded = steps.load_landing(summaries)

    assert (reloaded["loaded"], reloaded["unchanged"]) == (1, 0)
    assert _warehouse_rows("select value from landing.cells where cell_key = 't3.new_received.total'") == [(5.0,)]


def test_before_dbt_built_the_marts_the_summary_says_the_checks_did_not_run(inbox, pipeline_env):
    _run_to_staging()

    lines = summary(load_settings()).splitlines()

    assert lines[:3] == ["documents: 1 (ok 1); 200 cells",
                         "identity failures: not evaluated (no marts.fct_check_results: dbt did not build the "
                         "warehouse)",
                         "findings: none recorded yet"]


def test_the_steps_run_in_the_order_of_the_list_without_airflow(inbox, pipeline_env):
    outputs = steps.run_steps(steps.STEPS[:4], None, load_settings())

    assert list(outputs) == ["discover_documents", "land_raw_files", "extract_documents", "load_landing"]
    assert [[s["original_name"] for s in batch] for batch in outputs["extract_documents"]] == [[QIANXINAN]]
    assert outputs["load_landing"]["by_status"] == {"ok": 1}
    assert [s.stage for s in steps.STEPS] == ["intake"] * 2 + ["warehouse"] * 4 + ["checks"] * 5


def test_building_the_warehouse_without_a_dbt_project_fails_the_step(pipeline_env, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_PROJECT_DIR", str(tmp_path / "no-project"))

    with pytest.raises(FileNotFoundError, match="no dbt project at .*no-project"):
        steps.build_warehouse({"loaded": 0})
