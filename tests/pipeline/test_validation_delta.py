"""The validate_checks step validates only the check results that are new or changed since its last successful
validation, keeps GX's verdict per row in the warehouse (pipeline_state.gx_validated_rows), returns the outcome
of the whole table, and validates everything again when what the verdicts follow from changed (catalogue, Data
Docs index). The check results table is written by hand (tests/warehouse/test_expectations_datasource.py's
rows), so no dbt build is needed: its marts were not built by build_warehouse, so no run is skipped as a whole."""
from __future__ import annotations

import logging
import shutil
from concurrent.futures import Future
from contextlib import closing

import duckdb
import pytest

from expectations import validate_checks as full_validation
from pipeline import one_process, steps
from pipeline.config import load_settings
from tests.warehouse.test_expectations_datasource import COLUMNS, ROWS, _warehouse

pytestmark = pytest.mark.integration


def _insert(path, rows):
    with closing(duckdb.connect(str(path))) as con:
        con.executemany(f"insert into marts.fct_check_results values ({', '.join('?' * len(COLUMNS))})", rows)


def _stored_ids(path):
    with closing(duckdb.connect(str(path), read_only=True)) as con:
        return sorted(r[0] for r in con.execute(f"select check_result_id from {steps.VALIDATED_ROWS_STATE}").fetchall())


def _whole_table_outcome(settings, run_name):
    """What a full validation of the current table returns, as the step's dict (another Data Docs site)."""
    validation = full_validation(settings.warehouse_path, settings.data_docs_path.parent / "full-docs",
                                 context_dir=settings.data_docs_path.parent / "full-gx", run_name=run_name)
    return {k: v for k, v in validation.to_dict().items() if k not in ("data_docs_index", "validated_rows")}


def _comparable(outcome):
    return {k: v for k, v in outcome.items() if k not in ("data_docs_index", "validated_rows", "skipped")}


def test_only_new_or_changed_rows_are_validated_and_the_outcome_is_the_whole_tables(pipeline_env, monkeypatch,
                                                                                    tmp_path):
    settings = load_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    _warehouse(settings.warehouse_path, ROWS[:3])  # c-pass, c-fail, c-blank

    first = steps.validate_checks({}, settings)
    assert (first["skipped"], first["validated_rows"], first["failed"]) == (False, 3, 1)

    _insert(settings.warehouse_path, ROWS[3:])  # c-text (fail), c-first
    with closing(duckdb.connect(str(settings.warehouse_path))) as con:  # c-fail is fixed, c-blank leaves
        con.execute("update marts.fct_check_results set result = 'pass', lhs = 11 where check_result_id = 'c-fail'")
        con.execute("delete from marts.fct_check_results where check_result_id = 'c-blank'")
    second = steps.validate_checks({}, settings)

    assert second["validated_rows"] == 3  # c-fail (changed), c-text, c-first (new)
    assert _stored_ids(settings.warehouse_path) == ["c-fail", "c-first", "c-pass", "c-text"]
    assert _comparable(second) == _comparable(_whole_table_outcome(settings, second["run_name"]))
    assert second["failed"] == 1 and second["counts"]["identity_4"]["failed"] == 0
    assert second["counts"]["identity_3"] == {"evaluated": 0, "failed": 0, "incomplete": 0, "not_evaluated": 0}

    index = settings.data_docs_path / "index.html"
    before = index.read_bytes()
    third = steps.validate_checks({}, settings)  # nothing changed: no checkpoint run, no page written
    assert third["validated_rows"] == 0 and index.read_bytes() == before
    assert _comparable(third) == _comparable(second | {"run_name": third["run_name"]})

    catalogue = tmp_path / "check_catalogue.py"
    from extract import check_catalogue
    shutil.copy(check_catalogue.__file__, catalogue)
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "\n# a changed catalogue\n", encoding="utf-8")
    monkeypatch.setattr(check_catalogue, "__file__", str(catalogue))
    assert steps.validate_checks({}, settings)["validated_rows"] == 4  # a new catalogue: every row again

    assert steps.validate_checks({}, settings)["validated_rows"] == 0
    index.unlink()
    again = steps.validate_checks({}, settings)  # Data Docs lost: every row again, so they show them all
    assert again["validated_rows"] == 4 and index.is_file()
    assert _comparable(again) == _comparable(second | {"run_name": again["run_name"]})


def test_a_checkpoint_set_up_ahead_is_used_once_and_one_that_failed_is_set_up_again(pipeline_env, monkeypatch,
                                                                                     caplog):
    from expectations import checkpoint as gx_checkpoint

    settings = load_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    _warehouse(settings.warehouse_path, ROWS[:3])  # c-pass, c-fail, c-blank
    set_up = []
    real_set_up = gx_checkpoint.prepare_checkpoint
    monkeypatch.setattr(gx_checkpoint, "prepare_checkpoint", lambda *folders: set_up.append(folders) or
                        real_set_up(*folders))

    with one_process.steps_in_one_process(settings) as run:  # as build_warehouse leaves it for the next step
        run.prepared_checkpoint = steps._prepare_checkpoint_in_background(settings)
        first = steps.validate_checks({}, settings)
        assert run.prepared_checkpoint is None  # used once
    assert set_up == [(settings.gx_context_path, settings.data_docs_path)]  # on the thread only
    assert (first["validated_rows"], first["failed"]) == (3, 1)

    _insert(settings.warehouse_path, ROWS[3:])  # c-text (fail), c-first
    failed: Future = Future()
    failed.set_exception(RuntimeError("the GX context folder is not writable"))
    with one_process.steps_in_one_process(settings) as run, caplog.at_level(logging.WARNING):
        run.prepared_checkpoint = failed
        second = steps.validate_checks({}, settings)
    assert len(set_up) == 2  # the validation set it up again itself
    assert "the checkpoint prepared ahead failed" in caplog.text and "not writable" in caplog.text
    assert (second["validated_rows"], second["failed"]) == (2, 2)
    assert _comparable(second) == _comparable(_whole_table_outcome(settings, second["run_name"]))

    # one set up for other folders is not used: the validation sets up its own
    elsewhere: Future = Future()
    elsewhere.set_result(real_set_up(settings.gx_context_path.parent / "other-gx",
                                     settings.data_docs_path.parent / "other-docs"))
    with closing(duckdb.connect(str(settings.warehouse_path))) as con:
        con.execute("update marts.fct_check_results set lhs = 12 where check_result_id = 'c-pass'")
    with one_process.steps_in_one_process(settings) as run:
        run.prepared_checkpoint = elsewhere
        third = steps.validate_checks({}, settings)
    assert len(set_up) == 4 and set_up[-1] == (settings.gx_context_path, settings.data_docs_path)  # 3: full
    assert (third["validated_rows"], third["failed"]) == (1, 2)


def test_a_checkpoint_still_being_set_up_when_the_run_ends_is_waited_for(pipeline_env):
    """`rebuild` validates after its run in one process: the GX context must not still be written by then."""
    import threading
    import time

    settings = load_settings()
    preparing: Future = Future()
    release = threading.Event()
    threading.Thread(target=lambda: (release.wait(5), time.sleep(0.5), preparing.set_result(None)),
                     daemon=True).start()
    with one_process.steps_in_one_process(settings) as run:
        run.prepared_checkpoint = preparing
        release.set()  # the thread is still to finish when the block ends
    assert preparing.done()
