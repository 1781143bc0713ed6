"""Small annual-report PDFs for the PDF parser tests: HTML written here, printed to PDF by headless chromium.

Each builder returns (html, expected cells). Values are distinct per cell so that a number read from the
wrong row or column cannot pass a test by accident.
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import tempfile

from extract import keys

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
)

T3_LABELS_2021 = {
    "new_received": ("一、本年新收政府信息公开申请数量", None, None),
    "carried_over": ("二、上年结转政府信息公开申请数量", None, None),
    "granted": ("三、本年度办理结果", "（一）予以公开", None),
    "partially_granted": ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    "denied_state_secret": ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"),
    "denied_law_prohibited": ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    "denied_security_stability": ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"),
    "denied_third_party": ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
    "denied_internal_affairs": ("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"),
    "denied_process_info": ("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"),
    "denied_enforcement_file": ("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"),
    "denied_admin_query": ("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"),
    "unavailable_not_held": ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"),
    "unavailable_unclear": ("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"),
    "rejected_petition": ("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"),
    "rejected_duplicate": ("三、本年度办理结果", "（五）不予处理", "2.重复申请"),
    "rejected_publication": ("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"),
    "rejected_excessive": ("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"),
    "rejected_confirmation": ("三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": ("三、本年度办理结果", "（六）其他处理",
                            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_unpaid_fee": ("三、本年度办理结果", "（六）其他处理",
                         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_misc": ("三、本年度办理结果", "（六）其他处理", "3.其他"),
    "total_processed": ("三、本年度办理结果", "（七）总计", None),
    "carried_forward": ("四、结转下年度继续办理", None, None),
}

NARRATIVE = (
    "本报告根据《中华人民共和国政府信息公开条例》要求编制。报告中所列数据统计期限自2023年1月1日起至2023年12月31日止。"
    "全年共收到政府信息公开申请{received}件，均在法定期限内答复。"
)

STYLE = """
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size: 10.5pt; }
table { border-collapse: collapse; width: 100%; margin: 8pt 0; }
td, th { padding: 3pt 4pt; text-align: center; vertical-align: middle; font-weight: normal; }
table.ruled td, table.ruled th { border: 0.75pt solid #000; }
table.borderless td, table.borderless th { border: none; padding: 4pt 6pt; }
tr.page-break { break-before: page; }
table.t4 { break-inside: avoid; }
p { line-height: 1.6; margin: 4pt 0; }
"""


def expected_values(template_rows: tuple[str, ...], seed: int) -> dict[str, int]:
    """Distinct counts per cell with each row's total equal to the sum of its applicant columns."""
    values: dict[str, int] = {}
    for r, row in enumerate(template_rows):
        parts = [(seed * 7 + r * 13 + c * 5) % 97 for c in range(6)]
        for col, value in zip(keys.T3_APPLICANT_COLUMNS, parts):
            values[keys.key(3, row, col)] = value
        values[keys.key(3, row, "total")] = sum(parts)
    return values


def table2_html(css_class: str, values: dict[str, float]) -> str:
    v = values
    return f"""
<table class="{css_class}">
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>{v['t2.regulations.issued']}</td><td>{v['t2.regulations.repealed']}</td><td>{v['t2.regulations.in_force']}</td></tr>
<tr><td>行政规范性文件</td><td>{v['t2.normative_documents.issued']}</td><td>{v['t2.normative_documents.repealed']}</td><td>{v['t2.normative_documents.in_force']}</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">{v['t2.administrative_licensing.decisions']}</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政处罚</td><td colspan="3">{v['t2.administrative_penalty.decisions']}</td></tr>
<tr><td>行政强制</td><td colspan="3">{v['t2.administrative_coercion.decisions']}</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">{v['t2.administrative_fees.amount']}</td></tr>
</table>"""


def table3_header_html() -> str:
    return """
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业<br>企业</td><td>科研<br>机构</td><td>社会<br>公益<br>组织</td><td>法律<br>服务<br>机构</td><td>其他</td></tr>"""


def table3_ruled_html(values: dict[str, int], break_before: str | None = None) -> str:
    """表三 with the template's merged label cells; with `break_before`, the table is forced onto a new page
    at that row and chromium repeats the <thead> header there, as Word and WPS do."""
    rows = list(T3_LABELS_2021)
    body = []
    for i, row in enumerate(rows):
        first, second, third = T3_LABELS_2021[row]
        tr_class = ' class="page-break"' if row == break_before else ""
        cells = []
        # the spans restart after a forced break so that no merged cell straddles the page boundary
        prev = T3_LABELS_2021[rows[i - 1]] if i and row != break_before else (None, None, None)
        if second is None:
            cells.append(f'<td colspan="3">{first}</td>')
        else:
            if prev[0] != first:
                span = _run_length(rows, i, 0, break_before)
                cells.append(f'<td rowspan="{span}">{"<br>".join(first)}</td>')
            if third is None:
                cells.append(f'<td colspan="2">{second}</td>')
            else:
                if prev[1] != second:
                    span = _run_length(rows, i, 1, break_before)
                    cells.append(f'<td rowspan="{span}">{second}</td>')
                cells.append(f"<td>{third}</td>")
        cells += [f"<td>{values[keys.key(3, row, col)]}</td>" for col in keys.T3_COLUMNS]
        body.append(f"<tr{tr_class}>{''.join(cells)}</tr>")
    return f'<table class="ruled"><thead>{table3_header_html()}</thead><tbody>{"".join(body)}</tbody></table>'


def _run_length(rows: list[str], start: int, level: int, break_before: str | None) -> int:
    label = T3_LABELS_2021[rows[start]][level]
    n = 1
    while (start + n < len(rows) and T3_LABELS_2021[rows[start + n]][level] == label
           and rows[start + n] != break_before):
        n += 1
    return n


def table3_borderless_html(values: dict[str, int]) -> str:
    """表三 as many web pages print it without borders: one label column, header words in their own rows."""
    rows = []
    rows.append('<tr><td></td><td colspan="7">申请人情况</td></tr>')
    rows.append('<tr><td></td><td>自然人</td><td colspan="5">法人或其他组织</td><td>总计</td></tr>')
    rows.append('<tr><td></td><td></td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>'
                '<td>法律服务机构</td><td>其他</td><td></td></tr>')
    for row, (first, second, third) in T3_LABELS_2021.items():
        label = third or second or first
        cells = "".join(f"<td>{values[keys.key(3, row, col)]}</td>" for col in keys.T3_COLUMNS)
        rows.append(f'<tr><td style="text-align:left">{label}</td>{cells}</tr>')
    return f'<table class="borderless">{"".join(rows)}</table>'


def table4_html(css_class: str, values: dict[str, int]) -> str:
    heads = "".join(f"<td>{h}</td>" for h in ("结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计") * 3)
    nums = "".join(f"<td>{values[keys.key(4, r, c)]}</td>" for r in keys.T4_ROWS for c in keys.T4_COLUMNS)
    return f"""
<table class="{css_class} t4">
<tr><td colspan="5" rowspan="2">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr>{heads}</tr>
<tr>{nums}</tr>
</table>"""


def report_values(seed: int = 1) -> dict[str, float]:
    values: dict[str, float] = dict(expected_values(keys.T3_ROWS["2021"], seed))
    t2 = {
        "t2.regulations.issued": 1, "t2.regulations.repealed": 2, "t2.regulations.in_force": 3,
        "t2.normative_documents.issued": 14, "t2.normative_documents.repealed": 5,
        "t2.normative_documents.in_force": 236, "t2.administrative_licensing.decisions": 5507,
        "t2.administrative_penalty.decisions": 4119, "t2.administrative_coercion.decisions": 195,
        "t2.administrative_fees.amount": 7730.28,
    }
    values.update(t2)
    for r, row in enumerate(keys.T4_ROWS):
        parts = [seed + r * 4 + c for c in range(4)]
        for col, value in zip(keys.T4_COLUMNS, parts):
            values[keys.key(4, row, col)] = value
        values[keys.key(4, row, "total")] = sum(parts)
    return values


def report_html(style: str = "ruled", seed: int = 1, break_before: str | None = None,
                blanks: frozenset[str] = frozenset()) -> tuple[str, dict]:
    """A whole report: title, narrative, 表二, 表三, 表四 and closing sections. Cells named in `blanks`
    are printed empty and expected as null."""
    values: dict[str, float | None] = dict(report_values(seed))
    for key in blanks:
        values[key] = None
    received = values["t3.new_received.total"]
    shown = {k: "" if v is None else v for k, v in values.items()}
    t3 = (table3_ruled_html(shown, break_before) if style == "ruled" else table3_borderless_html(shown))
    html = f"""<!doctype html><html><head><meta charset="utf-8"><style>{STYLE}</style></head><body>
<h2 style="text-align:center">示例县人民政府2023年政府信息公开工作年度报告</h2>
<p>{NARRATIVE.format(received=received)}</p>
<p>一、总体情况</p><p>2023年，示例县人民政府坚持以习近平新时代中国特色社会主义思想为指导，推进政府信息公开工作。</p>
<p>二、主动公开政府信息情况</p>
{table2_html(style, shown)}
<p>三、收到和处理政府信息公开申请情况</p>
{t3}
<p>四、政府信息公开行政复议、行政诉讼情况</p>
{table4_html(style, shown)}
<p>五、存在的主要问题及改进情况</p><p>依申请公开工作规范性还有待提高。</p>
<p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>
</body></html>"""
    return html, values


def print_pdf(html: str, workdir: pathlib.Path) -> bytes:
    """Print HTML to PDF with headless chromium (Debian package `chromium`)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise RuntimeError("chromium is required to print the PDF fixtures: apt-get install chromium")
    src = workdir / "in.html"
    out = workdir / "out.pdf"
    src.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory(dir=workdir) as profile:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}",
                        src.as_uri()], check=True, capture_output=True, timeout=120)
    return out.read_bytes()
