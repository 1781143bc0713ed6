"""Write the reference seeds of the dbt project from the canonical keys in `extract/keys.py`, the identities
declared in `extract/identities.py` and the check catalogue in `extract/check_catalogue.py`.

The seeds are committed; `tests/warehouse/test_seeds.py` fails when they drift from `extract.keys`.
Regenerate after changing the keys:  PYTHONPATH=. .venv/bin/python dbt_project/scripts/generate_seeds.py
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from extract.check_catalogue import CHECKS
from extract.identities import WITHIN_REPORT
from extract.keys import (AMOUNT_KEYS, T2_LAYOUT, T2_ROW_LABELS, T3_COLUMNS, T3_OTHER_ROWS_2019,
                          T3_OTHER_ROWS_2021, T3_ROWS, T4_COLUMNS, T4_ROWS, TEMPLATE_UNITS, key)

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"

T3_ROW_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开",
    "denied_state_secret": "（三）不予公开 1.属于国家秘密",
    "denied_law_prohibited": "（三）不予公开 2.其他法律行政法规禁止公开",
    "denied_security_stability": "（三）不予公开 3.危及“三安全一稳定”",
    "denied_third_party": "（三）不予公开 4.保护第三方合法权益",
    "denied_internal_affairs": "（三）不予公开 5.属于三类内部事务信息",
    "denied_process_info": "（三）不予公开 6.属于四类过程性信息",
    "denied_enforcement_file": "（三）不予公开 7.属于行政执法案卷",
    "denied_admin_query": "（三）不予公开 8.属于行政查询事项",
    "unavailable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "（四）无法提供 2.没有现成信息需要另行制作",
    "unavailable_unclear": "（四）无法提供 3.补正后申请内容仍不明确",
    "rejected_petition": "（五）不予处理 1.信访举报投诉类申请",
    "rejected_duplicate": "（五）不予处理 2.重复申请",
    "rejected_publication": "（五）不予处理 3.要求提供公开出版物",
    "rejected_excessive": "（五）不予处理 4.无正当理由大量反复申请",
    "rejected_confirmation": "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正",
    "other_unpaid_fee": "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用",
    "other_misc": "（六）其他处理 3.其他",
    "other_processing": "（六）其他处理",
    "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
T3_COLUMN_LABELS = {
    "natural_person": ("自然人", "natural_person"),
    "commercial_enterprise": ("商业企业", "legal_person_or_other_org"),
    "research_institution": ("科研机构", "legal_person_or_other_org"),
    "social_welfare_org": ("社会公益组织", "legal_person_or_other_org"),
    "legal_service_org": ("法律服务机构", "legal_person_or_other_org"),
    "other_org": ("其他", "legal_person_or_other_org"),
    "total": ("总计", "total"),
}

# 表二's measures as printed (docs/annual-report.md): the 2019 and 2021 templates name them differently
T2_COLUMN_LABELS = {
    "2021": {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
             "decisions": "本年处理决定数量", "amount": "本年收费金额（单位：万元）"},
    "2019": {"new_made": "本年新制作数量", "new_published": "本年新公开数量", "total_published": "对外公开总数量",
             "prev_year_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
             "projects": "采购项目数量", "total_amount": "采购总金额"},
}
T2_AMOUNT_COLUMNS = ("amount", "total_amount")  # money, not a count
T4_ROW_LABELS = {
    "reconsideration": "行政复议",
    "litigation_direct": "行政诉讼 未经复议直接起诉",
    "litigation_after_reconsideration": "行政诉讼 复议后起诉",
}
T4_COLUMN_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
                    "total": "总计"}


def _outcome_group(row: str) -> str:
    if row in ("new_received", "carried_over"):
        return "intake"
    if row in ("total_processed", "carried_forward"):
        return row
    if row.startswith(("denied_", "unavailable_", "rejected_", "other_")):
        return row.split("_")[0]
    return row  # granted, partially_granted


def _template(row: str) -> str:
    if row in T3_OTHER_ROWS_2021:
        return "2021"
    if row in T3_OTHER_ROWS_2019:
        return "2019"
    return "both"


def t3_rows() -> list[dict]:
    rows = list(dict.fromkeys(T3_ROWS["2021"][:-2] + T3_OTHER_ROWS_2019 + T3_ROWS["2021"][-2:]))
    return [{"row_key": r, "row_order": i + 1, "outcome_group": _outcome_group(r), "template": _template(r),
             "label_zh": T3_ROW_LABELS[r]} for i, r in enumerate(rows)]


def t3_columns() -> list[dict]:
    return [{"col_key": c, "col_order": i + 1, "applicant_group": T3_COLUMN_LABELS[c][1],
             "label_zh": T3_COLUMN_LABELS[c][0]} for i, c in enumerate(T3_COLUMNS)]


def t2_rows() -> list[dict]:
    """表二's rows (categories) per template, in printed order."""
    return [{"template": template, "row_key": row, "row_order": i + 1, "label_zh": T2_ROW_LABELS[template][row]}
            for template, layout in sorted(T2_LAYOUT.items()) for i, (row, _) in enumerate(layout)]


def t2_columns() -> list[dict]:
    """表二's measures per template, in printed order (a measure is printed for some of the rows only)."""
    columns = []
    for template, layout in sorted(T2_LAYOUT.items()):
        measures = list(dict.fromkeys(col for _, cols in layout for col in cols))
        columns += [{"template": template, "col_key": col, "col_order": i + 1, "is_count": col not in T2_AMOUNT_COLUMNS,
                     "label_zh": T2_COLUMN_LABELS[template][col]} for i, col in enumerate(measures)]
    return columns


def t4_rows() -> list[dict]:
    return [{"row_key": r, "row_order": i + 1, "label_zh": T4_ROW_LABELS[r]} for i, r in enumerate(T4_ROWS)]


def t4_columns() -> list[dict]:
    return [{"col_key": c, "col_order": i + 1, "label_zh": T4_COLUMN_LABELS[c]} for i, c in enumerate(T4_COLUMNS)]


def t2_cells() -> list[dict]:
    """Every 表二 cell of both templates: whether it holds a count or an amount of money, and the unit the
    template prints in its header (empty: the report prints it in the cell or its own header)."""
    cells: dict[str, dict] = {}
    for template in ("2021", "2019"):
        for row, columns in T2_LAYOUT[template]:
            for column in columns:
                cell_key = key(2, row, column)
                entry = cells.setdefault(cell_key, {
                    "cell_key": cell_key, "row_key": row, "col_key": column, "templates": [],
                    "value_kind": "amount" if cell_key in AMOUNT_KEYS else "count",
                    "template_unit": TEMPLATE_UNITS.get(cell_key, "")})
                entry["templates"].append(template)
    return [{**cell, "templates": " ".join(cell["templates"])} for cell in cells.values()]


def identity_terms() -> list[dict]:
    """Identities 1-4 of the spec as rows, from their declarations in `extract.identities`: which printed
    cells make up each side of each identity in each scope.

    `other_rows_variant` marks the terms of a `rhs_variants` entry (identity 2's 表三 (六)其他处理 rows): a
    report that printed any of the 2021 sub-rows is evaluated with them ('2021'), otherwise with the single
    2019 row ('2019'), the rule of `Identity.variant`.
    """
    terms: list[dict] = []
    for identity in WITHIN_REPORT:
        for scope in identity.scopes:
            sides = [("lhs", identity.lhs, ""), ("rhs", identity.rhs, "")]
            sides += [("rhs", variant_terms, variant) for variant, variant_terms in identity.rhs_variants]
            for side, side_terms, variant in sides:
                for term in side_terms:
                    terms.append({"identity": identity.number, "scope_kind": identity.scope_kind, "scope": scope,
                                  "side": side, "cell_key": identity.cell(scope, term),
                                  "other_rows_variant": variant})
    return terms


def check_catalogue() -> list[dict]:
    """Every check of the spec: code, family, severity, description, formula, what a maintainer should do."""
    return [{"check_code": c.code, "spec_number": c.spec_number, "check_family": c.family, "severity": c.severity,
             "description": c.description, "formula": c.formula, "maintainer_action": c.maintainer_action}
            for c in CHECKS]


SEEDS = {"identity_terms": identity_terms, "t2_rows": t2_rows, "t2_columns": t2_columns, "t2_cells": t2_cells,
         "t3_rows": t3_rows, "t3_columns": t3_columns, "t4_rows": t4_rows, "t4_columns": t4_columns,
         "check_catalogue": check_catalogue}


def render(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main() -> None:
    for name, build in SEEDS.items():
        (SEEDS_DIR / f"{name}.csv").write_text(render(build()), encoding="utf-8")


if __name__ == "__main__":
    main()
