"""The mandated accounting identities 1-4 of the spec, evaluated on one document's cells.

The extractor uses them to judge its own reading (a split of glued digits that breaks them is suspect);
the warehouse evaluates the same identities in SQL (fct_identity_checks) and the expectations enforce them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .keys import T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_OUTCOME_ROWS, T3_OTHER_ROWS_2019, \
    T3_OTHER_ROWS_2021, T3_ROWS, T4_COLUMNS, T4_ROWS, key

PASS, FAIL, INCOMPLETE = "pass", "fail", "incomplete"
TOLERANCE = 1e-6


@dataclass(frozen=True)
class IdentityCheck:
    identity: int
    scope: str  # the row or column the identity was evaluated on
    lhs: float | None
    rhs: float | None
    result: str
    keys: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"identity_{self.identity}:{self.scope}"


def _evaluate(identity: int, scope: str, values: Mapping[str, float | None],
              lhs_keys: list[str], rhs_keys: list[str]) -> IdentityCheck | None:
    keys = tuple(lhs_keys + rhs_keys)
    if not any(k in values for k in keys):
        return None  # the report does not have this part of the table
    present = [values.get(k) for k in keys]
    if any(v is None for v in present):
        return IdentityCheck(identity, scope, None, None, INCOMPLETE, keys)
    lhs = sum(values[k] for k in lhs_keys)
    rhs = sum(values[k] for k in rhs_keys)
    result = PASS if abs(lhs - rhs) <= TOLERANCE else FAIL
    return IdentityCheck(identity, scope, lhs, rhs, result, keys)


def other_rows(values: Mapping[str, object]) -> tuple[str, ...]:
    """The (六)其他处理 rows the document printed: the 2021 sub-rows, or the single 2019 row."""
    if any(key(3, r, "total") in values for r in T3_OTHER_ROWS_2021):
        return T3_OTHER_ROWS_2021
    return T3_OTHER_ROWS_2019


def check_identities(values: Mapping[str, float | None]) -> list[IdentityCheck]:
    """Evaluate identities 1-4 on a {canonical key: number or None} mapping."""
    checks: list[IdentityCheck | None] = []
    outcome_rows = list(T3_OUTCOME_ROWS) + list(other_rows(values))
    for col in T3_COLUMNS:
        checks.append(_evaluate(
            1, col, values,
            [key(3, "new_received", col), key(3, "carried_over", col)],
            [key(3, "total_processed", col), key(3, "carried_forward", col)],
        ))
        checks.append(_evaluate(
            2, col, values,
            [key(3, "total_processed", col)],
            [key(3, r, col) for r in outcome_rows],
        ))
    for row in dict.fromkeys(T3_ROWS["2021"] + T3_ROWS["2019"]):
        checks.append(_evaluate(
            3, row, values,
            [key(3, row, "total")],
            [key(3, row, c) for c in T3_APPLICANT_COLUMNS],
        ))
    for row in T4_ROWS:
        checks.append(_evaluate(
            4, row, values,
            [key(4, row, "total")],
            [key(4, row, c) for c in T4_COLUMNS[:-1]],
        ))
    return [c for c in checks if c is not None]
