"""Fixtures of the pipeline and DAG tests: a real S3 (moto's server over HTTP), a pipeline environment in a
temp dir, and a fresh Airflow metadata DB.

Airflow computes its DAGs folder when first imported: this module points it at the project's `dags/`
before any test imports airflow (tests/conftest.py already set AIRFLOW_HOME and a SQLite DB).
"""
from __future__ import annotations

import json
import os
import uuid

import pytest

from tests.support.paths import DAGS_DIR, ROOT, SAMPLES_DIR  # noqa: F401  (re-exported for the tests)

os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_DIR))
os.environ.setdefault("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([{
    "name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
    "kwargs": {"path": str(DAGS_DIR)}}]))

PIPELINE_ENV_VARS = (
    "PIPELINE_INBOX", "WAREHOUSE_PATH", "OBJECT_STORE_PATH", "ALERTS_PATH", "DATA_DOCS_PATH", "PIPELINE_VAR_PATH",
    "EXTRACT_BATCH_SIZE", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL", "S3_AIRFLOW_CONN_ID", "ALERT_WEBHOOK_URL",
    "SMTP_HOST", "SMTP_PORT", "SMTP_TO", "PIPELINE_TASK_RETRIES", "FINDINGS_DB_PATH", "QUALITY_REPORT_PATH",
    "PUBLISH_PATH", "REVIEW_DECISIONS_PATH", "REVIEW_CORRECTIONS_PATH", "WAREHOUSE_MEMORY_LIMIT", "EXTRACT_PROCESSES",
)


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3 API on 127.0.0.1 (moto's threaded server), with throwaway credentials."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    yield f"http://{host}:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3_bucket(moto_endpoint):
    """A new, empty bucket on the moto server; returns (client, bucket name)."""
    import boto3

    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.fixture
def pipeline_env(tmp_path, monkeypatch):
    """Pipeline settings that write only under tmp_path/var; returns that folder."""
    return configure_pipeline_env(tmp_path, monkeypatch)


def configure_pipeline_env(tmp_path, monkeypatch):
    for name in PIPELINE_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    var = tmp_path / "var"
    monkeypatch.setenv("PIPELINE_VAR_PATH", str(var))
    monkeypatch.setenv("WAREHOUSE_PATH", str(var / "warehouse.duckdb"))
    monkeypatch.setenv("OBJECT_STORE_PATH", str(var / "object-store"))
    monkeypatch.setenv("ALERTS_PATH", str(var / "alerts.jsonl"))
    monkeypatch.setenv("DATA_DOCS_PATH", str(var / "data-docs"))
    # no corrections unless a test writes some: the checkout's reviews/corrections.csv names real documents
    monkeypatch.setenv("REVIEW_CORRECTIONS_PATH", str(tmp_path / "reviews" / "corrections.csv"))
    monkeypatch.setenv("NOTIFY_RETRY_DELAY_SECONDS", "0")
    monkeypatch.setenv("PIPELINE_TASK_RETRIES", "0")
    return var


def service_pipeline_settings(inbox, var, reviews, batch_size: int) -> dict[str, str]:
    """The pipeline's settings for tasks that run in processes an executor starts (they reach them through the
    environment, as in a deployment): everything under `var`, the review files under `reviews`, no S3, no
    remote alert sink, no retries."""
    return {
        "PROJECT_ROOT": str(ROOT), "PYTHONPATH": str(ROOT),
        "PIPELINE_INBOX": str(inbox), "PIPELINE_VAR_PATH": str(var), "WAREHOUSE_PATH": str(var / "warehouse.duckdb"),
        "OBJECT_STORE_PATH": str(var / "object-store"), "ALERTS_PATH": str(var / "alerts.jsonl"),
        "DATA_DOCS_PATH": str(var / "data-docs"), "FINDINGS_DB_PATH": str(var / "findings.duckdb"),
        "QUALITY_REPORT_PATH": str(var / "quality-report" / "index.html"),
        "REVIEW_DECISIONS_PATH": str(reviews / "decisions.csv"),
        "EXTRACT_BATCH_SIZE": str(batch_size), "PIPELINE_TASK_RETRIES": "0", "NOTIFY_RETRY_DELAY_SECONDS": "0",
        "S3_BUCKET": "", "S3_ENDPOINT_URL": "", "S3_AIRFLOW_CONN_ID": "", "ALERT_WEBHOOK_URL": "", "SMTP_HOST": "",
    }


@pytest.fixture(scope="session")
def airflow_db():
    """A fresh Airflow metadata DB, once per test session."""
    from airflow.utils import db

    db.resetdb()
    yield


def load_dag(dag_id: str = "transparency_reports"):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    return bag.dags[dag_id]  # get_dag() would also consult the metadata DB
