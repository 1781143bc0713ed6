"""`ok` means complete (extract/completeness.py), on real reports with gold: every row the template defines is
expected; a deleted row, a table cut off after its heading and a table that is not there at all are
needs_review and named; the 表二 规章 row alone may be absent with status ok."""
from __future__ import annotations

import pytest

from extract import extract_bytes
from tests.support.damage import cell_differences, gold_documents
from tests.support.paths import DEV_CASES_DIR, SAMPLES_DIR

BEIGUAN = SAMPLES_DIR / "beiguan-gxj-2023.txt"  # 2021 template, tab-separated, every table printed
WUZHONG = SAMPLES_DIR / "wuzhong-gxj-2020.txt"  # 2019 template


def lines_of(path):
    return path.read_text("utf-8").split("\n")


def without_line(path, starts_with: str) -> bytes:
    lines = lines_of(path)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith(starts_with))
    return "\n".join(lines[:index] + lines[index + 1:]).encode()


def errors(result):
    return [(i.code, i.details.get("table"), i.details.get("rows")) for i in result.issues if i.severity == "error"]


@pytest.mark.parametrize("gold", [g for g in gold_documents() if g.fmt in ("txt", "html")], ids=lambda g: g.name)
def test_an_undamaged_real_report_has_no_missing_row_or_table(gold):
    result = extract_bytes(gold.data, f"report.{gold.fmt}")
    codes = {i.code for i in result.issues if i.severity == "error"}
    assert not codes & {"row_missing", "table_missing", "table_unread"}, result.issues


@pytest.mark.parametrize("label, row", [("行政处罚", "administrative_penalty"),
                                        ("行政规范性文件", "normative_documents"),
                                        ("行政事业性收费", "administrative_fees")])
def test_a_deleted_table_two_row_is_needs_review_naming_the_row(label, row):
    result = extract_bytes(without_line(BEIGUAN, label), "beiguan.txt")
    assert result.status == "needs_review"
    assert errors(result) == [("row_missing", 2, [row])]


@pytest.mark.parametrize("label, row", [("二、上年结转", "carried_over"), ("2.重复申请", "rejected_duplicate"),
                                        ("四、结转下年度", "carried_forward")])
def test_a_deleted_table_three_row_is_needs_review_naming_the_row(label, row):
    result = extract_bytes(without_line(BEIGUAN, label), "beiguan.txt")
    assert result.status == "needs_review"
    assert ("row_missing", 3, [row]) in errors(result)


def test_a_deleted_row_of_the_2019_template_is_named_too():
    result = extract_bytes(without_line(WUZHONG, "行政强制"), "wuzhong.txt")
    assert result.template == "2019"
    assert ("row_missing", 2, ["administrative_coercion"]) in errors(result)


def test_table_four_cut_off_after_its_heading_is_unread_not_absent():
    text = BEIGUAN.read_text("utf-8")
    cut = text[:text.index("四、政府信息公开行政复议") + 40].encode()
    result = extract_bytes(cut, "beiguan.txt")
    assert result.status == "needs_review"
    assert errors(result) == [("table_unread", 4, None)]
    assert not any(k.startswith("t4.") for k in result.cells)


def test_a_table_whose_cells_are_gone_but_heading_and_headers_remain_is_unread():
    result = extract_bytes(without_line(BEIGUAN, "0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0"), "beiguan.txt")
    assert errors(result) == [("table_unread", 4, None)]


def test_a_report_cut_before_table_four_says_the_table_is_missing():
    text = BEIGUAN.read_text("utf-8")
    cut = text[:text.index("#### 四、政府信息公开行政复议")].encode()
    result = extract_bytes(cut, "beiguan.txt")
    assert result.status == "needs_review"
    assert errors(result) == [("table_missing", 4, None)]


def test_a_report_without_table_two_says_the_table_is_missing():
    lines = lines_of(BEIGUAN)
    start = next(i for i, line in enumerate(lines) if "主动公开政府信息情况" in line)
    end = next(i for i, line in enumerate(lines) if "收到和处理政府信息公开申请情况" in line)
    result = extract_bytes("\n".join(lines[:start] + lines[end:]).encode(), "beiguan.txt")
    assert result.status == "needs_review"
    assert errors(result) == [("table_missing", 2, None)]


@pytest.mark.parametrize("source", ["source.html", "source.txt"])
def test_the_rule_row_left_out_by_a_department_without_rule_making_power_is_info_only(source):
    # pingtan-scj-2023 prints no 规章 row at all (see its meta.json); its html copy is otherwise clean
    case = DEV_CASES_DIR / "pingtan-scj-2023"
    result = extract_bytes((case / source).read_bytes(), source)
    info = [i for i in result.issues if i.code == "row_missing"]
    assert [(i.severity, i.details["rows"]) for i in info] == [("info", ["regulations"])]
    if source == "source.html":
        assert result.status == "ok"
    assert not any(k.startswith("t2.regulations.") for k in result.cells)


def test_deleting_the_rule_row_of_a_real_report_keeps_ok_and_every_other_cell():
    gold = next(g for g in gold_documents() if g.name == "samples/beiguan-gxj-2023.txt")
    result = extract_bytes(without_line(BEIGUAN, "规章"), "beiguan.txt")
    assert result.status == "ok"
    assert cell_differences(gold.cells, result.cells) == {}
    assert [i.details["rows"] for i in result.issues if i.code == "row_missing"] == [["regulations"]]


def test_a_text_with_more_labels_than_any_report_is_read_up_to_the_limit_and_flagged(monkeypatch):
    from extract import labels
    monkeypatch.setattr(labels, "MAX_LABEL_HITS", 1000)  # a report prints a few hundred (beiguan: about 200)
    gold = next(g for g in gold_documents() if g.name == "samples/beiguan-gxj-2023.txt")
    result = extract_bytes(BEIGUAN.read_bytes() * 20, "beiguan.txt")
    assert result.status == "needs_review"
    assert [i.code for i in result.issues if i.severity == "error"] == ["too_many_labels"]
    assert cell_differences(gold.cells, result.cells) == {}
