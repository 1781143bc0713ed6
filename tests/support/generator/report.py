"""Canonical report data: every cell of a template, random but exact, valid or with one deliberate breach.

A `Report` is the ground truth a rendered document must extract back to. Values are drawn from a
`random.Random`, so a seed makes a report reproducible, and hypothesis' `st.randoms()` makes it shrinkable
(draws shrink towards zero, the first choice, the smallest count).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

from extract.identities import FAIL, IdentityCheck, check_identities
from extract.keys import (
    T2_LAYOUT, T3_APPLICANT_COLUMNS, T3_OTHER_ROWS_2019, T3_OTHER_ROWS_2021, T3_OUTCOME_ROWS, T3_ROWS,
    T4_COLUMNS, T4_ROWS, key, template_keys,
)

Value = int | float | None

AGENCY_PLACES = (
    "金昌市", "吴忠市", "黔西南州", "樟树市", "平潭综合实验区", "淮安市洪泽区", "北关区", "宁波市鄞州区",
    "大理白族自治州", "江苏省",
)
AGENCY_BODIES = (
    "工业和信息化局", "财政局", "公安局", "市场监督管理局", "人民政府", "生态环境局", "住房和城乡建设局",
    "人民政府办公厅", "自然资源和规划局", "卫生健康委员会", "交通运输厅", "社会事业局",
)

PROCUREMENT_KEY = key(2, "centralized_procurement", "total_amount")
FEES_AMOUNT_KEY = key(2, "administrative_fees", "amount")


@dataclass(frozen=True)
class Breach:
    """The one cell changed after a valid report was drawn, and the identities it now breaks."""

    key: str
    valid_value: int
    printed_value: int
    broken: tuple[str, ...]  # IdentityCheck.name of every failing identity, e.g. "identity_3:granted"


@dataclass(frozen=True)
class Report:
    agency: str
    year: int
    template: str  # "2019" | "2021": the template of the printed labels
    cells: dict[str, Value]  # every key of template_keys(template) (minus 表四 when has_t4 is False)
    units: dict[str, str] = field(default_factory=dict)  # printed unit per key (2019 procurement amount)
    breach: Breach | None = None
    has_t4: bool = True  # False: the report writes "未发生行政复议、行政诉讼" instead of 表四

    @property
    def is_valid(self) -> bool:
        return self.breach is None

    def value(self, table: int, row: str, col: str) -> Value:
        return self.cells.get(key(table, row, col))

    def identity_checks(self) -> list[IdentityCheck]:
        return check_identities(self.cells)

    def failing_identities(self) -> list[str]:
        return [c.name for c in self.identity_checks() if c.result == FAIL]


def _count(rng: random.Random, zero_rate: float, scale: int, cap: int | None = None) -> int:
    """A count as agencies print them: often 0, mostly small, sometimes in the thousands."""
    if rng.random() < zero_rate:
        return 0
    magnitude = rng.choice((9, 9, 9, 99, 99, scale))
    return rng.randint(1, magnitude if cap is None else min(magnitude, cap))


def _amount(rng: random.Random) -> int | float:
    """An amount of 万元 or 元: 0, a whole number, or a decimal with one to four places. The float is the one
    `float(printed text)` gives, so a parser that reads the printed digits gets exactly this value."""
    kind = rng.choice(("zero", "whole", "decimal"))
    if kind == "zero":
        return 0
    whole = rng.randint(1, 99999)
    if kind == "whole":
        return whole
    places = rng.randint(1, 4)
    fraction = rng.randint(1, 10**places - 1)
    return float(Decimal(whole) + Decimal(fraction).scaleb(-places))


def _table2(rng: random.Random, template: str, cap: int | None) -> tuple[dict[str, Value], dict[str, str]]:
    cells: dict[str, Value] = {}
    units: dict[str, str] = {}
    for row, cols in T2_LAYOUT[template]:
        for col in cols:
            k = key(2, row, col)
            if k in (FEES_AMOUNT_KEY, PROCUREMENT_KEY):
                cells[k] = _amount(rng)
            elif col == "change":
                cells[k] = rng.randint(-30, 30) if rng.random() < 0.6 else 0
            else:
                cells[k] = _count(rng, zero_rate=0.3, scale=20000, cap=cap)
    if template == "2019":
        units[PROCUREMENT_KEY] = rng.choice(("元", "万元"))
    return cells, units


def _table3(rng: random.Random, template: str, activity: float, cap: int | None) -> dict[str, Value]:
    other_rows = T3_OTHER_ROWS_2021 if template == "2021" else T3_OTHER_ROWS_2019
    outcome_rows = list(T3_OUTCOME_ROWS) + list(other_rows)
    cells: dict[str, Value] = {}
    for col in T3_APPLICANT_COLUMNS:
        # activity 0 is an agency that received nothing (all zeros, common); natural persons file most
        share = activity if col == "natural_person" else activity * 0.3
        values = {row: _count(rng, zero_rate=1 - share * 0.6, scale=400, cap=cap) for row in outcome_rows}
        values["total_processed"] = sum(values[r] for r in outcome_rows)
        values["carried_forward"] = _count(rng, zero_rate=1 - share * 0.4, scale=50, cap=cap)
        in_hand = values["total_processed"] + values["carried_forward"]
        values["carried_over"] = rng.randint(0, in_hand) if in_hand and rng.random() < 0.4 else 0
        values["new_received"] = in_hand - values["carried_over"]
        for row, value in values.items():
            cells[key(3, row, col)] = value
    for row in T3_ROWS[template]:
        cells[key(3, row, "total")] = sum(cells[key(3, row, c)] for c in T3_APPLICANT_COLUMNS)
    return cells


def _table4(rng: random.Random, cap: int | None) -> dict[str, Value]:
    cells: dict[str, Value] = {}
    for row in T4_ROWS:
        parts = [_count(rng, zero_rate=0.6, scale=30, cap=cap) for _ in T4_COLUMNS[:-1]]
        for col, value in zip(T4_COLUMNS[:-1], parts):
            cells[key(4, row, col)] = value
        cells[key(4, row, "total")] = sum(parts)
    return cells


def _blank_out_zeros(rng: random.Random, cells: dict[str, Value], blank_rate: float) -> None:
    """Some agencies leave a zero cell empty: the value is null (an identity over it becomes incomplete)."""
    if blank_rate <= 0:
        return
    for k, v in cells.items():
        if v == 0 and rng.random() < blank_rate:
            cells[k] = None


def random_report(rng: random.Random, *, template: str | None = None, year: int | None = None,
                  blank_rate: float | None = None, has_t4: bool | None = None, activity: float | None = None,
                  max_count: int | None = None) -> Report:
    """A valid report: identities 1-4 hold on every row and column where no cell is blank.

    `activity` (0-1) is how many applications the agency received (0: none, every 表三 cell 0);
    `max_count` caps every drawn count (sums such as totals may exceed it)."""
    if template is None:
        template = rng.choice(("2021", "2019"))
    if year is None:
        usual = (2021, 2022, 2023, 2024) if template == "2021" else (2019, 2020)
        # reports do not always follow the template of their year (spec: detect from labels)
        year = rng.choice(usual + ((2021,) if template == "2019" else (2020,)))
    if blank_rate is None:
        blank_rate = rng.choice((0.0, 0.0, 0.1, 0.5))
    if has_t4 is None:
        has_t4 = rng.random() < 0.9
    agency = rng.choice(AGENCY_PLACES) + rng.choice(AGENCY_BODIES)
    if activity is None:
        activity = rng.choice((0.0, 0.3, 0.6, 0.9))
    cells, units = _table2(rng, template, max_count)
    cells.update(_table3(rng, template, activity, max_count))
    if has_t4:
        cells.update(_table4(rng, max_count))
    _blank_out_zeros(rng, cells, blank_rate)
    ordered = {k: cells[k] for k in template_keys(template) if k in cells}
    return Report(agency=agency, year=year, template=template, cells=ordered, units=units, has_t4=has_t4)


def identity_keys(report: Report) -> list[str]:
    """Keys that take part in identities 1-4 and are printed as numbers (candidates for a breach)."""
    return [k for k, v in report.cells.items() if k[:2] in ("t3", "t4") and v is not None]


def with_breach(report: Report, rng: random.Random) -> Report:
    """The same report with one printed number off by 1-9, so that at least one identity fails.

    Raises ValueError when no cell can be broken visibly (every identity over 表三/表四 is incomplete)."""
    candidates = identity_keys(report)
    while candidates:
        cell_key = rng.choice(candidates)
        candidates.remove(cell_key)
        valid_value = report.cells[cell_key]
        assert isinstance(valid_value, int)
        delta = rng.randint(1, 9)
        printed = valid_value + delta if valid_value < delta or rng.random() < 0.5 else valid_value - delta
        broken_report = replace(report, cells={**report.cells, cell_key: printed})
        broken = tuple(broken_report.failing_identities())
        if broken:  # a cell whose identities all have a blank partner cannot show a breach
            return replace(broken_report, breach=Breach(cell_key, valid_value, printed, broken))
    raise ValueError("no printed number in 表三/表四 takes part in a complete identity")


def random_invalid_report(rng: random.Random, **kwargs) -> Report:
    """A report with exactly one deliberately wrong number (see `with_breach`)."""
    report = random_report(rng, **kwargs)
    try:
        return with_breach(report, rng)
    except ValueError:
        kwargs = {**kwargs, "blank_rate": 0.0}
        return with_breach(random_report(rng, **kwargs), rng)
