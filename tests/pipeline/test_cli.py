"""`python -m pipeline run` (what `make run` calls) and `python -m pipeline rebuild`, as subprocesses with
their own Airflow home: quiet output, a summary that tells the truth, and a rebuild from object storage."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.support.pipeline_env import ROOT, SAMPLES_DIR

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

SUMMARY_PATHS = {"warehouse", "raw store", "data docs", "alerts", "digests", "quality", "log"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    inbox = tmp / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES_DIR / "wuzhong-gxj-2020.txt", inbox)
    (inbox / "empty.txt").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "S3_", "PIPELINE_", "WAREHOUSE"))}
    env.update(PYTHONPATH=str(ROOT), PIPELINE_INBOX=str(inbox), PIPELINE_VAR_PATH=str(tmp / "var"),
               WAREHOUSE_PATH=str(tmp / "var" / "warehouse.duckdb"), OBJECT_STORE_PATH=str(tmp / "var" / "store"),
               ALERTS_PATH=str(tmp / "var" / "alerts.jsonl"), DATA_DOCS_PATH=str(tmp / "var" / "data-docs"))
    return tmp / "var", env


def _pipeline(env, *args):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def _documents(warehouse):
    with closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        return con.execute("select original_name, status, template from landing.documents order by 1").fetchall()


def test_run_prints_a_short_summary_and_logs_the_rest(project):
    var, env = project

    done = _pipeline(env, "run")

    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(": success")
    assert "documents: 2 (failed 1, ok 1); 198 cells" in lines
    assert any(line.startswith("  failed: empty.txt: the file is empty") for line in lines)
    assert any(line.startswith("identity failures: 0 in 0 document(s)") for line in lines)
    assert f"warehouse:  {var / 'warehouse.duckdb'}" in lines
    assert len(lines) <= 14 and done.stderr == ""  # a screenful: the details go to the log
    printed = dict(line.split(":", 1) for line in lines if line.split(":", 1)[0] in SUMMARY_PATHS)
    assert set(printed) == SUMMARY_PATHS - {"digests"}  # nothing new to alert: no digest folder either
    assert printed["alerts"].strip().startswith("none yet (nothing new to alert")
    assert not (var / "alerts.jsonl").exists() and not (var / "digests").exists()
    for label, path in printed.items():
        assert label == "alerts" or Path(path.strip()).exists(), (label, path)  # every path shown is there
    assert (var / "airflow" / "airflow.db").is_file()
    assert "quarantined empty.txt" in (var / "logs" / "pipeline.log").read_text(encoding="utf-8")
    assert _documents(var / "warehouse.duckdb") == [("empty.txt", "failed", None),
                                                    ("wuzhong-gxj-2020.txt", "ok", "2019")]


def test_rebuild_restores_a_lost_warehouse_from_the_raw_objects(project):
    var, env = project
    before = _documents(var / "warehouse.duckdb")
    (var / "warehouse.duckdb").unlink()

    done = _pipeline(env, "rebuild")

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "rebuilt the warehouse from 2 raw documents"
    assert _documents(var / "warehouse.duckdb") == before
    assert not (var / "warehouse.duckdb.rebuild").exists()
