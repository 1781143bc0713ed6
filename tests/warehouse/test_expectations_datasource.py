"""The chosen GX path (pandas datasource over a frame read from DuckDB, expectations/datasource.py)
really validates: a known failing identity row is reported failed, a passing one passed, a blank one
incomplete. The table is written by hand here, independent of dbt."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from expectations import WarehouseNotReadyError, run_checkpoint
from expectations.datasource import COLUMNS, read_identity_checks

pytestmark = pytest.mark.integration

ROWS = [
    # check_id, document_hash, compared, object_key, agency, year, template, status, identity, check_name,
    # table_no, scope_kind, scope, lhs, rhs, difference, result, missing_cells
    ("c-pass", "doc-a", None, "raw/a.txt", "甲局", 2023, "2021", "ok", 1, "identity_1:total", 3, "column",
     "total", 5.0, 5.0, 0.0, "pass", None),
    ("c-fail", "doc-a", None, "raw/a.txt", "甲局", 2023, "2021", "ok", 4, "identity_4:reconsideration", 4,
     "row", "reconsideration", 0.0, 11.0, -11.0, "fail", None),
    # a needs_review document whose title gave no agency or year still has its identities checked
    ("c-blank", "doc-b", None, "raw/b.html", None, None, "2021", "needs_review", 3, "identity_3:other_misc", 3, "row",
     "other_misc", None, None, None, "incomplete", "t3.other_misc.natural_person"),
]


@pytest.fixture(scope="module")
def hand_made_warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("hand-made") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.fct_identity_checks (check_id varchar, document_hash varchar,
        compared_document_hash varchar, object_key varchar, agency varchar, year integer, template varchar,
        document_status varchar, identity integer, check_name varchar, table_no integer, scope_kind varchar,
        scope varchar, lhs double, rhs double, difference double, result varchar, missing_cells varchar)""")
    con.executemany(f"insert into marts.fct_identity_checks values ({', '.join('?' * len(COLUMNS))})", ROWS)
    con.close()
    return path


@pytest.fixture(scope="module")
def result(hand_made_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("gx-out")
    return run_checkpoint(hand_made_warehouse, out / "data_docs", context_dir=out / "gx", run_name="hand-made")


def test_a_known_failing_row_is_reported_failed_with_its_location(result):
    assert result.success is False
    assert [(f.document_hash, f.identity, f.scope_kind, f.scope, f.lhs, f.rhs, f.result, f.object_key)
            for f in result.failures] == [("doc-a", 4, "row", "reconsideration", 0.0, 11.0, "fail", "raw/a.txt")]
    failure = result.failures[0]
    assert (failure.agency, failure.year, failure.suite, failure.difference) == ("甲局", 2023, "identity_4", -11.0)


def test_a_passing_row_is_not_reported_and_a_blank_row_is_incomplete(result):
    reported = {f.check_name for f in result.failures + result.incomplete}
    assert "identity_1:total" not in reported
    assert [(f.document_hash, f.agency, f.year, f.scope, f.result, f.missing_cells)
            for f in result.incomplete] == [
        ("doc-b", None, None, "other_misc", "incomplete", ("t3.other_misc.natural_person",))]
    assert result.counts == {"evaluated": 3, "passed": 1, "failed": 1, "incomplete": 1}


def test_only_passing_rows_make_a_successful_run(hand_made_warehouse, tmp_path):
    only_passing = tmp_path / "warehouse.duckdb"
    shutil.copy(hand_made_warehouse, only_passing)
    con = duckdb.connect(str(only_passing))
    con.execute("delete from marts.fct_identity_checks where result <> 'pass'")
    con.close()
    passing = run_checkpoint(only_passing, tmp_path / "data_docs", context_dir=tmp_path / "gx")
    assert passing.success is True
    assert passing.failures == () and passing.incomplete == ()
    assert passing.counts == {"evaluated": 1, "passed": 1, "failed": 0, "incomplete": 0}


def test_a_warehouse_dbt_has_not_built_is_an_operational_error(tmp_path):
    with pytest.raises(WarehouseNotReadyError):
        read_identity_checks(tmp_path / "missing.duckdb")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with pytest.raises(WarehouseNotReadyError, match="dbt build"):
        read_identity_checks(tmp_path / "empty.duckdb")


def test_a_warehouse_with_no_identity_checks_yet_validates_as_success(hand_made_warehouse, tmp_path):
    empty = tmp_path / "warehouse.duckdb"
    shutil.copy(hand_made_warehouse, empty)
    con = duckdb.connect(str(empty))
    con.execute("delete from marts.fct_identity_checks")
    con.close()
    first_run = run_checkpoint(empty, tmp_path / "data_docs", context_dir=tmp_path / "gx")
    assert first_run.success is True
    assert first_run.counts == {"evaluated": 0, "passed": 0, "failed": 0, "incomplete": 0}
    assert first_run.data_docs_index.exists()
