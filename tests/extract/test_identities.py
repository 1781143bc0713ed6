"""The identities declared once as data (extract/identities.py): evaluated from their declared sides for both
templates, read by digits, and the source of the identity_terms seed and of the catalogue's formulas."""
from __future__ import annotations

import csv
import importlib.util
import io

import pytest

from extract import digits
from extract.check_catalogue import CHECKS_BY_CODE
from extract.identities import (FAIL, IDENTITIES, IDENTITIES_BY_NUMBER, INCOMPLETE, PASS, WITHIN_REPORT,
                                check_identities, identity_sides)
from extract.keys import T3_COLUMNS, T3_OTHER_ROWS_2019, T3_OTHER_ROWS_2021, T3_OUTCOME_ROWS, key, template_keys
from tests.support.warehouse import DBT_PROJECT_DIR

_spec = importlib.util.spec_from_file_location("generate_seeds", DBT_PROJECT_DIR / "scripts" / "generate_seeds.py")
generate_seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_seeds)


def test_five_identities_are_declared_four_within_a_report_and_one_across_years():
    assert [i.number for i in IDENTITIES] == [1, 2, 3, 4, 5]
    assert [i.number for i in WITHIN_REPORT] == [1, 2, 3, 4]
    five = IDENTITIES_BY_NUMBER[5]
    assert five.across_years and five.sides("natural_person") == (("t3.carried_over.natural_person",),
                                                                   ("t3.carried_forward.natural_person",))


@pytest.mark.parametrize(("template", "other_rows"), [("2021", T3_OTHER_ROWS_2021), ("2019", T3_OTHER_ROWS_2019)])
def test_identity_two_takes_the_other_rows_of_the_template_the_report_printed(template, other_rows):
    sides = {(s.identity, s.scope): s for s in identity_sides(template_keys(template))}
    two = sides[(2, "natural_person")]
    assert two.lhs == ("t3.total_processed.natural_person",)
    assert two.rhs == tuple(key(3, r, "natural_person") for r in T3_OUTCOME_ROWS + other_rows)
    assert sides[(1, "total")].keys == ("t3.new_received.total", "t3.carried_over.total",
                                        "t3.total_processed.total", "t3.carried_forward.total")
    rows_of_identity_3 = {scope for identity, scope in sides if identity == 3}
    assert set(other_rows) <= rows_of_identity_3
    assert len(sides) == 7 + 7 + (len(rows_of_identity_3)) + 3


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_identities_are_evaluated_from_their_declared_sides(template):
    cells = {k: 0 for k in template_keys(template)}
    cells.update({"t3.new_received.natural_person": 2, "t3.total_processed.natural_person": 2,
                  "t3.granted.natural_person": 2})
    results = {(c.identity, c.scope): c for c in check_identities(cells)}
    assert results[(1, "natural_person")].result == PASS
    assert results[(2, "natural_person")].result == PASS
    assert (results[(3, "granted")].result, results[(3, "granted")].lhs, results[(3, "granted")].rhs) == \
        (FAIL, 0, 2)  # the total column was left at 0
    cells["t3.granted.total"] = None
    assert {(c.identity, c.scope): c.result for c in check_identities(cells)}[(3, "granted")] == INCOMPLETE


def test_a_report_without_table_four_is_not_checked_on_identity_four():
    cells = {k: 0 for k in template_keys("2021") if not k.startswith("t4.")}
    assert {c.identity for c in check_identities(cells)} == {1, 2, 3}


def test_checks_sharing_their_scopes_are_listed_scope_by_scope():
    order = [(c.identity, c.scope) for c in check_identities({k: 0 for k in template_keys("2021")})]
    assert order[:4] == [(1, "natural_person"), (2, "natural_person"), (1, "commercial_enterprise"),
                         (2, "commercial_enterprise")]
    assert order[14][0] == 3 and order[-1] == (4, "litigation_after_reconsideration")


def test_the_identity_terms_seed_is_generated_from_the_declarations():
    rows = list(csv.DictReader(io.StringIO(generate_seeds.render(generate_seeds.identity_terms()))))
    for identity in WITHIN_REPORT:
        mine = [r for r in rows if r["identity"] == str(identity.number)]
        assert {r["scope"] for r in mine} == set(identity.scopes)
        assert {r["scope_kind"] for r in mine} == {identity.scope_kind}
        for scope in identity.scopes:
            lhs, rhs = identity.sides(scope)
            assert [r["cell_key"] for r in mine if r["scope"] == scope and r["side"] == "lhs"] == list(lhs)
            assert [r["cell_key"] for r in mine if r["scope"] == scope and r["side"] == "rhs"
                    and not r["other_rows_variant"]] == list(rhs)
            for variant, terms in identity.rhs_variants:
                assert [r["cell_key"] for r in mine if r["scope"] == scope and r["other_rows_variant"] == variant] \
                    == [identity.cell(scope, t) for t in terms]
    assert not [r for r in rows if r["identity"] == "5"]  # evaluated across years by dbt, not from terms
    committed = (DBT_PROJECT_DIR / "seeds" / "identity_terms.csv").read_text(encoding="utf-8")
    assert committed == generate_seeds.render(generate_seeds.identity_terms())


def test_the_catalogue_shows_the_formula_of_each_declared_identity():
    for identity in IDENTITIES:
        assert CHECKS_BY_CODE[f"identity_{identity.number}"].formula == identity.formula
    assert IDENTITIES_BY_NUMBER[2].formula == (
        "total_processed = granted + partially_granted + Σ denied_* + Σ unavailable_* + Σ rejected_* + "
        "(other_no_correction + other_unpaid_fee + other_misc | other_processing)")
    assert IDENTITIES_BY_NUMBER[5].formula == "carried_over(year) = carried_forward(year - 1), same agency"


def test_digits_checks_readings_against_the_declared_sides():
    present = frozenset(template_keys("2021"))
    plan = {(s.identity, s.scope): s for s in digits._identity_plan(present)}
    assert plan[(1, "total")].lhs == IDENTITIES_BY_NUMBER[1].sides("total")[0]
    assert plan[(2, "total")].rhs == IDENTITIES_BY_NUMBER[2].sides("total", "2021")[1]
    assert digits._FRAME == ("new_received", "carried_over", "total_processed", "carried_forward")
    without_granted = present - {key(3, "granted", c) for c in T3_COLUMNS}
    assert (2, "total") not in {(s.identity, s.scope) for s in digits._identity_plan(without_granted)}
