"""Cells that arrived glued into one run of digits, and how the table's own identities pick the split.

Crawled portal text often flattens a table row into "713000074" (= 71,3,0,0,0,0,74) or "20 0 0 0 02" (five
groups for seven cells). `splits` lists every syntactically possible reading (no number printed with a
leading zero); `resolve` keeps the readings under which the accounting identities of ../identities.py hold,
and says honestly when more than one survives.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .identities import FAIL, INCOMPLETE, check_identities

Value = int | float | None
MAX_READINGS = 20000  # more syntactic readings than this for one row: do not even try to choose
MAX_COMBINATIONS = 200000


@dataclass(frozen=True)
class Token:
    """One whitespace-separated piece of a printed row: a digit run (maybe several glued cells), a number
    that cannot be split (a decimal, thousands separators, a unit), or a printed blank."""

    text: str
    value: Value = None
    splittable: bool = False  # a pure digit run that may hold several cells
    is_null: bool = False
    unit: str | None = None
    offset: int = 0  # offset of the token in the original text


def _split_run(run: str, parts: int) -> list[tuple[int, ...]]:
    """Every way to cut a digit run into `parts` numbers, none with a leading zero."""
    if parts == 1:
        return [(int(run),)] if (len(run) == 1 or run[0] != "0") else []
    out = []
    max_first = len(run) - (parts - 1)
    for cut in range(1, max_first + 1):
        head = run[:cut]
        if len(head) > 1 and head[0] == "0":
            break
        for rest in _split_run(run[cut:], parts - 1):
            out.append((int(head),) + rest)
            if len(out) > MAX_READINGS:
                return out
    return out


def count_range(token: Token) -> tuple[int, int]:
    if token.splittable:
        return 1, len(token.text)
    return 1, 1


def splits(tokens: Sequence[Token], cells: int) -> list[tuple[Value, ...]]:
    """Every reading of `tokens` as exactly `cells` values. Whitespace between tokens is a certain cell
    boundary; inside a digit run any boundary is possible."""
    if not tokens:
        return []
    lows = [count_range(t)[0] for t in tokens]
    highs = [count_range(t)[1] for t in tokens]
    if sum(lows) > cells or sum(highs) < cells:
        return []
    readings: list[tuple[Value, ...]] = []

    def walk(i: int, remaining: int, acc: tuple[Value, ...]) -> None:
        if len(readings) > MAX_READINGS:
            return
        if i == len(tokens):
            if remaining == 0:
                readings.append(acc)
            return
        token = tokens[i]
        rest_low = sum(lows[i + 1:])
        rest_high = sum(highs[i + 1:])
        for k in range(lows[i], highs[i] + 1):
            if k > remaining - rest_low:
                break
            if remaining - k > rest_high:
                continue
            if token.splittable:
                for piece in _split_run(token.text, k):
                    walk(i + 1, remaining - k, acc + piece)
            else:
                walk(i + 1, remaining - k, acc + (token.value,))

    walk(0, cells, ())
    return readings


@dataclass
class RowReading:
    """The possible readings of one printed row (or of 表四's 15 numbers) as values of `keys`."""

    keys: tuple[str, ...]
    readings: list[tuple[Value, ...]]
    certain: bool = True  # exactly one syntactic reading: nothing to decide
    local_failed: bool = False  # no reading satisfies the row's own identity (3 or 4)

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1


@dataclass
class Resolution:
    values: dict[str, Value]
    unresolved: list[dict] = field(default_factory=list)  # one entry per row the identities could not settle


def _zero_nulls(values: Mapping[str, Value]) -> dict[str, float]:
    return {k: (0 if v is None else v) for k, v in values.items()}


def _local_filter(reading: RowReading) -> RowReading:
    """Keep the readings under which the row's own identity holds (total = sum of parts)."""
    if len(reading.readings) <= 1:
        return reading
    passing = []
    for candidate in reading.readings:
        checks = check_identities(_zero_nulls(dict(zip(reading.keys, candidate))))
        if not any(c.result == FAIL for c in checks):
            passing.append(candidate)
    if passing:
        return RowReading(reading.keys, passing, reading.certain, False)
    return RowReading(reading.keys, reading.readings, reading.certain, True)


def plausibility_rank(candidate: tuple[Value, ...]) -> tuple:
    """Order for showing (and, when nothing decides, provisionally reporting) readings: most cells equal to 0
    first (most cells of these tables are 0, so "130" is likelier "13|0" than "1|30"), then digit lengths as
    even as possible, then longer numbers towards the end (totals and stocks come last in every table)."""
    lengths = [len(str(v)) if v is not None else 0 for v in candidate]
    zeros = sum(1 for v in candidate if v == 0)
    return (-zeros, max(lengths) - min(lengths), [-n for n in reversed(lengths)])


def resolve(rows: Sequence[RowReading], fixed: Mapping[str, Value]) -> Resolution:
    """Choose one reading per row. Rows with one syntactic reading are taken as read. Rows with several are
    filtered by their own identity, then every combination is checked against all identities touching
    those rows (columns of 表三: identities 1 and 2); a combination is accepted only if it is the single
    one under which none of them fails. Otherwise the best-ranked reading is reported provisionally and the
    row is listed in `unresolved` with its alternatives."""
    values: dict[str, Value] = dict(fixed)
    filtered = []
    for row in rows:
        if len(row.readings) == 1:
            values.update(zip(row.keys, row.readings[0]))
        else:
            filtered.append(_local_filter(row))
    unresolved: list[dict] = []
    if not filtered:
        return Resolution(values, unresolved)

    space = 1
    for row in filtered:
        space *= len(row.readings)
    ambiguous_keys = {k for row in filtered for k in row.keys}
    accepted: list[tuple[tuple[Value, ...], ...]] = []
    least_failing: list[tuple[tuple[Value, ...], ...]] = []
    min_failures: int | None = None
    constrained = False  # did any identity involve these rows at all?
    if space <= MAX_COMBINATIONS:
        for combo in itertools.product(*(row.readings for row in filtered)):
            trial = dict(values)
            for row, candidate in zip(filtered, combo):
                trial.update(zip(row.keys, candidate))
            checks = [c for c in check_identities(_zero_nulls(trial))
                      if ambiguous_keys & set(c.keys) and c.result != INCOMPLETE]
            constrained = constrained or bool(checks)
            failures = sum(1 for c in checks if c.result == FAIL)
            if failures == 0 and checks:
                accepted.append(combo)
            if min_failures is None or failures < min_failures:
                min_failures, least_failing = failures, [combo]
            elif failures == min_failures:
                least_failing.append(combo)
    if len(accepted) == 1:
        for row, candidate in zip(filtered, accepted[0]):
            values.update(zip(row.keys, candidate))
        return Resolution(values, unresolved)

    if accepted:
        pool, reason = accepted, "several readings satisfy the identities"
    elif not constrained:
        pool, reason = [], "no identity constrains these cells"
    else:
        pool, reason = least_failing, "no reading satisfies the identities"
    for i, row in enumerate(filtered):
        survivors = sorted({combo[i] for combo in pool}, key=plausibility_rank) if pool else []
        alternatives = survivors or sorted(row.readings, key=plausibility_rank)
        values.update(zip(row.keys, alternatives[0]))
        if len(alternatives) > 1 or not accepted:
            unresolved.append({
                "keys": list(row.keys),
                "alternatives": [list(a) for a in alternatives[:10]],
                "n_alternatives": len(alternatives),
                "reason": reason if len(alternatives) > 1 or not accepted else reason,
            })
    return Resolution(values, unresolved)
