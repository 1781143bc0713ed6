"""labels: row labels and column headers → canonical keys, with the variants real reports print."""
import pytest

from extract import labels
from extract.keys import T3_ROWS


@pytest.mark.parametrize("text, table, row", [
    ("一、本年新收政府信息公开申请数量", 3, "new_received"),
    ("二、上年结转政府信息公开申请数量", 3, "carried_over"),
    ("(一) 予以公开", 3, "granted"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 3, "partially_granted"),
    ("(三) 不予公开\t1.属于国家秘密", 3, "denied_state_secret"),
    ("1、属于国家秘密", 3, "denied_state_secret"),
    ("2.其他法律行政止公开", 3, "denied_law_prohibited"),  # typo printed by 洪泽区 2023
    ("3.危及“三安全一稳定”", 3, "denied_security_stability"),
    ("8. 属于行政查询事项", 3, "denied_admin_query"),
    ("（四）无法提供 1.本机关不掌握相关政府信息", 3, "unavailable_not_held"),
    ("2.没有现成信息需要另行制作", 3, "unavailable_needs_creation"),
    ("5.要求行政机关确认或重新出具已获取信息", 3, "rejected_confirmation"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 3, "other_no_correction"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 3, "other_unpaid_fee"),
    ("3.其他", 3, "other_misc"),
    ("(七) 总计", 3, "total_processed"),
    ("四、结转下年度继续办理", 3, "carried_forward"),
    ("规章", 2, "regulations"),
    ("行政规范性文件", 2, "normative_documents"),
    ("规范性文件", 2, "normative_documents"),
    ("其他对外管理服务事项", 2, "other_external_services"),
    ("行政事业性收费", 2, "administrative_fees"),
    ("政府集中采购", 2, "centralized_procurement"),
    ("未经复议直接起诉", 4, "litigation_direct"),
    ("复议后起诉", 4, "litigation_after_reconsideration"),
    ("行政复议", 4, "reconsideration"),
], ids=lambda v: str(v))
def test_row_labels_name_their_canonical_row(text, table, row):
    match = labels.match_row(text)
    assert match is not None and (match.table, match.row) == (table, row)


@pytest.mark.parametrize("text", ["三、本 年 度 办 理 结 果", "（三）不予公 开", "(五)不予处理", "（四）无法提供"])
def test_group_headings_broken_by_spaces_are_groups_without_a_row(text):
    match = labels.match_row(text)
    assert match is not None and match.kind == "group" and match.row is None


def test_other_processing_is_a_2019_row_or_the_2021_group_heading():
    match = labels.match_row("（六）其他处理")
    assert (match.row, match.kind, match.group) == ("other_processing", "row_or_group", "other")


def test_bare_other_is_other_misc_only_inside_other_processing():
    assert labels.match_row("其他") is None
    assert labels.match_row("其他", context="other_unpaid_fee").row == "other_misc"
    previous = labels.match_row("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
    assert labels.match_row("其他", context=previous).row == "other_misc"
    assert labels.match_row("3、其他").row == "other_misc"


def test_every_2021_and_2019_row_of_table_three_has_a_label():
    printed = {
        "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
        "granted": "（一）予以公开", "partially_granted": "（二）部分公开",
        "denied_state_secret": "1.属于国家秘密", "denied_law_prohibited": "2.其他法律行政法规禁止公开",
        "denied_security_stability": "3.危及“三安全一稳定”", "denied_third_party": "4.保护第三方合法权益",
        "denied_internal_affairs": "5.属于三类内部事务信息", "denied_process_info": "6.属于四类过程性信息",
        "denied_enforcement_file": "7.属于行政执法案卷", "denied_admin_query": "8.属于行政查询事项",
        "unavailable_not_held": "1.本机关不掌握相关政府信息",
        "unavailable_needs_creation": "2.没有现成信息需要另行制作",
        "unavailable_unclear": "3.补正后申请内容仍不明确", "rejected_petition": "1.信访举报投诉类申请",
        "rejected_duplicate": "2.重复申请", "rejected_publication": "3.要求提供公开出版物",
        "rejected_excessive": "4.无正当理由大量反复申请",
        "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
        "other_no_correction": "1.申请人无正当理由逾期不补正", "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用",
        "other_misc": "3.其他", "other_processing": "（六）其他处理", "total_processed": "（七）总计",
        "carried_forward": "四、结转下年度继续办理",
    }
    assert set(printed) == set(T3_ROWS["2019"]) | set(T3_ROWS["2021"])
    for row, text in printed.items():
        assert labels.match_row(text).row == row, text


@pytest.mark.parametrize("text, table, column", [
    ("自然 人", 3, "natural_person"),
    ("商业\n企业", 3, "commercial_enterprise"),
    ("科研 机构", 3, "research_institution"),
    ("社会公益组织", 3, "social_welfare_org"),
    ("社会组织", 3, "social_welfare_org"),
    ("法律 服务 机构", 3, "legal_service_org"),
    ("本年制发件数", 2, "issued"),
    ("本年废纸件数", 2, "repealed"),  # typo printed by 平潭公安局 2021
    ("本年废止件数", 2, "repealed"),
    ("现行有效件数", 2, "in_force"),
    ("本年处理决定数量", 2, "decisions"),
    ("处理决定数量", 2, "decisions"),
    ("本年新制作数量", 2, "new_made"),
    ("本年增/减", 2, "change"),
    ("采购总金额", 2, "total_amount"),
    ("结果 维持", 4, "upheld"),
    ("结 果 纠 正", 4, "corrected"),
    ("其他\n结果", 4, "other"),
    ("尚 未 审 结", 4, "pending"),
], ids=lambda v: str(v))
def test_column_headers_name_their_canonical_column(text, table, column):
    match = labels.match_column(text)
    assert match is not None and (match.table, match.column) == (table, column)


def test_headers_printed_in_two_tables_are_resolved_by_the_table_argument():
    assert labels.match_column("其他").tables == frozenset({3, 4})
    assert labels.match_column("其他", table=3).column == "other_org"
    assert labels.match_column("其他", table=4).column == "other"
    assert labels.match_column("总 计", table=4).column == "total"


def test_units_printed_in_headers_are_reported():
    assert labels.match_column("本年收费金额（单位：万元）").unit == "万元"
    assert labels.match_column("采购总金额（单位：元）").unit == "元"


def test_template_is_detected_from_labels_not_from_the_year():
    t2019 = [labels.match_column(t) for t in ("本年新制作数量", "本年新公开数量", "对外公开总数量")]
    t2021 = [labels.match_column(t) for t in ("本年制发件数", "本年废止件数", "现行有效件数")]
    assert labels.detect_template([], t2019) == "2019"
    assert labels.detect_template([], t2021) == "2021"
    single_other = [labels.match_row("（六）其他处理")]
    three_others = [labels.match_row("1.申请人无正当理由逾期不补正"), labels.match_row("3.其他")]
    assert labels.detect_template(single_other, []) == "2019"
    assert labels.detect_template(three_others, []) == "2021"
    # hybrid: 2021 表二 with the single 2019 其他处理 row of 表三 → 2021 (its 表二 keys are 2021 keys)
    assert labels.detect_template(single_other, t2021) == "2021"


def test_scan_finds_labels_in_crawled_text_without_eating_glued_digits():
    text = ("（四）无法提供 1.本机关不掌握相关政府信息 3700000372.没有现成信息需要另行制作 0000000"
            "3.补正后申请内容仍不明确0000000（五）不予处理")
    comp = labels.compact(text)
    hits = labels.scan(comp.text)
    rows = [(h.key, comp.text[h.start:h.end]) for h in hits if h.is_row]
    assert rows == [("unavailable_not_held", "1.本机关不掌握相关政府信息"),
                    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
                    ("unavailable_unclear", "3.补正后申请内容仍不明确")]
    start, end = comp.original_span(hits[1].end, hits[2].start)
    assert text[start:end].strip() == "370000037"


@pytest.mark.parametrize("heading", [
    "四、政府信息公开行政复议、行政诉讼情况",
    "四、政府信息公开行政法复议、行政诉讼情况",
    "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
])
def test_table_four_headings_and_their_typos_are_recognised(heading):
    hits = labels.scan(labels.compact(heading).text)
    assert hits[0].key == "t4_heading" and hits[0].end == len(labels.compact(heading).text)


def test_identity_note_is_recognised_with_either_spelling():
    for word in ("勾稽", "钩稽"):
        note = f"（本列数据的{word}关系为：第一项加第二项之和，等于第三项加第四项之和）"
        assert [h.key for h in labels.scan(labels.compact(note).text)] == ["identity_note"]
