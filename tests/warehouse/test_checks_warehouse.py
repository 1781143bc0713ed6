"""Every check of the spec over a warehouse of generated reports (tests/support/check_cases.py): each one passes
on a report built to pass and fails on a report built to fail, in marts.fct_check_results."""
from __future__ import annotations

import pytest

from extract.keys import T3_COLUMNS, T3_ROWS
from tests.support.check_cases import APPLICANTS, REAL_NARRATIVE_CASE, REAL_SIMILAR_CASES, check_rows, shared_warehouse
from tests.support.warehouse import query


@pytest.fixture(scope="module")
def warehouse():
    return shared_warehouse()[0]


@pytest.fixture(scope="module")
def docs():
    return shared_warehouse()[1]


def test_a_valid_report_passes_every_check_it_can_evaluate(warehouse):
    rows = query(warehouse, "select check_code, result, count(*) from marts.fct_check_results "
                            "where agency = '乙市财政局' group by all order by all")
    assert {(code, result) for code, result, _ in rows} == {
        ("identity_1", "pass"), ("identity_2", "pass"), ("identity_3", "pass"), ("identity_4", "pass"),
        ("counts_6", "pass"), ("narrative_8", "pass"), ("deadline_9", "pass"),
        # its first report: the checks across years say they could not run, never a silent gap
        ("identity_5", "not_evaluated"), ("stock_7", "not_evaluated"), ("similarity_9", "not_evaluated"),
    }


def test_identity_1_breach_in_applicant_columns_only_is_found_although_the_total_adds_up(warehouse):
    checks = check_rows(warehouse, "丙市财政局", 2023, "identity_1")
    failing = {scope for scope, (_, _, result) in checks.items() if result == "fail"}
    assert failing == {"natural_person", "commercial_enterprise"}
    assert checks["total"][2] == "pass"
    natural_lhs, natural_rhs, _ = checks["natural_person"]
    assert natural_lhs - natural_rhs == 2  # two applications carried forward under the wrong column
    assert checks["commercial_enterprise"][0] - checks["commercial_enterprise"][1] == -2


def test_identity_5_carry_over_mismatch_fails_per_column_where_the_total_passes(warehouse):
    checks = check_rows(warehouse, "戊市财政局", 2023, "identity_5")
    assert checks["natural_person"] == (0.0, 1.0, "fail")
    assert checks["commercial_enterprise"] == (1.0, 0.0, "fail")
    assert checks["total"] == (1.0, 1.0, "pass")
    assert {checks[c][2] for c in APPLICANTS if c not in ("natural_person", "commercial_enterprise")} == {"pass"}


def test_identity_5_passes_when_the_carry_over_is_chained(warehouse):
    checks = check_rows(warehouse, "丁市财政局", 2023, "identity_5")
    assert checks["natural_person"] == (3.0, 3.0, "pass")
    assert {result for _, _, result in checks.values()} == {"pass"}
    assert len(checks) == 7


def test_the_alias_seed_joins_an_abbreviated_and_a_full_agency_name_across_years(warehouse, docs):
    assert docs["alias-2022"]["agency"] == "北关区工信局"  # as printed in the title
    rows = query(warehouse, "select year, agency, agency_as_printed from marts.fct_reports "
                            "where original_name like 'alias-%' order by year")
    assert rows == [(2022, "安阳市北关区工业和信息化局", "北关区工信局"),
                    (2023, "安阳市北关区工业和信息化局", "安阳市北关区工业和信息化局")]
    checks = check_rows(warehouse, "安阳市北关区工业和信息化局", 2023, "identity_5")
    assert len(checks) == 7 and {result for _, _, result in checks.values()} == {"pass"}


def test_a_stated_number_that_disagrees_with_the_table_is_a_narrative_warning(warehouse, docs):
    broken = check_rows(warehouse, "丙市财政局", 2023, "narrative_8")
    received = docs["broken"]["cells"]["t3.new_received.total"]
    assert broken["applications_received"] == (received + 5, received, "fail")
    assert broken["reconsideration"][2] == "pass"
    valid = check_rows(warehouse, "乙市财政局", 2023, "narrative_8")
    assert valid["applications_received"] == (docs["valid"]["cells"]["t3.new_received.total"],) * 2 + ("pass",)
    assert {result for _, _, result in valid.values()} == {"pass"}


def test_a_real_report_whose_text_counts_applications_differently_from_its_table(warehouse):
    [agency] = query(warehouse, "select distinct agency from marts.fct_reports where original_name = ?",
                     [f"{REAL_NARRATIVE_CASE}.txt"])[0]
    checks = check_rows(warehouse, agency, 2022, "narrative_8")
    # "全区收到政府信息公开申请75件": 74 new + 1 carried over; 表三 new_received.total prints 74
    assert checks["applications_received"] == (75.0, 74.0, "fail")
    assert checks["reconsideration"] == (2.0, 2.0, "pass")  # "行政复议案件2件"
    assert checks["litigation"] == (1.0, 1.0, "pass")  # "行政诉讼案件1件": direct + after reconsideration


def test_narrative_finding_points_at_the_line_of_the_sentence(warehouse, docs):
    [(line, detail)] = query(warehouse, "select line, detail from marts.fct_check_results where agency = '丙市财政局' "
                                        "and check_code = 'narrative_8' and scope = 'applications_received'")
    text_lines = docs["broken"]["_text"].splitlines()
    assert "收到政府信息公开申请" in text_lines[line - 1]
    assert "t3.new_received.total" in detail


def test_publication_after_31_january_is_late(warehouse):
    assert check_rows(warehouse, "丙市财政局", 2023, "deadline_9") == {
        "published_on": (20240305.0, 20240131.0, "fail")}
    assert check_rows(warehouse, "乙市财政局", 2023, "deadline_9") == {
        "published_on": (20240120.0, 20240131.0, "pass")}
    # no date printed at the end: cannot be evaluated, not a breach
    assert check_rows(warehouse, "戊市财政局", 2023, "deadline_9")["published_on"][2] == "incomplete"


def test_prose_copied_from_last_year_is_reported_with_its_ratio(warehouse):
    assert check_rows(warehouse, "己市财政局", 2023, "similarity_9") == {"prose": (1.0, 0.5, "fail")}
    [(ratio, rhs, result)] = check_rows(warehouse, "庚市财政局", 2023, "similarity_9").values()
    assert result == "pass" and ratio < 0.2
    # the first report of an agency has nothing to be compared with: said, not silent
    assert check_rows(warehouse, "己市财政局", 2022, "similarity_9") == {"prose": (None, 0.5, "not_evaluated")}
    assert query(warehouse, "select detail from marts.fct_check_results where agency = ? and year = 2022 "
                            "and check_code = 'similarity_9'", ["己市财政局"]) == [
        ("no earlier report of 己市财政局 in the warehouse",)]


def test_a_real_report_repeating_most_of_its_predecessors_prose(warehouse):
    [(agency,)] = query(warehouse, "select distinct agency from marts.fct_reports where original_name = ?",
                        [f"{REAL_SIMILAR_CASES[1]}.txt"])
    [(ratio, threshold, result)] = check_rows(warehouse, agency, 2024, "similarity_9").values()
    assert result == "fail" and 0.5 < ratio < 0.8  # 63% of the 2024 prose is found in the 2020 report
    [(compared,)] = query(warehouse, "select original_name from marts.fct_reports where document_hash = ("
                                     "select compared_document_hash from marts.fct_check_results where agency = ? "
                                     "and year = 2024 and check_code = 'similarity_9')", [agency])
    assert compared == f"{REAL_SIMILAR_CASES[0]}.txt"


def test_table_2_stock_continuity_across_years(warehouse):
    checks = check_rows(warehouse, "丁市财政局", 2023, "stock_7")
    assert checks["regulations"][2] == "pass"
    lhs, rhs, result = checks["normative_documents"]
    assert (result, lhs - rhs) == ("fail", 7.0)


def test_negative_and_fractional_counts_are_warnings(warehouse):
    checks = check_rows(warehouse, "辛市财政局", 2023, "counts_6")
    assert checks["t3.granted.natural_person"] == (-2.0, 0.0, "fail")
    assert checks["t2.regulations.issued"][2] == "fail"
    clean = check_rows(warehouse, "乙市财政局", 2023, "counts_6")
    assert sorted(clean) == ["t2", "t3", "t4"]  # one pass row per table without an offending count
    assert {result for _, _, result in clean.values()} == {"pass"}
    assert clean["t3"][0] == len(T3_ROWS["2021"]) * len(T3_COLUMNS)  # every 表三 cell of the template


def test_a_blank_cell_inside_an_identity_is_incomplete_not_a_breach(warehouse):
    # 辛市财政局 prints new_received only: identity 1 cannot be evaluated, and nothing is called a breach
    checks = check_rows(warehouse, "辛市财政局", 2023, "identity_1")
    assert {result for _, _, result in checks.values()} == {"incomplete"}
    [(severity,)] = query(warehouse, "select distinct severity from marts.fct_check_results "
                                     "where agency = '辛市财政局' and check_code = 'identity_1'")
    assert severity == "warning"


def test_check_severities_follow_the_spec(warehouse):
    rows = dict(query(warehouse, "select check_code, string_agg(distinct severity, ',' order by severity) "
                                 "from marts.fct_check_results where result in ('pass', 'fail') group by check_code"))
    assert rows == {"identity_1": "failure", "identity_2": "failure", "identity_3": "failure",
                    "identity_4": "failure", "identity_5": "failure", "counts_6": "warning", "stock_7": "warning",
                    "narrative_8": "warning", "deadline_9": "warning", "similarity_9": "warning"}
    # a check that could not run (or had a blank cell) is a warning whatever the check: never a failure
    assert query(warehouse, "select distinct severity from marts.fct_check_results "
                            "where result in ('incomplete', 'not_evaluated')") == [("warning",)]
