"""Nothing lost, nobody let in: a run on S3 (moto over HTTP) with fake AWS keys and a webhook URL holding a
token (the webhook down); then `python -m pipeline rebuild` from the raw objects alone rebuilds the marts
row for row; and neither secret appears in any log, alert, undelivered alert, object or the warehouse."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.support.pipeline_env import PIPELINE_ENV_VARS, ROOT, SAMPLES_DIR

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ACCESS_KEY_ID = "AKIAFAKE7Q3XZ9KEYID1"
SECRET_ACCESS_KEY = "fAkE/s3cr3t+9d8f7e6a5b4c3d2e1f0AbCdEfGh"
WEBHOOK_TOKEN = "xoxb-T0KEN-5e1f0c9a7b"
CORPUS = ROOT / "tests" / "data" / "dev-corpus" / "cases"

# Every step of a DAG run, logging as `python -m pipeline` does (into var/logs/pipeline.log); prints the
# identity breaches the digest carried and the sinks that failed.
RUN_STEPS = r"""
from pipeline import steps
from pipeline.__main__ import output_to
from pipeline.config import load_settings
from pipeline.findings import open_findings_db

settings = load_settings()
with output_to(settings.log_path / "pipeline.log", quiet=True):
    outputs = steps.run_steps(steps.STEPS, None, settings)
con = open_findings_db(settings.findings_db_path, None)
breaches = con.execute("select count(*) from fct_findings where check_code like 'identity_%' "
                       "and result = 'fail' and alerted_at is not null").fetchone()[0]
print(breaches, sorted(outputs["notify_maintainers"]["failed"]))
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        marts = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [table]).fetchall() if c != "loaded_at"]
            marts[table] = con.execute(f'select {", ".join(columns)} from marts."{table}" order by all').fetchall()
    return marts


@pytest.fixture(scope="module")
def pipeline_on_s3(tmp_path_factory, moto_endpoint):
    import boto3

    tmp = tmp_path_factory.mktemp("secrets")
    inbox = tmp / "inbox"
    inbox.mkdir()
    shutil.copy(CORPUS / "pingtan-gaj-2021" / "source.txt", inbox / "pingtan-gaj-2021.txt")  # 2 breaches
    for name in ("wuzhong-gxj-2020.txt", "qianxinan-gxj-2023.txt"):
        shutil.copy(SAMPLES_DIR / name, inbox / name)
    (inbox / "empty.txt").write_bytes(b"")  # quarantined
    bucket = f"secrets-{os.getpid()}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    var = tmp / "var"
    env = {k: v for k, v in os.environ.items()
           if k not in PIPELINE_ENV_VARS and not k.startswith(("AIRFLOW", "AWS_"))}
    env.update(PYTHONPATH=str(ROOT), PIPELINE_INBOX=str(inbox), PIPELINE_VAR_PATH=str(var),
               WAREHOUSE_PATH=str(var / "warehouse.duckdb"), ALERTS_PATH=str(var / "alerts.jsonl"),
               DATA_DOCS_PATH=str(var / "data-docs"), S3_BUCKET=bucket, S3_PREFIX="reports",
               S3_ENDPOINT_URL=moto_endpoint, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, AWS_DEFAULT_REGION="us-east-1",
               ALERT_WEBHOOK_URL=f"http://127.0.0.1:{_closed_port()}/services/{WEBHOOK_TOKEN}?token={WEBHOOK_TOKEN}",
               NOTIFY_RETRIES="2", NOTIFY_RETRY_DELAY_SECONDS="0", DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    done = subprocess.run([sys.executable, "-c", RUN_STEPS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert done.stdout.split() == ["2", "['webhook']"]  # two breaches; the webhook is down
    return var, env, bucket, done.stdout + done.stderr


def test_rebuild_from_the_raw_objects_gives_the_same_marts_row_for_row(pipeline_on_s3):
    var, env, _, _ = pipeline_on_s3
    original = _marts(var / "warehouse.duckdb")
    (var / "warehouse.duckdb").unlink()  # lost: only the raw objects remain

    done = subprocess.run([sys.executable, "-m", "pipeline", "rebuild"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)

    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert done.stdout.splitlines()[0] == "rebuilt the warehouse from 4 raw documents"
    rebuilt = _marts(var / "warehouse.duckdb")
    assert sorted(rebuilt) == sorted(original) and len(original) >= 3
    assert sum(len(rows) for rows in original.values()) > 100
    for table, rows in original.items():
        assert rebuilt[table] == rows, table


def test_no_credential_or_token_is_written_anywhere(pipeline_on_s3, moto_endpoint):
    import boto3

    var, env, bucket, output = pipeline_on_s3
    secrets = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, WEBHOOK_TOKEN)
    written = [p for p in var.rglob("*") if p.is_file()]
    assert {"pipeline.log", "alerts.jsonl", "alerts.undelivered.jsonl", "warehouse.duckdb"} <= {p.name for p in written}
    for path in written:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret} in {path}"
    assert not any(secret in output for secret in secrets)
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    for obj in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        stored = client.get_object(Bucket=bucket, Key=obj["Key"])
        blob = stored["Body"].read() + repr(stored["Metadata"]).encode()
        assert not any(secret.encode() in blob for secret in secrets), obj["Key"]
    # the webhook failure itself was recorded, host only
    assert "127.0.0.1" in (var / "alerts.undelivered.jsonl").read_text(encoding="utf-8")
