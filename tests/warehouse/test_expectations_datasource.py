"""The chosen GX path (pandas datasource over a frame read from DuckDB, expectations/datasource.py)
really validates: a known failing row is reported failed, a passing one passed, a blank identity incomplete.
The check results table is written by hand here, independent of dbt."""
from __future__ import annotations

import dataclasses
import json

import duckdb
import pandas as pd
import pytest

from expectations import CheckCounts, WarehouseNotReadyError, validate_checks
from expectations.datasource import read_check_results
from extract.check_catalogue import CHECKS

pytestmark = pytest.mark.integration

COLUMNS = ("check_result_id", "document_hash", "object_key", "agency", "year", "check_code", "check_family",
           "severity", "scope_kind", "scope", "lhs", "rhs", "result", "missing_cells")
ROWS = [
    ("c-pass", "doc-a", "raw/a.txt", "甲局", 2023, "identity_1", "identities", "failure", "column", "total",
     5.0, 5.0, "pass", None),
    ("c-fail", "doc-a", "raw/a.txt", "甲局", 2023, "identity_4", "identities", "failure", "row", "reconsideration",
     0.0, 11.0, "fail", None),
    # a needs_review document whose title gave no agency or year still has its identities checked
    ("c-blank", "doc-b", "raw/b.html", None, None, "identity_3", "identities", "warning", "row", "other_misc",
     None, None, "incomplete", "t3.other_misc.natural_person"),
    ("c-text", "doc-a", "raw/a.txt", "甲局", 2023, "narrative_8", "narrative", "warning", "sentence",
     "applications_received", 12.0, 7.0, "fail", None),
    # no previous report to compare with: incomplete, and nothing to report for a plausibility check
    ("c-first", "doc-a", "raw/a.txt", "甲局", 2023, "similarity_9", "similarity", "warning", "document", "text",
     None, None, "incomplete", None),
]


def _warehouse(path, rows):
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.fct_check_results (check_result_id varchar, document_hash varchar,
        object_key varchar, agency varchar, year integer, check_code varchar, check_family varchar,
        severity varchar, scope_kind varchar, scope varchar, lhs double, rhs double, result varchar,
        missing_cells varchar)""")
    if rows:
        con.executemany(f"insert into marts.fct_check_results values ({', '.join('?' * len(COLUMNS))})", rows)
    con.close()
    return path


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    out = tmp_path_factory.mktemp("hand-made")
    warehouse = _warehouse(out / "warehouse.duckdb", ROWS)
    return out, validate_checks(warehouse, out / "data_docs", context_dir=out / "gx", run_name="hand-made")


def test_the_known_failing_rows_are_reported_failed_whatever_their_severity(hand_made):
    _, validation = hand_made
    assert validation.success is False
    assert validation.failing_check_result_ids == ("c-fail", "c-text")
    assert validation.counts["identity_4"] == CheckCounts(evaluated=1, failed=1, incomplete=0)
    assert validation.counts["narrative_8"] == CheckCounts(evaluated=1, failed=1, incomplete=0)


def test_a_passing_row_is_not_reported_and_only_a_blank_identity_is_incomplete(hand_made):
    _, validation = hand_made
    assert validation.incomplete_check_result_ids == ("c-blank",)
    assert validation.counts["identity_1"] == CheckCounts(evaluated=1, failed=0, incomplete=0)
    assert validation.counts["identity_3"] == CheckCounts(evaluated=1, failed=0, incomplete=1)
    assert validation.counts["similarity_9"] == CheckCounts(evaluated=1, failed=0, incomplete=0)
    assert validation.counts["stock_7"] == CheckCounts(evaluated=0, failed=0, incomplete=0)
    assert list(validation.counts) == [check.code for check in CHECKS]


def test_each_suite_takes_its_severity_from_the_catalogue(hand_made):
    out, _ = hand_made
    for check in CHECKS:
        suite = json.loads((out / "gx" / "gx" / "expectations" / f"{check.code}.json").read_text(encoding="utf-8"))
        by_kind = {e["meta"]["kind"]: e for e in suite["expectations"]}
        expected = {"failure": "critical", "warning": "warning"}[check.severity]
        assert by_kind["fail"]["severity"] == expected, check.code
        assert by_kind["fail"]["meta"]["maintainer_action"] == check.maintainer_action
        if check.code.startswith("identity_"):
            assert by_kind["incomplete"]["severity"] == "warning"
        else:
            assert "incomplete" not in by_kind


def test_only_passing_rows_make_a_successful_validation(tmp_path):
    passing = _warehouse(tmp_path / "warehouse.duckdb", [row for row in ROWS if row[12] == "pass"])
    validation = validate_checks(passing, tmp_path / "data_docs", context_dir=tmp_path / "gx")
    assert validation.success is True
    assert validation.failing_check_result_ids == () and validation.incomplete_check_result_ids == ()
    assert validation.counts["identity_1"] == CheckCounts(evaluated=1, failed=0, incomplete=0)


def test_a_warehouse_dbt_has_not_built_is_an_operational_error(tmp_path):
    with pytest.raises(WarehouseNotReadyError):
        read_check_results(tmp_path / "missing.duckdb")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with pytest.raises(WarehouseNotReadyError, match="dbt build"):
        validate_checks(tmp_path / "empty.duckdb", tmp_path / "data_docs", context_dir=tmp_path / "gx")


def test_a_warehouse_with_no_check_results_yet_validates_as_success(tmp_path):
    empty = _warehouse(tmp_path / "warehouse.duckdb", [])
    first_run = validate_checks(empty, tmp_path / "data_docs", context_dir=tmp_path / "gx")
    assert first_run.success is True
    assert set(first_run.counts.values()) == {CheckCounts(evaluated=0, failed=0, incomplete=0)}
    assert first_run.data_docs_index.exists()



def test_what_an_earlier_version_left_in_the_context_is_removed(tmp_path):
    """The context of the version before the one checkpoint: identity suites over fct_identity_checks, the
    plausibility suites over their own datasource, two checkpoints."""
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(tmp_path / "gx"))
    for datasource_name, asset_name, suite_name, checkpoint_name in (
            ("warehouse", "fct_identity_checks", "identity_1", "identity_checks"),
            ("warehouse_check_results", "fct_check_results", "plausibility_counts_6", "plausibility_checks")):
        batch = (context.data_sources.add_pandas(name=datasource_name).add_dataframe_asset(name=asset_name)
                 .add_batch_definition_whole_dataframe("all"))
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite_name}_on_{asset_name}", data=batch, suite=suite))
        context.checkpoints.add(gx.Checkpoint(name=checkpoint_name, validation_definitions=[definition]))
    stored = tmp_path / "gx" / "gx"

    validate_checks(_warehouse(tmp_path / "warehouse.duckdb", ROWS[:1]), tmp_path / "data_docs",
                    context_dir=tmp_path / "gx")

    assert sorted(p.stem for p in (stored / "expectations").glob("*.json")) == sorted(c.code for c in CHECKS)
    assert sorted(p.stem for p in (stored / "validation_definitions").glob("*.json")) == sorted(
        f"{c.code}_on_fct_check_results" for c in CHECKS)
    assert [p.stem for p in (stored / "checkpoints").glob("*.json")] == ["check_results"]
    assert list(gx.get_context(mode="file", project_root_dir=str(tmp_path / "gx")).data_sources.all()) == [
        "warehouse"]


def test_a_validation_in_parts_gives_the_outcome_of_one_in_a_single_part(hand_made, tmp_path):
    out, whole = hand_made
    in_parts = validate_checks(out / "warehouse.duckdb", tmp_path / "data_docs", context_dir=tmp_path / "gx",
                               run_name="in-parts", chunk_rows=2)

    assert in_parts == dataclasses.replace(whole, run_name="in-parts",
                                           data_docs_index=tmp_path / "data_docs" / "index.html")
    pd.testing.assert_frame_equal(in_parts.row_verdicts, whole.row_verdicts)
    # five rows two at a time: three checkpoint runs, each storing one result per suite
    stored = list((tmp_path / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == 3 * len(CHECKS)
    assert sum(json.loads(p.read_text(encoding="utf-8"))["results"][0]["result"]["element_count"]
               for p in stored) == len(ROWS)


def test_a_row_is_read_with_a_digest_of_every_column_even_those_not_read(tmp_path):
    path = _warehouse(tmp_path / "warehouse.duckdb", ROWS)
    before = read_check_results(path)
    with duckdb.connect(str(path)) as con:
        con.execute("update marts.fct_check_results set lhs = 6.0 where check_result_id = 'c-pass'")
    after = read_check_results(path)

    assert "lhs" not in after.columns and list(after["check_result_id"]) == sorted(r[0] for r in ROWS)
    changed = before["row_digest"] != after["row_digest"]
    assert list(after.loc[changed, "check_result_id"]) == ["c-pass"]
    assert after["check_code"].dtype == "category"
    assert list(after["agency"].cat.categories) == ["甲局"]
    assert list(after["agency"].isna()) == [row[3] is None for row in sorted(ROWS)]
