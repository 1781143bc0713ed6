"""The plain-text parser: decoding, every sample layout, crawled text with glued digits, provenance."""
from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import DEV_CASES_DIR, ROOT, SAMPLES_DIR
from extract import digits
from extract import ExtractionResult, extract_bytes
from extract.keys import T2_LAYOUT, T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_OTHER_ROWS_2021, T3_OUTCOME_ROWS, T4_COLUMNS, \
    T4_ROWS, key
from extract.parsers.text import decode, field_windows, parse, parse_text
from tests.support.text_reports import render

SAMPLES = SAMPLES_DIR
DEV = DEV_CASES_DIR


def gold(name: str) -> dict:
    return json.loads((SAMPLES / "gold" / f"{name}.json").read_text(encoding="utf-8"))


def sample_text(name: str) -> str:
    return (SAMPLES / f"{name}.txt").read_text(encoding="utf-8")


def values(parsed) -> dict:
    return {k: c.value for k, c in parsed.cells.items()}


def errors(result: dict) -> list[str]:
    return [i.code for i in result.issues if i.severity == "error"]


# ------------------------------------------------------------------------------------------- decoding

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "gbk"])
def test_the_same_report_reads_the_same_in_every_encoding(encoding):
    text = sample_text("wuzhong-gxj-2020")
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert decode(data) == text
    assert values(parse(data)) == gold("wuzhong-gxj-2020")["cells"]


def test_windows_line_endings_do_not_shift_line_numbers():
    text = sample_text("beiguan-gxj-2023")
    parsed = parse(text.replace("\n", "\r\n").encode("utf-8"))
    assert parsed.cells["t3.new_received.total"].line == 39
    assert values(parsed) == gold("beiguan-gxj-2023")["cells"]


# ------------------------------------------------------------------------------------------- sample layouts

@pytest.mark.parametrize("name, template", [
    ("beiguan-gxj-2023", "2021"),   # tab rows, markdown headings
    ("jinchang-gxj-2023", "2021"),  # labels broken by spaces, a header repeated after a page break
    ("qianxinan-gxj-2023", "2021"),  # one cell per line, numbers followed by en spaces
    ("wuzhong-gxj-2020", "2019"),   # 2019 template, single (六)其他处理 row, 社会组织
    ("zhangshu-gxj-2023", "2021"),  # tab-indented Word export, headers broken over lines, "0   "
])
def test_each_sample_layout_reads_every_gold_cell(name, template):
    parsed = parse_text(sample_text(name))
    assert values(parsed) == gold(name)["cells"]
    assert parsed.template == template
    assert set(parsed.tables_found) == {2, 3, 4}
    assert not [i for i in parsed.issues if i.severity == "error"]


def test_provenance_points_at_the_printed_line_and_unit():
    text = sample_text("wuzhong-gxj-2020")
    parsed = parse_text(text)
    lines = text.split("\n")
    cell = parsed.cells["t2.normative_documents.total_published"]
    assert (cell.value, cell.line, cell.raw) == (7, 28, "7")
    assert lines[cell.line - 1].startswith("规范性文件")
    assert parsed.cells["t3.new_received.natural_person"].line == 49
    fee = parse_text(sample_text("beiguan-gxj-2023")).cells["t2.administrative_fees.amount"]
    assert fee.unit == "万元" and fee.line == 32


def test_units_inside_cells_are_kept_apart_from_the_number():
    parsed = parse((DEV / "pingtan-czj-2020" / "source.txt").read_bytes())
    projects = parsed.cells["t2.centralized_procurement.projects"]
    amount = parsed.cells["t2.centralized_procurement.total_amount"]
    assert (projects.value, projects.unit) == (2, "笔")
    assert (amount.value, amount.unit, amount.raw) == (984361, "元", "984361元")


def test_a_report_without_table_four_has_no_table_four_keys():
    text = sample_text("beiguan-gxj-2023")
    cut = text[:text.index("#### 四、")] + "#### 四、政府信息公开行政复议、行政诉讼情况\n\n本年度未发生行政复议、行政诉讼。\n" \
        + text[text.index("#### 五、"):]
    parsed = parse_text(cut)
    assert not [k for k in parsed.cells if k.startswith("t4.")]
    assert set(parsed.tables_found) == {2, 3}


def test_printed_blanks_are_null_and_absent_rows_are_absent():
    cells = dict(gold("wuzhong-gxj-2020")["cells"])
    cells["t2.administrative_fees.change"] = None
    del cells["t2.centralized_procurement.projects"], cells["t2.centralized_procurement.total_amount"]
    parsed = parse_text(render(cells, "2019", cell_sep="\t", row_sep="\n"))
    assert values(parsed) == cells


def test_markdown_tables_read_like_tab_rows():
    text = sample_text("beiguan-gxj-2023")
    markdown = "\n".join(
        ("| " + " | ".join(line.split("\t")) + " |\n|" + "---|" * (line.count("\t") + 1)) if "\t" in line else line
        for line in text.split("\n"))
    assert values(parse_text(markdown)) == gold("beiguan-gxj-2023")["cells"]


def test_a_blank_cell_in_a_tab_row_is_null_by_its_position_not_filled_by_splitting_its_neighbour():
    text = sample_text("wuzhong-gxj-2020")
    assert "行政许可\t2\t0\t13" in text
    text = text.replace("行政许可\t2\t0\t13", "行政许可\t2\t\t13")
    result = extract_bytes(text.encode("utf-8"), "blank.txt")
    cells = result.cells
    assert [cells[f"t2.administrative_licensing.{c}"] for c in ("prev_year_items", "change", "decisions")] == \
        [2, None, 13]
    assert result.provenance["t2.administrative_licensing.decisions"]["raw"] == "13"
    assert result.status == "ok"


def field_readings(fields: list[str], cells: int) -> list[tuple] | None:
    windows = field_windows(fields, cells)
    return None if windows is None else [reading for _, reading in windows]


def test_blank_cells_at_the_edge_of_a_tab_row_are_candidates_the_identities_choose_between():
    # exporters pad rows with empty fields, so "\t\t5\t0\t0\t0\t0\t5\t" alone does not say which edge is blank
    fields = ["", "", "5", "0", "0", "0", "0", "5", ""]
    readings = field_readings(fields, 7)
    assert readings == [(None, 5, 0, 0, 0, 0, 5), (5, 0, 0, 0, 0, 5, None)]
    keys = tuple(key(3, "granted", c) for c in T3_COLUMNS)
    resolution = digits.resolve_table3([digits.RowReading(keys, readings)])
    assert [resolution.values[k] for k in keys] == [None, 5, 0, 0, 0, 0, 5]  # only this one has total = sum
    assert field_readings(["", "0", "0", "0", "0", "0", "0", "0", ""], 7) == [(0,) * 7]
    assert field_readings(["2", "", "13"], 3) == [(2, None, 13)]
    assert field_readings(["0", "20"], 3) == [(None, 0, 20), (0, 20, None)]  # a lost edge field: both ways
    assert field_readings(["1.属于", "0"], 1) is None  # not a row of values: read as tokens instead


# ------------------------------------------------------------------------------------------- glued digits

def t3_row(row: str, printed: str) -> digits.RowReading:
    keys = tuple(key(3, row, c) for c in T3_COLUMNS)
    return digits.RowReading(keys, digits.splits([digits.Token(printed, int(printed), True)], 7))


def test_a_glued_row_is_split_where_the_row_total_adds_up():
    reading = t3_row("new_received", "713000074")
    resolution = digits.resolve([reading], {})
    assert [resolution.values[k] for k in reading.keys] == [71, 3, 0, 0, 0, 0, 74]
    assert not resolution.unresolved


def test_space_groups_are_certain_boundaries_and_runs_between_them_are_split():
    tokens = [digits.Token(t, int(t), True) for t in "20 0 0 0 02".split()]
    assert digits.splits(tokens, 7) == [(2, 0, 0, 0, 0, 0, 2)]
    assert digits.splits([digits.Token("000003001410001", 3001410001, True)], 15) == \
        [(0, 0, 0, 0, 0, 3, 0, 0, 1, 4, 1, 0, 0, 0, 1)]


def test_no_reading_gives_a_number_a_leading_zero():
    assert digits.splits([digits.Token("021", 21, True)], 3) == [(0, 2, 1)]
    assert digits.splits([digits.Token("0200002", 200002, True)], 7) == [(0, 2, 0, 0, 0, 0, 2)]


def test_two_readings_that_both_satisfy_every_identity_are_not_guessed():
    # "110000011" is 11|0|…|11 or 1|10|…|11; with the same choice in every row all identities hold either way
    rows = [t3_row(r, "110000011") for r in ("new_received", "granted", "total_processed")]
    rows += [digits.RowReading(tuple(key(3, r, c) for c in T3_COLUMNS), [(0,) * 7])
             for r in ("carried_over", "carried_forward")]
    resolution = digits.resolve(rows, {})
    assert len(resolution.unresolved) == 3
    first = resolution.unresolved[0]
    assert sorted(first["alternatives"]) == [[1, 10, 0, 0, 0, 0, 11], [11, 0, 0, 0, 0, 0, 11]]


def test_column_identities_settle_a_row_its_own_total_cannot():
    # new_received alone could be 11|0 or 1|10; total_processed printed with spaces says 11 natural persons
    ambiguous = t3_row("new_received", "110000011")
    fixed = digits.RowReading(tuple(key(3, "total_processed", c) for c in T3_COLUMNS), [(11, 0, 0, 0, 0, 0, 11)])
    granted = digits.RowReading(tuple(key(3, "granted", c) for c in T3_COLUMNS), [(11, 0, 0, 0, 0, 0, 11)])
    zeros = [digits.RowReading(tuple(key(3, r, c) for c in T3_COLUMNS), [(0,) * 7])
             for r in ("carried_over", "carried_forward")]
    resolution = digits.resolve([ambiguous, fixed, granted] + zeros, {})
    assert resolution.values[key(3, "new_received", "natural_person")] == 11
    assert not resolution.unresolved


def test_crawled_report_with_an_undecidable_row_needs_review_and_lists_the_alternatives():
    cells = {key(3, r, c): 0 for r in T3_OUTCOME_ROWS + T3_OTHER_ROWS_2021 + ("new_received", "carried_over",
                                                                               "total_processed", "carried_forward")
             for c in T3_COLUMNS}
    for row in ("new_received", "granted", "total_processed"):
        cells.update({key(3, row, "natural_person"): 11, key(3, row, "total"): 11})
    result = extract_bytes(render(cells, "2021", cell_sep="", row_sep="").encode("utf-8"), "glued.txt")
    assert result.status == "needs_review"
    issue = next(i for i in result.issues if i.code == "ambiguous_split")
    assert [11, 0, 0, 0, 0, 0, 11] in issue.details["alternatives"]
    assert [1, 10, 0, 0, 0, 0, 11] in issue.details["alternatives"]


def test_a_wrong_printed_sum_with_certain_boundaries_stays_ok_and_is_reported():
    cells = dict(gold("beiguan-gxj-2023")["cells"])
    cells["t3.new_received.total"] = 5  # the agency's own arithmetic error
    result = extract_bytes(render(cells, "2021", cell_sep=" ", row_sep=" ").encode("utf-8"), "breach.txt")
    assert result.status == "ok"
    assert result.cells["t3.new_received.total"] == 5
    assert any(i.code == "identity_breach" and i.severity == "info" for i in result.issues)


def test_glued_table_two_rows_have_no_identity_so_without_evidence_they_are_flagged_with_alternatives():
    text = (DEV / "pingtan-gov-2022" / "source.txt").read_text(encoding="utf-8")
    # the two sentences that state the row's numbers, taken out
    text = text.replace("本年度制发的规范性文件88件", "本年度制发的规范性文件").replace("现行有效行政规范性文件698件", "现行有效文件")
    result = extract_bytes(text.encode("utf-8"), "gov.txt")
    issue = next(i for i in result.issues if i.code == "ambiguous_split")
    assert issue.key == "t2.normative_documents.issued"
    assert [88, 55, 698] in issue.details["alternatives"]
    assert result.status == "needs_review"
    assert result.cells["t3.new_received.natural_person"] == 71
    assert result.cells["t3.unavailable_not_held.total"] == 37


def test_glued_table_two_row_is_settled_by_the_numbers_its_narrative_states():
    result = extract_bytes((DEV / "pingtan-gov-2022" / "source.txt").read_bytes(), "gov.txt")
    assert [i.code for i in result.issues if i.severity == "error"] == []
    assert result.status == "ok"
    keys = [f"t2.normative_documents.{c}" for c in ("issued", "repealed", "in_force")]
    assert [result.cells[k] for k in keys] == [88, 55, 698]
    settled = next(i for i in result.issues if i.code == "split_settled_by_evidence")
    assert settled.severity == "info" and settled.details["reading"] == [88, 55, 698]
    phrases = {e["phrase"] for e in result.provenance["t2.normative_documents.repealed"]["evidence"]}
    assert phrases == {"制发的规范性文件88件", "现行有效行政规范性文件698件"}


# A complete report: 表二 with one digit per cell (a glued 表二 row then has one reading only: 表二 has no identity
# to settle more), a consistent 表三 (identities 1-3 hold) with small counts, as most reports print them, 表四.
@st.composite
def consistent_table(draw):
    cells: dict = {key(2, row, c): draw(st.integers(0, 9)) for row, cols in T2_LAYOUT["2021"] for c in cols}
    outcome_rows = T3_OUTCOME_ROWS + T3_OTHER_ROWS_2021
    small = st.integers(0, 12)
    per_column_outcomes = {c: 0 for c in T3_APPLICANT_COLUMNS}
    for row in outcome_rows:
        for c in T3_APPLICANT_COLUMNS:
            v = draw(st.sampled_from([0, 0, 0, 0, 1, 2, 3, 11, 37]))
            cells[key(3, row, c)] = v
            per_column_outcomes[c] += v
    for c in T3_APPLICANT_COLUMNS:
        forward = draw(small)
        carried = draw(st.integers(0, per_column_outcomes[c] + forward))
        cells[key(3, "total_processed", c)] = per_column_outcomes[c]
        cells[key(3, "carried_forward", c)] = forward
        cells[key(3, "carried_over", c)] = carried
        cells[key(3, "new_received", c)] = per_column_outcomes[c] + forward - carried
    for row in ("new_received", "carried_over") + outcome_rows + ("total_processed", "carried_forward"):
        cells[key(3, row, "total")] = sum(cells[key(3, row, c)] for c in T3_APPLICANT_COLUMNS)
    for r in T4_ROWS:
        parts = [draw(st.integers(0, 3)) for _ in range(4)]
        cells.update({key(4, r, c): v for c, v in zip(T4_COLUMNS, parts + [sum(parts)])})
    return cells


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_table())
def test_glued_tables_are_read_exactly_or_flagged_never_wrong_with_status_ok(cells):
    result = extract_bytes(render(cells, "2021", cell_sep="", row_sep="").encode("utf-8"), "glued.txt")
    assert result.status != "failed"
    if result.status == "ok":
        assert result.cells == cells


@settings(max_examples=20, deadline=None)
@given(consistent_table())
def test_tables_with_spaces_between_cells_are_always_read_exactly(cells):
    result = extract_bytes(render(cells, "2021", cell_sep=" ", row_sep=" ").encode("utf-8"), "spaced.txt")
    assert result.status == "ok" and result.cells == cells


def test_page_numbers_between_rows_are_not_read_as_cells():
    text = sample_text("wuzhong-gxj-2020")
    text = text.replace("\t\t5. 属于三类内部事务信息", "- 3 -\n第 3 页 共 5 页\n\t\t5. 属于三类内部事务信息")
    assert values(parse_text(text)) == gold("wuzhong-gxj-2020")["cells"]


def test_the_whole_sample_set_parses_fast_enough():
    import time
    texts = [p.read_bytes() for p in sorted(SAMPLES.glob("*.txt"))]
    t0 = time.perf_counter()
    for data in texts * 4:
        parse(data)
    per_doc = (time.perf_counter() - t0) / (len(texts) * 4)
    assert per_doc < 0.5, f"{per_doc:.3f}s per document"


# ------------------------------------------------------------------------------------------- title

@pytest.mark.parametrize("head, agency, year", [
    ("黔西南州工业和信息化局2023年政府信息公开工作年度报告", "黔西南州工业和信息化局", 2023),
    ("金工信发〔2024〕5号\n\n金昌市工业和信息化局 关于2023年政府信息公开年度工作情况的报告", "金昌市工业和信息化局", 2023),
    ("# 吴忠市工业和信息化局\n\n## 2020 年政府信息公开工作年度报告", "吴忠市工业和信息化局", 2020),
    ("樟树市工信局2023年政府信息公开工作\n年度报告", "樟树市工信局", 2023),
    ("2023年度北京市财政局政府信息公开工作年度报告", "北京市财政局", 2023),
    ("上海市交通委员会政府信息公开工作年度报告（2022年度）", "上海市交通委员会", 2022),
    ("某某县人民政府办公室关于印发某某县2021年政府信息公开工作年度报告的通知", "某某县", 2021),
    ("２０２３年政府信息公开工作年度报告\n某某市民政局", "某某市民政局", 2023),
    ("标题: 平潭综合实验区公安局2021年政府信息公开工作年度报告\n发布时间: 2022-01-14 17:29",
     "平潭综合实验区公安局", 2021),
    ("某某镇人民政府政务公开工作年度报告\n本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。",
     "某某镇人民政府", 2022),
], ids=lambda v: str(v)[:24])
def test_agency_and_statistics_year_come_from_the_title(head, agency, year):
    from extract.metadata import detect_agency_year
    assert detect_agency_year(head) == (agency, year)


def test_the_publication_date_is_not_the_report_year():
    from extract.metadata import detect_agency_year
    text = "发布时间: 2024-01-31\n某某局2023年政府信息公开工作年度报告\n某某局\n2024年1月31日"
    assert detect_agency_year(text) == ("某某局", 2023)


def test_a_pdftotext_layout_with_labels_broken_around_the_numbers_is_read():
    # "（二）部分公开（区分处理的，只计这 | 1 0 … | 一情形，不计其他情形）" and "…重新出具已获取 | 0 … | 信息",
    # 其它 for 其他: label pieces around the numbers must not swallow or misplace them
    result = extract_bytes((ROOT / "tests" / "data" / "text" / "pdftotext-layout-2021.txt").read_bytes(), "l.txt")
    cells = result.cells
    # the fixture prints 表三 alone: the only errors are the absent 表二 and 表四
    assert [(i.code, i.details["table"]) for i in result.issues if i.severity == "error"] == \
        [("table_missing", 2), ("table_missing", 4)]
    assert [cells[f"t3.partially_granted.{c}"] for c in T3_COLUMNS] == [1, 0, 0, 0, 0, 0, 1]
    assert [cells[f"t3.rejected_confirmation.{c}"] for c in T3_COLUMNS] == [0] * 7
    assert [cells[f"t3.rejected_duplicate.{c}"] for c in T3_COLUMNS] == [2, 0, 0, 0, 0, 0, 2]
    assert cells["t3.other_misc.total"] == 0 and cells["t3.total_processed.total"] == 13
    assert cells["t3.new_received.natural_person"] == 12
    assert not [i for i in result.issues if i.code == "identity_breach"]


def test_a_missing_table_three_row_is_flagged_not_silently_dropped():
    text = sample_text("beiguan-gxj-2023").replace("\t\t4.保护第三方合法权益\t0\t0\t0\t0\t0\t0\t0\n", "")
    result = extract_bytes(text.encode("utf-8"), "missing.txt")
    assert result.status == "needs_review"
    assert "t3.denied_third_party.total" not in result.cells
    assert next(i for i in result.issues if i.code == "row_missing").details["rows"] == ["denied_third_party"]


def test_hybrid_template_keeps_2021_table_two_and_the_single_2019_other_row():
    gold_cells = json.loads((DEV / "huaian-hongze-gov-2023" / "gold.json").read_text(encoding="utf-8"))["cells"]
    result = extract_bytes(render(gold_cells, "2021", cell_sep=" ", row_sep="\n").encode("utf-8"), "hybrid.txt")
    assert result.template == "2021"
    assert result.cells == gold_cells
    # 表四 prints totals that are not the sum of their parts: reported, not corrected, status stays ok
    assert result.status == "ok"
    breaches = {i.details["scope"] for i in result.issues if i.code == "identity_breach"}
    assert {"reconsideration", "litigation_after_reconsideration"} <= breaches


def test_glued_cells_keep_the_printed_digits_and_line_as_provenance():
    parsed = parse((DEV / "pingtan-gov-2022" / "source.txt").read_bytes())
    first, second = parsed.cells["t3.new_received.natural_person"], parsed.cells["t3.new_received.commercial_enterprise"]
    assert (first.raw, second.raw) == ("71", "3")
    assert first.line == second.line == 10


# ------------------------------------------------------------------------------------------- real crawled text

def excerpt(name: str) -> ExtractionResult:
    return extract_bytes((ROOT / "tests" / "data" / "text" / name).read_bytes(), name)


def row(result: ExtractionResult, name: str) -> list:
    return [result.cells[f"t3.{name}.{c}"] for c in T3_COLUMNS]


def flagged_keys(result: dict) -> set[str]:
    return {i.key.rsplit(".", 1)[0] for i in result.issues if i.code == "ambiguous_split"}


def test_crawled_2023_report_splits_table_three_and_four_by_identities_and_flags_table_two():
    result = excerpt("pingtan-gov-2023-excerpt.txt")
    assert (result.year, result.template, result.status) == (2023, "2021", "needs_review")
    assert flagged_keys(result) == {"t2.normative_documents"}  # "77132470": nothing in the table decides
    assert row(result, "new_received") == [80, 1, 0, 0, 0, 0, 81]
    assert row(result, "partially_granted") == [19, 1, 0, 0, 0, 0, 20]
    assert row(result, "unavailable_not_held") == [31, 0, 0, 0, 0, 0, 31]
    assert row(result, "total_processed") == [80, 1, 0, 0, 0, 0, 81]
    t4 = [result.cells[f"t4.{r}.{c}"] for r in T4_ROWS for c in T4_COLUMNS]
    assert t4 == [1, 1, 0, 0, 2, 4, 0, 0, 1, 5, 1, 0, 1, 0, 2]
    assert result.cells["t2.administrative_fees.amount"] == 5949.088667
    assert not [i for i in result.issues if i.code == "identity_breach"]


def test_crawled_2024_report_with_a_seventeen_digit_table_four():
    result = excerpt("pingtan-gov-2024-excerpt.txt")
    assert flagged_keys(result) == {"t2.normative_documents"}
    assert row(result, "new_received") == [217, 1, 0, 0, 0, 0, 218]
    assert row(result, "denied_internal_affairs") == [32, 0, 0, 0, 0, 0, 32]
    assert row(result, "other_misc") == [1, 1, 0, 0, 0, 0, 2]
    t4 = [result.cells[f"t4.{r}.{c}"] for r in T4_ROWS for c in T4_COLUMNS]
    assert t4 == [2, 1, 3, 1, 7, 0, 0, 0, 0, 0, 13, 2, 4, 0, 19]  # "21317000001324019"


def test_crawled_2020_report_reads_signed_changes_and_flags_rows_the_printed_sums_cannot_confirm():
    result = excerpt("pingtan-gov-2020-excerpt.txt")
    assert (result.year, result.template, result.status) == (2020, "2019", "needs_review")
    cells = result.cells
    assert (cells["t2.administrative_fees.prev_year_items"], cells["t2.administrative_fees.change"]) == (35, -15)
    assert cells["t2.administrative_penalty.prev_year_items"] == 2648  # "2648-18538": the sign starts a cell
    assert cells["t2.administrative_penalty.change"] < 0
    assert cells["t2.regulations.total_published"] == 7
    assert row(result, "other_processing") == [4, 0, 0, 0, 0, 0, 4]
    assert row(result, "carried_forward") == [0] * 7
    # 表三 as printed does not add up (outcomes 26 natural persons, total 20), so the glued rows
    # "200 000121" and "20 0 00 0 121" cannot be confirmed by identity 2: the second stays flagged, the
    # first is the only reading whose total restates the narrative's "共受理政府信息公开申请21件"
    assert "t3.total_processed" in flagged_keys(result) and "t3.new_received" not in flagged_keys(result)
    assert row(result, "new_received") == [20, 0, 0, 0, 0, 1, 21]
    settled = next(i for i in result.issues if i.code == "split_settled_by_evidence")
    assert settled.key == "t3.new_received.natural_person" and settled.details["evidence"][0]["value"] == 21
    assert any(i.code == "identity_breach" and i.details["identity"] == 2 for i in result.issues)
    assert result.provenance["t2.centralized_procurement.total_amount"]["unit"] == "元"


def test_signs_start_a_cell_and_decimals_end_one_inside_a_glued_run():
    readings = digits.splits([digits.Token("2648", 2648, True), digits.Token("-18538", -18538, True)], 3)
    assert (2648, -185, 38) in readings and all(r[0] == 2648 or r[2] == -18538 for r in readings)
    amounts = digits.splits([digits.Token("39573802895.90元", None, True, unit="元")], 2)
    assert (395, 73802895.9) in amounts and all(isinstance(r[1], float) for r in amounts)


def test_a_row_total_prunes_the_readings_of_a_long_run_while_they_are_enumerated():
    readings, pruned = digits.splits_checked([digits.Token("21710000218", 0, True)], 7, 7, digits.total_is_sum)
    assert readings == [(217, 1, 0, 0, 0, 0, 218)] and pruned
    readings, pruned = digits.splits_checked([digits.Token("1000001", 0, True)], 7, 7, digits.total_is_sum)
    assert readings == [(1, 0, 0, 0, 0, 0, 1)] and not pruned


def test_absurdly_long_digit_runs_are_refused_quickly_not_enumerated():
    import time
    rows = ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（七）总计", "四、结转下年度继续办理")
    for digits_per_row in (30, 300, 3000):
        text = "某局2023年政府信息公开工作年度报告 三、收到和处理政府信息公开申请情况 " + "".join(
            label + "1234567890" * (digits_per_row // 10) for label in rows)
        started = time.perf_counter()
        result = extract_bytes(text.encode("utf-8"), "long.txt")
        assert time.perf_counter() - started < 10
        assert result.status != "ok"


def test_counts_quoted_in_a_sentence_inside_table_four_are_not_cells():
    text = sample_text("beiguan-gxj-2023").replace(
        "#### 四、政府信息公开行政复议、行政诉讼情况\n",
        "#### 四、政府信息公开行政复议、行政诉讼情况\n\n本年度发生行政复议 2 件、行政诉讼 0 件。\n")
    result = parse_text(text)
    assert values(result) == gold("beiguan-gxj-2023")["cells"]


MARKDOWN_T3_HEADER = """## 三、收到和处理政府信息公开申请情况

| （本列数据的钩稽关系为：第一项加第二项之和，等于第三项加第四项之和） |  |  | 申请人情况 |  |  |  |  |  |  |
|---|---|---|---|---|---|---|---|---|---|
|  |  |  | 自 然人 | 法人或其他组织 |  |  |  |  | 总计 |
|  |  |  |  | 商业 企业 | 科研 机构 | 社会公 益组织 | 法律服 务机构 | 其 他 |  |
"""
MARKDOWN_T3_ROWS = """| 一、本年新收政府信息公开申请数量 |  |  |  | 0 | 0 |  |  | 0 |  |
| 二、上年结转政府信息公开申请数量 |  |  | 0 |  | 0 |  |  |  | 0 |
| 三、本 年 度 办 理 结 果 | (一) 予以公开 |  |  | 0 | 0 | 0 | 0 |  |  |
|  | (二) 部分公开（区分处理的，只计这一情形，不计其他情形） |  |  | 0 |  | 0 |  |  |  |
|  | (三) 不予公开 | 1.属于国家秘密 | 0 |  |  |  |  | 0 |  |
|  |  | 2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 |  | 0 |
|  |  | 3.危及“三安全一稳定” |  | 0 | 0 |  |  |  | 0 |
|  |  | 4.保护第三方合法权益 |  | 0 |  |  |  |  | 0 |
|  |  | 5.属于三类内部事务信息 | 0 | 0 |  |  | 0 |  |  |
|  |  | 6.属于四类过程性信息 |  |  | 0 |  |  | 0 | 0 |
|  |  | 7.属于行政执法案卷 |  | 0 | 0 |  | 0 |  |  |
|  |  | 8.属于行政查询事项 |  |  |  | 0 |  |  |  |
|  | (四) 无法提供 | 1.本机关不掌握相关政府信息 |  |  | 0 | 0 | 0 | 0 | 0 |
|  |  | 2.没有现成信息需要另行制作 | 0 |  | 0 |  |  | 0 |  |
|  |  | 3.补正后申请内容仍不明确 |  | 0 |  | 0 |  |  |  |
|  | (五) 不予处理 | 1.信访举报投诉类申请 |  |  |  | 0 |  |  |  |
|  |  | 2.重复申请 |  |  | 0 | 0 |  | 0 | 0 |
|  |  | 3.要求提供公开出版物 | 0 |  |  |  |  | 0 |  |
|  |  | 4.无正当理由大量反复申请 |  |  |  |  |  | 0 |  |
|  |  | 5.要求行政机关确认或重新出具已获取信息 | 0 |  |  |  | 0 |  | 0 |
|  | (六) 其他处理 |  |  | 0 |  | 0 |  |  |  |
|  | (七) 总计 |  | 0 | 0 | 0 | 0 | 0 |  |  |
| 四、结转下年度继续办理 |  |  |  | 0 |  | 0 |  |  |  |
"""


def t3_values(parsed, row_key: str) -> list:
    return [parsed.cells[key(3, row_key, c)].value for c in T3_COLUMNS]


def test_blank_markdown_cells_take_their_column_from_the_header_row():
    parsed = parse_text(MARKDOWN_T3_HEADER + MARKDOWN_T3_ROWS)
    assert [i.code for i in parsed.issues if i.severity == "error"] == []
    assert t3_values(parsed, "new_received") == [None, 0, 0, None, None, 0, None]
    assert t3_values(parsed, "granted") == [None, 0, 0, 0, 0, None, None]
    assert t3_values(parsed, "partially_granted") == [None, 0, None, 0, None, None, None]
    assert t3_values(parsed, "other_processing") == [None, 0, None, 0, None, None, None]
    assert t3_values(parsed, "total_processed") == [0, 0, 0, 0, 0, None, None]
    assert t3_values(parsed, "carried_forward") == [None, 0, None, 0, None, None, None]
    assert parsed.cells["t3.granted.commercial_enterprise"].line == 9


def test_markdown_rows_without_a_header_or_with_another_field_count_stay_flagged():
    headerless = parse_text("## 三、收到和处理政府信息公开申请情况\n\n" + MARKDOWN_T3_ROWS)
    assert "t3.granted.natural_person" in {i.key for i in headerless.issues if i.code == "ambiguous_split"}
    one_field_short = MARKDOWN_T3_ROWS.replace("| (一) 予以公开 |  |  | 0 |", "| (一) 予以公开 |  | 0 |")
    shifted = parse_text(MARKDOWN_T3_HEADER + one_field_short)
    assert "t3.granted.natural_person" in {i.key for i in shifted.issues if i.code == "ambiguous_split"}


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_report_cut_inside_its_last_character_is_read_in_its_own_encoding(encoding):
    # a truncated download or a size limit cuts a multibyte character: strict decoding failed, and a UTF-8
    # report was then read as GB18030 mojibake (not_a_report)
    report = (SAMPLES_DIR / "beiguan-gxj-2023.txt").read_text("utf-8")
    data = (report + "年").encode(encoding)[:-1]
    assert decode(data).endswith(report.replace("\r\n", "\n") + "\ufffd")
    result = extract_bytes(data, "cut.txt")
    assert result.status == "ok" and len(result.cells) == 200
