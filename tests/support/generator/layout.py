"""The printed layout of 表二/表三/表四: labels of both templates and tables as grids of merged cells.

Every renderer starts from the same `Table` (rows of `Span`s with rowspan/colspan, like HTML), so the
HTML, DOCX, PDF and text forms of a report all print the same cells in the same places.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from extract.keys import T2_LAYOUT, T2_ROW_LABELS, T3_COLUMNS, T3_ROWS, T4_COLUMNS, T4_ROWS, key
from .report import PROCUREMENT_KEY, Report, Value

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
NULL_TOKENS = ("", "-", "—", "/", "无")


@dataclass(frozen=True)
class Style:
    """How a document prints what the report holds: none of this changes a cell's value."""

    null_token: str = ""  # what a blank (null) cell shows
    numbers: str = "plain"  # plain | thousands (1,234) | padded ("1 ") | fullwidth (１２)
    parens: str = "full"  # （一） or (一)
    numbering: str = "dot"  # "1." or "1、" before the numbered sub-rows
    social_label: str = "社会公益组织"  # or 社会组织
    broken_headers: bool = False  # "商业 企业", "自然 人": words broken by the layout
    unit_in_cell: bool = False  # "984361元" in the cell instead of the unit in the header
    spaced_labels: bool = False  # "三、本 年 度 办 理 结 果": a label spread with spaces by the layout
    typos: bool = False  # the typos real reports print: "钩稽关系", "行政法复议"
    # row key -> the words printed for its label instead of the template's (a near-miss such as
    # "属于行政执法案件" for 属于行政执法案卷; numbering and position stay the template's)
    relabel: tuple[tuple[str, str], ...] = ()
    t4_heading: str = "政府信息公开行政复议、行政诉讼情况"  # section 四's title as the report words it
    after_t2: str = ""  # a paragraph printed right after 表二 ("（二）主动公开政府信息的主要类别…")
    states_t2: bool = False  # the narrative restates 表二's numbers ("制发规范性文件6件", "作出行政处罚决定784件")

    def label(self, row: str, words: str) -> str:
        return dict(self.relabel).get(row, words)

    def render_value(self, value: Value, unit: str | None = None) -> str:
        if value is None:
            return self.null_token
        text = format_number(value)
        if self.numbers == "thousands":
            text = _with_thousands(text)
        elif self.numbers == "fullwidth":
            text = text.translate(FULLWIDTH_DIGITS)
        if unit and self.unit_in_cell:
            text += unit
        if self.numbers == "padded":
            text += " "
        return text


def random_style(rng: random.Random) -> Style:
    return Style(
        null_token=rng.choice(NULL_TOKENS),
        numbers=rng.choice(("plain", "plain", "thousands", "padded", "fullwidth")),
        parens=rng.choice(("full", "half")),
        numbering=rng.choice(("dot", "dot", "comma")),
        social_label=rng.choice(("社会公益组织", "社会组织")),
        broken_headers=rng.random() < 0.3,
        unit_in_cell=rng.random() < 0.5,
        spaced_labels=rng.random() < 0.2,
        typos=rng.random() < 0.2,
    )


def format_number(value: int | float) -> str:
    """The shortest text that reads back as exactly `value` (no exponent, no trailing ".0")."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        assert "e" not in text, text
        return text
    return str(value)


def _with_thousands(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}"
    return sign + grouped + ("." + fraction if fraction else "")


@dataclass(frozen=True)
class Span:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    key: str | None = None  # the canonical key of a value cell


Table = list[list[Span]]


@dataclass(frozen=True)
class RenderedTables:
    t2: Table
    t3: Table
    t3_header_rows: int  # the first rows of t3 that form its (repeatable) header
    t4: Table | None


# ---- labels ---------------------------------------------------------------------------------------------

CHINESE_ORDINALS = "一二三四五六七八"

T2_SECTIONS = {
    "2021": (
        ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"), ("regulations", "normative_documents")),
        ("第二十条第（五）项", ("本年处理决定数量",), ("administrative_licensing",)),
        ("第二十条第（六）项", ("本年处理决定数量",), ("administrative_penalty", "administrative_coercion")),
        ("第二十条第（八）项", ("本年收费金额（单位：万元）",), ("administrative_fees",)),
    ),
    "2019": (
        ("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
         ("regulations", "normative_documents")),
        ("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量"),
         ("administrative_licensing", "other_external_services")),
        ("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量"),
         ("administrative_penalty", "administrative_coercion")),
        ("第二十条第（八）项", ("上一年项目数量", "本年增/减"), ("administrative_fees",)),
        ("第二十条第（九）项", ("采购项目数量", "采购总金额"), ("centralized_procurement",)),
    ),
}

T3_NUMBERED = {
    "denied": ("属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益",
               "属于三类内部事务信息", "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项"),
    "unavailable": ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"),
    "rejected": ("信访举报投诉类申请", "重复申请", "要求提供公开出版物", "无正当理由大量反复申请",
                 "要求行政机关确认或重新出具已获取信息"),
    "other": ("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
              "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "其他"),
}
T3_GROUP_ROWS = {
    "denied": ("denied_state_secret", "denied_law_prohibited", "denied_security_stability", "denied_third_party",
               "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_admin_query"),
    "unavailable": ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear"),
    "rejected": ("rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_excessive",
                 "rejected_confirmation"),
    "other": ("other_no_correction", "other_unpaid_fee", "other_misc"),
}
T3_GROUP_LABELS = {"denied": "不予公开", "unavailable": "无法提供", "rejected": "不予处理", "other": "其他处理"}
T3_GROUP_ORDINAL = {"denied": 3, "unavailable": 4, "rejected": 5, "other": 6}
T3_IDENTITY_NOTE = "本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和"
T4_RESULT_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def _paren(style: Style, ordinal: int) -> str:
    numeral = CHINESE_ORDINALS[ordinal - 1]
    return f"（{numeral}）" if style.parens == "full" else f"({numeral}) "


def _numbered(style: Style, n: int, label: str) -> str:
    return f"{n}{'.' if style.numbering == 'dot' else '、'}{label}"


def _broken(style: Style, word: str) -> str:
    """Break a short header word in the middle, as narrow Word cells print it ("商业 企业")."""
    if not style.broken_headers or len(word) < 2:
        return word
    middle = len(word) // 2
    return word[:middle] + " " + word[middle:]


# ---- tables ---------------------------------------------------------------------------------------------

def _value_span(report: Report, style: Style, cell_key: str, colspan: int = 1) -> Span:
    unit = report.units.get(cell_key)
    return Span(style.render_value(report.cells.get(cell_key), unit), colspan=colspan, key=cell_key)


def table2(report: Report, style: Style) -> Table:
    """表二 as the template prints it: one 4-column table with a heading row per 第二十条 item."""
    width = 4
    rows: Table = []
    labels = T2_ROW_LABELS[report.template]
    layout = dict(T2_LAYOUT[report.template])
    for heading, col_headers, row_keys in T2_SECTIONS[report.template]:
        rows.append([Span(heading, colspan=width, header=True)])
        headers = list(col_headers)
        if report.template == "2019" and row_keys == ("centralized_procurement",) and not style.unit_in_cell:
            headers[1] = f"{headers[1]}（{report.units.get(PROCUREMENT_KEY, '元')}）"
        spare = width - 1 - len(headers)
        header_row = [Span("信息内容", header=True)]
        header_row += [Span(h, header=True, colspan=1 + (spare if i == len(headers) - 1 else 0))
                       for i, h in enumerate(headers)]
        rows.append(header_row)
        for row in row_keys:
            cols = layout[row]
            value_row = [Span(style.label(row, labels[row]))]
            for i, col in enumerate(cols):
                last = i == len(cols) - 1
                value_row.append(_value_span(report, style, key(2, row, col),
                                             colspan=1 + (width - 1 - len(cols) if last else 0)))
            rows.append(value_row)
    return rows


def table3(report: Report, style: Style) -> tuple[Table, int]:
    """表三 with its three header rows (申请人情况 / 法人或其他组织 colspan 5) and its row groups as rowspans."""
    t3_rows = T3_ROWS[report.template]
    rows: Table = [
        [Span(f"（{T3_IDENTITY_NOTE.replace('勾稽', '钩稽') if style.typos else T3_IDENTITY_NOTE}）",
              rowspan=3, colspan=3, header=True),
         Span("申请人情况", colspan=7, header=True)],
        [Span(_broken(style, "自然人"), rowspan=2, header=True),
         Span("法人或其他组织", colspan=5, header=True),
         Span("总计", rowspan=2, header=True)],
        [Span(_broken(style, word), header=True)
         for word in ("商业企业", "科研机构", style.social_label, "法律服务机构", "其他")],
    ]

    def values(row: str) -> list[Span]:
        return [_value_span(report, style, key(3, row, col)) for col in T3_COLUMNS]

    rows.append([Span("一、" + style.label("new_received", "本年新收政府信息公开申请数量"), colspan=3)]
                + values("new_received"))
    rows.append([Span("二、" + style.label("carried_over", "上年结转政府信息公开申请数量"), colspan=3)]
                + values("carried_over"))
    result_rows = len(t3_rows) - 3  # every row but new_received, carried_over, carried_forward
    results_label = "三、本 年 度 办 理 结 果" if style.spaced_labels else "三、本年度办理结果"
    first = [Span(results_label, rowspan=result_rows)]
    rows.append(first + [Span(f"{_paren(style, 1)}予以公开", colspan=2)] + values("granted"))
    rows.append([Span(f"{_paren(style, 2)}部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2)]
                + values("partially_granted"))
    for group in ("denied", "unavailable", "rejected", "other"):
        group_label = _paren(style, T3_GROUP_ORDINAL[group]) + T3_GROUP_LABELS[group]
        if group == "other" and report.template == "2019":
            rows.append([Span(group_label, colspan=2)] + values("other_processing"))
            continue
        group_rows = T3_GROUP_ROWS[group]
        for i, (row, label) in enumerate(zip(group_rows, T3_NUMBERED[group])):
            lead = [Span(group_label, rowspan=len(group_rows))] if i == 0 else []
            rows.append(lead + [Span(_numbered(style, i + 1, style.label(row, label)))] + values(row))
    rows.append([Span(f"{_paren(style, 7)}总计", colspan=2)] + values("total_processed"))
    rows.append([Span("四、" + style.label("carried_forward", "结转下年度继续办理"), colspan=3)]
                + values("carried_forward"))
    return rows, 3


def table4(report: Report, style: Style) -> Table:
    """表四 with its two-level header (行政复议 | 行政诉讼: 未经复议直接起诉, 复议后起诉) and one row of 15 numbers."""
    words = [_broken(style, h) if h != "总计" else h for h in T4_RESULT_HEADERS]
    return [
        [Span("行政复议", colspan=5, header=True), Span("行政诉讼", colspan=10, header=True)],
        [Span(w, rowspan=2, header=True) for w in words]
        + [Span("未经复议直接起诉", colspan=5, header=True), Span("复议后起诉", colspan=5, header=True)],
        [Span(w, header=True) for w in words] * 2,
        [_value_span(report, style, key(4, row, col)) for row in T4_ROWS for col in T4_COLUMNS],
    ]


def tables(report: Report, style: Style) -> RenderedTables:
    t3, header_rows = table3(report, style)
    return RenderedTables(table2(report, style), t3, header_rows,
                          table4(report, style) if report.has_t4 else None)


def expand(table: Table) -> list[list[tuple[Span, bool]]]:
    """The occupancy grid: every position holds its Span and whether it is the span's top-left origin."""
    grid: dict[tuple[int, int], tuple[Span, bool]] = {}
    width = 0
    for r, row in enumerate(table):
        c = 0
        for span in row:
            while (r, c) in grid:
                c += 1
            for dr in range(span.rowspan):
                for dc in range(span.colspan):
                    grid[(r + dr, c + dc)] = (span, dr == 0 and dc == 0)
            c += span.colspan
            width = max(width, c)
    height = max(r for r, _ in grid) + 1
    return [[grid.get((r, c), (Span(""), True)) for c in range(width)] for r in range(height)]
