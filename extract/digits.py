"""Cells that arrived glued into one run of digits, and how the table's own identities pick the split.

Crawled portal text often flattens a table row into "713000074" (= 71,3,0,0,0,0,74) or "20 0 0 0 02" (five
groups for seven cells). `splits` lists every syntactically possible reading (no number printed with a
leading zero); `resolve` keeps the readings under which the accounting identities of ../identities.py hold,
and says honestly when more than one survives.
"""
from __future__ import annotations

import functools
import itertools
import operator
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from .identities import FAIL, IDENTITIES_BY_NUMBER, PASS, TOLERANCE, Sides, identity_sides

Value = int | float | None
MAX_READINGS = 5000  # more readings than this for one row: do not even try to choose
MAX_COMBINATIONS = 200000


@dataclass(frozen=True)
class Token:
    """One whitespace-separated piece of a printed row: a digit run (maybe several glued cells), a number
    that cannot be split (a decimal, thousands separators, a unit), or a printed blank."""

    text: str
    value: Value = None
    splittable: bool = False  # a run of digits (maybe signed, maybe with decimals) that may hold several cells
    is_null: bool = False
    unit: str | None = None
    offset: int = 0  # offset of the token in the original text


class TooManyReadings(ValueError):
    """A printed run has so many possible splits that choosing among them is not attempted (the row is
    reported unreadable; a partial list of readings would make a unique-looking choice unsafe)."""


_RUN_RE = re.compile(r"^(?P<sign>[-+]?)(?P<digits>\d+)(?:\.(?P<fraction>\d+))?(?P<unit>\D*)$")


def _parts(token: Token) -> tuple[str, str, str | None] | None:
    """(sign, integer digits, decimals) of a splittable token: the sign belongs to its first cell, the
    decimals (and a unit) to its last, as in "-18538" or "39573802895.90元"."""
    m = _RUN_RE.match(token.text)
    if not m:
        return None
    return m.group("sign"), m.group("digits"), m.group("fraction")


def splits(tokens: Sequence[Token], cells: int) -> list[tuple[Value, ...]]:
    """Every reading of `tokens` as exactly `cells` values. Whitespace between tokens is a certain cell
    boundary; inside a digit run any boundary is possible. Raises TooManyReadings past MAX_READINGS."""
    return splits_checked(tokens, cells)[0]


MAX_STEPS = 100000  # cells tried while enumerating one row's readings
MAX_CELL_DIGITS = 12  # no count or amount in these tables has more digits (¥ amounts reach 11)


def splits_checked(tokens: Sequence[Token], cells: int, group_size: int | None = None,
                   group_ok: Callable[[tuple[Value, ...]], bool] | None = None
                   ) -> tuple[list[tuple[Value, ...]], bool]:
    """Like `splits`, keeping only readings whose every group of `group_size` consecutive cells passes
    `group_ok` (a row's own total: identity 3 for 表三, identity 4 for each third of 表四). The cells are
    enumerated one at a time and a group is checked as soon as it is complete, so long runs stay
    tractable. Returns (readings, whether any reading was pruned by a group check)."""
    if not tokens:
        return [], False
    if group_ok is total_is_sum and group_size == cells:
        fast = _single_total_splits(tokens, cells)
        if fast is not None:
            return fast
    runs = [_parts(t) if t.splittable else None for t in tokens]
    # most cells the tokens from index i on can still make (a digit run: one per digit)
    most_after = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        most_after[i] = most_after[i + 1] + (len(runs[i][1]) if runs[i] else 1)
    readings: list[tuple[Value, ...]] = []
    pruned = False
    steps = 0

    def add(acc: tuple[Value, ...], value: Value) -> tuple[Value, ...] | None:
        nonlocal pruned
        extended = acc + (value,)
        if group_size and group_ok is not None and len(extended) % group_size == 0 \
                and not group_ok(extended[-group_size:]):
            pruned = True
            return None
        return extended

    def walk(i: int, pos: int, acc: tuple[Value, ...]) -> None:
        nonlocal steps
        if steps > MAX_STEPS or len(readings) > MAX_READINGS:
            raise TooManyReadings(f"a row of {sum(len(t.text) for t in tokens)} characters has too many readings")
        if i == len(tokens):
            if len(acc) == cells:
                readings.append(acc)
            return
        left = cells - len(acc)
        fewest = len(tokens) - i  # every remaining token is at least one cell
        if left < fewest:
            return
        if runs[i] is None:
            extended = add(acc, tokens[i].value)
            if extended is not None:
                walk(i + 1, 0, extended)
            return
        sign, run, fraction = runs[i]
        if left > (len(run) - pos) + most_after[i + 1]:
            return
        # one cell per remaining token: this run's remainder is a single cell
        if left * MAX_CELL_DIGITS < (len(run) - pos):
            return  # more digits than the cells left can print
        ends = [len(run)] if left == len(tokens) - i else range(pos + 1, min(len(run), pos + MAX_CELL_DIGITS) + 1)
        for end in ends:
            steps += 1
            piece = run[pos:end]
            if len(piece) > MAX_CELL_DIGITS:
                break
            if len(piece) > 1 and piece[0] == "0":
                break
            value: Value = int(piece)
            if pos == 0 and sign == "-":
                value = -value
            last = end == len(run)
            if last and fraction is not None:
                magnitude = float(f"{abs(value)}.{fraction}")
                value = -magnitude if isinstance(value, int) and value < 0 else magnitude
            extended = add(acc, value)
            if extended is None:
                continue
            if last:
                walk(i + 1, 0, extended)
            elif len(extended) < cells:
                walk(i, end, extended)

    walk(0, 0, ())
    return readings, pruned


def _single_total_splits(tokens: Sequence[Token], cells: int) -> tuple[list[tuple[Value, ...]], bool] | None:
    """`splits_checked(tokens, cells, cells, total_is_sum)` (one group: the whole row, its last cell the sum
    of the others) without visiting every split, or None when the shortcut does not apply.

    With one group, every reading reaches the group check only once complete, so which splits the full
    enumeration visits (and how many steps it takes) does not depend on the check: a count over
    (token, position, cells so far) gives the steps and the number of syntactic readings exactly. When the
    enumeration would stay within MAX_STEPS, the readings whose cells are never negative are then searched
    with a bound (the cells before the last cannot add up to more than the last cell can hold), in the same
    order. Signed cells, or a run that would hit the limits, take the full enumeration (same result)."""
    runs = [_parts(t) if t.splittable else None for t in tokens]
    n_tokens = len(tokens)
    for token, run in zip(tokens, runs):
        if run is None:
            if token.value is not None and token.value < 0:
                return None
        elif run[0] == "-":
            return None
    most_after = [0] * (n_tokens + 1)
    for i in range(n_tokens - 1, -1, -1):
        most_after[i] = most_after[i + 1] + (len(runs[i][1]) if runs[i] else 1)

    def ends_of(i: int, pos: int, left: int, run: str):
        if left > (len(run) - pos) + most_after[i + 1] or left * MAX_CELL_DIGITS < (len(run) - pos):
            return ()
        if left == n_tokens - i:
            return (len(run),)
        return range(pos + 1, min(len(run), pos + MAX_CELL_DIGITS) + 1)

    memo: dict[tuple[int, int, int], tuple[int, int]] = {}

    def shape(i: int, pos: int, n: int) -> tuple[int, int]:
        """(steps, syntactic readings) of the full enumeration from this state."""
        if i == n_tokens:
            return 0, int(n == cells)
        state = (i, pos, n)
        if state in memo:
            return memo[state]
        left = cells - n
        steps = complete = 0
        if left >= n_tokens - i:
            if runs[i] is None:
                steps, complete = shape(i + 1, 0, n + 1)
            else:
                run = runs[i][1]
                for end in ends_of(i, pos, left, run):
                    steps += 1
                    if end - pos > MAX_CELL_DIGITS or (end - pos > 1 and run[pos] == "0"):
                        break
                    if end == len(run):
                        sub = shape(i + 1, 0, n + 1)
                    elif n + 1 < cells:
                        sub = shape(i, end, n + 1)
                    else:
                        continue
                    steps += sub[0]
                    complete += sub[1]
        memo[state] = (steps, complete)
        return steps, complete

    steps, complete = shape(0, 0, 0)
    if steps > MAX_STEPS:
        return None
    last = n_tokens - 1
    last_run = runs[last]
    readings: list[tuple[Value, ...]] = []

    def last_cell_bound(i: int, pos: int, left: int) -> float:
        """More than the last cell can be, from here on."""
        if last_run is None:
            value = tokens[last].value
            return (0 if value is None else value) + 1
        digits_left = len(last_run[1]) - (pos + left - 1 if i == last else 0)
        return 10 ** min(max(digits_left, 0), MAX_CELL_DIGITS) + 1

    def walk(i: int, pos: int, acc: tuple[Value, ...], total: float) -> None:
        if i == n_tokens:
            if len(acc) == cells and total_is_sum(acc):
                readings.append(acc)
            return
        left = cells - len(acc)
        if left < n_tokens - i:
            return
        if left > 1 and total > last_cell_bound(i, pos, left):
            return
        token = tokens[i]
        if runs[i] is None:
            value = token.value
            walk(i + 1, 0, acc + (value,), total + (0 if value is None or left == 1 else value))
            return
        _sign, run, fraction = runs[i]
        for end in ends_of(i, pos, left, run):
            if end - pos > MAX_CELL_DIGITS or (end - pos > 1 and run[pos] == "0"):
                break
            value: Value = int(run[pos:end])
            is_last = end == len(run)
            if is_last and fraction is not None:
                value = float(f"{value}.{fraction}")
            if is_last:
                walk(i + 1, 0, acc + (value,), total + (value if left > 1 else 0))
            elif len(acc) + 1 < cells:
                walk(i, end, acc + (value,), total + value)

    walk(0, 0, (), 0)
    if len(readings) > MAX_READINGS:
        return None
    return readings, complete > len(readings)


def total_is_sum(group: tuple[Value, ...]) -> bool:
    """A row's last cell is the sum of the others (blanks count as 0)."""
    values = [0 if v is None else v for v in group]
    return abs(values[-1] - sum(values[:-1])) <= 1e-6


@dataclass
class RowReading:
    """The possible readings of one printed row (or of 表四's 15 numbers) as values of `keys`."""

    keys: tuple[str, ...]
    readings: list[tuple[Value, ...]]
    certain: bool = True  # one reading by syntax alone; False when the row's own total chose it
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


@functools.lru_cache(maxsize=512)
def _identity_plan(present: frozenset[str]) -> tuple[Sides, ...]:
    """The identities that cells with exactly these keys (none of them blank) can pass or fail, with the
    cells of each side as declared, so that the many candidate readings of one row are checked without
    rebuilding every identity each time. An identity with a key missing is incomplete whatever the
    reading, and left out."""
    return tuple(sides for sides in identity_sides(present) if all(k in present for k in sides.keys))


def _planned_result(sides: Sides, values: Mapping[str, float]) -> str:
    """`identities.evaluate`'s result for cells with no blank."""
    lhs = sum(values[k] for k in sides.lhs)
    rhs = sum(values[k] for k in sides.rhs)
    return PASS if abs(lhs - rhs) <= TOLERANCE else FAIL


def _fails(values: Mapping[str, float]) -> bool:
    """Does any identity fail on these cells (none of them blank)?"""
    return any(_planned_result(c, values) == FAIL for c in _identity_plan(frozenset(values)))


def _local_filter(reading: RowReading) -> RowReading:
    """Keep the readings under which the row's own identity holds (total = sum of parts)."""
    if len(reading.readings) <= 1:
        return reading
    passing = []
    for candidate in reading.readings:
        if not _fails(_zero_nulls(dict(zip(reading.keys, candidate)))):
            passing.append(candidate)
    if passing:
        return RowReading(reading.keys, passing, reading.certain, False)
    return RowReading(reading.keys, reading.readings, reading.certain, True)


def plausibility_rank(candidate: tuple[Value, ...]) -> tuple:
    """Order for showing (and, when nothing decides, provisionally reporting) readings: digit lengths as even
    as possible ("77132470" is likelier 77|132|470 than 771|3247|0), then most cells equal to 0 (most cells
    of these tables are 0: "13013" is likelier 13|0|13 than 1|30|13), then longer numbers towards the end
    (totals and stocks come last in every table). Only ever a provisional order: the row stays flagged."""
    lengths = [len(str(v)) if v is not None else 0 for v in candidate]
    zeros = sum(1 for v in candidate if v == 0)
    return (max(lengths) - min(lengths), -zeros, [-n for n in reversed(lengths)])


def resolve(rows: Sequence[RowReading], fixed: Mapping[str, Value]) -> Resolution:
    """Choose one reading per row by brute force (used for 表二 rows and 表四's 15 numbers, one at a time;
    表三 has its own `resolve_table3`). Rows with one syntactic reading are taken as read. Rows with several
    are filtered by their own identity, then every combination is checked against all identities touching
    them; a combination is accepted only if it is the single one under which none of them fails and at
    least one applies. Otherwise the best-ranked reading is reported provisionally and the row is listed in
    `unresolved` with its alternatives."""
    values: dict[str, Value] = dict(fixed)
    filtered = []
    for row in rows:
        if len(row.readings) == 1 and row.certain:
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
        present = frozenset(values).union(*(row.keys for row in filtered))
        touching = [c for c in _identity_plan(present) if ambiguous_keys & set(c.keys)]
        for combo in itertools.product(*(row.readings for row in filtered)):
            trial = dict(values)
            for row, candidate in zip(filtered, combo):
                trial.update(zip(row.keys, candidate))
            trial = _zero_nulls(trial)
            results = [_planned_result(c, trial) for c in touching]
            constrained = constrained or bool(results)
            failures = sum(1 for r in results if r == FAIL)
            if failures == 0 and results:
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
                "reason": reason,
            })
    return Resolution(values, unresolved)


# ------------------------------------------------------------------------------------------- 表三

_IDENTITY_1, _IDENTITY_2 = IDENTITIES_BY_NUMBER[1], IDENTITIES_BY_NUMBER[2]
# the rows of identity 1, left side first: 一、本年新收 + 二、上年结转 = (七)总计 + 四、结转下年度
_FRAME = _IDENTITY_1.lhs + _IDENTITY_1.rhs


def _row_name(reading: RowReading) -> str:
    return reading.keys[0].split(".")[1]


def _vec(candidate: tuple[Value, ...]) -> tuple[float, ...]:
    return tuple(0 if v is None else v for v in candidate)


def _row_total_holds(candidate: tuple[Value, ...]) -> bool:
    v = _vec(candidate)
    return abs(v[-1] - sum(v[:-1])) <= 1e-6


def _add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _side_sum(frame: Mapping[str, tuple[Value, ...]], rows: tuple[str, ...]) -> tuple:
    return functools.reduce(_add, (_vec(frame[row]) for row in rows))


def _frame_combinations(frame_names: list[str], candidates: Mapping[str, list[tuple[Value, ...]]]
                        ) -> list[tuple[tuple[Value, ...], ...]]:
    """The combinations of readings of the four frame rows (in `itertools.product` order) under which
    identity 1 holds column by column (一 + 二 = (七)总计 + 四), found by matching the sums of the two sides
    (the side with fewer pairs is indexed) instead of trying every combination."""
    rows = [candidates[n] for n in _FRAME]
    vecs = [[_vec(c) for c in row] for row in rows]

    def pair_sums(a: int, b: int):
        for i, va in enumerate(vecs[a]):
            for j, vb in enumerate(vecs[b]):
                yield (i, j), tuple(map(operator.add, va, vb))

    left_first = len(rows[0]) * len(rows[1]) <= len(rows[2]) * len(rows[3])
    indexed, scanned = ((0, 1), (2, 3)) if left_first else ((2, 3), (0, 1))
    index: dict[tuple, list[tuple[int, int]]] = {}
    for pair, total in pair_sums(*indexed):
        index.setdefault(total, []).append(pair)
    matches = []
    for pair, total in pair_sums(*scanned):
        for other in index.get(total, ()):
            matches.append(other + pair if left_first else pair + other)
    matches.sort()
    return [tuple(rows[r][i] for r, i in enumerate(match)) for match in matches]


def resolve_table3(rows: Sequence[RowReading]) -> Resolution:
    """Choose one reading per 表三 row (7 cells each) under identities 1-3 without enumerating every
    combination: identity 3 filters each row on its own; identity 1 ties the four frame rows (一、二、
    (七)总计、四、); identity 2 asks the outcome rows to add up to (七)总计 column by column, which a
    forward/backward pass over partial sums counts exactly (counts are never negative, so partial sums
    above the total are dropped). A reading is kept only when it is the single one consistent with all of
    them; otherwise the row is listed in `unresolved` with the surviving alternatives."""
    by_name = {_row_name(r): r for r in rows}
    values: dict[str, Value] = {}
    candidates: dict[str, list[tuple[Value, ...]]] = {}
    row_failed: set[str] = set()
    for name, row in by_name.items():
        readings = row.readings
        if len(readings) > 1:
            passing = [c for c in readings if _row_total_holds(c)]
            if passing:
                readings = passing
            else:
                row_failed.add(name)
        candidates[name] = readings
    ambiguous = {n for n, row in by_name.items() if len(row.readings) > 1 or not row.certain}
    if not ambiguous:
        for name, row in by_name.items():
            values.update(zip(row.keys, candidates[name][0]))
        return Resolution(values, [])

    present = set(by_name)
    # identity 2's right side: the outcome rows, with the (六)其他处理 rows of the template the report printed
    other_rows = dict(_IDENTITY_2.rhs_variants)[_IDENTITY_2.variant_of_terms(present)]
    outcome_rows = list(_IDENTITY_2.rhs) + ([r for r in other_rows if r in present] or list(other_rows))
    (processed,) = _IDENTITY_2.lhs
    identity2 = processed in present and all(r in present for r in outcome_rows)
    identity1 = all(r in present for r in _FRAME)
    negative = any(x < 0 for cands in candidates.values() for c in cands for x in _vec(c))

    frame_names = [r for r in _FRAME if r in present]
    survivors: dict[str, set] = {n: set() for n in present}
    total_ways = 0
    constrained = {n: False for n in present}
    if identity1:
        for n in _FRAME:
            constrained[n] = True
    if identity2:
        for n in outcome_rows + [processed]:
            constrained[n] = True
    frame_space = 1
    for n in frame_names:
        frame_space *= len(candidates[n])
    if frame_space > MAX_COMBINATIONS:
        identity1 = identity2 = False
        constrained = {n: False for n in present}
        frame_combos = []
    else:
        frame_combos = _frame_combinations(frame_names, candidates) if identity1 else \
            list(itertools.product(*(candidates[n] for n in frame_names)))
    outcome_memo: dict[tuple, tuple[int | None, dict[str, set]]] = {}
    gave_up = False
    for combo in frame_combos:
        frame = dict(zip(frame_names, combo))
        if identity1 and _side_sum(frame, _IDENTITY_1.lhs) != _side_sum(frame, _IDENTITY_1.rhs):
            continue
        if identity2:
            target = _vec(frame[processed])
            if target not in outcome_memo:
                outcome_memo[target] = _outcome_ways(outcome_rows, candidates, target, negative)
            ways, keep = outcome_memo[target]
            if ways is None:
                gave_up = True
                break
        else:
            ways, keep = 1, {n: set(candidates[n]) for n in outcome_rows if n in present}
            for n in keep:
                ways *= len(keep[n])
        if ways == 0:
            continue
        total_ways += ways
        for n, c in frame.items():
            survivors[n].add(c)
        for n, cs in keep.items():
            survivors[n].update(cs)
    for n in present:
        if n not in frame_names and n not in outcome_rows:
            survivors[n] = set(candidates[n])
    if not frame_space or frame_space > MAX_COMBINATIONS:  # no combination of the frame rows was tried
        survivors = {n: set(candidates[n]) for n in present}

    unresolved: list[dict] = []
    for name, row in by_name.items():
        if name not in ambiguous:
            values.update(zip(row.keys, candidates[name][0]))
            continue
        alive = sorted(survivors[name], key=plausibility_rank)
        if gave_up:
            alive = sorted(candidates[name], key=plausibility_rank)
            reason = "too many possible readings to check against the identities"
        elif name in row_failed:
            reason = "no reading makes the row's total equal the sum of its columns"
        elif constrained[name] and total_ways == 0:
            reason = "no reading satisfies the identities"
        elif len(alive) == 1:
            values.update(zip(row.keys, alive[0]))  # the only reading the identities allow
            continue
        elif not constrained[name]:
            reason = "no identity constrains these cells"
        else:
            reason = "several readings satisfy the identities"
        alternatives = alive or sorted(candidates[name], key=plausibility_rank)
        values.update(zip(row.keys, alternatives[0]))
        unresolved.append({"keys": list(row.keys), "alternatives": [list(a) for a in alternatives[:10]],
                           "n_alternatives": len(alternatives), "reason": reason})
    return Resolution(values, unresolved)


_FIELD_BITS = 25  # 24 bits of value and a guard bit per column
_FIELD_MAX = 1 << (_FIELD_BITS - 1)
MAX_STATES = 20000


def _pack(vec: tuple) -> int:
    packed = 0
    for i, x in enumerate(vec):
        packed |= int(x) << (i * _FIELD_BITS)
    return packed


def _outcome_ways(names: list[str], candidates: Mapping[str, list[tuple[Value, ...]]], target: tuple,
                  negative: bool) -> tuple[int | None, dict[str, set]]:
    """How many choices of one reading per outcome row add up to `target` (capped at 2), and which readings
    of each row take part in at least one of them.

    Partial sums are packed into one integer (a 24-bit field and a guard bit per column), so adding is one
    integer addition and "still within the target in every column" is one subtraction: a field that
    borrows clears its guard bit. Counts are whole and never negative; anything else (decimals, negative
    numbers, huge counts) or too many partial sums to follow is reported as undecidable (None)."""
    width = len(target)
    plain = all(isinstance(x, int) and 0 <= x < _FIELD_MAX for x in target) and not negative and all(
        isinstance(x, int) and 0 <= x < _FIELD_MAX for n in names for c in candidates[n] for x in _vec(c))
    if not plain:
        return None, {}
    guard = sum(1 << (i * _FIELD_BITS + _FIELD_BITS - 1) for i in range(width))
    goal = _pack(target)
    goal_guarded = goal | guard

    def within(total: int) -> bool:
        return (goal_guarded - total) & guard == guard

    cands = [[(_pack(_vec(c)), c) for c in candidates[n]] for n in names]
    forward: list[dict[int, int]] = [{0: 1}]
    for options in cands:
        nxt: dict[int, int] = {}
        for s, ways in forward[-1].items():
            for vec, _ in options:
                t = s + vec
                if within(t):
                    nxt[t] = min(2, nxt.get(t, 0) + ways)
        if len(nxt) > MAX_STATES:
            return None, {}
        forward.append(nxt)
    total = forward[-1].get(goal, 0)
    if total == 0:
        return 0, {}
    backward: list[dict[int, int]] = [{} for _ in range(len(cands) + 1)]
    backward[len(cands)] = {0: 1}
    for i in range(len(cands) - 1, -1, -1):
        nxt = {}
        for s, ways in backward[i + 1].items():
            for vec, _ in cands[i]:
                t = s + vec
                if within(t):
                    nxt[t] = min(2, nxt.get(t, 0) + ways)
        backward[i] = nxt
    keep: dict[str, set] = {}
    for i, name in enumerate(names):
        if len(cands[i]) == 1:
            keep[name] = {cands[i][0][1]}
            continue
        alive = set()
        before, after = forward[i], backward[i + 1]
        small, large = (before, after) if len(before) <= len(after) else (after, before)
        for vec, original in cands[i]:
            rest = goal - vec  # before-sum + after-sum must equal this
            if any(rest - s in large for s in small):
                alive.add(original)
        keep[name] = alive
    return total, keep
