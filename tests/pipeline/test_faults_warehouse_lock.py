"""A reader holding the DuckDB warehouse open in another process (a BI tool): the load waits for it, up to
WAREHOUSE_LOCK_TIMEOUT_SECONDS, then fails clearly, and the warehouse is never damaged."""
from __future__ import annotations

import subprocess
import sys
import time
from contextlib import closing

import duckdb
import pytest

from pipeline.landing import WarehouseLockedError, load_results
from tests.support.warehouse import gold_documents, landed

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("select count(*) from landing.documents").fetchall()
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold_read_lock(path, seconds):
    """A second process with a read_only connection (which blocks every writer) for `seconds`."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def _contents(path):
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        return (con.execute("select * exclude (loaded_at) from landing.documents order by 1").fetchall(),
                con.execute("select * from landing.cells order by 1, 2").fetchall())


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    load_results(path, landed(gold_documents()[:2]))
    return path


def test_the_load_waits_for_a_reader_that_lets_go_in_time(warehouse):
    documents = landed(gold_documents()[:4])
    holder = _hold_read_lock(warehouse, 2)
    started = time.monotonic()
    try:
        counts = load_results(warehouse, documents, lock_timeout_seconds=30)
    finally:
        holder.wait(timeout=30)
    waited = time.monotonic() - started

    assert waited >= 1.0  # it really waited for the reader
    assert counts["loaded"] == 2 and counts["documents_in_warehouse"] == 4
    assert len(_contents(warehouse)[0]) == 4


def test_a_reader_that_keeps_the_lock_fails_the_load_clearly_and_leaves_the_warehouse_intact(warehouse):
    before = _contents(warehouse)
    holder = _hold_read_lock(warehouse, 60)
    started = time.monotonic()
    try:
        with pytest.raises(WarehouseLockedError) as failure:
            load_results(warehouse, landed(gold_documents()[:5]), lock_timeout_seconds=1.5)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()

    message = str(failure.value)
    assert f"the warehouse {warehouse} is locked by another process" in message
    assert "WAREHOUSE_LOCK_TIMEOUT_SECONDS" in message
    assert 1.4 <= waited < 10
    assert _contents(warehouse) == before


def test_the_lock_timeout_comes_from_the_environment(monkeypatch):
    from pipeline.config import load_settings

    monkeypatch.setenv("WAREHOUSE_LOCK_TIMEOUT_SECONDS", "7.5")
    assert load_settings().warehouse_lock_timeout_seconds == 7.5
    monkeypatch.delenv("WAREHOUSE_LOCK_TIMEOUT_SECONDS")
    assert load_settings().warehouse_lock_timeout_seconds == 60.0
