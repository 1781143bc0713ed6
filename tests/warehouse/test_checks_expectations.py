"""GX over the check-cases warehouse (every plausibility check failing somewhere): it reports exactly the
`fail` rows of every check, warnings included, and builds Data Docs with one suite per check."""
from __future__ import annotations

import pytest

from expectations import validate_checks
from extract.check_catalogue import CHECKS
from tests.support.check_cases import shared_warehouse
from tests.support.warehouse import query


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    warehouse, _ = shared_warehouse()
    root = tmp_path_factory.mktemp("validated")
    first = validate_checks(warehouse, root / "data-docs", context_dir=root, run_name="first")
    second = validate_checks(warehouse, root / "data-docs", context_dir=root, run_name="second")
    return warehouse, root, first, second


def test_gx_reports_exactly_the_failing_rows_of_every_check(validated):
    warehouse, _, first, _ = validated
    for check in CHECKS:
        failing = [row[0] for row in query(warehouse, "select check_result_id from marts.fct_check_results "
                                                      "where check_code = ? and result = 'fail'", [check.code])]
        [(evaluated,)] = query(warehouse, "select count(*) from marts.fct_check_results where check_code = ?",
                               [check.code])
        assert (first.counts[check.code].evaluated, first.counts[check.code].failed) == (evaluated, len(failing))
        assert set(failing) <= set(first.failing_check_result_ids), check.code
    warnings = query(warehouse, "select count(*) from marts.fct_check_results where result = 'fail' "
                                "and severity = 'warning'")[0][0]
    assert warnings > 0 and first.success is False


def test_rerunning_the_checkpoint_is_idempotent_and_writes_data_docs(validated):
    _, root, first, second = validated
    assert (second.counts, second.failing_check_result_ids) == (first.counts, first.failing_check_result_ids)
    assert (root / "data-docs" / "index.html").is_file()
    pages = [p.read_text(encoding="utf-8") for p in (root / "data-docs").rglob("*.html")]
    assert any("narrative_8" in page for page in pages)
