"""Tables of the annual-report template written as compact specs, and their grid and .docx renderings.

A spec is a list of rows of strings; "<" is the position covered by the merged cell on its left and "^" by
the merged cell above (so a rowspan/colspan is spelled out as in the printed table). The 表三 spec follows
the official 2021 template's layout (the identity note merged over three columns and three header rows,
法人或其他组织 over five columns, 三、本年度办理结果 and the (三)-(六) groups merged down).
"""
from __future__ import annotations

import io
import json

from tests.support.paths import DEV_CASES_DIR
from extract import grid, model
from extract.keys import T3_COLUMNS, T4_COLUMNS, T4_ROWS

CASES = DEV_CASES_DIR


def gold_cells(case: str) -> dict[str, int | float | None]:
    return json.loads((CASES / case / "gold.json").read_text(encoding="utf-8"))["cells"]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.2f}"
    return str(value)


def _origins(spec: list[list[str]]) -> list[list[tuple[int, int]]]:
    origins: list[list[tuple[int, int]]] = []
    for r, row in enumerate(spec):
        out = []
        for c, text in enumerate(row):
            if text == "<":
                out.append(out[c - 1])
            elif text == "^":
                out.append(origins[r - 1][c])
            else:
                out.append((r, c))
        origins.append(out)
    return origins


def grid_table(spec: list[list[str]], table_index: int = 0) -> grid.GridTable:
    """The grid a parser hands to grid.parse_tables for this spec (copies point at their merged cell)."""
    origins = _origins(spec)
    table: grid.GridTable = []
    for r, row in enumerate(spec):
        out = []
        for c, _ in enumerate(row):
            r0, c0 = origins[r][c]
            text = spec[r0][c0]
            out.append(grid.GridCell(text, model.Cell(None, text, table_index=table_index, row_index=r,
                                                      col_index=c), None if (r0, c0) == (r, c) else (r0, c0)))
        table.append(out)
    return table


def merges(spec: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of every merged cell of a spec."""
    extents: dict[tuple[int, int], list[int]] = {}
    for r, row in enumerate(_origins(spec)):
        for c, origin in enumerate(row):
            box = extents.setdefault(origin, [r, c, r, c])
            box[2], box[3] = max(box[2], r), max(box[3], c)
    return [tuple(box) for origin, box in extents.items() if box[:2] != box[2:]]


def t2_spec_2021(cells: dict) -> list[list[str]]:
    v = lambda row, col: _text(cells.get(f"t2.{row}.{col}"))  # noqa: E731
    spec = [["第二十条第（一）项", "<", "<", "<"],
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]]
    for row, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        spec.append([label, v(row, "issued"), v(row, "repealed"), v(row, "in_force")])
    spec += [["第二十条第（五）项", "<", "<", "<"], ["信息内容", "本年处理决定数量", "<", "<"],
             ["行政许可", v("administrative_licensing", "decisions"), "<", "<"],
             ["第二十条第（六）项", "<", "<", "<"], ["信息内容", "本年处理决定数量", "<", "<"],
             ["行政处罚", v("administrative_penalty", "decisions"), "<", "<"],
             ["行政强制", v("administrative_coercion", "decisions"), "<", "<"],
             ["第二十条第（八）项", "<", "<", "<"], ["信息内容", "本年收费金额（单位：万元）", "<", "<"],
             ["行政事业性收费", v("administrative_fees", "amount"), "<", "<"]]
    return spec


T3_LABELS = (
    ("new_received", ["一、本年新收政府信息公开申请数量", "<", "<"]),
    ("carried_over", ["二、上年结转政府信息公开申请数量", "<", "<"]),
    ("granted", ["三、本年度办理结果", "（一）予以公开", "<"]),
    ("partially_granted", ["^", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "<"]),
    ("denied_state_secret", ["^", "（三）不予公开", "1.属于国家秘密"]),
    ("denied_law_prohibited", ["^", "^", "2.其他法律行政法规禁止公开"]),
    ("denied_security_stability", ["^", "^", "3.危及“三安全一稳定”"]),
    ("denied_third_party", ["^", "^", "4.保护第三方合法权益"]),
    ("denied_internal_affairs", ["^", "^", "5.属于三类内部事务信息"]),
    ("denied_process_info", ["^", "^", "6.属于四类过程性信息"]),
    ("denied_enforcement_file", ["^", "^", "7.属于行政执法案卷"]),
    ("denied_admin_query", ["^", "^", "8.属于行政查询事项"]),
    ("unavailable_not_held", ["^", "（四）无法提供", "1.本机关不掌握相关政府信息"]),
    ("unavailable_needs_creation", ["^", "^", "2.没有现成信息需要另行制作"]),
    ("unavailable_unclear", ["^", "^", "3.补正后申请内容仍不明确"]),
    ("rejected_petition", ["^", "（五）不予处理", "1.信访举报投诉类申请"]),
    ("rejected_duplicate", ["^", "^", "2.重复申请"]),
    ("rejected_publication", ["^", "^", "3.要求提供公开出版物"]),
    ("rejected_excessive", ["^", "^", "4.无正当理由大量反复申请"]),
    ("rejected_confirmation", ["^", "^", "5.要求行政机关确认或重新出具已获取信息"]),
    ("other_no_correction", ["^", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"]),
    ("other_unpaid_fee", ["^", "^", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"]),
    ("other_misc", ["^", "^", "3.其他"]),
    ("total_processed", ["^", "（七）总计", "<"]),
    ("carried_forward", ["四、结转下年度继续办理", "<", "<"]),
)
T3_HEADER = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "<", "<", "申请人情况", "<", "<", "<",
     "<", "<", "<"],
    ["^", "^", "^", "自然人", "法人或其他组织", "<", "<", "<", "<", "总计"],
    ["^", "^", "^", "^", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "^"],
]


def t3_spec(cells: dict) -> list[list[str]]:
    spec = [list(row) for row in T3_HEADER]
    for row, labels in T3_LABELS:
        spec.append(list(labels) + [_text(cells.get(f"t3.{row}.{col}")) for col in T3_COLUMNS])
    return spec


def t4_spec(cells: dict) -> list[list[str]]:
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        ["行政复议", "<", "<", "<", "<", "行政诉讼"] + ["<"] * 9,
        results + ["未经复议直接起诉", "<", "<", "<", "<", "复议后起诉", "<", "<", "<", "<"],
        ["^"] * 5 + results + results,
        [_text(cells.get(f"t4.{row}.{col}")) for row in T4_ROWS for col in T4_COLUMNS],
    ]


def report_specs(cells: dict) -> list[list[list[str]]]:
    return [t2_spec_2021(cells), t3_spec(cells), t4_spec(cells)]


TITLE = "平潭综合实验区2022年度政府信息公开工作年度报告"


def docx_bytes(specs: list[list[list[str]]], title: str = TITLE) -> bytes:
    """A Word document with the title, section headings and the tables, merged cells as Word merges
    (python-docx writes w:gridSpan for merges across and w:vMerge for merges down)."""
    import docx

    document = docx.Document()
    document.add_paragraph(title)
    headings = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
    for heading, spec in zip(headings, specs):
        document.add_paragraph(heading)
        width = max(len(row) for row in spec)
        table = document.add_table(rows=len(spec), cols=width)
        for r, row in enumerate(spec):
            for c, text in enumerate(row):
                if text not in ("<", "^"):
                    table.cell(r, c).text = text
        for top, left, bottom, right in merges(spec):
            text = spec[top][left]
            merged = table.cell(top, left).merge(table.cell(bottom, right))
            merged.text = text
    document.add_paragraph("五、存在的主要问题及改进情况")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
