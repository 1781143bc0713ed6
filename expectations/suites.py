"""The identity expectation suites, as code: one function per identity of the spec.

Every suite validates the rows of marts.fct_identity_checks for its identity (a row condition) with:
  * `lhs equals rhs` (severity critical): a breach, the printed sums do not add up;
  * `lhs is not null` (severity warning): a blank or absent cell inside the identity ("incomplete").
Each expectation's meta names the identity, its formula, the table and whether it runs per row or column,
so a maintainer reading Data Docs or an alert knows what failed and where.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

BREACH_KIND, INCOMPLETE_KIND = "breach", "incomplete"


def _identity_suite(identity: int, formula: str, table: str, scope_kind: str) -> gx.ExpectationSuite:
    where = f"{table}, per {scope_kind}"
    meta = {"identity": identity, "formula": formula, "table": table, "scope_kind": scope_kind}
    rows_of_identity = Column("identity") == identity
    return gx.ExpectationSuite(
        name=f"identity_{identity}",
        meta={"notes": f"Identity {identity} of the spec: {formula} ({where})."},
        expectations=[
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A="lhs",
                column_B="rhs",
                ignore_row_if="either_value_is_missing",
                row_condition=rows_of_identity,
                severity="critical",
                description=f"Identity {identity} holds: {formula} ({where}).",
                meta={**meta, "kind": BREACH_KIND},
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="lhs",
                row_condition=rows_of_identity,
                severity="warning",
                description=f"Identity {identity} can be evaluated: no blank cell in {formula} ({where}).",
                meta={**meta, "kind": INCOMPLETE_KIND},
            ),
        ],
    )


def identity_1_suite() -> gx.ExpectationSuite:
    return _identity_suite(
        1, "new_received + carried_over = total_processed + carried_forward", "表三", "column")


def identity_2_suite() -> gx.ExpectationSuite:
    return _identity_suite(
        2, "total_processed = granted + partially_granted + Σ denied_* + Σ unavailable_* + Σ rejected_* + "
           "(other_no_correction + other_unpaid_fee + other_misc | other_processing)", "表三", "column")


def identity_3_suite() -> gx.ExpectationSuite:
    return _identity_suite(
        3, "total = natural_person + commercial_enterprise + research_institution + social_welfare_org + "
           "legal_service_org + other_org", "表三", "row")


def identity_4_suite() -> gx.ExpectationSuite:
    return _identity_suite(4, "total = upheld + corrected + other + pending", "表四", "row")


def identity_5_suite() -> gx.ExpectationSuite:
    return _identity_suite(
        5, "carried_over(year) = carried_forward(year - 1), same agency", "表三 across years", "column")


SUITE_BUILDERS: tuple[Callable[[], gx.ExpectationSuite], ...] = (
    identity_1_suite, identity_2_suite, identity_3_suite, identity_4_suite, identity_5_suite,
)


def add_or_update_suites(context: AbstractDataContext) -> list[gx.ExpectationSuite]:
    """Create or replace every suite in the context; rerunning leaves one copy of each."""
    return [context.suites.add_or_update(build()) for build in SUITE_BUILDERS]
