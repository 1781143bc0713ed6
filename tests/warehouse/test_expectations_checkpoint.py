"""The checkpoint over a real dbt-built warehouse: what GX reports equals what marts.fct_check_results holds.

Warehouse: the sample and dev-corpus golds, a failed document, and two made-up following-year reports so
identity 5 has a pass, a fail and an incomplete (see tests/support/warehouse.py: following_year_documents).
"""
from __future__ import annotations

import json

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
