"""Settling glued digit runs with what the report itself states, and what the year before fixes.

A crawled row such as "行政处罚1121784784" or "行政规范性文件62170" can be split several ways, and no identity
of the template ties 表二's cells together. The report often gives the answer elsewhere:
- the narrative states the number (../narrative.py: "作出行政处罚决定784起", "制发规范性文件6件",
  "共收到政府信息公开申请5件"): a reading is kept only when its cells restate it;
- the same agency's previous report, when the caller has it (`Evidence.previous_report`; the pipeline can
  pass it from the warehouse or the inbox, `python -m extract FILE` never does), fixes the 2021 表二 stock:
  in_force(year) = in_force(year - 1) + issued(year) - repealed(year).

A row settles when exactly one of its possible readings agrees with every piece of evidence that applies
to it and no piece contradicts all of them: its cells then carry that evidence in their provenance and the
`ambiguous_split` error gives way to an `info` issue. Evidence that is missing, narrows to several
readings, or conflicts leaves the row `needs_review`, its readings ordered by the evidence and then by
what the template makes likely (`prior_violations`), so that the reading shown provisionally is the best
one. Pure functions on a parsed document: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from .identities import FAIL, check_identities
from .model import Ambiguity, Issue, ParsedDocument
from .narrative import StatedNumber

Value = int | float | None
TOLERANCE = 1e-6


@dataclass(frozen=True)
class PreviousReport:
    """The cells of the same agency's report for the year before (canonical key -> number or None)."""

    year: int | None
    cells: Mapping[str, Value]
    source: str = ""  # where it came from, for the provenance (a file name, a document hash)


@dataclass(frozen=True)
class Evidence:
    """What an extraction may use beyond the document itself; every field is optional."""

    previous_report: PreviousReport | None = None


@dataclass(frozen=True)
class Constraint:
    """sum(coefficient * cell) == value, and what says so (shown in the settled cells' provenance)."""

    terms: tuple[tuple[str, int], ...]
    value: float
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.terms)


# 2021 表二 rows whose stock runs from year to year (check stock_7)
STOCK_ROWS = ("regulations", "normative_documents")


def constraints(stated: Sequence[StatedNumber], evidence: Evidence | None, year: int | None) -> list[Constraint]:
    """Every piece of evidence as a constraint on cells."""
    out = [Constraint(tuple((k, 1) for k in s.cell_keys), s.value,
                      {"kind": "narrative", "phrase": s.phrase, "line": s.line, "value": s.value})
           for s in stated]
    previous = evidence.previous_report if evidence else None
    if previous is not None and (year is None or previous.year is None or previous.year == year - 1):
        for row in STOCK_ROWS:
            last = previous.cells.get(f"t2.{row}.in_force")
            if isinstance(last, (int, float)):
                out.append(Constraint(
                    ((f"t2.{row}.in_force", 1), (f"t2.{row}.issued", -1), (f"t2.{row}.repealed", 1)), last,
                    {"kind": "previous_report", "year": previous.year, "source": previous.source,
                     "key": f"t2.{row}.in_force", "value": last,
                     "rule": "in_force = last year's in_force + issued - repealed"}))
    return out


def _holds(constraint: Constraint, values: Mapping[str, Value]) -> bool:
    total = 0.0
    for cell_key, coefficient in constraint.terms:
        value = values.get(cell_key)
        if value is None:
            return False
        total += coefficient * value
    return abs(total - constraint.value) <= TOLERANCE


def _applicable(constraint: Constraint, ambiguity: Ambiguity, fixed: Mapping[str, Value]) -> bool:
    """The constraint is about this row: it names one of its cells, and every other cell it names was read
    with certainty."""
    keys = set(ambiguity.keys)
    return bool(keys & set(constraint.keys)) and all(
        k in keys or isinstance(fixed.get(k), (int, float)) for k in constraint.keys)


def prior_violations(keys: Sequence[str], reading: Sequence[Value], units: Mapping[str, str | None]) -> int:
    """How many things the template makes unlikely a reading asserts (only ever used to order readings that
    nothing decides; the row stays flagged):
    - 2021 stock: documents in force at least this year's issued minus repealed (last year's stock >= 0);
    - 2019 本年增/减: a change no larger than the previous year's count;
    - 2019 政府集中采购: a project worth at least 1万元 (the amount in 元 or 万元 as printed)."""
    values = dict(zip(keys, reading))
    rows = {k.rsplit(".", 1)[0] for k in keys}
    count = 0
    for row in rows:
        def get(col: str) -> Value:
            return values.get(f"{row}.{col}")
        in_force, issued, repealed = get("in_force"), get("issued"), get("repealed")
        if None not in (in_force, issued, repealed) and in_force < issued - repealed:
            count += 1
        previous, change = get("prev_year_items"), get("change")
        if previous is not None and change is not None and abs(change) > previous:
            count += 1
        projects, amount = get("projects"), get("total_amount")
        unit = units.get(f"{row}.total_amount")
        per_project = {"元": 10_000, "万元": 1}.get(unit or "")
        if projects and amount is not None and per_project and amount / projects < per_project:
            count += 1
    return count


def settle(parsed: ParsedDocument, stated: Sequence[StatedNumber], evidence: Evidence | None = None,
           year: int | None = None) -> None:
    """Settle, narrow or reorder the document's ambiguous rows with the evidence (in place)."""
    if not parsed.ambiguities:
        return
    pieces = constraints(stated, evidence, year)
    for ambiguity in parsed.ambiguities:
        fixed = {k: c.value for k, c in parsed.cells.items() if k not in ambiguity.keys}
        applicable = [c for c in pieces if _applicable(c, ambiguity, fixed)]
        _settle_one(parsed, ambiguity, applicable, fixed)


def _settle_one(parsed: ParsedDocument, ambiguity: Ambiguity, applicable: list[Constraint],
                fixed: Mapping[str, Value]) -> None:
    keys = ambiguity.keys

    def values_of(reading: tuple[Value, ...]) -> dict[str, Value]:
        return {**fixed, **dict(zip(keys, reading))}

    agreeing = {id(c): [r for r in ambiguity.readings if _holds(c, values_of(r))] for c in applicable}
    supported = [c for c in applicable if agreeing[id(c)]]
    conflicting = [c for c in applicable if not agreeing[id(c)]]
    remaining = [r for r in ambiguity.readings if all(_holds(c, values_of(r)) for c in supported)]
    if not remaining:  # the pieces of evidence contradict one another
        conflicting, supported, remaining = applicable, [], list(ambiguity.readings)
    provisional_cells = ambiguity.cells_of(ambiguity.readings[0])
    units = {k.split(".", 1)[1]: cell.unit for k, cell in provisional_cells.items()}
    remaining.sort(key=lambda r: prior_violations([k.split(".", 1)[1] for k in keys], r, units))
    chosen = remaining[0]
    sources = tuple(c.source for c in supported)
    certain = len(remaining) == 1 and supported and not conflicting and not _breaks_identities(
        parsed, keys, chosen, ambiguity.readings[0])
    cells = ambiguity.cells_of(chosen)
    if sources:
        cells = {k: replace(cell, evidence=sources) for k, cell in cells.items()}
    parsed.cells.update(cells)
    issue = ambiguity.issue
    if certain:
        parsed.issues.remove(issue)
        parsed.issues.append(Issue(
            "split_settled_by_evidence",
            f"{issue.message.split(':', 1)[0]}: the printed digits were split as {list(chosen)}, the only reading "
            f"that agrees with {_describe(supported)}", severity="info", key=issue.key,
            details={"keys": list(keys), "reading": list(chosen), "evidence": list(sources),
                     "n_alternatives": len(ambiguity.readings)}))
        return
    if not applicable:
        if remaining[0] != ambiguity.readings[0]:  # the template's priors changed the provisional reading
            issue.details["alternatives"] = [list(r) for r in remaining[:10]]
        return
    issue.details["evidence"] = [c.source for c in applicable]
    issue.details["alternatives"] = [list(r) for r in remaining[:10]]
    issue.details["n_alternatives"] = len(remaining)
    if conflicting:
        issue.message += f"; the evidence conflicts ({_describe(conflicting)} fits no reading)"
    else:
        issue.message += f"; {_describe(supported)} leaves {len(remaining)} readings"


def _breaks_identities(parsed: ParsedDocument, keys: tuple[str, ...], chosen: tuple[Value, ...],
                       provisional: tuple[Value, ...]) -> bool:
    """Does the chosen reading make more of identities 1-4 fail than the provisional one (a 表三 or 表四
    row chosen on its own must stay consistent with the rows around it)?"""
    if chosen == provisional or not any(k.startswith(("t3.", "t4.")) for k in keys):
        return False
    values = {k: c.value for k, c in parsed.cells.items()}

    def failures(reading: tuple[Value, ...]) -> int:
        trial = {**values, **dict(zip(keys, reading))}
        trial = {k: (0 if v is None else v) for k, v in trial.items()}
        return sum(1 for check in check_identities(trial) if check.result == FAIL)

    return failures(chosen) > failures(provisional)


def _describe(pieces: Sequence[Constraint]) -> str:
    parts = []
    for piece in pieces:
        source = piece.source
        if source.get("kind") == "narrative":
            parts.append(f"the text's \"{source['phrase']}\" (line {source['line']})")
        else:
            parts.append(f"last year's {source['key']} = {source['value']:g}")
    return " and ".join(parts) or "no evidence"
