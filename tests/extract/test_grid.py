"""grid.parse_tables on hand-built grids: the real numbers of pingtan-gov-2022 in the template's layout."""
from __future__ import annotations

import pytest

from extract import grid
from extract.completeness import completeness_issues
from extract.keys import T3_COLUMNS, template_keys
from tests.support.grid_reports import grid_table, gold_cells, report_specs, t2_spec_2021, t3_spec, t4_spec

GOLD = gold_cells("pingtan-gov-2022")
TEXT = "平潭综合实验区2022年度政府信息公开工作年度报告"


def parse(*specs, text=TEXT):
    return grid.parse_tables([grid_table(spec, i) for i, spec in enumerate(specs)], text)


def errors(parsed):
    """The error codes of the parse, with core's completeness check of it."""
    return [i.code for i in parsed.issues + completeness_issues(parsed) if i.severity == "error"]


def test_the_three_template_tables_read_every_cell_of_the_2021_template():
    parsed = parse(*report_specs(GOLD))
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD
    assert set(parsed.cells) == set(template_keys("2021"))
    assert parsed.template == "2021"
    assert parsed.tables_found == (2, 3, 4)
    assert errors(parsed) == []


def test_merged_group_labels_resolve_the_numbered_sub_rows_and_keep_provenance():
    parsed = parse(*report_specs(GOLD))
    cell = parsed.cells["t3.unavailable_not_held.natural_person"]
    assert (cell.value, cell.table_index, cell.row_index, cell.col_index) == (37, 1, 15, 3)
    assert parsed.cells["t3.other_misc.commercial_enterprise"].value == 2
    fee = parsed.cells["t2.administrative_fees.amount"]
    assert (fee.value, fee.unit, fee.col_index) == (9116.36, "万元", 1)


def test_a_table_split_in_two_with_its_header_repeated_reads_as_one():
    t3 = t3_spec(GOLD)
    first, second = t3[:17], t3[:3] + t3[17:]  # page break inside (四)无法提供, header repeated
    second[3][:2] = ["三、本年度办理结果", "（四）无法提供"]  # merged group cells printed again on the new page
    parsed = parse(t2_spec_2021(GOLD), first, second, t4_spec(GOLD))
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD
    assert parsed.cells["t3.unavailable_needs_creation.total"].table_index == 1
    assert parsed.cells["t3.unavailable_unclear.total"].table_index == 2
    assert errors(parsed) == []


def test_tables_that_are_not_in_the_template_are_ignored():
    layout = [["首页", "政务公开", "互动交流"], ["12", "34", "56"]]
    contacts = [["联系电话", "0591-1234567"], ["邮编", "350400"]]
    parsed = parse(layout, *report_specs(GOLD), contacts)
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD
    assert errors(parsed) == []


def test_a_row_with_one_cell_too_few_is_read_under_its_headers_and_flagged():
    t3 = t3_spec(GOLD)
    t3[3] = t3[3][:-1]  # 一、本年新收: the last of seven cells is not printed
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert errors(parsed) == ["columns_misaligned", "cells_missing"]
    assert [parsed.cells[f"t3.new_received.{c}"].value for c in T3_COLUMNS[:-1]] == [71, 3, 0, 0, 0, 0]
    assert "t3.new_received.total" not in parsed.cells


def test_a_row_with_a_cell_too_many_gives_no_cells_and_an_error():
    t3 = t3_spec(GOLD)
    t3[4] = t3[4] + ["5"]  # 二、上年结转: eight numbers for seven columns, no header above the eighth
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert "columns_misaligned" in errors(parsed)
    assert not any(k.startswith("t3.carried_over.") for k in parsed.cells)
    assert "row_missing" in errors(parsed)
    assert next(i for i in completeness_issues(parsed) if i.code == "row_missing").details["rows"] == ["carried_over"]


def test_a_row_label_that_matches_no_template_row_is_an_error():
    t3 = t3_spec(GOLD)
    t3[4][:3] = ["二、上年度转入的申请", "<", "<"]
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert "unmapped_row" in errors(parsed)
    assert "t3.carried_over.total" not in parsed.cells


def test_text_in_a_count_cell_is_an_error():
    t3 = t3_spec(GOLD)
    t3[5][5] = "见附件"  # granted.research_institution
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert errors(parsed) == ["not_a_number", "cells_missing"]
    assert "t3.granted.research_institution" not in parsed.cells
    assert parsed.cells["t3.granted.social_welfare_org"].value == 0
    assert parsed.cells["t3.granted.total"].value == 21


def test_blank_and_dash_cells_are_null_not_zero():
    cells = dict(GOLD)
    t3 = t3_spec(cells)
    t3[3][4] = ""  # new_received.commercial_enterprise printed blank
    t3[4][5] = "—"  # carried_over.research_institution printed as a dash
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert parsed.cells["t3.new_received.commercial_enterprise"].value is None
    assert parsed.cells["t3.carried_over.research_institution"].value is None
    assert parsed.cells["t3.new_received.total"].value == 74
    assert errors(parsed) == []


def test_values_merged_down_over_sub_rows_belong_to_the_first_row_only():
    t3 = t3_spec(GOLD)
    for r in (24, 25):  # 其他处理 2. and 3.: data cells covered by a rowspan=3 from sub-row 1.
        t3[r][3:] = ["^"] * 7
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert [parsed.cells[f"t3.other_no_correction.{c}"].value for c in T3_COLUMNS] == [2, 0, 0, 0, 0, 0, 2]
    assert all(parsed.cells[f"t3.other_misc.{c}"].value is None for c in T3_COLUMNS)
    assert [i.code for i in parsed.issues if i.severity == "info"] == ["merged_value_cell"] * 2
    assert errors(parsed) == []


def test_the_2019_template_is_detected_from_the_labels():
    t2_2019 = [
        ["第二十条第（一）项", "<", "<", "<"],
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", "0", "0", "3"],
        ["规范性文件", "5", "5", "42"],
        ["第二十条第（五）项", "<", "<", "<"],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", "120", "-4", "3560"],
        ["其他对外管理服务事项", "12", "0", "88"],
        ["第二十条第（九）项", "<", "<", "<"],
        ["信息内容", "采购项目数量", "采购总金额", "<"],
        ["政府集中采购", "6", "251000元", "<"],
    ]
    t3 = t3_spec(GOLD)
    t3[23:26] = [["^", "（六）其他处理", "<"] + ["2", "2", "0", "0", "0", "0", "4"]]
    parsed = parse(t2_2019, t3, t4_spec(GOLD))
    assert parsed.template == "2019"
    assert parsed.cells["t2.administrative_licensing.change"].value == -4
    assert parsed.cells["t2.normative_documents.total_published"].value == 42
    procurement = parsed.cells["t2.centralized_procurement.total_amount"]
    assert (procurement.value, procurement.unit) == (251000, "元")
    assert parsed.cells["t3.other_processing.total"].value == 4
    assert "t3.other_misc.total" not in parsed.cells


@pytest.mark.parametrize("layout", ["one row of fifteen", "three labelled rows of five"])
def test_table_four_in_either_layout(layout):
    if layout == "one row of fifteen":
        t4 = t4_spec(GOLD)
    else:
        numbers = t4_spec(GOLD)[-1]
        t4 = [["", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
              ["行政复议"] + numbers[0:5], ["未经复议直接起诉"] + numbers[5:10], ["复议后起诉"] + numbers[10:15]]
    parsed = parse(t2_spec_2021(GOLD), t3_spec(GOLD), t4)
    got = {k: c.value for k, c in parsed.cells.items() if k.startswith("t4.")}
    assert got == {k: v for k, v in GOLD.items() if k.startswith("t4.")}
    assert got["t4.reconsideration.total"] == 2 and got["t4.litigation_direct.upheld"] == 1


def test_a_missing_table_four_is_an_error_even_when_the_text_says_there_were_none():
    assert "table_missing" in errors(parse(t2_spec_2021(GOLD), t3_spec(GOLD)))
    parsed = parse(t2_spec_2021(GOLD), t3_spec(GOLD), text=TEXT + "\n本年度未发生政府信息公开行政复议、行政诉讼。")
    assert errors(parsed) == ["table_missing"]
    missing = next(i for i in completeness_issues(parsed) if i.code == "table_missing")
    assert missing.details["text_says"] == "本年度未发生政府信息公开行政复议、行政诉讼"
    assert parsed.tables_found == (2, 3)


def test_the_same_cell_printed_twice_with_different_numbers_is_an_error():
    t3 = t3_spec(GOLD)
    repeated = t3[:3] + [t3[3][:3] + ["70", "3", "0", "0", "0", "0", "73"]]
    parsed = parse(t2_spec_2021(GOLD), t3, repeated, t4_spec(GOLD))
    assert "duplicate_cell" in errors(parsed)
    assert parsed.cells["t3.new_received.total"].value == 74


def test_no_template_table_gives_no_cells():
    parsed = parse([["姓名", "电话"], ["张三", "123"]])
    assert parsed.cells == {} and parsed.template is None and parsed.tables_found == ()


def test_a_group_heading_row_with_empty_cells_is_a_heading_not_a_row_of_nulls():
    t3 = t3_spec(GOLD)
    t3[23:26] = [["^", "（六）其他处理", "<"] + [""] * 7,
                 ["^", "^", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"] + ["2", "0", "0", "0", "0", "0", "2"],
                 ["^", "^", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"] + ["0"] * 7,
                 ["^", "^", "其他"] + ["0", "2", "0", "0", "0", "0", "2"]]
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD  # unnumbered 其他 is other_misc here
    assert errors(parsed) == []


def test_columns_printed_in_another_order_follow_their_headers():
    t3 = t3_spec(GOLD)
    for row in t3:  # swap the 自然人 and 总计 columns, headers and numbers alike
        row[3], row[9] = row[9], row[3]
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD
    assert parsed.cells["t3.new_received.total"].col_index == 3
    assert errors(parsed) == []


def test_group_rows_printed_with_subtotals_are_not_template_rows():
    t3 = t3_spec(GOLD)
    subtotal_denied = ["^", "（三）不予公开", "<"] + ["4", "0", "0", "0", "0", "0", "4"]
    subtotal_other = ["^", "（六）其他处理", "<"] + ["2", "2", "0", "0", "0", "0", "4"]
    t3 = t3[:7] + [subtotal_denied] + t3[7:23] + [subtotal_other] + t3[23:]
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD
    assert errors(parsed) == []
    assert [i.code for i in parsed.issues] == ["group_subtotal", "group_subtotal"]


def test_a_spacer_cell_between_label_and_numbers_is_not_a_value():
    t3 = t3_spec(GOLD)
    for r, row in enumerate(t3):  # an empty column after the labels; the header note spans it too
        row.insert(3, {0: "<", 1: "^", 2: "^"}.get(r, ""))
    parsed = parse(t2_spec_2021(GOLD), t3, t4_spec(GOLD))
    assert {k: c.value for k, c in parsed.cells.items()} == GOLD
    assert errors(parsed) == []
