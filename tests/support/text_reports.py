"""Render canonical cells back into report text in the layouts the text parser must read (for tests)."""
from __future__ import annotations

from extract.keys import T2_LAYOUT, T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_ROWS, key

T3_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "三、本年度办理结果 （一）予以公开", "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "（三）不予公开 1.属于国家秘密", "denied_law_prohibited": "2.其他法律行政法规禁止公开",
    "denied_security_stability": "3.危及“三安全一稳定”", "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息", "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷", "denied_admin_query": "8.属于行政查询事项",
    "unavailable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作", "unavailable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "（五）不予处理 1.信访举报投诉类申请", "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物", "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他", "other_processing": "（六）其他处理", "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
T2_ROW_LABELS = {
    "regulations": "规章", "normative_documents": {"2021": "行政规范性文件", "2019": "规范性文件"},
    "administrative_licensing": "行政许可", "other_external_services": "其他对外管理服务事项",
    "administrative_penalty": "行政处罚", "administrative_coercion": "行政强制",
    "administrative_fees": "行政事业性收费", "centralized_procurement": "政府集中采购",
}
T2_HEADERS = {
    "2021": {"regulations": "第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数",
             "administrative_licensing": "第二十条第（五）项 信息内容 本年处理决定数量",
             "administrative_penalty": "第二十条第（六）项 信息内容 本年处理决定数量",
             "administrative_fees": "第二十条第（八）项 信息内容 本年收费金额（单位：万元）"},
    "2019": {"regulations": "第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量",
             "administrative_licensing": "第二十条第（五）项 信息内容 上一年项目数量 本年增/减 处理决定数量",
             "administrative_penalty": "第二十条第（六）项 信息内容 上一年项目数量 本年增/减 处理决定数量",
             "administrative_fees": "第二十条第（八）项 信息内容 上一年项目数量 本年增/减",
             "centralized_procurement": "第二十条第（九）项 信息内容 采购项目数量 采购总金额"},
}
T3_HEADER = ("三、收到和处理政府信息公开申请情况 （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） "
             "申请人情况 自然人 法人或其他组织 总计 商业企业 科研机构 社会公益组织 法律服务机构 其他")
T4_HEADER = ("四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计 "
             "未经复议直接起诉 复议后起诉 结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计")


def _fmt(value) -> str:
    if value is None:
        return "-"
    return repr(value) if isinstance(value, float) else str(value)


def render(cells: dict, template: str, cell_sep: str = " ", row_sep: str = " ",
           title: str = "某某市某某局2023年政府信息公开工作年度报告") -> str:
    """A report whose tables print `cells`; cell_sep "" glues a row's digits like crawled portal text."""
    parts = [title, "一、总体情况 本机关认真落实《条例》。"]
    t2 = [(row, cols) for row, cols in T2_LAYOUT[template] if key(2, row, cols[0]) in cells]
    if t2:
        parts.append("二、主动公开政府信息情况")
        for row, cols in t2:
            header = T2_HEADERS[template].get(row)
            if header:
                parts.append(header)
            label = T2_ROW_LABELS[row]
            label = label[template] if isinstance(label, dict) else label
            parts.append(label + row_sep + cell_sep.join(_fmt(cells[key(2, row, c)]) for c in cols))
    other_rows = ("other_processing",) if key(3, "other_processing", "total") in cells else \
        ("other_no_correction", "other_unpaid_fee", "other_misc")
    template_rows = T3_ROWS["2019"] if other_rows == ("other_processing",) else T3_ROWS["2021"]
    rows = [r for r in template_rows if key(3, r, "total") in cells]
    if rows:
        parts.append(T3_HEADER)
        for row in rows:
            parts.append(T3_LABELS[row] + row_sep + cell_sep.join(_fmt(cells[key(3, row, c)]) for c in T3_COLUMNS))
    t4_keys = [key(4, r, c) for r in T4_ROWS for c in T4_COLUMNS]
    if all(k in cells for k in t4_keys):
        parts.append(T4_HEADER + row_sep + cell_sep.join(_fmt(cells[k]) for k in t4_keys))
    parts.append("五、存在的主要问题及改进情况 无。 六、其他需要报告的事项 无。")
    return "\n".join(parts) if row_sep == "\n" else row_sep.join(parts)
