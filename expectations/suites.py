"""The expectation suites, as code: one suite per check of the catalogue (extract/check_catalogue.py), named
by its check code, over that check's rows of marts.fct_check_results (a row condition).

dbt has computed each row's `result`; the suites validate it:
  * `result` in {pass, incomplete, not_evaluated}, with the check's severity (a failure for identities 1-5,
    a warning for the plausibility checks): a `fail` row is unexpected (`not_evaluated`, a check across years
    without the report to compare with, is expected: it says why in its detail and is never a finding);
  * for the accounting identities, also `result` is not incomplete (severity warning): a blank or absent
    cell inside an identity is reported, as the findings report it.
Each expectation's meta carries the check's number in the spec, family, formula and what a maintainer should
do, so that Data Docs tell which check failed and how to handle it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from extract.check_catalogue import CHECKS, FAILURE, INCOMPLETE, NOT_EVALUATED, PASS, WARNING, CheckSpec

from .verdicts import FAIL_KIND, INCOMPLETE_KIND

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

GX_SEVERITY = {FAILURE: "critical", WARNING: "warning"}  # the catalogue's severity in GX's words


def incomplete_is_reported(check: CheckSpec) -> bool:
    """An incomplete accounting identity is a finding (a warning); for the other checks `incomplete` only
    means there was nothing to compare (no previous report, no date printed)."""
    return check.code.startswith("identity_")


def check_suite(check: CheckSpec) -> gx.ExpectationSuite:
    rows_of_check = Column("check_code") == check.code
    meta = {"check_code": check.code, "spec_number": check.spec_number, "family": check.family,
            "formula": check.formula, "maintainer_action": check.maintainer_action}
    expectations = [gxe.ExpectColumnValuesToBeInSet(
        column="result",
        value_set=[PASS, INCOMPLETE, NOT_EVALUATED],
        row_condition=rows_of_check,
        severity=GX_SEVERITY[check.severity],
        description=f"{check.description}: {check.formula}.",
        meta={**meta, "kind": FAIL_KIND},
    )]
    if incomplete_is_reported(check):
        expectations.append(gxe.ExpectColumnValuesToNotBeInSet(
            column="result",
            value_set=[INCOMPLETE],
            row_condition=rows_of_check,
            severity=GX_SEVERITY[WARNING],
            description=f"{check.description} can be evaluated: no blank cell in {check.formula}.",
            meta={**meta, "kind": INCOMPLETE_KIND},
        ))
    return gx.ExpectationSuite(
        name=check.code,
        meta={"notes": f"{check.description} ({check.severity}). What to do: {check.maintainer_action}"},
        expectations=expectations,
    )


def add_or_update_suites(context: AbstractDataContext) -> list[gx.ExpectationSuite]:
    """Create or replace one suite per check in the context; rerunning leaves one copy of each."""
    return [context.suites.add_or_update(check_suite(check)) for check in CHECKS]
