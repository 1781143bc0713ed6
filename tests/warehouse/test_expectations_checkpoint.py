"""The checkpoint over a real dbt-built warehouse: what GX reports equals what fct_identity_checks holds.

Warehouse: the sample and dev-corpus golds, a failed document, and two made-up following-year reports so
identity 5 has a pass, a fail and an incomplete (see tests/support/warehouse.py: following_year_documents).
"""
from __future__ import annotations

import json

import pytest

from expectations import run_checkpoint
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
    result = run_checkpoint(path, root / "data_docs", context_dir=root / "gx", run_name="first")
    return root, path, result


def _mart_rows(path, result):
    return sorted(query(path, """
        select document_hash, identity, scope, lhs, rhs, object_key, agency, year, compared_document_hash
        from marts.fct_identity_checks where result = ?""", [result]))


def _finding_rows(findings):
    return sorted((f.document_hash, f.identity, f.scope, f.lhs, f.rhs, f.object_key, f.agency, f.year,
                   f.compared_document_hash) for f in findings)


def test_failures_are_exactly_the_fail_rows_of_fct_identity_checks(built):
    root, path, result = built
    assert result.success is False
    assert _finding_rows(result.failures) == _mart_rows(path, "fail")
    assert {(f.identity, f.scope) for f in result.failures} == {
        (1, "natural_person"), (1, "total"),  # 公安局 2021 counted one application twice
        (4, "reconsideration"), (4, "litigation_after_reconsideration"),  # 洪泽区 2023 表四 totals printed 0
        (5, "natural_person"), (5, "total"),  # made-up 财政金融局 2021 vs its real 2020 report
    }


def test_incomplete_evaluations_are_exactly_the_incomplete_rows(built):
    _, path, result = built
    assert _finding_rows(result.incomplete) == _mart_rows(path, "incomplete")
    # identity 1: the made-up reports print carried_over only; 2, 3: 市场监督管理局 2023 blank sub-rows
    assert {f.suite for f in result.incomplete} == {"identity_1", "identity_2", "identity_3", "identity_5"}
    assert all(f.lhs is None and f.rhs is None and f.missing_cells for f in result.incomplete)


def test_counts_add_up_to_every_evaluation_in_the_warehouse(built):
    _, path, result = built
    by_result = dict(query(path, "select result, count(*) from marts.fct_identity_checks group by result"))
    assert result.counts == {"evaluated": sum(by_result.values()), "passed": by_result["pass"],
                             "failed": by_result["fail"], "incomplete": by_result["incomplete"]}


def test_data_docs_are_built_in_the_given_folder(built):
    root, _, result = built
    assert result.data_docs_index == root / "data_docs" / "index.html"
    index = result.data_docs_index.read_text(encoding="utf-8")
    for suite in ("identity_1", "identity_2", "identity_3", "identity_4", "identity_5"):
        assert suite in index
    stored = list((root / "gx" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == 5  # one stored validation result per suite for the run "first"


def test_suites_carry_meta_that_names_the_identity_and_where(built):
    root, _, _ = built
    suite = json.loads((root / "gx" / "gx" / "expectations" / "identity_4.json").read_text(encoding="utf-8"))
    metas = [e["meta"] for e in suite["expectations"]]
    assert {m["kind"] for m in metas} == {"breach", "incomplete"}
    assert all(m["identity"] == 4 and m["table"] == "表四" and m["scope_kind"] == "row" for m in metas)


def test_a_rerun_is_idempotent(built):
    root, path, first = built
    second = run_checkpoint(path, root / "data_docs", context_dir=root / "gx", run_name="second")
    assert second.failures == first.failures and second.incomplete == first.incomplete
    assert second.counts == first.counts
    assert sorted(p.name for p in (root / "gx" / "gx" / "expectations").glob("*.json")) == [
        f"identity_{n}.json" for n in range(1, 6)]
    assert len(list((root / "gx" / "gx" / "checkpoints").glob("*.json"))) == 1
