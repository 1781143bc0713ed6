"""A run in one process parses its documents in EXTRACT_PROCESSES processes, ahead of their batches
(one_process.ExtractionAhead): the stored results and the warehouse are those parsing in the run's own process
gives, whatever order the batches come in and when a parsing process dies."""
from __future__ import annotations

import os
import shutil
import signal
import time
from contextlib import closing

import duckdb
import pytest

from pipeline import one_process, steps, storage
from pipeline.config import load_settings
from tests.support.paths import DEV_CASES_DIR
from tests.support.pipeline_env import SAMPLES_DIR

DOCUMENTS = {
    "qianxinan-gxj-2023.txt": SAMPLES_DIR / "qianxinan-gxj-2023.txt",
    "jinchang-gxj-2023.txt": SAMPLES_DIR / "jinchang-gxj-2023.txt",
    "wuzhong-gxj-2020.txt": SAMPLES_DIR / "wuzhong-gxj-2020.txt",
    "zhangshu-gxj-2023.txt": SAMPLES_DIR / "zhangshu-gxj-2023.txt",
    "hongze-2023.pdf": DEV_CASES_DIR / "huaian-hongze-gov-2023" / "source.pdf",
    "pingtan-scj-2023.html": DEV_CASES_DIR / "pingtan-scj-2023" / "source.html",
}


@pytest.fixture
def inbox(tmp_path, monkeypatch, pipeline_env):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name, source in DOCUMENTS.items():
        shutil.copy(source, folder / name)
    (folder / "torn.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n")  # fails, is quarantined
    monkeypatch.setenv("PIPELINE_INBOX", str(folder))
    monkeypatch.setenv("EXTRACT_BATCH_SIZE", "2")
    monkeypatch.setenv("REVIEW_DECISIONS_PATH", str(tmp_path / "reviews" / "decisions.csv"))
    return folder


def _use_var(monkeypatch, var):
    monkeypatch.setenv("PIPELINE_VAR_PATH", str(var))
    monkeypatch.setenv("WAREHOUSE_PATH", str(var / "warehouse.duckdb"))
    monkeypatch.setenv("OBJECT_STORE_PATH", str(var / "object-store"))


def _results(settings) -> dict[str, bytes]:
    """Every stored result by key, without the landing's arrival time (when each var's landing saw the file)."""
    import json

    store = storage.LocalObjectStore(settings.object_store_path)
    results = {}
    for key in store.list(storage.EXTRACTED_PREFIX):
        result = json.loads(store.get(key))
        result.pop("arrived_at")
        results[key] = json.dumps(result, sort_keys=True)
    return results


def _landing(settings) -> tuple[list, list]:
    with closing(duckdb.connect(str(settings.warehouse_path), read_only=True)) as con:
        return (con.execute("select * exclude (loaded_at, arrived_at) from landing.documents "
                            "order by document_hash").fetchall(),
                con.execute("select * from landing.cells order by document_hash, cell_key").fetchall())


def _run_in_one_process(settings, before_each_batch=lambda run, index: None, order=lambda batches: batches):
    with one_process.steps_in_one_process(settings) as run:
        batches = steps.land_raw_files(steps.discover_documents())
        summaries = []
        for index, batch in enumerate(order(batches)):
            before_each_batch(run, index)
            summaries.append(steps.extract_documents(batch))
        steps.load_landing(summaries)
        return run, sorted((s["original_name"], s["status"], bool(s["quarantine_key"]))
                           for batch in summaries for s in batch)


@pytest.fixture
def parsed_here(inbox, monkeypatch, tmp_path):
    """The results, the landing tables and the summaries of a run parsing in its own process."""
    monkeypatch.setenv("EXTRACT_PROCESSES", "1")
    settings = load_settings()
    run, summaries = _run_in_one_process(settings)
    assert run.extraction.parsed_elsewhere == 0
    _use_var(monkeypatch, tmp_path / "var-parsed-elsewhere")
    monkeypatch.setenv("EXTRACT_PROCESSES", "2")
    monkeypatch.setattr(one_process.ExtractionAhead, "AT_LEAST", 3)
    return _results(settings), _landing(settings), summaries


def test_documents_parsed_in_other_processes_give_the_results_and_warehouse_parsing_here_gives(parsed_here):
    settings = load_settings()
    run, summaries = _run_in_one_process(settings)

    assert run.extraction.parsed_elsewhere == 7 and run.extraction.pool is None  # stopped after the last
    assert (_results(settings), _landing(settings), summaries) == parsed_here
    assert ("torn.pdf", "failed", True) in summaries and ("hongze-2023.pdf", "ok", False) in summaries


def test_batches_out_of_order_leave_the_documents_not_sent_to_the_run(parsed_here, monkeypatch):
    monkeypatch.setattr(one_process.ExtractionAhead, "IN_FLIGHT_PER_PROCESS", 1)
    settings = load_settings()
    run, summaries = _run_in_one_process(settings, order=lambda batches: batches[::-1])

    # 7 documents in batches of 2, the last batch first: the first two documents were sent (2 processes, one
    # document each in flight) and parsed elsewhere; every batch before theirs was parsed here
    assert run.extraction.parsed_elsewhere == 2 and run.extraction.pool is None
    assert (_results(settings), _landing(settings), summaries) == parsed_here


def test_when_the_parsing_processes_die_the_run_parses_the_rest(parsed_here, monkeypatch, caplog):
    monkeypatch.setattr(one_process.ExtractionAhead, "IN_FLIGHT_PER_PROCESS", 1)
    settings = load_settings()

    def kill_the_processes_before_the_second_batch(run, index):
        if index == 1:
            pool = run.extraction.pool
            for pid in list(pool._processes):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while not pool._broken and time.monotonic() < deadline:  # the executor notices on its own thread
                time.sleep(0.05)
            assert pool._broken

    run, summaries = _run_in_one_process(settings, kill_the_processes_before_the_second_batch)

    # the first batch was parsed elsewhere, and the second's too if done before the processes died
    assert 2 <= run.extraction.parsed_elsewhere <= 4 and run.extraction.pool is None
    assert "an extraction process died" in caplog.text
    assert (_results(settings), _landing(settings), summaries) == parsed_here


def test_fewer_documents_than_worth_a_process_are_parsed_in_the_run(parsed_here, monkeypatch):
    monkeypatch.setattr(one_process.ExtractionAhead, "AT_LEAST", 8)
    settings = load_settings()
    run, summaries = _run_in_one_process(settings)

    assert run.extraction.parsed_elsewhere == 0
    assert (_results(settings), _landing(settings), summaries) == parsed_here
