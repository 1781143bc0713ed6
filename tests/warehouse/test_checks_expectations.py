"""The plausibility suites (GX) over marts.fct_check_results agree with the warehouse and build Data Docs."""
from __future__ import annotations

import pytest

from expectations.plausibility import PLAUSIBILITY_CHECKS, run_plausibility_checkpoint
from tests.support.check_cases import shared_warehouse
from tests.support.warehouse import query


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    warehouse, _ = shared_warehouse()
    root = tmp_path_factory.mktemp("plausibility")
    first = run_plausibility_checkpoint(warehouse, root / "data-docs", context_dir=root, run_name="first")
    second = run_plausibility_checkpoint(warehouse, root / "data-docs", context_dir=root, run_name="second")
    return warehouse, root, first, second


def test_gx_reports_exactly_the_failing_warning_rows(validated):
    warehouse, _, first, _ = validated
    expected = sorted(row[0] for row in query(
        warehouse, "select check_result_id from marts.fct_check_results where severity = 'warning' "
                   "and result = 'fail' and check_code not like 'identity_%'"))
    assert expected and list(first.failing_check_result_ids) == expected
    assert first.success is False
    for code in PLAUSIBILITY_CHECKS:
        [(evaluated, failed)] = query(warehouse, "select count(*), count(*) filter (where result = 'fail') "
                                                 "from marts.fct_check_results where check_code = ?", [code])
        assert first.counts[code] == {"evaluated": evaluated, "failed": failed}


def test_rerunning_the_checkpoint_is_idempotent_and_writes_data_docs(validated):
    _, root, first, second = validated
    assert (second.counts, second.failing_check_result_ids) == (first.counts, first.failing_check_result_ids)
    index = root / "data-docs" / "index.html"
    assert index.is_file()
    pages = [p.read_text(encoding="utf-8") for p in (root / "data-docs").rglob("*.html")]
    assert any("plausibility_narrative_8" in page for page in pages)
