"""The accounting identities of the spec (docs/annual-report.md), declared once as data, and their
evaluation on one document's cells.

Each identity names its table, what it is evaluated per (`scope_kind` "column": one check per column, its
two sides are rows; "row": one check per row, its sides are columns) and the terms of its two sides.
Identity 2 adds the (六)其他处理 rows of the template the report printed (`rhs_variants`); identity 5
compares this year's report with the previous year's (`across_years`).

Read by: `check_identities` (the extractor judges its own reading with identities 1-4), `digits` (the
sides pick the split of glued digits), dbt_project/scripts/generate_seeds.py (the `identity_terms` seed the
warehouse evaluates them from) and `check_catalogue` (the formulas shown to maintainers).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterator, Mapping, NamedTuple

from .keys import (T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_OTHER_ROWS_2019, T3_OTHER_ROWS_2021, T3_OUTCOME_ROWS,
                   T3_ROWS, T4_COLUMNS, T4_ROWS, key)

PASS, FAIL, INCOMPLETE = "pass", "fail", "incomplete"
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Identity:
    number: int
    table: int
    scope_kind: str  # "column" or "row"
    scopes: tuple[str, ...]  # the columns (or rows) it is evaluated on, in printed order
    lhs: tuple[str, ...]  # the rows (or columns) whose sum is the left side
    rhs: tuple[str, ...]
    # (variant, terms) added to the right side: the first variant the report printed a term of in its total
    # column, else the last one
    rhs_variants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    across_years: bool = False  # lhs read in this year's report, rhs in the same agency's previous one

    def cell(self, scope: str, term: str) -> str:
        """The canonical key of one term of the identity in one scope."""
        if self.scope_kind == "column":
            return key(self.table, term, scope)
        return key(self.table, scope, term)

    def variant(self, cell_keys: Collection[str]) -> str:
        """Which `rhs_variants` applies to a report with these cells: the first of which it printed a term
        in the total column (a 2021 report prints (六)其他处理's three sub-rows), else the last one; "" when
        the identity has no variants."""
        return self.variant_of_terms({term for _, terms in self.rhs_variants for term in terms
                                      if self.cell("total", term) in cell_keys})

    def variant_of_terms(self, printed_terms: Collection[str]) -> str:
        for name, terms in self.rhs_variants:
            if any(term in printed_terms for term in terms):
                return name
        return self.rhs_variants[-1][0] if self.rhs_variants else ""

    def rhs_terms(self, variant: str = "") -> tuple[str, ...]:
        return self.rhs + dict(self.rhs_variants).get(variant, ())

    def sides(self, scope: str, variant: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The cell keys of the left and the right side in one scope."""
        return (tuple(self.cell(scope, t) for t in self.lhs),
                tuple(self.cell(scope, t) for t in self.rhs_terms(variant)))

    @property
    def formula(self) -> str:
        """The identity as the spec writes it, e.g. "total = upheld + corrected + other + pending"."""
        lhs, rhs = _sum(self.lhs, self._terms_of_table()), _sum(self.rhs, self._terms_of_table())
        if self.rhs_variants:
            rhs += " + (" + " | ".join(" + ".join(terms) for _, terms in self.rhs_variants) + ")"
        if self.across_years:
            return f"{lhs}(year) = {rhs}(year - 1), same agency"
        return f"{lhs} = {rhs}"

    def _terms_of_table(self) -> tuple[str, ...]:
        """Every row (or column) of the table the terms are drawn from."""
        if self.table == 4:
            return T4_COLUMNS if self.scope_kind == "row" else T4_ROWS
        return T3_COLUMNS if self.scope_kind == "row" else T3_ALL_ROWS


def _sum(terms: tuple[str, ...], table_terms: tuple[str, ...]) -> str:
    """`a + b + ...`, a run of terms that holds every `prefix_*` of the table written `Σ prefix_*`."""
    parts: list[str] = []
    i = 0
    while i < len(terms):
        prefix = terms[i].split("_")[0] + "_"
        family = [t for t in table_terms if t.startswith(prefix)]
        if len(family) > 1 and tuple(terms[i:i + len(family)]) == tuple(family):
            parts.append(f"Σ {prefix}*")
            i += len(family)
        else:
            parts.append(terms[i])
            i += 1
    return " + ".join(parts)


T3_ALL_ROWS = tuple(dict.fromkeys(T3_ROWS["2021"] + T3_ROWS["2019"]))

IDENTITIES: tuple[Identity, ...] = (
    Identity(1, 3, "column", T3_COLUMNS,
             lhs=("new_received", "carried_over"), rhs=("total_processed", "carried_forward")),
    Identity(2, 3, "column", T3_COLUMNS,
             lhs=("total_processed",), rhs=T3_OUTCOME_ROWS,
             rhs_variants=(("2021", T3_OTHER_ROWS_2021), ("2019", T3_OTHER_ROWS_2019))),
    Identity(3, 3, "row", T3_ALL_ROWS, lhs=("total",), rhs=T3_APPLICANT_COLUMNS),
    Identity(4, 4, "row", T4_ROWS, lhs=("total",), rhs=T4_COLUMNS[:-1]),
    Identity(5, 3, "column", T3_COLUMNS, lhs=("carried_over",), rhs=("carried_forward",), across_years=True),
)
IDENTITIES_BY_NUMBER: dict[int, Identity] = {identity.number: identity for identity in IDENTITIES}
# identities 1-4: evaluated on one report
WITHIN_REPORT: tuple[Identity, ...] = tuple(identity for identity in IDENTITIES if not identity.across_years)


@dataclass(frozen=True)
class IdentityCheck:
    """One identity evaluated in one scope of one document (as the extraction result prints it)."""

    identity: int
    scope: str  # the row or column the identity was evaluated on
    lhs: float | None
    rhs: float | None
    result: str

    @property
    def name(self) -> str:
        return f"identity_{self.identity}:{self.scope}"

    def to_dict(self) -> dict[str, object]:
        return {"identity": self.identity, "scope": self.scope, "lhs": self.lhs, "rhs": self.rhs,
                "result": self.result}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> IdentityCheck:
        return cls(data["identity"], data["scope"], data["lhs"], data["rhs"], data["result"])


class Sides(NamedTuple):
    """One within-report identity in one scope of a document: the cells of its two sides."""

    identity: int
    scope: str
    lhs: tuple[str, ...]  # canonical keys whose sum is the left side
    rhs: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


def identity_sides(cell_keys: Collection[str]) -> list[Sides]:
    """The within-report identities a document with these cells is checked on, with the cells of each side:
    every scope with at least one printed cell. Identities evaluated over the same scopes (1 and 2, per 表三
    column) are listed scope by scope."""
    variants = {identity.number: identity.variant(cell_keys) for identity in WITHIN_REPORT}
    sides: list[Sides] = []
    for group in _groups_sharing_scopes(WITHIN_REPORT):
        for scope in group[0].scopes:
            for identity in group:
                lhs, rhs = identity.sides(scope, variants[identity.number])
                if any(k in cell_keys for k in lhs + rhs):
                    sides.append(Sides(identity.number, scope, lhs, rhs))
    return sides


def _groups_sharing_scopes(identities: tuple[Identity, ...]) -> Iterator[list[Identity]]:
    group: list[Identity] = []
    for identity in identities:
        if group and (identity.table, identity.scope_kind, identity.scopes) != \
                (group[0].table, group[0].scope_kind, group[0].scopes):
            yield group
            group = []
        group.append(identity)
    if group:
        yield group


def evaluate(sides: Sides, values: Mapping[str, float | None]) -> IdentityCheck:
    """Incomplete when a cell of the identity is missing or blank; else pass or fail by the two sums."""
    if any(values.get(k) is None for k in sides.keys):
        return IdentityCheck(sides.identity, sides.scope, None, None, INCOMPLETE)
    lhs = sum(values[k] for k in sides.lhs)
    rhs = sum(values[k] for k in sides.rhs)
    return IdentityCheck(sides.identity, sides.scope, lhs, rhs, PASS if abs(lhs - rhs) <= TOLERANCE else FAIL)


def check_identities(values: Mapping[str, float | None]) -> list[IdentityCheck]:
    """Evaluate identities 1-4 on a {canonical key: number or None} mapping."""
    return [evaluate(sides, values) for sides in identity_sides(values.keys())]
