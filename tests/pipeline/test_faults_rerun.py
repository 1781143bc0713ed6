"""A run killed (SIGKILL) in the middle of extraction or of the warehouse load: the next run completes it,
and the warehouse then equals a clean run's: every document present, no duplicate rows, no half-written
object read as complete."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tests.support.pipeline_env import ROOT, SAMPLES_DIR, PIPELINE_ENV_VARS

pytestmark = pytest.mark.integration

# The DAG's steps in order; with a stage to die in, that step pauses at a chosen point (announcing it on
# stdout) so that the test can SIGKILL the process exactly there.
RUNNER = r"""
import os, sys, time
from pipeline import landing, steps, storage

die_in = sys.argv[1]

def pause_here():
    print("PAUSED", flush=True)
    time.sleep(120)

if die_in == "extract":
    real_replace, published = os.replace, []
    def replace(src, dst, *args, **kwargs):
        if "/extracted/" in str(dst) and "/.meta/" not in str(dst):
            published.append(dst)
            if len(published) == 3:  # the third result is written to its temp file, not yet published
                pause_here()
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
elif die_in == "load":
    real_insert = landing._insert
    def insert(con, table, *args):
        if table == "cells":  # old rows deleted, documents inserted, cells not yet: mid-transaction
            pause_here()
        return real_insert(con, table, *args)
    landing._insert = insert

batches = steps.land_raw_files(steps.discover_documents())
summaries = [steps.extract_documents(batch) for batch in batches]
print(steps.load_landing(summaries), flush=True)
"""


def _environment(var: Path, inbox: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PIPELINE_ENV_VARS}
    env.update(PYTHONPATH=str(ROOT), PIPELINE_INBOX=str(inbox), PIPELINE_VAR_PATH=str(var),
               WAREHOUSE_PATH=str(var / "warehouse.duckdb"), OBJECT_STORE_PATH=str(var / "object-store"),
               ALERTS_PATH=str(var / "alerts.jsonl"), EXTRACT_BATCH_SIZE="2")
    return env


def _run(env, die_in: str = "nowhere") -> None:
    process = subprocess.Popen([sys.executable, "-c", RUNNER, die_in], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if die_in == "nowhere":
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        return
    line = process.stdout.readline()
    assert line.strip() == "PAUSED", process.stderr.read()[-3000:]
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _warehouse(var: Path):
    with closing(duckdb.connect(str(var / "warehouse.duckdb"), read_only=True)) as con:
        # arrived_at is the landing time (differs between runs); loaded_at the load time
        documents = con.execute("select * exclude (loaded_at, arrived_at) from landing.documents "
                                "order by document_hash").fetchall()
        cells = con.execute("select * from landing.cells order by document_hash, cell_key").fetchall()
        duplicates = con.execute("select count(*) - count(distinct document_hash || cell_key) "
                                 "from landing.cells").fetchone()[0]
    return documents, cells, duplicates


def _objects(var: Path) -> list[str]:
    root = var / "object-store"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] not in (".tmp",))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inbox")
    for sample in sorted(SAMPLES_DIR.glob("*.txt")):
        shutil.copy(sample, folder / sample.name)
    (folder / "scanned.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")  # fails: quarantined
    return folder


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, inbox):
    var = tmp_path_factory.mktemp("clean") / "var"
    _run(_environment(var, inbox))
    return var


@pytest.mark.parametrize("die_in", ["extract", "load"])
def test_the_run_after_a_killed_one_leaves_the_warehouse_of_a_clean_run(tmp_path, inbox, clean_run, die_in):
    var = tmp_path / "var"
    env = _environment(var, inbox)

    _run(env, die_in=die_in)
    if die_in == "extract":  # the paused result was never published: no reader can take it as complete
        assert len([k for k in _objects(var) if k.startswith("extracted/")]) == 2
    _run(env)

    documents, cells, duplicates = _warehouse(var)
    expected_documents, expected_cells, _ = _warehouse(clean_run)
    assert len(documents) == len(list(inbox.iterdir())) == 6
    assert duplicates == 0
    assert documents == expected_documents
    assert cells == expected_cells and len(cells) > 500
    assert [k for k in _objects(var) if not k.startswith(".meta/")] == [
        k for k in _objects(clean_run) if not k.startswith(".meta/")]
