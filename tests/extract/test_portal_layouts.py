"""The layouts portals really publish (issue 14), each made by the generator in several variants: a heading
glued to a row's last digit, labels a character or two from the template, glued 表二 runs that the
narrative or last year's report settle, blank cells that vanished from a glued run, ideographs written as
radicals, long row labels wrapped in printed PDFs (cases of tests/support/round_trips.PDF_CASES, printed once
per session by Chromium)."""
from __future__ import annotations

import random
from dataclasses import replace

import pytest

from extract import Evidence, PreviousReport, extract_bytes
from extract.ideographs import fold_ideographs
from extract.keys import T3_COLUMNS, key
from tests.support.generator import Report, Style, random_report, render
from tests.support.generator.glyphs import with_radicals
from tests.support.generator.layout import format_number
from tests.support.round_trips import PDF_CASES, assert_exact_or_flagged, assert_exact_round_trip, \
    cell_differences, describe, extract_plain, print_pdf_cases

PLAIN = Style(null_token="", numbers="plain", parens="full", numbering="dot")


def quiet_report(template: str = "2021", seed: str = "quiet") -> Report:
    """A report whose glued runs split one way only: no applications (表三 all 0), single-digit counts."""
    return random_report(random.Random(seed), template=template, year=2023 if template == "2021" else 2020,
                         activity=0.0, max_count=2, blank_rate=0.0, has_t4=True)


def with_cells(report: Report, **cells) -> Report:
    updated = dict(report.cells)
    for dotted, value in cells.items():
        cell_key = "t" + dotted.replace("__", ".")
        assert cell_key in updated, cell_key
        updated[cell_key] = value
    return replace(report, cells=updated)


def document(report: Report, variant: str, style: Style = PLAIN, seed: str = "portal"):
    return render(report, variant, random.Random(seed), style=style)


def issues(result, code: str) -> list:
    return [i for i in result.issues if i.code == code]


# ---- 1. a heading glued to a row's last digit ends the row -------------------------------------------

GLUED_HEADINGS = {
    "section 4 worded with 因…提起 after 表三": replace(PLAIN, t4_heading="因政府信息公开申请提起行政复议、行政诉讼的情况"),
    "section 4 worded with 与 after 表三": replace(PLAIN, t4_heading="政府信息公开行政复议与行政诉讼情况"),
    "a full-width (二) subsection after 表二": replace(PLAIN, after_t2="（二）主动公开政府信息的主要类别。本年度重点公开财政预决算信息。"),
    "a half-width (二) subsection after 表二": replace(PLAIN, after_t2="(二)主动公开政府信息的主要类别：规划计划、财政信息。"),
    "both, with section 4 worded with 及": replace(PLAIN, t4_heading="政府信息公开行政复议及行政诉讼情况",
                                                after_t2="（二）其他主动公开情况。"),
}


@pytest.mark.parametrize("layout", list(GLUED_HEADINGS))
@pytest.mark.parametrize("seed", ["a", "b"])
def test_a_heading_glued_to_the_last_digits_of_a_table_ends_its_row(layout, seed):
    report = quiet_report(seed=seed)
    doc = document(report, "txt-glued-headings", GLUED_HEADINGS[layout])
    text = doc.data.decode("utf-8")
    style = GLUED_HEADINGS[layout]
    if style.after_t2:  # the 表二 fee and the subsection are glued
        assert format_number(report.value(2, "administrative_fees", "amount")) + style.after_t2[:3] in text
    assert "结转下年度继续办理 " + "0" * 7 + "四、" + style.t4_heading in text  # 表三's last row, then 四
    result = extract_plain(doc)
    assert_exact_round_trip(doc, result)
    assert [result.cells[key(3, "carried_over", c)] for c in T3_COLUMNS] == [0] * 7


def test_a_heading_glued_after_a_table_with_decimal_fees_and_counts_keeps_every_cell():
    report = with_cells(quiet_report(seed="c"), **{"2__administrative_fees__amount": 9116.36})
    doc = document(report, "txt-glued-headings", GLUED_HEADINGS["a full-width (二) subsection after 表二"])
    assert "9116.36（二）" in doc.data.decode("utf-8")
    assert_exact_round_trip(doc, extract_plain(doc))


# ---- 2. near-miss labels ------------------------------------------------------------------------------

NEAR_MISSES = {  # row -> the words printed for its label, as real reports print them
    "a dropped 类": ("rejected_petition", "信访举报投诉申请"),
    "件 for 卷": ("denied_enforcement_file", "属于行政执法案件"),
    "a missing 属于": ("denied_admin_query", "行政查询事项"),
    "a missing 属于 on a short label": ("denied_state_secret", "国家秘密"),
    "三类 without 类": ("denied_internal_affairs", "属于三内部事务信息"),
    "重复 for 反复": ("rejected_excessive", "无正当理由大量重复申请"),
    "依然 for 仍": ("unavailable_unclear", "补正后申请内容依然不明确"),
    "an extra 的 in a short numbered label": ("rejected_duplicate", "重复的申请"),
    "a dropped 性 in 表二": ("normative_documents", "行政规范文件"),
    "a dropped word in a long label": ("other_unpaid_fee", "申请人逾期未按通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
}
NEAR_MISS_VARIANTS = ["txt-tabs", "txt-lines", "txt-markdown", "html-plain", "html-word", "docx"]


@pytest.mark.parametrize("variant", NEAR_MISS_VARIANTS)
@pytest.mark.parametrize("near_miss", list(NEAR_MISSES))
def test_a_near_miss_label_is_read_as_the_row_its_neighbours_leave_open_and_recorded(variant, near_miss):
    row, words = NEAR_MISSES[near_miss]
    report = random_report(random.Random(near_miss), template="2021", year=2023, blank_rate=0.0, activity=0.6)
    doc = document(report, variant, replace(PLAIN, relabel=((row, words),)))
    result = extract_plain(doc)
    assert_exact_round_trip(doc, result)
    [variant_issue] = issues(result, "label_variant")
    assert variant_issue.severity == "info" and variant_issue.details["row"] == row
    assert words in variant_issue.details["printed"]


@pytest.mark.parametrize("near_miss", list(NEAR_MISSES))
def test_a_near_miss_label_in_crawled_glued_text_is_read_too(near_miss):
    row, words = NEAR_MISSES[near_miss]
    doc = document(quiet_report(seed=near_miss), "txt-glued", replace(PLAIN, relabel=((row, words),)))
    result = extract_plain(doc)
    assert_exact_round_trip(doc, result)
    assert [i.details["row"] for i in issues(result, "label_variant")] == [row]


COULD_BE_ANOTHER_ROW = {  # a label as near to another row's words, or too short to tell: never read as a row
    "between 7 and 8": ("denied_enforcement_file", "属于行政查询案卷"),
    "8 worded like 7": ("denied_admin_query", "属于行政执法事项"),
    "a two-character stub": ("rejected_duplicate", "重复"),
    "the words of another row": ("rejected_publication", "重复申请出版物"),
}


@pytest.mark.parametrize("variant", ["txt-tabs", "html-plain", "docx"])
@pytest.mark.parametrize("label", list(COULD_BE_ANOTHER_ROW))
def test_a_label_that_could_be_another_row_is_never_guessed_and_the_report_is_flagged(variant, label):
    row, words = COULD_BE_ANOTHER_ROW[label]
    report = random_report(random.Random(label), template="2021", year=2023, blank_rate=0.0, activity=0.6)
    doc = document(report, variant, replace(PLAIN, relabel=((row, words),)))
    result = extract_plain(doc)
    assert result.status == "needs_review", describe(doc, result)
    assert not issues(result, "label_variant")
    wrong = {k for k, (printed, read) in cell_differences(report, result).items() if read != "<absent>"}
    assert wrong == set(), describe(doc, result)  # the row's cells are missing, never someone else's


def test_the_crawled_dev_case_with_a_near_miss_label_reads_exactly():
    from tests.support.paths import DEV_CASES_DIR
    text = (DEV_CASES_DIR / "pingtan-jjf-2023" / "source.txt").read_text(encoding="utf-8")
    result = extract_bytes(text.replace("7.属于行政执法案卷", "7.属于行政执法案件").encode("utf-8"), "jjf.txt")
    assert result.status == "ok"
    assert [result.cells[key(3, "denied_enforcement_file", c)] for c in T3_COLUMNS] == [0] * 7
    assert issues(result, "label_variant")[0].details["printed"] == "7.属于行政执法案件"


# ---- 3. long row labels wrapped in printed PDFs --------------------------------------------------------

WRAPPED_CASES = [case[0] for case in PDF_CASES if case[1].startswith("pdf-wrapped")]
WRAPPING_LABELS = ("无正当理由大量反复申请", "要求行政机关确认或重新出具已获取信息")  # in both templates


def _text_lines(pdf: bytes) -> list[str]:
    import io

    import pdfplumber
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [line.replace(" ", "") for page in document.pages for line in (page.extract_text() or "").splitlines()]


@pytest.fixture(scope="module")
def printed_pdfs():
    return print_pdf_cases()


@pytest.mark.integration
@pytest.mark.needs("chromium")
@pytest.mark.parametrize("case_id", WRAPPED_CASES)
def test_a_long_label_wrapped_over_lines_of_a_printed_table_is_joined_before_mapping(printed_pdfs, case_id):
    doc = printed_pdfs[case_id]
    lines = _text_lines(doc.data)
    for label in WRAPPING_LABELS:  # the layout really wraps: no line holds the whole label, one holds its start
        assert not any(label in line for line in lines), case_id
        assert any(label[:4] in line for line in lines), case_id
    result = extract_plain(doc)
    assert_exact_round_trip(doc, result)
    assert not issues(result, "row_not_in_template") and not issues(result, "rows_missing")


# ---- 4. glued 表二 runs settled by the narrative and by last year's report ---------------------------

def t2_report(seed: str, **cells) -> Report:
    """A quiet report whose 表二 counts have several digits (their glued runs split many ways)."""
    rng = random.Random(seed)
    report = quiet_report(seed=seed)
    values = {}
    for row in ("regulations", "normative_documents"):
        issued, repealed = rng.randint(10, 99), rng.randint(1, 60)
        values[f"2__{row}__issued"] = issued
        values[f"2__{row}__repealed"] = repealed
        values[f"2__{row}__in_force"] = rng.randint(100, 900)
    for row in ("administrative_licensing", "administrative_penalty", "administrative_coercion"):
        values[f"2__{row}__decisions"] = rng.randint(10, 9999)
    values.update(cells)
    return with_cells(report, **values)


@pytest.mark.parametrize("seed", ["n1", "n2", "n3", "n4", "n5"])
def test_glued_table_two_rows_are_settled_by_the_numbers_the_narrative_states(seed):
    report = t2_report(seed)
    doc = document(report, "txt-glued", replace(PLAIN, states_t2=True))
    result = extract_plain(doc)
    assert_exact_round_trip(doc, result)
    settled = issues(result, "split_settled_by_evidence")
    assert settled and all(i.severity == "info" for i in settled)
    for row in {i.details["keys"][0].rsplit(".", 1)[0] for i in settled}:
        evidence = result.provenance[f"{row}.in_force"]["evidence"]
        assert {e["kind"] for e in evidence} == {"narrative"} and all(e["phrase"] in doc.data.decode() for e in evidence)


@pytest.mark.parametrize("seed", ["n1", "n2", "n3"])
def test_without_the_narrative_the_same_runs_stay_flagged_with_their_alternatives(seed):
    report = t2_report(seed)
    doc = document(report, "txt-glued", PLAIN)
    result = extract_plain(doc)
    assert result.status == "needs_review"
    flagged = issues(result, "ambiguous_split")
    assert {"t2.regulations.issued", "t2.normative_documents.issued"} <= {i.key for i in flagged}
    for issue in flagged:
        truth = [report.cells[k] for k in issue.details["keys"]]
        assert truth in issue.details["alternatives"] or issue.details["n_alternatives"] > 10


def test_a_stated_number_that_fits_no_reading_is_reported_as_conflicting_evidence():
    report = t2_report("n1")
    doc = document(report, "txt-glued", replace(PLAIN, states_t2=True))
    issued = report.value(2, "normative_documents", "issued")
    text = doc.data.decode("utf-8").replace(f"制发规范性文件{issued}件", "制发规范性文件7777件")
    result = extract_bytes(text.encode("utf-8"), doc.name)
    [issue] = [i for i in issues(result, "ambiguous_split") if i.key == "t2.normative_documents.issued"]
    assert "conflicts" in issue.message and issue.severity == "error"
    assert result.status == "needs_review"


STOCK = {  # regulations as printed and the in_force of last year that the stock identity implies
    "123130": (12, 3, 130),
    "5211304": (52, 1, 1304),
    "40188": (40, 1, 88),
}


@pytest.mark.parametrize("printed", list(STOCK))
def test_last_years_report_settles_the_stock_of_a_glued_row_when_the_pipeline_passes_it(printed):
    issued, repealed, in_force = STOCK[printed]
    report = with_cells(quiet_report(seed=printed), **{"2__regulations__issued": issued,
                                                       "2__regulations__repealed": repealed,
                                                       "2__regulations__in_force": in_force})
    doc = document(report, "txt-glued", PLAIN)
    assert f"规章 {printed}" in doc.data.decode("utf-8")
    alone = extract_plain(doc)
    assert "t2.regulations.issued" in {i.key for i in issues(alone, "ambiguous_split")}

    last_year = PreviousReport(report.year - 1, {"t2.regulations.in_force": in_force - issued + repealed},
                               source="2022 report")
    result = extract_bytes(doc.data, doc.name, evidence=Evidence(last_year))
    assert_exact_round_trip(doc, result)
    [evidence] = result.provenance["t2.regulations.repealed"]["evidence"]
    assert evidence["kind"] == "previous_report" and evidence["source"] == "2022 report"


def test_last_years_report_of_another_year_is_not_evidence():
    issued, repealed, in_force = STOCK["123130"]
    report = with_cells(quiet_report(seed="x"), **{"2__regulations__issued": issued,
                                                   "2__regulations__repealed": repealed,
                                                   "2__regulations__in_force": in_force})
    doc = document(report, "txt-glued", PLAIN)
    stale = PreviousReport(report.year - 3, {"t2.regulations.in_force": in_force - issued + repealed})
    result = extract_bytes(doc.data, doc.name, evidence=Evidence(stale))
    assert "t2.regulations.issued" in {i.key for i in issues(result, "ambiguous_split")}


def test_the_2019_decisions_stated_in_the_narrative_narrow_a_glued_row_and_are_recorded():
    report = with_cells(quiet_report("2019", seed="d"), **{"2__administrative_penalty__prev_year_items": 1121,
                                                           "2__administrative_penalty__change": 30,
                                                           "2__administrative_penalty__decisions": 784})
    doc = document(report, "txt-glued", replace(PLAIN, states_t2=True))
    result = extract_plain(doc)
    assert_exact_or_flagged(doc, result)
    assert result.cells["t2.administrative_penalty.decisions"] == 784
    assert result.provenance["t2.administrative_penalty.decisions"]["evidence"][0]["value"] == 784


# ---- 5. blank cells that vanished from a glued run ----------------------------------------------------

def granted_only_by_natural_persons(seed: str, count: int) -> Report:
    """Applications from natural persons, all granted; the other cells of the 予以公开 row printed blank."""
    report = quiet_report(seed=seed)
    cells = {}
    for row in ("new_received", "granted", "total_processed"):
        cells[f"3__{row}__natural_person"] = count
        cells[f"3__{row}__total"] = count
    for column in T3_COLUMNS[1:-1]:
        cells[f"3__granted__{column}"] = None
    return with_cells(report, **cells)


@pytest.mark.parametrize("count", [3, 7, 12, 45])
def test_blank_cells_of_a_glued_row_are_placed_by_the_identities_when_only_one_place_fits(count):
    report = granted_only_by_natural_persons(f"g{count}", count)
    doc = document(report, "txt-glued", PLAIN)
    assert f"（一）予以公开 {count}{count}" in doc.data.decode("utf-8")
    assert_exact_round_trip(doc, extract_plain(doc))


@pytest.mark.parametrize("blank_columns", [T3_COLUMNS[:-1], T3_COLUMNS[1:], T3_COLUMNS[2:4]])
def test_blank_cells_that_the_identities_cannot_place_are_read_provisionally_and_flagged(blank_columns):
    report = with_cells(quiet_report(seed="z"), **{f"3__carried_over__{c}": None for c in blank_columns})
    doc = document(report, "txt-glued", PLAIN)
    result = extract_plain(doc)
    assert_exact_or_flagged(doc, result)
    assert result.status == "needs_review"
    assert all(key(3, "carried_over", c) in result.cells for c in T3_COLUMNS)  # the row is read, not dropped
    [issue] = [i for i in issues(result, "ambiguous_split") if i.key.startswith("t3.carried_over")]
    truth = [report.cells[k] for k in issue.details["keys"]]
    assert truth in issue.details["alternatives"] or issue.details["n_alternatives"] > 10


@pytest.mark.parametrize("seed", range(8))
def test_a_crawled_report_with_blank_cells_keeps_every_row_and_is_exact_or_flagged(seed):
    rng = random.Random(f"blanks{seed}")
    report = random_report(rng, template=rng.choice(("2021", "2019")), blank_rate=0.3, activity=0.3,
                           max_count=9, has_t4=True)
    doc = render(report, "txt-glued", rng)
    result = extract_plain(doc)
    assert_exact_or_flagged(doc, result)
    printed_rows = {k.rsplit(".", 1)[0] for k, v in report.cells.items() if k.startswith("t3.") and v is not None}
    assert printed_rows <= {k.rsplit(".", 1)[0] for k in result.cells}, describe(doc, result)


# ---- 6. radicals and compatibility ideographs ---------------------------------------------------------

def test_kangxi_radicals_and_compatibility_ideographs_fold_to_the_ideographs():
    assert fold_ideographs("⾦昌市⼯业和信息化局") == "金昌市工业和信息化局"
    assert fold_ideographs("⼈⺠政府 ⻓ \uf9b1") == "人民政府 长 \u9234"  # U+F9B1 is a compatibility form of 鈴
    text = "no look-alike here: 行政许可 0 1 2"
    assert fold_ideographs(text) is text


@pytest.mark.parametrize("variant", ["txt-radicals", "html-radicals"])
@pytest.mark.parametrize("agency", ["金昌市工业和信息化局", "大理白族自治州生态环境局", "江苏省人民政府",
                                    "黔西南州卫生健康委员会"])
def test_a_report_written_with_radicals_reads_its_agency_and_cells_exactly(variant, agency):
    report = replace(random_report(random.Random(agency), blank_rate=0.0), agency=agency)
    doc = render(report, variant, random.Random(agency))
    assert with_radicals(report.agency) != report.agency and with_radicals(report.agency) in doc.data.decode()
    result = extract_plain(doc)
    assert_exact_round_trip(doc, result)
    assert result.agency == report.agency


# ---- the real crawled dev cases that show these patterns ----------------------------------------------

def dev_case(name: str):
    import json

    from tests.support.paths import DEV_CASES_DIR
    gold = json.loads((DEV_CASES_DIR / name / "gold.json").read_text(encoding="utf-8"))
    return extract_bytes((DEV_CASES_DIR / name / "source.txt").read_bytes(), f"{name}.txt"), gold


def test_the_crawled_dev_case_with_a_heading_glued_to_the_last_row_reads_exactly_and_ok():
    result, gold = dev_case("pingtan-jjf-2023")  # "…结转下年度继续办理0000000四、政府信息公开行政复议…"
    assert result.status == "ok", result.issues
    assert {k: result.cells.get(k, "<absent>") for k in gold["cells"]} == gold["cells"]
    assert result.year == 2023
    assert [result.cells[key(3, "carried_over", c)] for c in T3_COLUMNS] == [0] * 7
    assert sum(k.startswith("t4.") for k in result.cells) == 15  # 表四 after the glued heading is read too


def test_the_crawled_dev_case_with_a_glued_penalty_row_is_narrowed_by_its_narrative_and_stays_flagged():
    result, gold = dev_case("pingtan-zhz-2020")  # "行政处罚1121784784", the narrative: "行政处罚决定784起"
    assert {k: result.cells.get(k, "<absent>") for k in gold["cells"]} == gold["cells"]
    assert result.year == 2020
    evidence = result.provenance["t2.administrative_penalty.decisions"]["evidence"]
    assert [(e["kind"], e["value"]) for e in evidence] == [("narrative", 784)]
    # the narrative fixes 决定 = 784 but not where 上年项目数 ends and 本年增/减 begins, and nothing states the
    # procurement split: both stay flagged with their alternatives, everything else is certain
    assert result.status == "needs_review"
    flagged = {i.key: i.details for i in issues(result, "ambiguous_split")}
    assert set(flagged) == {"t2.administrative_penalty.prev_year_items", "t2.centralized_procurement.projects"}
    penalty = flagged["t2.administrative_penalty.prev_year_items"]["alternatives"]
    assert [1121, 784, 784] in penalty and all(alternative[2] == 784 for alternative in penalty)
