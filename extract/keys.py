"""Canonical cell keys `t<table>.<row>.<col>` of docs/annual-report.md.

These keys are the contract between the extractor, the staging tables, the dbt models, the expectations
and the scoring tool. Order matters: it is the printed order of rows and columns in the template.
"""
from __future__ import annotations

T3_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
T3_APPLICANT_COLUMNS = T3_COLUMNS[:-1]

T3_ROWS_COMMON_HEAD = (
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_law_prohibited",
    "denied_security_stability",
    "denied_third_party",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_file",
    "denied_admin_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "rejected_petition",
    "rejected_duplicate",
    "rejected_publication",
    "rejected_excessive",
    "rejected_confirmation",
)
T3_OTHER_ROWS_2021 = ("other_no_correction", "other_unpaid_fee", "other_misc")
T3_OTHER_ROWS_2019 = ("other_processing",)
T3_ROWS_TAIL = ("total_processed", "carried_forward")

T3_ROWS = {
    "2021": T3_ROWS_COMMON_HEAD + T3_OTHER_ROWS_2021 + T3_ROWS_TAIL,
    "2019": T3_ROWS_COMMON_HEAD + T3_OTHER_ROWS_2019 + T3_ROWS_TAIL,
}

# Rows whose sum is total_processed (identity 2), by which "other" rows the report printed.
T3_OUTCOME_ROWS = tuple(
    r for r in T3_ROWS_COMMON_HEAD if r not in ("new_received", "carried_over")
)

T4_ROWS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
T4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

T2_LAYOUT = {
    "2021": (
        ("regulations", ("issued", "repealed", "in_force")),
        ("normative_documents", ("issued", "repealed", "in_force")),
        ("administrative_licensing", ("decisions",)),
        ("administrative_penalty", ("decisions",)),
        ("administrative_coercion", ("decisions",)),
        ("administrative_fees", ("amount",)),
    ),
    "2019": (
        ("regulations", ("new_made", "new_published", "total_published")),
        ("normative_documents", ("new_made", "new_published", "total_published")),
        ("administrative_licensing", ("prev_year_items", "change", "decisions")),
        ("other_external_services", ("prev_year_items", "change", "decisions")),
        ("administrative_penalty", ("prev_year_items", "change", "decisions")),
        ("administrative_coercion", ("prev_year_items", "change", "decisions")),
        ("administrative_fees", ("prev_year_items", "change")),
        ("centralized_procurement", ("projects", "total_amount")),
    ),
}
# 表二's rows as each template prints them (the 2019 template says 规范性文件 where 2021 says 行政规范性文件)
T2_ROW_LABELS = {
    "2021": {"regulations": "规章", "normative_documents": "行政规范性文件", "administrative_licensing": "行政许可",
             "administrative_penalty": "行政处罚", "administrative_coercion": "行政强制",
             "administrative_fees": "行政事业性收费"},
    "2019": {"regulations": "规章", "normative_documents": "规范性文件", "administrative_licensing": "行政许可",
             "other_external_services": "其他对外管理服务事项", "administrative_penalty": "行政处罚",
             "administrative_coercion": "行政强制", "administrative_fees": "行政事业性收费",
             "centralized_procurement": "政府集中采购"},
}

# Cells that hold amounts (decimals) rather than counts; everything else must be an integer (the same rule as
# dbt's int_check_counts, counts_6). Read by the OCR verifier: a count read with a fraction is misread.
AMOUNT_KEYS = frozenset({"t2.administrative_fees.amount", "t2.centralized_procurement.total_amount"})
# Columns whose cells may legitimately be negative (2019 表二's 本年增/减).
SIGNED_COLUMNS = frozenset({"change"})


# 表二 cells that hold an amount of money (a decimal, in the unit the report prints); every other cell of the
# spec is a count (an integer; 2019's `change` may be negative). The 2021 template prints the fees' unit in
# its header ("本年收费金额（单位：万元）"); the 2019 procurement amount is 元 or 万元, as printed.
AMOUNT_KEYS = ("t2.administrative_fees.amount", "t2.centralized_procurement.total_amount")
TEMPLATE_UNITS = {"t2.administrative_fees.amount": "万元"}


def key(table: int | str, row: str, col: str) -> str:
    return f"t{table}.{row}.{col}"


def split_key(cell_key: str) -> tuple[int, str, str]:
    table, row, col = cell_key.split(".")
    return int(table[1:]), row, col


def template_keys(template: str) -> list[str]:
    """Every canonical key of a template, in printed order (表二, 表三, 表四)."""
    keys = [key(2, row, col) for row, cols in T2_LAYOUT[template] for col in cols]
    keys += [key(3, row, col) for row in T3_ROWS[template] for col in T3_COLUMNS]
    keys += [key(4, row, col) for row in T4_ROWS for col in T4_COLUMNS]
    return keys

