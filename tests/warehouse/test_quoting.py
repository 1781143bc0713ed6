"""Facts safe to quote, on real documents extracted by the real extractor and built by the real dbt project:
the representative rendering per agency and year, value_status per fact, the maintainers' corrections (checks
recomputed on them), the review queue, one agency under two printed names, not_evaluated across years.

One warehouse for the module:
  pingtan-gov-2022   crawled text first (ok: its narrative settles its glued 表二 run), then the HTML page (ok)
  pingtan-scj-2023   the HTML page (ok) first, then the crawled text (needs_review)
  pingtan-shs-2023   crawled text only (needs_review: 规范性文件's digits glued, three readings)
  pingtan-gaj-2021   crawled text (ok), whose printed identity 1 breach a correction below "fixes"
  huaian-hongze-gov-2023  the PDF, titled 洪泽区人民政府; plus a made-up 2022 report of 淮安市洪泽区人民政府
and a corrections file with valid lines and lines that cannot be applied.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from extract import extract_file
from extract.keys import T3_COLUMNS
from pipeline.corrections import load_corrections
from tests.support.paths import DEV_CASES_DIR
from tests.support.warehouse import FIRST_ARRIVAL, load_staging, query, run_dbt, synthetic_document

pytestmark = pytest.mark.integration

NORMATIVE = ("t2.normative_documents.issued", "t2.normative_documents.repealed",
             "t2.normative_documents.in_force")


def _extracted(case: str, source: str, minutes: int) -> dict:
    result = extract_file(DEV_CASES_DIR / case / source)
    sha = result.sha256
    return {**result.to_dict(), "object_key": f"raw/{sha[:2]}/{sha}", "original_name": f"{case}-{source}",
            "arrived_at": FIRST_ARRIVAL + timedelta(minutes=minutes), "quarantine_key": None}


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    docs = {
        "gov_txt": _extracted("pingtan-gov-2022", "source.txt", 0),
        "gov_html": _extracted("pingtan-gov-2022", "source.html", 10),
        "scj_html": _extracted("pingtan-scj-2023", "source.html", 0),
        "scj_txt": _extracted("pingtan-scj-2023", "source.txt", 10),
        "shs_txt": _extracted("pingtan-shs-2023", "source.txt", 0),
        "gaj_txt": _extracted("pingtan-gaj-2021", "source.txt", 0),
        "hongze_pdf": _extracted("huaian-hongze-gov-2023", "source.pdf", 0),
    }
    hongze_2022 = {f"t3.carried_forward.{c}": 0 for c in T3_COLUMNS}
    docs["hongze_2022"] = synthetic_document("淮安市洪泽区人民政府", 2022, hongze_2022)
    return docs


def _corrections_file(path: Path, docs: dict[str, dict]) -> Path:
    shs, gaj = docs["shs_txt"]["sha256"], docs["gaj_txt"]["sha256"]
    path.write_text("\n".join([
        "document_hash,key,value,note,decided_by,decided_at",
        f"{shs},t2.normative_documents.issued,2,read on the page,li.wei,2026-02-03",       # line 2: applied
        f"{gaj},t3.carried_forward.natural_person,0,test: breaks nothing,li.wei,2026-02-03",  # 3
        f"{gaj},t3.carried_forward.total,0,,li.wei,2026-02-03",                               # 4
        f"{'0' * 64},t3.granted.total,1,no such document,li.wei,2026-02-03",                  # 5: unknown document
        f"{shs},t9.granted.total,1,no such key,li.wei,2026-02-03",                            # 6: unknown key
        f"{shs},t3.granted.total,one,not a number,li.wei,2026-02-03",                         # 7
        f"{shs},t3.granted.total,1.5,half an application,li.wei,2026-02-03",                  # 8: not a count
        f"{shs},t3.other_processing.total,1,2019 row in a 2021 report,li.wei,2026-02-03",     # 9
        f"{shs},t2.normative_documents.repealed,,printed blank,li.wei,2026-02-03",            # 10: applied, null
    ]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, documents):
    directory = tmp_path_factory.mktemp("quoting")
    path = directory / "warehouse.duckdb"
    load_staging(path, list(documents.values()))
    outcome = load_corrections(path, _corrections_file(directory / "corrections.csv", documents))
    build = run_dbt(path, "build")
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    return path, outcome


def _cells_of(path, mart: str, value_column: str, document_hash: str) -> dict[str, float | None]:
    rows = query(path, f"select cell_id, {value_column} from marts.{mart} where document_hash = ?", [document_hash])
    return {cell_id.split(":", 1)[1]: value for cell_id, value in rows}


@pytest.mark.parametrize("case, ok, review, crawl_status", [
    ("pingtan-gov-2022", "gov_html", "gov_txt", "ok"),  # both ok: the page (cell boundaries) over the crawl
    ("pingtan-scj-2023", "scj_html", "scj_txt", "needs_review"),  # ok first over the later needs_review crawl
], ids=["ok crawl first, ok page later", "ok page first, needs_review crawl later"])
def test_two_renderings_in_either_order_the_facts_come_from_the_page(warehouse, documents, case, ok, review,
                                                                      crawl_status):
    path, _ = warehouse
    ok_doc, review_doc = documents[ok], documents[review]
    assert (ok_doc["status"], review_doc["status"]) == ("ok", crawl_status)
    reports = dict(query(path, "select format, is_representative from marts.fct_reports where document_hash in (?, ?)",
                         [ok_doc["sha256"], review_doc["sha256"]]))
    assert reports == {"html": True, "txt": False}
    assert query(path, "select is_latest_for_agency_year from marts.fct_reports where document_hash = ?",
                 [ok_doc["sha256"]]) == [(True,)]
    facts = {**_cells_of(path, "fct_application_outcomes", "application_count", ok_doc["sha256"]),
             **_cells_of(path, "fct_proactive_disclosure", "value", ok_doc["sha256"]),
             **_cells_of(path, "fct_review_litigation", "case_count", ok_doc["sha256"])}
    assert facts == ok_doc["cells"]  # every cell of the ok page, nothing of the crawl
    for mart in ("fct_application_outcomes", "fct_proactive_disclosure", "fct_review_litigation",
                 "fct_identity_checks", "fct_check_results", "fct_review_queue"):
        assert query(path, f"select count(*) from marts.{mart} where document_hash = ?",
                     [review_doc["sha256"]]) == [(0,)], mart
    statuses = query(path, "select distinct value_status from marts.fct_proactive_disclosure where document_hash = ?",
                     [ok_doc["sha256"]])
    assert statuses == [("printed",)]


def test_a_needs_review_crawl_first_and_the_ok_page_later_the_facts_come_from_the_page(tmp_path):
    # the module's warehouse has pingtan-scj-2023's page first; here its crawl (needs_review) arrives first
    crawl = _extracted("pingtan-scj-2023", "source.txt", 0)
    page = _extracted("pingtan-scj-2023", "source.html", 10)
    assert (crawl["status"], page["status"]) == ("needs_review", "ok")
    path = tmp_path / "warehouse.duckdb"
    load_staging(path, [crawl, page])
    build = run_dbt(path, "build")
    assert build.returncode == 0, build.stdout[-4000:]
    assert dict(query(path, "select format, is_representative from marts.fct_reports")) == {"txt": False,
                                                                                          "html": True}
    assert _cells_of(path, "fct_application_outcomes", "application_count", page["sha256"]) == {
        k: v for k, v in page["cells"].items() if k.startswith("t3.")}
    assert query(path, "select count(*) from marts.fct_application_outcomes where document_hash = ?",
                 [crawl["sha256"]]) == [(0,)]


def test_an_ambiguous_cell_is_uncertain_and_waits_in_the_review_queue(warehouse, documents):
    path, _ = warehouse
    shs = documents["shs_txt"]
    by_status = dict(query(path, """select measure, value_status from marts.fct_proactive_disclosure
                                    where document_hash = ? and category = 'normative_documents'""", [shs["sha256"]]))
    # issued and repealed were corrected (lines 2 and 10); in_force is still the parser's provisional reading
    assert by_status == {"issued": "corrected", "repealed": "corrected", "in_force": "uncertain"}
    assert query(path, "select uncertain_cell_count, corrected_cell_count from marts.fct_reports "
                       "where document_hash = ?", [shs["sha256"]]) == [(1, 2)]
    [queued] = query(path, """select cell_key, provisional_value, candidates, uncertain_because, location,
                                     correction_line from marts.fct_review_queue where document_hash = ?""",
                     [shs["sha256"]])
    in_force = shs["provenance"]["t2.normative_documents.in_force"]
    assert queued[:5] == ("t2.normative_documents.in_force", shs["cells"]["t2.normative_documents.in_force"],
                          " | ".join(str(c) for c in in_force["candidates"]), "ambiguous_split",
                          f"line {in_force['line']}")
    assert queued[5].startswith(f"{shs['sha256']},t2.normative_documents.in_force,?,\"candidates ")
    assert queued[5].endswith('",,')


def test_a_correction_is_quoted_as_corrected_and_the_extracted_value_stays_beside_it(warehouse, documents):
    path, _ = warehouse
    shs = documents["shs_txt"]
    rows = dict((measure, (value, count, extracted)) for measure, value, count, extracted in query(path, """
        select measure, value, count_value, extracted_value from marts.fct_proactive_disclosure
        where document_hash = ? and category = 'normative_documents'""", [shs["sha256"]]))
    assert rows["issued"] == (2, 2, shs["cells"]["t2.normative_documents.issued"])
    assert rows["repealed"][:2] == (None, None)  # an empty value: printed blank


def test_identity_checks_are_recomputed_on_the_corrected_values(warehouse, documents):
    path, _ = warehouse
    gaj = documents["gaj_txt"]
    # as printed: 一 (1) + 二 (0) = 1, but 总计 (1) + 结转下年度 (1) = 2 in natural_person and total
    assert [(i["identity"], i["scope"]) for i in gaj["identity_checks"] if i["result"] == "fail"] == [
        (1, "natural_person"), (1, "total")]
    identity_1 = dict((scope, (lhs, rhs, result)) for scope, lhs, rhs, result in query(path, """
        select scope, lhs, rhs, result from marts.fct_identity_checks
        where document_hash = ? and identity = 1 and scope in ('natural_person', 'total')""", [gaj["sha256"]]))
    assert identity_1 == {"natural_person": (1, 1, "pass"), "total": (1, 1, "pass")}
    assert query(path, "select count(*) from marts.fct_check_results where document_hash = ? and result = 'fail'",
                 [gaj["sha256"]]) == [(0,)]
    assert query(path, """select application_count, value_status from marts.fct_application_outcomes
                          where document_hash = ? and outcome = 'carried_forward' and applicant_type = 'total'""",
                 [gaj["sha256"]]) == [(0, "corrected")]


def test_correction_lines_that_cannot_be_applied_are_kept_with_their_line_and_reason(warehouse):
    path, outcome = warehouse
    problems = dict(query(path, "select line_number, problem from landing.corrections where problem is not null"))
    assert sorted(problems) == [5, 6, 7, 8, 9]
    assert problems[5].startswith("unknown document 000")
    assert problems[6].startswith("unknown key 't9.granted.total'")
    assert problems[7].startswith("value 'one' is not a number")
    assert problems[8].startswith("value '1.5' is not a count")
    assert problems[9] == "the 2021 template has no cell t3.other_processing.total"
    assert outcome["corrections_applied"] == 4 and outcome["corrections_skipped"] == 5


def test_one_district_printed_with_and_without_its_city_is_one_agency(warehouse, documents):
    path, _ = warehouse
    assert documents["hongze_pdf"]["agency"] == "洪泽区人民政府"
    assert query(path, """select agency, names_printed, report_count from marts.dim_agency
                          where agency like '%洪泽区%'""") == [
        ("淮安市洪泽区人民政府", "洪泽区人民政府 | 淮安市洪泽区人民政府", 2)]
    identity_5 = query(path, """select distinct result, compared_document_hash from marts.fct_identity_checks
                                where document_hash = ? and identity = 5""", [documents["hongze_pdf"]["sha256"]])
    assert identity_5 == [("pass", documents["hongze_2022"]["sha256"])]


def test_a_check_across_years_without_the_previous_report_says_so(warehouse, documents):
    path, _ = warehouse
    shs = documents["shs_txt"]
    rows = query(path, """select check_code, result, detail from marts.fct_check_results
                          where document_hash = ? and check_code in ('identity_5', 'stock_7', 'similarity_9')
                          group by all order by all""", [shs["sha256"]])
    assert rows == [
        ("identity_5", "not_evaluated", "no report of 平潭综合实验区社会事业局 for 2022 in the warehouse"),
        ("similarity_9", "not_evaluated", "no earlier report of 平潭综合实验区社会事业局 in the warehouse"),
        ("stock_7", "not_evaluated", "no report of 平潭综合实验区社会事业局 for 2022 in the warehouse"),
    ]


def test_counts_are_integers_and_amounts_have_a_normalised_column(warehouse, documents):
    path, _ = warehouse
    types = dict(query(path, """select table_name || '.' || column_name, data_type from information_schema.columns
                                where table_schema = 'marts' and column_name in
                                ('application_count', 'case_count', 'count_value', 'amount_wan_yuan', 'value')"""))
    assert types == {"fct_application_outcomes.application_count": "BIGINT",
                     "fct_review_litigation.case_count": "BIGINT",
                     "fct_proactive_disclosure.count_value": "BIGINT",
                     "fct_proactive_disclosure.value": "DOUBLE",
                     "fct_proactive_disclosure.amount_wan_yuan": "DOUBLE"}
    fees = query(path, """select value, unit, amount_wan_yuan from marts.fct_proactive_disclosure
                          where document_hash = ? and category = 'administrative_fees'""",
                 [documents["gov_html"]["sha256"]])
    assert fees == [(9116.36, "万元", 9116.36)]
