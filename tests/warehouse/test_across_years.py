"""Identity 5 across years (carried_over(year) = carried_forward(year - 1), same agency), in the warehouse.

The dev corpus has no agency with two consecutive years, so two made-up following-year reports (only
表三 carried_over) sit beside the real reports they are compared with; see tests/support/warehouse.py: 
"""
from __future__ import annotations

import pytest

from tests.support.warehouse import following_year_documents, gold_documents, load_staging, query, run_dbt

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    real = [d for d in gold_documents() if d["agency"] in ("平潭综合实验区公安局", "平潭综合实验区财政金融局")]
    made_up = following_year_documents(real)
    path = tmp_path_factory.mktemp("across-years") / "warehouse.duckdb"
    load_staging(path, real + made_up)
    build = run_dbt(path, "build")
    assert build.returncode == 0, build.stdout[-4000:]
    hashes = {(d["agency"], d["year"]): d["sha256"] for d in real + made_up}
    return path, hashes


def _identity_5(path, agency, year):
    return query(path, """
        select scope, lhs, rhs, result, compared_document_hash from marts.fct_identity_checks
        where identity = 5 and agency = ? and year = ? order by scope""", [agency, year])


def test_carried_over_equal_to_last_years_carried_forward_passes_and_a_blank_is_incomplete(warehouse):
    path, hashes = warehouse
    rows = _identity_5(path, "平潭综合实验区公安局", 2022)
    by_scope = {scope: (lhs, rhs, result) for scope, lhs, rhs, result, _ in rows}
    assert by_scope["natural_person"] == (1.0, 1.0, "pass")
    assert by_scope["total"] == (1.0, 1.0, "pass")
    assert by_scope["other_org"] == (None, None, "incomplete")
    assert len(rows) == 7
    assert {compared for *_, compared in rows} == {hashes[("平潭综合实验区公安局", 2021)]}


def test_carried_over_that_last_year_did_not_carry_forward_fails(warehouse):
    path, hashes = warehouse
    fails = [(scope, lhs, rhs, compared) for scope, lhs, rhs, result, compared
             in _identity_5(path, "平潭综合实验区财政金融局", 2021) if result == "fail"]
    previous = hashes[("平潭综合实验区财政金融局", 2020)]
    assert fails == [("natural_person", 2.0, 0.0, previous), ("total", 2.0, 0.0, previous)]


def test_a_report_without_last_years_report_is_not_evaluated_and_says_why(warehouse):
    path, _ = warehouse
    for agency, year in (("平潭综合实验区公安局", 2021), ("平潭综合实验区财政金融局", 2020),
                         ("平潭综合实验区财政金融局", 2024)):
        rows = _identity_5(path, agency, year)
        assert rows and {(lhs, rhs, result, compared) for _, lhs, rhs, result, compared in rows} == {
            (None, None, "not_evaluated", None)}, (agency, year)
        assert query(path, "select distinct reason from marts.fct_identity_checks where identity = 5 "
                           "and agency = ? and year = ?", [agency, year]) == [
            (f"no report of {agency} for {year - 1} in the warehouse",)]
