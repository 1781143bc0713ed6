"""The dbt warehouse built from the hand-made golds: mart values, identity checks, reruns.

One warehouse per module (dbt takes seconds): the 5 bundled sample golds, the dev-corpus golds (the two
cases with a txt and an html rendering load twice, as two crawls would) and one failed document.
"""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from extract.identities import check_identities
from tests.support.warehouse import (DBT_PROJECT_DIR, DEV_CORPUS_DIR, failed_document, gold_documents,
                                      load_staging, query, run_dbt)

pytestmark = pytest.mark.integration

MARTS = ("dim_agency", "fct_reports", "fct_application_outcomes", "fct_proactive_disclosure",
         "fct_review_litigation", "fct_identity_checks", "fct_check_results", "fct_review_queue")


@pytest.fixture(scope="module")
def documents():
    return gold_documents()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, documents):
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    scanned = dict(documents[0], ocr=True)  # as if read from a scan: only the flag differs
    load_staging(path, [scanned] + documents[1:] + [failed_document()])
    build = run_dbt(path, "build")
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    return path, build


def _meta(case_id: str) -> dict:
    return json.loads((DEV_CORPUS_DIR / case_id / "meta.json").read_text(encoding="utf-8"))


def _scalar(warehouse_path, sql, params=None):
    rows = query(warehouse_path, sql, params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def _compiled_test(artifacts_dir, test_name="column_rules") -> str:
    # dbt names it column_rules_fct_reports_<hash>.sql; the selection also ran the tests of the marts referring
    # to fct_reports (fct_review_queue's, ...)
    compiled = list((artifacts_dir / "dbt-target" / "compiled").rglob(f"{test_name}_fct_reports_*.sql"))
    assert len(compiled) == 1
    return compiled[0].read_text(encoding="utf-8")


def test_column_rules_fail_naming_each_rule_column_and_value_broken(warehouse, tmp_path):
    built, _ = warehouse
    damaged = tmp_path / "warehouse.duckdb"
    shutil.copy(built, damaged)
    with duckdb.connect(str(damaged)) as con:
        rows = con.execute("select count(*) from marts.fct_reports").fetchone()[0]
        first, last = con.execute("select min(document_hash), max(document_hash) from marts.fct_reports").fetchone()
        con.execute("update marts.fct_reports set is_ocr = null, status = 'parsed', template = null "
                    "where document_hash = ?", [first])  # a null template is accepted
        con.execute("update marts.fct_reports set template = '2020' where document_hash <> ?", [first])
        con.execute("update marts.fct_reports set agency = '不存在的机关' where document_hash = ?", [last])
        con.execute("insert into marts.fct_reports select * from marts.fct_reports where document_hash = ?", [first])
    selected = "fct_reports,test_name:column_rules"

    test = run_dbt(damaged, "test", "--select", selected)
    passing = run_dbt(built, "test", "--select", selected, artifacts_dir=tmp_path / "intact")

    assert test.returncode == 1
    assert "FAIL 5 column_rules_fct_reports_" in test.stdout  # one row per rule, column and value broken
    failures = query(damaged, "select * from (" + _compiled_test(tmp_path) + ") order by all")
    assert failures == [("accepted_values", "status", "parsed", 2),
                        ("accepted_values", "template", "2020", rows - 1),
                        ("not_null", "is_ocr", None, 2),
                        ("references", "agency", "不存在的机关", 1),
                        ("unique", "document_hash", first, 2)]
    assert passing.returncode == 0, passing.stdout[-2000:]


def test_printed_sum_errors_are_fail_rows_not_build_warnings(warehouse):
    path, build = warehouse
    assert "WARN=0 ERROR=0" in build.stdout
    fails = query(path, "select check_code, severity, count(*) from marts.fct_check_results where result = 'fail' "
                        "group by all order by all")
    assert fails == [("identity_1", "failure", 4), ("identity_4", "failure", 2)]  # the three breaches below


def test_every_check_model_passes_its_unit_test_in_the_build(warehouse):
    _, build = warehouse
    check_models = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "intermediate").glob("int_check_*.sql"))
    assert len(check_models) == 5
    for model in check_models:
        assert f"PASS {model}::" in build.stdout, model


def test_qianxinan_2023_received_one_new_application(warehouse):
    path, _ = warehouse
    count = _scalar(path, """
        select application_count from marts.fct_application_outcomes
        where agency = '黔西南州工业和信息化局' and year = 2023 and outcome = 'new_received'
          and applicant_type = 'total'""")
    assert count == 1


def test_wuzhong_2020_report_uses_the_2019_template_with_a_single_other_processing_row(warehouse):
    path, _ = warehouse
    assert _scalar(path, "select template from marts.fct_reports where agency = '吴忠市工业和信息化局' and year = 2020") \
        == "2019"
    outcomes = {row[0] for row in query(path, """
        select distinct outcome from marts.fct_application_outcomes
        where agency = '吴忠市工业和信息化局' and year = 2020""")}
    assert "other_processing" in outcomes
    assert not outcomes & {"other_no_correction", "other_unpaid_fee", "other_misc"}


def test_the_printed_breaches_named_in_the_dev_corpus_notes_are_fail_rows(warehouse):
    path, _ = warehouse
    fails = query(path, """
        select agency, year, identity, scope, lhs, rhs from marts.fct_identity_checks
        where result = 'fail' order by agency, identity, scope""")
    gaj, hongze, jjf = _meta("pingtan-gaj-2021"), _meta("huaian-hongze-gov-2023"), _meta("pingtan-jjf-2023")
    assert "DOCUMENT BREACH" in gaj["notes"] and "DOCUMENT BREACH" in hongze["notes"]
    assert "AGENCY'S OWN BREACH" in jjf["notes"]
    # gaj: "一 (1) + 二 (0) = 1, but （七）总计 (1) + 四、结转下年度继续办理 (1) = 2 (natural_person and total)"
    # hongze: "行政复议 printed 10/1/0/0 with 总计 0; 复议后起诉 printed 5/0/0/0 with 总计 0"
    assert sorted(fails) == sorted([
        (gaj["agency"], 2021, 1, "natural_person", 1.0, 2.0),
        (gaj["agency"], 2021, 1, "total", 1.0, 2.0),
        (hongze["agency"], 2023, 4, "litigation_after_reconsideration", 0.0, 5.0),
        (hongze["agency"], 2023, 4, "reconsideration", 0.0, 11.0),
        # jjf: "一+二 = 3 (自然人 and 总计 columns) but (七)总计 = 0 and 四、结转 = 0"
        (jjf["agency"], 2023, 1, "natural_person", 3.0, 0.0),
        (jjf["agency"], 2023, 1, "total", 3.0, 0.0),
    ])
    breach_cases = {p.parent.name for p in DEV_CORPUS_DIR.glob("*/meta.json") if "BREACH" in p.read_text()}
    assert breach_cases == {"pingtan-gaj-2021", "huaian-hongze-gov-2023", "pingtan-jjf-2023"}


def test_a_blank_cell_inside_an_identity_makes_it_incomplete_not_a_breach(warehouse):
    path, _ = warehouse
    agency = _meta("pingtan-scj-2023")["agency"]  # (六)其他处理 sub-rows 2 and 3 printed blank (rowspan=3)
    rows = query(path, """
        select identity, scope, lhs, rhs, missing_cells from marts.fct_identity_checks
        where agency = ? and result = 'incomplete'
          and document_hash in (select document_hash from marts.fct_reports where is_latest_for_agency_year)
        order by identity, scope""", [agency])
    assert [(r[0], r[1]) for r in rows] == (
        [(2, col) for col in sorted(["natural_person", "commercial_enterprise", "research_institution",
                                     "social_welfare_org", "legal_service_org", "other_org", "total"])]
        + [(3, "other_misc"), (3, "other_unpaid_fee")])
    assert all(r[2] is None and r[3] is None for r in rows)
    assert rows[-1][4] == ",".join(sorted(f"t3.other_unpaid_fee.{c}" for c in (
        "natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
        "legal_service_org", "other_org", "total")))
    blank = _scalar(path, """select count(*), count(application_count) from marts.fct_application_outcomes
                             where agency = ? and outcome in ('other_unpaid_fee', 'other_misc')""", [agency])
    assert blank == (14, 0)  # the rows are kept, the counts stay null (not 0)


def test_sql_identity_checks_agree_with_the_extractors_python_identities(warehouse, documents):
    path, _ = warehouse
    checked = {h for (h,) in query(path, "select document_hash from marts.fct_reports where is_representative")}
    for doc in documents:
        if doc["sha256"] not in checked:  # a second rendering: audited in fct_reports, never checked twice
            continue
        expected = sorted((c.identity, c.scope, c.lhs, c.rhs, c.result) for c in check_identities(doc["cells"]))
        actual = sorted(query(path, """
            select identity, scope, lhs, rhs, result from marts.fct_identity_checks
            where document_hash = ? and identity <= 4""", [doc["sha256"]]))
        assert actual == expected, doc["file"]


def test_failed_document_is_reported_but_contributes_no_facts(warehouse):
    path, _ = warehouse
    failed = failed_document()
    row = _scalar(path, """select status, cell_count, quarantine_key, is_latest_for_agency_year
                           from marts.fct_reports where document_hash = ?""", [failed["sha256"]])
    assert row == ("failed", 0, failed["quarantine_key"], False)
    for mart in MARTS[2:]:
        assert _scalar(path, f"select count(*) from marts.{mart} where document_hash = ?", [failed["sha256"]]) == 0


def test_reports_read_by_ocr_can_be_told_apart(warehouse, documents):
    path, _ = warehouse
    flags = dict(query(path, "select document_hash, is_ocr from marts.fct_reports"))
    assert flags[documents[0]["sha256"]] is True
    assert {flag for sha, flag in flags.items() if sha != documents[0]["sha256"]} == {False}


def test_two_renderings_of_one_report_count_once_and_the_html_page_stands(warehouse, documents):
    path, _ = warehouse
    agency = _meta("pingtan-gov-2022")["agency"]
    reports = query(path, """select format, is_representative, is_latest_for_agency_year from marts.fct_reports
                             where agency = ? order by format""", [agency])
    assert reports == [("html", True, True), ("txt", False, False)]
    rows, distinct_cells = _scalar(path, """
        select count(*), count(distinct outcome || applicant_type) from marts.fct_application_outcomes
        where agency = ? and year = 2022""", [agency])
    assert rows == distinct_cells == 25 * 7  # 2021 template: 25 rows of 表三 x 7 columns
    assert _scalar(path, "select application_count from marts.fct_application_outcomes where agency = ? "
                         "and outcome = 'total_processed' and applicant_type = 'total'", [agency]) == 75


def test_review_litigation_and_proactive_disclosure_values(warehouse):
    path, _ = warehouse
    shs = _meta("pingtan-shs-2023")["agency"]
    direct = dict(query(path, """select result, case_count from marts.fct_review_litigation
                                 where agency = ? and proceeding = 'litigation_direct'""", [shs]))
    assert direct == {"upheld": 3, "corrected": 0, "other": 0, "pending": 1, "total": 4}
    czj = _meta("pingtan-czj-2024")["agency"]
    assert _scalar(path, """select value from marts.fct_proactive_disclosure where agency = ? and year = 2024
                            and category = 'administrative_fees' and measure = 'amount'""", [czj]) == 18651.064104
    assert _scalar(path, """select value from marts.fct_proactive_disclosure where agency = ? and year = 2020
                            and category = 'centralized_procurement' and measure = 'total_amount'""",
                   [czj]) == 984361
    # shs printed no 规章 row: no facts invented for it
    assert _scalar(path, "select count(*) from marts.fct_proactive_disclosure where agency = ? "
                         "and category = 'regulations'", [shs]) == 0


def test_dim_agency_has_one_row_per_agency_with_its_reporting_years(warehouse, documents):
    path, _ = warehouse
    assert _scalar(path, "select count(*) from marts.dim_agency") == len({d["agency"] for d in documents})
    czj = _meta("pingtan-czj-2024")["agency"]
    assert _scalar(path, "select report_count, first_report_year, last_report_year from marts.dim_agency "
                         "where agency = ?", [czj]) == (2, 2020, 2024)


def test_years_that_are_not_consecutive_are_not_compared_by_identity_5(warehouse):
    path, _ = warehouse  # 财政金融局 has 2020 and 2024 only
    assert query(path, "select distinct result, compared_document_hash from marts.fct_identity_checks "
                       "where identity = 5") == [("not_evaluated", None)]


def _snapshot(path):
    return {mart: query(path, f"select * from marts.{mart} order by all") for mart in MARTS}


def test_running_dbt_twice_gives_identical_marts(warehouse):
    path, _ = warehouse
    before = _snapshot(path)
    rebuild = run_dbt(path, "build")
    assert rebuild.returncode == 0, rebuild.stdout[-3000:]
    after = _snapshot(path)
    assert after == before
    assert len(after["fct_reports"]) == 17 and len(after["fct_identity_checks"]) == 678


def test_default_warehouse_path_is_var_under_the_directory_dbt_runs_from(tmp_path):
    # dbt-duckdb opens the path relative to the working directory; the DAG and the Makefile run dbt from
    # the repository root, where var/warehouse.duckdb is the documented default.
    (tmp_path / "var").mkdir()
    seed = run_dbt(None, "seed", "--select", "t3_columns", cwd=tmp_path, artifacts_dir=tmp_path)
    assert seed.returncode == 0, seed.stdout[-3000:]
    assert query(tmp_path / "var" / "warehouse.duckdb", "select count(*) from reference.t3_columns") == [(7,)]
