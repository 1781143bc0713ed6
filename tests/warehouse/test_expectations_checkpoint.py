"""The checkpoint over a real dbt-built warehouse: what GX reports equals what marts.fct_check_results holds.

Warehouse: the sample and dev-corpus golds, a failed document, and two made-up following-year reports so
identity 5 has a pass, a fail and an incomplete (see tests/support/warehouse.py: following_year_documents).
"""
from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from expectations import validate_checks
from extract.check_catalogue import CHECKS
from tests.support.warehouse import (failed_document, following_year_documents, gold_documents,
                                      load_staging, query, run_dbt)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoint")
    golds = gold_documents()
    path = root / "warehouse.duckdb"
    load_staging(path, golds + following_year_documents(golds) + [failed_document()])
    build = run_dbt(path, "build")
    assert build.returncode == 0, build.stdout[-4000:]
    validation = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="first")
    return root, path, validation


def test_the_failing_results_are_exactly_the_fail_rows_of_the_check_results(built):
    _, path, validation = built
    assert validation.success is False
    assert list(validation.failing_check_result_ids) == [row[0] for row in query(
        path, "select check_result_id from marts.fct_check_results where result = 'fail' order by 1")]
    identity_breaches = query(path, """
        select check_code, scope from marts.fct_check_results
        where result = 'fail' and check_code like 'identity_%' order by 1, 2""")
    assert identity_breaches == [
        ("identity_1", "natural_person"), ("identity_1", "natural_person"),  # 公安局 2021 counted one application
        ("identity_1", "total"), ("identity_1", "total"),  # twice; 经济发展局 2023 printed 3 received, 0 handled
        ("identity_4", "litigation_after_reconsideration"), ("identity_4", "reconsideration"),  # 洪泽区 2023 表四
        ("identity_5", "natural_person"), ("identity_5", "total"),  # made-up 财政金融局 2021 vs its 2020 report
    ]


def test_the_incomplete_results_are_exactly_the_incomplete_identities(built):
    _, path, validation = built
    assert list(validation.incomplete_check_result_ids) == [row[0] for row in query(
        path, "select check_result_id from marts.fct_check_results "
              "where result = 'incomplete' and check_code like 'identity_%' order by 1")]
    # identity 1: the made-up reports print carried_over only; 2, 3: 市场监督管理局 2023 blank sub-rows
    assert {code for code, counts in validation.counts.items() if counts.incomplete} == {
        "identity_1", "identity_2", "identity_3", "identity_5"}


def test_the_data_docs_index_lists_the_last_validation_and_keeps_the_older_pages(built, tmp_path):
    _, path, _ = built
    docs, context = tmp_path / "data_docs", tmp_path / "gx"
    validate_checks(path, docs, context_dir=context, run_name="older-run")
    validate_checks(path, docs, context_dir=context, run_name="newer-run")

    index = (docs / "index.html").read_text(encoding="utf-8")
    pages = {run: [p for p in (docs / "validations").rglob("*.html") if run in p.parts]
             for run in ("older-run", "newer-run")}
    assert "newer-run" in index and "older-run" not in index  # GX reads back every result its index lists
    assert len(pages["older-run"]) == len(pages["newer-run"]) == len(CHECKS)


def test_counts_per_check_add_up_to_every_row_of_the_warehouse(built):
    _, path, validation = built
    by_check = {code: counts for code, *counts in query(
        path, "select check_code, count(*) filter (where result <> 'not_evaluated'), "
              "count(*) filter (where result = 'fail'), count(*) filter (where result = 'not_evaluated') "
              "from marts.fct_check_results group by 1")}
    assert {code: [c.evaluated, c.failed, c.not_evaluated] for code, c in validation.counts.items()
            if c.evaluated or c.not_evaluated} == by_check
    assert validation.counts["identity_5"].not_evaluated > 0  # first reports of an agency: nothing to compare


def test_data_docs_show_one_suite_per_check_of_the_catalogue(built):
    root, _, validation = built
    assert validation.data_docs_index == root / "data_docs" / "index.html"
    index = validation.data_docs_index.read_text(encoding="utf-8")
    for check in CHECKS:
        assert check.code in index
    assert validation.suites == tuple(check.code for check in CHECKS)
    stored = list((root / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == len(CHECKS)  # one stored validation result per suite for the run "first"


def test_suites_carry_the_catalogue_entry_of_their_check(built):
    root, _, _ = built
    suite = json.loads((root / "gx" / "gx" / "expectations" / "identity_4.json").read_text(encoding="utf-8"))
    metas = [e["meta"] for e in suite["expectations"]]
    identity_4 = next(check for check in CHECKS if check.code == "identity_4")
    assert {m["kind"] for m in metas} == {"fail", "incomplete"}
    assert all(m["check_code"] == "identity_4" and m["formula"] == identity_4.formula
               and m["spec_number"] == 4 for m in metas)


def test_a_rerun_is_idempotent(built):
    root, path, first = built
    second = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="second")
    assert second.failing_check_result_ids == first.failing_check_result_ids
    assert second.incomplete_check_result_ids == first.incomplete_check_result_ids
    assert second.counts == first.counts
    assert sorted(p.stem for p in (root / "gx" / "gx" / "expectations").glob("*.json")) == sorted(
        check.code for check in CHECKS)
    assert len(list((root / "gx" / "gx" / "checkpoints").glob("*.json"))) == 1


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """A warehouse validated in full, then grown by three documents: (root, path, verdicts before growing)."""
    root = tmp_path_factory.mktemp("grown")
    documents = gold_documents() + [failed_document()]
    path = root / "warehouse.duckdb"
    load_staging(path, documents[:-3])
    assert run_dbt(path, "build").returncode == 0
    before = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="before")
    load_staging(path, documents)
    assert run_dbt(path, "build").returncode == 0
    return root, path, before


def _rows_seen(root, run_name):
    """How many rows the stored validation results of `run_name` (what its Data Docs page shows) saw: each
    suite sees its check's rows (row_condition), so the sum over suites is every row of the batch."""
    return sum(json.loads(p.read_text(encoding="utf-8"))["results"][0]["result"]["element_count"]
               for p in (root / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json") if run_name in p.parts)


def test_validating_only_new_rows_gives_the_outcome_of_a_full_validation(grown):
    root, path, before = grown
    total = query(path, "select count(*) from marts.fct_check_results")[0][0]

    incremental = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="incremental",
                                  known=before.row_verdicts)
    full = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="full")

    new_ids = {i for (i,) in query(path, "select check_result_id from marts.fct_check_results")} - set(
        before.row_verdicts["check_result_id"])
    assert new_ids and len(new_ids) <= incremental.validated_rows < total and full.validated_rows == total
    # failing rows validated before growing keep their verdict without being validated again
    assert set(before.failing_check_result_ids) & set(incremental.failing_check_result_ids)
    assert incremental == dataclasses.replace(full, run_name="incremental",
                                              validated_rows=incremental.validated_rows)
    pd.testing.assert_frame_equal(incremental.row_verdicts, full.row_verdicts)
    assert _rows_seen(root, "incremental") == incremental.validated_rows  # its page: the new rows only
    assert _rows_seen(root, "full") == total


def test_nothing_new_means_no_checkpoint_run(grown):
    root, path, _ = grown
    full = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="again-full")
    index_before = full.data_docs_index.read_bytes()

    unchanged = validate_checks(path, root / "data_docs", context_dir=root / "gx", run_name="nothing-new",
                                known=full.row_verdicts)

    assert unchanged.validated_rows == 0 and _rows_seen(root, "nothing-new") == 0
    assert full.data_docs_index.read_bytes() == index_before
    assert unchanged == dataclasses.replace(full, run_name="nothing-new", validated_rows=0)


def test_stored_results_serialize_as_gx_serializes_them_and_stay_unchanged(built):
    # expectations/result_copies.py: shallow copies instead of GX's deep ones, the same JSON
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema

    from expectations import result_copies
    from expectations.checkpoint import open_context

    root, _, _ = built
    store = open_context(root / "gx", root / "data_docs").validation_results_store
    results = [store.get(key) for key in store.list_keys()]
    assert len(results) >= 10
    ours = [(json.dumps(r.to_json_dict(), sort_keys=True), expectationSuiteValidationResultSchema.dumps(r))
            for r in results]
    result_copies.uninstall()
    try:
        gx_own = [(json.dumps(r.to_json_dict(), sort_keys=True), expectationSuiteValidationResultSchema.dumps(r))
                  for r in results]
    finally:
        result_copies.install()
    assert ours == gx_own  # also: serializing did not change the results, or GX's pass would differ
    listed = [r for text, _ in ours for r in json.loads(text)["results"] if r["result"].get("unexpected_index_list")]
    assert listed and all(row["check_result_id"] for r in listed for row in r["result"]["unexpected_index_list"])
