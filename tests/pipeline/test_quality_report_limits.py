"""What the quality report counts and what it lists, on check results and a review queue built in a test
warehouse: the grid's counts come from DuckDB and equal a count of the rows one by one; at most
MOST_FINDINGS_LISTED open findings are listed (failures first) and MOST_REVIEW_VALUES_LISTED values of the
review queue, the report saying how many of how many, and no link leads to a finding that is not listed."""
from __future__ import annotations

import random
import re
from collections import defaultdict
from contextlib import closing
from typing import Any

import duckdb

from pipeline import findings, quality_report
from pipeline.quality_report import family_cells, write_quality_report
from pipeline.report_pictures import report_cells

CHECK_RESULT_COLUMNS = (
    "agency varchar, year integer, check_code varchar, check_family varchar, severity varchar, scope_kind varchar, "
    "scope varchar, result varchar, lhs double, rhs double, detail varchar, missing_cells varchar, "
    "document_hash varchar, compared_document_hash varchar, object_key varchar, original_name varchar, "
    "line integer, page integer, is_representative boolean")


def _write_mart(warehouse, table: str, columns: str, rows: list[dict[str, Any]]) -> None:
    """marts.`table` with `columns` (a column list as in CREATE TABLE) holding `rows` (the columns a row leaves
    out are null)."""
    names = [column.split()[0] for column in columns.split(", ")]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.{table} ({columns})")
        con.executemany(f"insert into marts.{table} values ({', '.join('?' * len(names))})",
                        [[row.get(name) for name in names] for row in rows])


def _write_check_results(warehouse, rows: list[dict[str, Any]]) -> None:
    _write_mart(warehouse, "fct_check_results", CHECK_RESULT_COLUMNS, rows)


def _failing(agency: str, check_code: str, family: str, severity: str, scope: str) -> dict[str, Any]:
    return {"agency": agency, "year": 2023, "check_code": check_code, "check_family": family, "severity": severity,
            "scope_kind": "column", "scope": scope, "result": "fail", "lhs": 7.0, "rhs": 5.0,
            "document_hash": f"hash-{agency}", "object_key": f"raw/{agency}.txt", "original_name": f"{agency}.txt",
            "line": 3, "is_representative": True}


def _report(tmp_path, rows, queue: list[dict[str, Any]] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(the written report, every open finding of `rows` as fct_findings holds it)."""
    warehouse = tmp_path / "warehouse.duckdb"
    _write_check_results(warehouse, rows)
    if queue is not None:
        _write_review_queue(warehouse, queue)
    with closing(findings.open_findings_db(tmp_path / "findings.duckdb", warehouse)) as con:
        findings.record_findings(con, {})
        every_open = [f for f in findings.all_findings(con) if f["status"] == "open"]
        path = write_quality_report(con, tmp_path / "report" / "index.html")
    return path.read_text(encoding="utf-8"), every_open


def _findings_table(html: str) -> list[str]:
    table = html[html.index('<table id="findings">'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<tr id="finding-([0-9a-f]+)"', table)


def _grid_links(html: str) -> dict[str, str]:
    """data-agency of a grid row -> the finding anchor its cells link to (one per row here)."""
    grid = html[html.index('<table id="grid">'):]
    grid = grid[:grid.index("</table>")]
    return {agency: re.findall(r'href="#finding-([0-9a-f]+)"', row)
            for agency, row in re.findall(r'<tr data-agency="([^"]+)"[^>]*>(.*?)</tr>', grid, re.S)}


SCENARIO = [  # agencies in this order sort 甲 乙 丙 丁 by code point: 丁 丙 乙 甲
    _failing("丁局", "counts_6", "counts", "warning", "t3.new_received"),
    _failing("丁局", "narrative_8", "narrative", "warning", "t1.row_3"),
    _failing("丙局", "counts_6", "counts", "warning", "t3.granted"),
    _failing("乙局", "identity_1", "identities", "failure", "total"),
    _failing("甲局", "identity_2", "identities", "failure", "natural_person"),
    _failing("甲局", "counts_6", "counts", "warning", "t3.denied"),
]


def test_more_open_findings_than_the_limit_lists_the_failures_first_and_says_how_many(tmp_path, monkeypatch):
    monkeypatch.setattr(quality_report, "MOST_FINDINGS_LISTED", 3)
    html, every_open = _report(tmp_path, SCENARIO)
    assert len(every_open) == 6

    def order(f):
        return (f["agency"], f["year"], f["check_code"], f["scope"], f["fingerprint"])

    failures = sorted((f for f in every_open if f["severity"] == "failure"), key=order)
    warnings = sorted((f for f in every_open if f["severity"] == "warning"), key=order)
    chosen = failures + warnings[:1]  # both failures, then the first warning by agency: 丁局's counts_6
    assert [f["agency"] for f in chosen] == ["乙局", "甲局", "丁局"]
    listed = _findings_table(html)
    assert listed == [f["fingerprint"] for f in sorted(chosen, key=order)]  # shown by agency, year, check, scope

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "3 of 6 open findings are listed here (at most 3): the failures first" in text
    assert "6 open finding(s)." in text  # the summary keeps the true number
    assert "fct_findings.parquet" in text and "FINDINGS_DB_PATH" in text

    # every link to a finding leads to a listed one; a failing report whose findings are not listed links nowhere
    anchors = re.findall(r'href="#(finding-[0-9a-f]+)"', html)
    assert anchors and set(anchors) <= {f"finding-{fingerprint}" for fingerprint in listed}
    links = _grid_links(html)
    fingerprint = {(f["agency"], f["check_code"]): f["fingerprint"] for f in every_open}
    assert links["丙局"] == [] and links["丁局"] == [fingerprint[("丁局", "counts_6")]]
    assert links["甲局"] == [fingerprint[("甲局", "identity_2")]]  # its warning is not listed, its failure is
    heatmap = html[html.index('id="check-heatmap"'):html.index("</svg>", html.index('id="check-heatmap"'))]
    assert re.search(r'<a href="#finding-[0-9a-f]+"><g class="heatmap-report"><rect [^>]*data-agency="丙局"',
                     heatmap) is None
    assert f'<a href="#finding-{fingerprint[("乙局", "identity_1")]}"><g class="heatmap-report">' in heatmap
    # the pictures of the findings in their sources: one figure per listed finding
    assert re.findall(r'<figure class="source" id="source-([0-9a-f]+)"', html) == listed


def test_as_many_open_findings_as_the_limit_are_all_listed_without_a_word_about_it(tmp_path, monkeypatch):
    monkeypatch.setattr(quality_report, "MOST_FINDINGS_LISTED", 6)
    html, every_open = _report(tmp_path, SCENARIO)
    assert sorted(_findings_table(html)) == sorted(f["fingerprint"] for f in every_open)
    assert 'id="findings-limit"' not in html and "6 open finding(s)." in html


def _reference_family_cells(results: list[dict[str, Any]]) -> dict:
    """The grid as the report counted it in Python before DuckDB did, row by row (reasons in order of first
    appearance)."""
    grid: dict = defaultdict(lambda: defaultdict(lambda: {"pass": 0, "fail": 0, "incomplete": 0,
                                                          "not_evaluated": 0, "reasons": []}))
    for row in results:
        if not row["is_representative"]:
            continue
        who = row["agency"] or f"(document {row['document_hash'][:12]})"
        counts = grid[(who, row["year"])][row["check_family"]]
        counts[row["result"]] += 1
        if row["result"] == "not_evaluated" and row.get("detail") and row["detail"] not in counts["reasons"]:
            counts["reasons"].append(row["detail"])
    return grid


def test_the_grid_counted_by_duckdb_equals_a_count_of_the_rows_one_by_one(tmp_path):
    rng = random.Random(7)
    reports = [("甲局", 2022, "a" * 64), ("甲局", 2023, "b" * 64), ("乙局", 2023, "c" * 64),
               (None, 2023, "d0123456789abcdef" * 4), (None, None, "e9876543210fedcba" * 4), ("丙局", None, "f" * 64)]
    families = ("identities", "across_years", "counts", "narrative", "similarity")
    rows = []
    for agency, year, document_hash in reports:
        for index in range(rng.randint(5, 40)):
            result = rng.choice(("pass", "pass", "fail", "incomplete", "not_evaluated"))
            rows.append({"agency": agency, "year": year, "document_hash": document_hash,
                         "check_family": rng.choice(families), "check_code": "identity_1", "result": result,
                         "detail": rng.choice((None, "", "no earlier report", "the report compared is blank")),
                         "is_representative": True, "scope": str(index)})
    # a second rendering of a report is not representative: never counted
    rows += [{**row, "document_hash": "9" * 64, "is_representative": False} for row in rows[:15]]
    warehouse = tmp_path / "warehouse.duckdb"
    _write_check_results(warehouse, rows)
    expected = _reference_family_cells(rows)
    assert sum(1 for row in rows if row["result"] == "not_evaluated" and row["detail"]) > 5

    with closing(findings.open_findings_db(tmp_path / "findings.duckdb", warehouse)) as con:
        grid = family_cells(con)

    assert set(grid) == set(expected) and len(grid) == len(reports)
    assert ("(document d0123456789a)", 2023) in grid
    for report, by_family in expected.items():
        assert set(grid[report]) == set(by_family)
        for family, counts in by_family.items():
            assert {**grid[report][family], "reasons": sorted(grid[report][family]["reasons"])} == {
                **counts, "reasons": sorted(counts["reasons"])}
            assert grid[report][family]["reasons"] == sorted(grid[report][family]["reasons"])
    # the heatmap's counts per report: the families summed
    assert report_cells(grid) == {report: {result: sum(c[result] for c in by_family.values())
                                           for result in ("pass", "fail", "incomplete", "not_evaluated")}
                                  for report, by_family in expected.items()}


REVIEW_QUEUE_COLUMNS = (
    "cell_id varchar, agency varchar, year integer, document_hash varchar, original_name varchar, format varchar, "
    "object_key varchar, table_no integer, cell_key varchar, provisional_value double, candidates varchar, "
    "uncertain_because varchar, location varchar, page integer, correction_line varchar")


def _write_review_queue(warehouse, rows: list[dict[str, Any]]) -> None:
    _write_mart(warehouse, "fct_review_queue", REVIEW_QUEUE_COLUMNS, rows)


def test_a_review_queue_longer_than_the_limit_lists_its_first_values_and_says_how_many(tmp_path, monkeypatch):
    monkeypatch.setattr(quality_report, "MOST_REVIEW_VALUES_LISTED", 2)
    queue = [{"cell_id": f"{agency}-{key}", "agency": agency, "year": 2023, "document_hash": f"hash-{agency}",
              "original_name": f"{agency}.txt", "format": "txt", "table_no": 3, "cell_key": key,
              "provisional_value": 12.0, "candidates": "12 | 17", "uncertain_because": "two readings",
              "location": "line 4", "correction_line": f"hash-{agency},{key},?,,,"}
             for agency, key in (("乙局", "t3.1.a"), ("甲局", "t3.2.a"), ("甲局", "t3.1.a"), ("丙局", "t3.1.a"),
                                 ("乙局", "t3.1.b"))]
    html, _ = _report(tmp_path, SCENARIO[:1], queue)

    listed = re.findall(r'<tr data-cell="([^"]+)">', html)
    assert listed == ["丙局-t3.1.a", "乙局-t3.1.a"]  # by agency, year, document, table, cell
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "5 value(s) in 3 representative report(s)" in text and "5 value(s) to review." in text
    assert "The first 2 of these 5 values are listed here (at most 2)" in text
    assert "fct_review_queue.parquet" in text

    monkeypatch.setattr(quality_report, "MOST_REVIEW_VALUES_LISTED", 5)
    html, _ = _report(tmp_path, SCENARIO[:1], queue)
    assert len(re.findall(r'<tr data-cell="', html)) == 5 and 'id="review-queue-limit"' not in html
