"""Page geometry for the PDF parser: text lines in reading order, ruled tables rebuilt from their drawn
edges, sideways pages, and tables continued across page breaks (borderless tables: pdf_borderless.py).

Pure functions over pdfplumber's page objects (chars and edges as dicts); no knowledge of report labels.
A table is an expanded grid: every position holds a `Box`, and the positions covered by a merged cell hold
the same `Box` object, so the first position in row-major order is where the cell was printed.
"""
from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..ideographs import fold_ideographs

Obj = dict[str, Any]

SNAP = 2.5  # points: edges or boundaries closer than this are the same line
SEGMENT_GAP = 0.75  # character widths: a wider gap inside a line separates two cells of a borderless table
DIGIT_GAP = 0.25  # character widths: a wider gap between two digits separates two numbers
# a printed number (ending in a digit, so that the "1." of "1. 属于国家秘密" is not one) or a null mark
NUMERIC_RE = re.compile(r"^[-+−]?\s*[\d０-９](?:[\d０-９,，.．\s]*[\d０-９])?\s*(?:%|元|万元|件|笔|个|次)?$"
                        r"|^[-—–/／无]$")
PAGE_NUMBER_RE = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页|/\s*\d+\s*页?)?[-—–\s]*$")


@dataclass(eq=False)  # identity equality: positions of one merged cell share one Box
class Box:
    """A printed cell: its text and where it is on which page."""

    text: str
    page: int
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass
class PageTable:
    """A table as an expanded grid, with the column boundaries of its last part (for stitching)."""

    grid: list[list[Box]]
    first_page: int
    last_page: int
    top: float  # on the first page
    bottom: float  # on the last page
    col_bounds: list[float]  # x boundaries of the columns, len = columns + 1
    kind: str  # "ruled" | "borderless"


@dataclass
class Line:
    """Characters that share a baseline band, split into segments at wide gaps."""

    top: float
    bottom: float
    size: float
    segments: list[Box] = field(default_factory=list)
    lone_value: bool = False  # one number alone on its line, inside a table (a row with one cell printed)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


# --------------------------------------------------------------------------------------------- text

def _is_digit(text: str) -> bool:
    return len(text) == 1 and ("0" <= text <= "9" or "０" <= text <= "９")


def _is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_chars(chars: list[Obj], space_gap: float) -> str:
    """Characters of one line, sorted by x, to text: a space only where a wide gap separates two
    characters, so that justified CJK text and digits drawn one by one come out whole."""
    out: list[str] = []
    prev = None
    for ch in chars:
        text = ch["text"]
        if not text.strip():
            prev = ch if prev is None else prev
            continue
        if prev is not None and out and ch["x0"] - prev["x1"] > space_gap:
            out.append(" ")
        out.append(text)
        prev = ch
    return fold_ideographs("".join(out).strip())


def join_lines(lines: Iterable[str]) -> str:
    """Lines wrapped inside one cell: CJK joins directly ("商业" + "企业"), Latin words and digits keep a
    space. Digits on two lines are never fused: they are as likely two rows of a table drawn without row
    rules as one number wrapped, so "21 0" goes on to fail as a number instead of reading 210."""
    result = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if result and _is_ascii_word_char(result[-1]) and _is_ascii_word_char(line[0]):
            result += " "
        result += line
    return result


def cluster_lines(chars: list[Obj]) -> list[list[Obj]]:
    """Group characters into lines by vertical overlap; each line sorted by x."""
    lines: list[list[Obj]] = []
    bands: list[tuple[float, float]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        mid = (ch["top"] + ch["bottom"]) / 2
        if bands and bands[-1][0] <= mid <= bands[-1][1]:
            lines[-1].append(ch)
            top, bottom = bands[-1]
            bands[-1] = (min(top, ch["top"]), max(bottom, ch["bottom"]))
        else:
            lines.append([ch])
            bands.append((ch["top"], ch["bottom"]))
    for line in lines:
        line.sort(key=lambda c: c["x0"])
    return lines


def cell_text(chars: list[Obj]) -> str:
    if not chars:
        return ""
    size = statistics.median(c["size"] for c in chars)
    return join_lines(join_chars(line, 0.6 * size) for line in cluster_lines(chars))


def page_lines(chars: list[Obj], page: int, segment_gap: float | None = None) -> list[Line]:
    """Text lines of a page region in reading order, split into segments at gaps wider than
    `segment_gap` (default: SEGMENT_GAP character widths), the way columns of a borderless table are
    separated."""
    result = []
    for line_chars in cluster_lines([c for c in chars if c["text"].strip()]):
        size = statistics.median(c["size"] for c in line_chars)
        gap = segment_gap if segment_gap is not None else SEGMENT_GAP * size
        line = Line(top=min(c["top"] for c in line_chars), bottom=max(c["bottom"] for c in line_chars),
                    size=size)
        digit_gap = _digit_split_gap(line_chars, size)
        run: list[Obj] = []
        run_right = 0.0  # running maximum of x1 over the run (overlapping text runs make long runs)
        for ch in line_chars:
            space = ch["x0"] - run_right if run else 0.0
            if run and (space > gap or (space > digit_gap and _is_digit(ch["text"])
                                        and _is_digit(run[-1]["text"]))):
                line.segments.append(_segment(run, page, size))
                run = []
            run.append(ch)
            run_right = ch["x1"] if len(run) == 1 else max(run_right, ch["x1"])
        line.segments.append(_segment(run, page, size))
        result.append(line)
    return result


def _digit_split_gap(line_chars: list[Obj], size: float) -> float:
    """Digits of one number are set solid, so a gap between two digits ends a number even when it is
    narrower than a gap between words (full-width digits in narrow columns). Justified text spaces
    every character, digits too: the gap must stand out from the line's usual gap between digits."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(line_chars, line_chars[1:])
            if _is_digit(a["text"]) and _is_digit(b["text"])]
    usual = statistics.median(gaps) if gaps else 0.0
    return max(DIGIT_GAP * size, 2 * max(usual, 0.0) + 0.15 * size)


def _segment(chars: list[Obj], page: int, size: float) -> Box:
    bbox = (min(c["x0"] for c in chars), min(c["top"] for c in chars),
            max(c["x1"] for c in chars), max(c["bottom"] for c in chars))
    return Box(join_chars(chars, 0.6 * size), page, bbox)


def looks_numeric(text: str) -> bool:
    return bool(NUMERIC_RE.match(text.strip()))


def is_page_furniture(text: str) -> bool:
    return bool(PAGE_NUMBER_RE.match(text.strip()))


# ----------------------------------------------------------------------------------- page orientation

def sideways_direction(chars: list[Obj]) -> str | None:
    """"down" or "up" when most characters run vertically (a landscape table printed sideways, a page
    with /Rotate), else None. Upright CJK prints top-to-bottom only in vertical writing, which
    pdfminer still reports as upright glyphs."""
    down = up = 0
    for ch in chars:
        if ch.get("upright", True):
            continue
        b = ch["matrix"][1]
        if b < 0:
            down += 1
        elif b > 0:
            up += 1
    if max(down, up) * 2 <= len(chars):
        return None
    return "down" if down >= up else "up"


def turn_upright(obj: Obj, direction: str, width: float, height: float) -> Obj:
    """Coordinates of `obj` in the frame where sideways text reads left to right."""
    x0, x1, top, bottom = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
    if direction == "down":
        box = {"x0": top, "x1": bottom, "top": width - x1, "bottom": width - x0}
    else:
        box = {"x0": height - bottom, "x1": height - top, "top": x0, "bottom": x1}
    out = dict(obj, **box)
    if "orientation" in obj:
        out["orientation"] = "v" if obj["orientation"] == "h" else "h"
    return out


def turn_bbox(bbox: tuple[float, float, float, float], direction: str, width: float,
              height: float) -> tuple[float, float, float, float]:
    t = turn_upright({"x0": bbox[0], "top": bbox[1], "x1": bbox[2], "bottom": bbox[3]}, direction, width, height)
    return t["x0"], t["top"], t["x1"], t["bottom"]


# --------------------------------------------------------------------------------------- ruled tables

def visible_edge_objects(obj: Obj) -> bool:
    """Filter for page.filter(): keep what draws table rules. Filled rectangles without a stroke are cell
    backgrounds (WPS paints one behind every paragraph), unless thin enough to be a rule themselves."""
    if obj.get("object_type") == "rect" and not obj.get("stroke"):
        return min(obj["width"], obj["height"]) <= SNAP
    return True


def cluster_values(values: Iterable[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= SNAP:
            continue
        out.append(v)
    return out


def _nearest(values: list[float], v: float) -> int:
    i = bisect.bisect_left(values, v)
    if i == len(values) or (i > 0 and v - values[i - 1] <= values[i] - v):
        return i - 1
    return i


def ruled_table(bbox: tuple[float, float, float, float], edges: list[Obj], chars: list[Obj],
                page: int) -> PageTable | None:
    """Rebuild a ruled table inside `bbox` from its edges: the boundaries are every distinct rule
    position, and two neighbouring grid positions are one merged cell when no rule separates them.
    This keeps cells whose outer rule is missing (a table continued from the previous page)."""
    x0, top, x1, bottom = bbox
    touching = [e for e in edges if e["x1"] >= x0 - SNAP and e["x0"] <= x1 + SNAP
                and e["bottom"] >= top - SNAP and e["top"] <= bottom + SNAP]
    vertical = [e for e in touching if e["orientation"] == "v" and x0 - SNAP <= e["x0"] <= x1 + SNAP]
    # at a page break the last row often has no bottom rule: its column rules show where it ends
    top = min([top] + [e["top"] for e in vertical])
    bottom = max([bottom] + [e["bottom"] for e in vertical])
    horizontal = [e for e in touching if e["orientation"] == "h" and top - SNAP <= e["top"] <= bottom + SNAP]
    ys = cluster_values([top, bottom] + [e["top"] for e in horizontal])
    xs = cluster_values([x0, x1] + [e["x0"] for e in vertical])
    if len(ys) < 2 or len(xs) < 2 or (len(ys) - 1) * (len(xs) - 1) > MAX_GRID_POSITIONS:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1

    # rules indexed by the boundary they draw, so that large tables stay linear in their edges
    vertical_at: dict[int, list[Obj]] = {}
    for e in vertical:
        vertical_at.setdefault(_nearest(xs, e["x0"]), []).append(e)
    horizontal_at: dict[int, list[Obj]] = {}
    for e in horizontal:
        horizontal_at.setdefault(_nearest(ys, e["top"]), []).append(e)

    def has_vertical_rule(c: int, y_mid: float) -> bool:
        return any(e["top"] - SNAP <= y_mid <= e["bottom"] + SNAP for e in vertical_at.get(c, ()))

    def has_horizontal_rule(r: int, x_mid: float) -> bool:
        return any(e["x0"] - SNAP <= x_mid <= e["x1"] + SNAP for e in horizontal_at.get(r, ()))

    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(n_rows):
        y_mid = (ys[r] + ys[r + 1]) / 2
        for c in range(n_cols):
            x_mid = (xs[c] + xs[c + 1]) / 2
            if c + 1 < n_cols and not has_vertical_rule(c + 1, y_mid):
                union(r * n_cols + c, r * n_cols + c + 1)
            if r + 1 < n_rows and not has_horizontal_rule(r + 1, x_mid):
                union(r * n_cols + c, (r + 1) * n_cols + c)

    chars_by_root: dict[int, list[Obj]] = {}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom) or not ch["text"].strip():
            continue
        c = min(max(bisect.bisect_right(xs, cx) - 1, 0), n_cols - 1)
        r = min(max(bisect.bisect_right(ys, cy) - 1, 0), n_rows - 1)
        chars_by_root.setdefault(find(r * n_cols + c), []).append(ch)

    extents: dict[int, list[float]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            root = find(r * n_cols + c)
            ext = extents.setdefault(root, [xs[c], ys[r], xs[c + 1], ys[r + 1]])
            ext[0], ext[1] = min(ext[0], xs[c]), min(ext[1], ys[r])
            ext[2], ext[3] = max(ext[2], xs[c + 1]), max(ext[3], ys[r + 1])
    boxes = {root: Box(cell_text(chars_by_root.get(root, [])), page,
                       tuple(round(v, 2) for v in ext))  # type: ignore[arg-type]
             for root, ext in extents.items()}
    grid = [[boxes[find(r * n_cols + c)] for c in range(n_cols)] for r in range(n_rows)]
    return PageTable(grid, page, page, top, bottom, xs, "ruled")


MAX_GRID_POSITIONS = 200_000  # distinct rule rows x rule columns on a page; a report table has ~1,000


def table_regions(visible: Any, edges: list[Obj]) -> list[tuple[float, float, float, float]]:
    """Where pdfplumber finds ruled tables on a page filtered with `visible_edge_objects`. A page whose
    rules cross at more positions than any table has (a drawing, a hostile file) is not searched:
    pdfplumber intersects every horizontal rule with every vertical one."""
    if len(edges) < 4:
        return []
    rows = {round(e["top"] / SNAP) for e in edges if e["orientation"] == "h"}
    cols = {round(e["x0"] / SNAP) for e in edges if e["orientation"] == "v"}
    if len(rows) * len(cols) > MAX_GRID_POSITIONS:
        return []
    return [t.bbox for t in visible.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})]


def ruled_tables(regions: list[tuple[float, float, float, float]], edges: list[Obj], chars: list[Obj],
                 page_number: int) -> list[PageTable]:
    """Ruled tables rebuilt in each region, top to bottom."""
    tables = []
    for bbox in regions:
        table = ruled_table(bbox, edges, chars, page_number)
        if table is not None and len(table.grid) >= 1 and len(table.col_bounds) >= 3:
            tables.append(table)
    tables.sort(key=lambda t: t.top)
    return tables


# ----------------------------------------------------------------------------------------- stitching

def regrid(table: PageTable, bounds: list[float]) -> list[list[Box]]:
    """Re-expand a grid onto finer column boundaries: a new column takes the box of the old column
    that contains its centre."""
    old = table.col_bounds
    mapping = []
    for k in range(len(bounds) - 1):
        centre = (bounds[k] + bounds[k + 1]) / 2
        mapping.append(min(max(bisect.bisect_right(old, centre) - 1, 0), len(old) - 2))
    return [[row[m] for m in mapping] for row in table.grid]


def _row_key(row: list[Box]) -> tuple[str, ...]:
    return tuple(re.sub(r"\s+", "", b.text) for b in row)


def _header_rows(grid: list[list[Box]]) -> list[tuple[str, ...]]:
    headers = []
    for row in grid:
        if any(looks_numeric(b.text) and b.text.strip() for b in row):
            break
        headers.append(_row_key(row))
    return headers


def can_continue(prev: PageTable, nxt: PageTable, text_after_prev: bool, text_before_next: bool) -> bool:
    """`nxt` continues `prev` on the next page: nothing but page furniture between them and the same
    left and right edges."""
    return (nxt.first_page == prev.last_page + 1 and not text_after_prev and not text_before_next
            and abs(prev.col_bounds[0] - nxt.col_bounds[0]) <= 3 * SNAP
            and abs(prev.col_bounds[-1] - nxt.col_bounds[-1]) <= 3 * SNAP)


def stitch(prev: PageTable, nxt: PageTable) -> PageTable:
    """One table from two parts; header rows the continuation repeats are dropped."""
    if len(prev.col_bounds) == len(nxt.col_bounds):  # same columns: differences are in the drawing only
        bounds = prev.col_bounds
        nxt = PageTable(nxt.grid, nxt.first_page, nxt.last_page, nxt.top, nxt.bottom, bounds, nxt.kind)
        return _join(prev, nxt, bounds)
    bounds = cluster_values(prev.col_bounds + nxt.col_bounds)
    # the outer edges of the two parts differ slightly: keep one of each
    bounds = [b for b in bounds if bounds[0] <= b <= bounds[-1]]
    bounds = [bounds[0]] + [b for b in bounds[1:-1] if bounds[0] + 3 * SNAP < b < bounds[-1] - 3 * SNAP] + [bounds[-1]]
    return _join(prev, nxt, bounds)


def _join(prev: PageTable, nxt: PageTable, bounds: list[float]) -> PageTable:
    first = regrid(prev, bounds)
    second = regrid(nxt, bounds)
    headers = set(_header_rows(first))
    while second and _row_key(second[0]) in headers and any(_row_key(second[0])):
        second.pop(0)
    if first and second:
        _carry_labels_over_break(first, second)
    return PageTable(first + second, prev.first_page, nxt.last_page, prev.top, nxt.bottom, bounds,
                     prev.kind if prev.kind == nxt.kind else "mixed")


def _carry_labels_over_break(first: list[list[Box]], second: list[list[Box]]) -> None:
    """A label cell merged over several rows and cut by the page break prints its text on one page
    only: the continuation's empty cell under it takes the label (e.g. （四）无法提供 above
    "3.补正后申请内容仍不明确")."""
    last = first[-1]
    if not any(looks_numeric(b.text) for b in last):
        return  # the break falls in the header: an empty cell below it is a blank value
    for c, box in enumerate(second[0]):
        above = last[c]
        vertically_merged = len(first) >= 2 and first[-2][c] is above
        label_column = not any(looks_numeric(row[c].text) for row in first + second)
        if (not box.text.strip() and above.text.strip() and vertically_merged and label_column):
            for row in second:
                for k, other in enumerate(row):
                    if other is box and k == c:
                        row[k] = above
