"""Borderless tables of the PDF parser, found from text lines alone.

A block is a run of lines with numbers set apart (data lines) and the label and header lines around them.
Value columns come from where the numbers are (and from the header's lowest level when blanks leave
columns empty), label columns from labels printed side by side; header levels are told apart by how
their cells are centred, data rows take in the label lines wrapped above and below their numbers. The
result is the same expanded grid as a ruled table (pdf_layout.PageTable), so that grid.py reads both alike.
"""
from __future__ import annotations

import re
import statistics
from typing import Iterable

from .pdf_layout import (SNAP, Box, Line, PageTable, cluster_values, is_page_furniture, join_lines,
                         looks_numeric, regrid)

WRAP_PITCH = 1.6  # line heights, centre to centre: the widest line spacing of text wrapped in one cell
WRAP_GAP = 0.6  # line heights between two lines of one cell (when one line is taller than the other)
MAX_WRAPPED_LINES = 8  # lines of one wrapped label followed in search of its numbers
MAX_ROW_SEGMENTS = 60  # cells on one line of a table (表四 prints 15); more is not a table row


def _is_data_line(line: Line) -> bool:
    return line.lone_value or (2 <= len(line.segments) <= MAX_ROW_SEGMENTS
                               and any(looks_numeric(s.text) for s in line.segments))


def _mark_lone_values(lines: list[Line]) -> None:
    """A single number on a line is a table cell when it sits wrapped-close to its neighbours (a row
    whose other cells are blank); alone on the page it is a page number or a stray figure."""
    for k, line in enumerate(lines):
        if len(line.segments) == 1 and looks_numeric(line.segments[0].text):
            line.lone_value = ((k > 0 and _wrapped_apart(lines[k - 1], line))
                               or (k + 1 < len(lines) and _wrapped_apart(line, lines[k + 1])))


def _centre_y(line: Line) -> float:
    return (line.top + line.bottom) / 2


def _wrapped_apart(a: Line, b: Line) -> bool:
    """Two lines close enough to be one cell's text wrapped (centre to centre at most 1.6 line heights,
    the largest line spacing in use, or less than 0.6 of a line height between them); rows of a table
    are further apart."""
    size = max(a.size, b.size)
    upper, lower = (a, b) if a.top <= b.top else (b, a)
    return (abs(_centre_y(b) - _centre_y(a)) <= WRAP_PITCH * size
            or lower.top - upper.bottom <= WRAP_GAP * size)


def _merge_spans(spans: Iterable[tuple[float, float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for x0, x1 in sorted(spans):
        if merged and x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return merged


def _value_intervals(data_lines: list[Line]) -> list[list[float]]:
    """Value columns from the extent of the numbers: the numbers of one column overlap, and two numbers
    printed on one line are in two columns even when wide numbers of neighbouring columns overlap
    (full-width digits in narrow columns)."""
    numbers = sorted(((s.bbox[0], s.bbox[2], k) for k, line in enumerate(data_lines) for s in line.segments
                      if looks_numeric(s.text)), key=lambda n: (n[0] + n[1]) / 2)
    clusters: list[tuple[list[float], set[int]]] = []
    for x0, x1, k in numbers:
        if clusters and x0 <= clusters[-1][0][1] and k not in clusters[-1][1]:
            extent, lines = clusters[-1]
            extent[0], extent[1] = min(extent[0], x0), max(extent[1], x1)
            lines.add(k)
        else:
            clusters.append(([x0, x1], {k}))
    return [extent for extent, _ in clusters]


def _label_segments(line: Line, first_value_x: float) -> list[Box]:
    return [s for s in line.segments if not looks_numeric(s.text) and s.bbox[2] <= first_value_x + SNAP]


def _label_intervals(lines: list[Line], first_value_x: float) -> list[list[float]]:
    """Label columns left of the values. Lines printing two labels side by side ("（三）不予公开" beside
    "4.保护第三方合法权益") show where one label column ends; labels merged over columns do not."""
    per_line = [_label_segments(line, first_value_x) for line in lines]
    everything = [s for segs in per_line for s in segs]
    if not everything:
        return []
    left = min(s.bbox[0] for s in everything)
    right = min(max(s.bbox[2] for s in everything), first_value_x - 0.5)
    merged = _merge_spans((s.bbox[0], s.bbox[2]) for segs in per_line if len(segs) >= 2 for s in segs)
    if len(merged) < 2:
        return [[left, right]]
    merged[0][0] = min(merged[0][0], left)
    merged[-1][1] = min(max(merged[-1][1], right), first_value_x - 0.5)
    return merged


def _sections(block: list[Line], first_value_x: float) -> list[list[Line]]:
    """A block cut where header lines follow data lines: each part (表二's 第二十条第（五）项 with its own
    header and rows) has its own value columns, as its merged cells would show if ruled."""
    sections: list[list[Line]] = [[]]
    seen_data = False
    for line in block:
        kind = _line_kind(line, first_value_x)
        if kind == "header" and seen_data:
            sections.append([])
            seen_data = False
        sections[-1].append(line)
        seen_data = seen_data or kind == "data"
    return sections


def _section_values(section: list[Line], first_value_x: float, label_right: float) -> list[list[float]]:
    """Value columns of a section. When blank cells leave fewer columns of numbers than the header
    prints (表四 with blanks), the header's lowest level names the value columns."""
    values = _value_intervals([l for l in section if _is_data_line(l)])
    kinds = [_line_kind(line, first_value_x) for line in section]
    leaf: list[Box] = []
    run: list[Line] = []
    for line, kind in zip(section + [None], kinds + ["end"]):  # type: ignore[operator]
        if kind == "header" and (not run or _wrapped_apart(run[-1], line)):
            run.append(line)
            continue
        for segments in _header_sub_rows(run) if run else []:
            in_values = [s for s in segments if _centre(s) > label_right]
            if len(in_values) > len(leaf):
                leaf = in_values
        run = [line] if kind == "header" else []
    if len(leaf) > len(values) and all(a.bbox[2] < b.bbox[0] for a, b in zip(leaf, leaf[1:])):
        merged = _merge_spans([(s.bbox[0], s.bbox[2]) for s in leaf] + [tuple(v) for v in values])
        if len(merged) == len(leaf):
            return merged
    return values


def _block_table(block: list[Line], data: list[Line], page: int) -> PageTable | None:
    """The grid of a borderless block: each section read on its own columns, then all laid on the
    union of their column boundaries (a cell wider than a column of that union is a merged cell)."""
    values = _value_intervals(data)
    if not values:
        return None
    first_value_x = values[0][0]
    kinds = [_line_kind(line, first_value_x) for line in block]
    body = _body_rows(block, kinds)
    n_labels = min(3, max([len(_label_cells([s for l in members for s in l.segments], first_value_x))
                           for members in body.values()] + [0]))
    labels = _label_intervals([l for l, k in zip(block, kinds) if k != "header"], first_value_x)
    if labels and len(labels) != n_labels and n_labels:  # no line shows the split: share the width out
        left, right = labels[0][0], labels[-1][1]
        step = (right - left) / n_labels
        labels = [[left + i * step, left + (i + 1) * step] for i in range(n_labels)]
    label_end = (labels[-1][1] + first_value_x) / 2 if labels else None
    label_right = labels[-1][1] if labels else float("-inf")
    parts = []
    for section in _sections(block, first_value_x):
        intervals = [(a, b) for a, b in labels + _section_values(section, first_value_x, label_right)]
        if len(intervals) < 2:
            continue
        grid = _spread_single_value_runs(_grid_from_lines(section, intervals, first_value_x, len(labels), page))
        bounds = _bounds(intervals)
        if label_end is not None:  # labels end where the first numbers of the whole block begin
            bounds[len(labels)] = min(label_end, bounds[len(labels)])
        parts.append(PageTable(grid, page, page, section[0].top, section[-1].bottom, bounds, "borderless"))
    if not parts:
        return None
    inner = cluster_values(b for part in parts for b in part.col_bounds[1:-1])
    bounds = [min(p.col_bounds[0] for p in parts)] + inner + [max(p.col_bounds[-1] for p in parts)]
    grid = [row for part in parts for row in regrid(part, bounds)]
    return PageTable(grid, page, page, block[0].top, block[-1].bottom, bounds, "borderless")


def _best_column(seg: Box, intervals: list[tuple[float, float]]) -> int:
    x0, x1 = seg.bbox[0], seg.bbox[2]
    overlaps = [min(x1, b) - max(x0, a) for a, b in intervals]
    best = max(range(len(intervals)), key=lambda i: overlaps[i])
    if overlaps[best] > 0:
        return best
    centre = (x0 + x1) / 2
    return min(range(len(intervals)), key=lambda i: abs((intervals[i][0] + intervals[i][1]) / 2 - centre))


def _is_prose(line: Line, width: float) -> bool:
    """A paragraph line: one run over most of the text width, or a sentence end."""
    if len(line.segments) != 1:
        return False
    seg = line.segments[0]
    return seg.bbox[2] - seg.bbox[0] > 0.6 * width or seg.text.endswith(("。", "：", ":"))


def _is_heading(line: Line) -> bool:
    return len(line.segments) == 1 and bool(re.match(r"^[一二三四五六七八九十]+[、.．]", line.segments[0].text))


def _is_heading_or_prose(line: Line, width: float) -> bool:
    return _is_prose(line, width) or _is_heading(line)


def _is_row_label(lines: list[Line], k: int) -> bool:
    """Line k, numbered like a section heading, is the label of a table row ("一、本年新收…" wrapped
    above its numbers, "三、本年度办理结果" centred beside its sub-rows): numbers follow below through
    lines wrapped close together. A section heading is followed by prose or a table's header."""
    m = k
    while m - k < MAX_WRAPPED_LINES and m + 1 < len(lines) and _wrapped_apart(lines[m], lines[m + 1]):
        m += 1
        if _is_data_line(lines[m]):
            return True
    return False


def _ends_block(lines: list[Line], k: int, text_width: float) -> bool:
    line = lines[k]
    return (len(line.segments) > MAX_ROW_SEGMENTS or _is_prose(line, text_width)
            or (_is_heading(line) and not _is_row_label(lines, k))
            or any(is_page_furniture(seg.text) for seg in line.segments))


def borderless_tables(lines: list[Line], page_number: int, max_header_lines: int = 8) -> list[PageTable]:
    """Tables without rules among a page's text lines (lines inside ruled tables left out), top to bottom.

    A block starts at a data line and runs on through data lines and the label lines between them; it
    takes in up to `max_header_lines` header lines above and blank rows below, and stops at prose, a
    section heading or page furniture. A block is a table with two data lines, or one with three numbers."""
    tables: list[PageTable] = []
    used: set[int] = set()
    if not lines:
        return tables
    text_width = (max(s.bbox[2] for l in lines for s in l.segments)
                  - min(s.bbox[0] for l in lines for s in l.segments))
    _mark_lone_values(lines)
    i = 0
    while i < len(lines):
        if not _is_data_line(lines[i]):
            i += 1
            continue
        # a block: data lines, and between them label lines wrapped from a neighbouring row
        j = i
        last_data = i
        while j + 1 < len(lines):
            nxt = lines[j + 1]
            if nxt.top - lines[j].bottom > 2.5 * nxt.size:
                break
            if _is_data_line(nxt):
                last_data = j + 1
            elif _ends_block(lines, j + 1, text_width):
                break  # (a lone value that looks like a page number is a data line, handled above)
            j += 1
        block_end = last_data
        while (block_end + 1 < len(lines) and not _is_data_line(lines[block_end + 1])
               and _wrapped_apart(lines[block_end], lines[block_end + 1])
               and not _is_heading_or_prose(lines[block_end + 1], text_width)):
            block_end += 1  # the end of a label wrapped below the numbers of the last row
        tail = block_end
        while (tail + 1 < len(lines) and tail + 1 - block_end <= max_header_lines
               and not _is_data_line(lines[tail + 1])
               and lines[tail + 1].top - lines[tail].bottom < 2.5 * lines[tail + 1].size
               and not _is_heading_or_prose(lines[tail + 1], text_width)
               and not any(is_page_furniture(s.text) for s in lines[tail + 1].segments)):
            tail += 1
        if tail > block_end and len(lines[tail].segments) == 1:
            block_end = tail  # rows printed blank after the last numbers (表二's 行政事业性收费 left empty)
        data = [l for l in lines[i:block_end + 1] if _is_data_line(l)]
        # one row is a table only when it is clearly tabular (表四 prints its 15 numbers on one row)
        if len(data) < 2 and not any(sum(looks_numeric(s.text) for s in l.segments) >= 3 for l in data):
            i = block_end + 1
            continue
        start = i
        while (start - 1 >= 0 and start - 1 not in used and i - start < max_header_lines
               and not _is_data_line(lines[start - 1])
               and lines[start].top - lines[start - 1].bottom < 2.5 * lines[start].size
               and not _ends_block(lines, start - 1, text_width)):
            start -= 1
        block = lines[start:block_end + 1]
        table = _block_table(block, data, page_number)
        if table is not None:
            used.update(range(start, block_end + 1))
            tables.append(table)
        i = block_end + 1
    return tables


def _row_owners(block: list[Line], kinds: list[str]) -> dict[int, int]:
    """Label-only line -> the data line whose row it belongs to (lines left out print rows of their own).
    Lines are settled top to bottom, so that a line continuing the label above takes that label's row."""
    owner: dict[int, int] = {}
    for k, kind in enumerate(kinds):
        if kind == "label":
            target = _nearest_data_line(block, kinds, k, owner)
            if target is not None:
                owner[k] = target
    return owner


def _body_rows(block: list[Line], kinds: list[str]) -> dict[int, list[Line]]:
    """Data and label rows by their first line index: the line and the label lines wrapped around it."""
    owner = _row_owners(block, kinds)
    rows: dict[int, list[Line]] = {}
    orphan_run: int | None = None  # first line of the current run of label lines with no numbers
    for k, kind in enumerate(kinds):
        if kind == "label" and k not in owner:
            # a row printed blank: its label lines wrapped close together are one row
            if orphan_run is not None and _wrapped_apart(block[k - 1], block[k]) and kinds[k - 1] == "label" \
                    and k - 1 not in owner:
                rows[orphan_run].append(block[k])
                continue
            orphan_run = k
            rows[k] = [block[k]]
        elif kind == "data":
            orphan_run = None
            rows[k] = [block[k]] + [block[m] for m, d in owner.items() if d == k]
        else:
            orphan_run = None
    return rows


def _label_cells(segments: list[Box], first_value_x: float) -> list[list[Box]]:
    """The label segments of a row grouped into cells: segments that overlap horizontally are one label
    wrapped over lines, segments side by side are labels of different columns ("（三）不予公开" and
    "4.保护第三方合法权益"), left to right."""
    cells: list[list[Box]] = []
    for seg in sorted((s for s in segments if not looks_numeric(s.text) and s.bbox[2] <= first_value_x + SNAP),
                      key=lambda s: s.bbox[0]):
        if cells and seg.bbox[0] < max(s.bbox[2] for s in cells[-1]):
            cells[-1].append(seg)
        else:
            cells.append([seg])
    return cells


def _grid_from_lines(block: list[Line], intervals: list[tuple[float, float]], first_value_x: float,
                     n_labels: int, page: int) -> list[list[Box]]:
    """Rows of a borderless block, top to bottom: header levels, and data rows that take in the label
    lines wrapped above and below their numbers. Label cells fill the label columns from the right."""
    kinds = [_line_kind(line, first_value_x) for line in block]
    body = _body_rows(block, kinds)
    rows: list[tuple[float, list[Box]]] = []
    header_rows: list[list[Box]] = []
    header_run: list[Line] = []

    def flush_headers() -> None:
        for segments in _header_sub_rows(header_run):
            parent = header_rows[-1] if header_rows else None
            row = _grid_row(segments, intervals, page, _header_spans(segments, intervals, parent))
            header_rows.append(row)
            rows.append((min(s.bbox[1] for s in segments), row))
        header_run.clear()

    for k, (line, kind) in enumerate(zip(block, kinds)):
        if kind == "header":
            if header_run and not _wrapped_apart(header_run[-1], line):
                flush_headers()
            header_run.append(line)
            continue
        flush_headers()
        if k in body:
            segments = [seg for member in body[k] for seg in member.segments]
            columns = {id(seg): [_best_column(seg, intervals)] for seg in segments}
            cells = _label_cells(segments, first_value_x)
            for position, cell in enumerate(cells):
                column = max(0, n_labels - len(cells) + position)
                for seg in cell:
                    columns[id(seg)] = [column]
            rows.append((min(m.top for m in body[k]), _grid_row(segments, intervals, page, columns)))
            header_rows.clear()
    flush_headers()
    rows.sort(key=lambda row: row[0])
    return [row for _, row in rows]


def _line_kind(line: Line, first_value_x: float) -> str:
    if _is_data_line(line):
        return "data"
    if len(_label_segments(line, first_value_x)) == len(line.segments):
        return "label"
    return "header"


# a row label's first line starts with its number: "4.无正当…", "（三）不予公开", "四、结转…"
_LABEL_START_RE = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[(（][一二三四五六七八九十\d]{1,2}[)）]|[一二三四五六七八九十]{1,2}[、.．])")


def _label_in_column(line: Line, ref: Box) -> Box | None:
    """The label segment of `line` in the label column of `ref` (horizontally overlapping it)."""
    for seg in line.segments:
        if not looks_numeric(seg.text) and min(seg.bbox[2], ref.bbox[2]) > max(seg.bbox[0], ref.bbox[0]):
            return seg
    return None


def _starts_label(seg: Box | None) -> bool:
    return seg is not None and bool(_LABEL_START_RE.match(seg.text))


def _nearest_data_line(block: list[Line], kinds: list[str], k: int, owner: dict[int, int] | None = None
                       ) -> int | None:
    """The data line a wrapped label line belongs to: the nearer of the data lines reached through
    label lines each wrapped-close to the next (a label centred on its numbers wraps both ways), joined
    by position in the label's own column:
    - a line that does not start a label (no number of its own) continues the label above it: it never
      belongs to a row whose label starts below it, and it takes the row of a label line above it;
    - a line that starts a label never continues a row whose label was printed above it.
    Lines above `k` must be settled in `owner` already (as `_row_owners` does, top to bottom)."""
    owner = owner or {}
    ref = max((s for s in block[k].segments if not looks_numeric(s.text)), key=lambda s: s.bbox[2])
    starts = _starts_label(ref)
    if not any(_starts_label(_label_in_column(line, ref)) for line in block):
        return _nearest_by_distance(block, kinds, k)  # labels without numbers (表二): position alone
    found = []
    for step in (-1, 1):
        m = k
        while (abs(m - k) < MAX_WRAPPED_LINES and 0 <= m + step < len(block) and kinds[m + step] != "header"
               and _wrapped_apart(block[m], block[m + step])):
            m += step
            label = _label_in_column(block[m], ref)
            if step == 1 and _starts_label(label):
                break  # the next label starts here: nothing below belongs to this line's label
            if kinds[m] == "data":
                if not (step == -1 and starts and label is not None):
                    found.append(m)
                break
            if step == -1 and label is not None:
                if not starts and m in owner:
                    return owner[m]  # the rest of the label line above
                if _starts_label(label) or starts:
                    break  # the label above started there without numbers: a row printed blank
    if not found:
        return None
    return min(found, key=lambda m: abs(_centre_y(block[m]) - _centre_y(block[k])))


def _nearest_by_distance(block: list[Line], kinds: list[str], k: int) -> int | None:
    found = []
    for step in (-1, 1):
        m = k
        while (abs(m - k) < MAX_WRAPPED_LINES and 0 <= m + step < len(block) and kinds[m + step] != "header"
               and _wrapped_apart(block[m], block[m + step])):
            m += step
            if kinds[m] == "data":
                found.append(m)
                break
    if not found:
        return None
    return min(found, key=lambda m: abs(_centre_y(block[m]) - _centre_y(block[k])))


def _grid_row(segments: list[Box], intervals: list[tuple[float, float]], page: int,
              columns: dict[int, list[int]]) -> list[Box]:
    """One grid row: segments in one column join into one cell, a segment over several columns is one
    merged cell copied into each."""
    n_cols = len(intervals)
    parts: list[list[Box]] = [[] for _ in range(n_cols)]
    for seg in segments:
        parts[columns[id(seg)][0]].append(seg)
    row: list[Box | None] = [None] * n_cols
    for c, segs in enumerate(parts):
        if not segs:
            continue
        bbox = (min(s.bbox[0] for s in segs), min(s.bbox[1] for s in segs),
                max(s.bbox[2] for s in segs), max(s.bbox[3] for s in segs))
        box = Box(_join_segments(segs), page, tuple(round(v, 2) for v in bbox))  # type: ignore[arg-type]
        span = max((columns[id(s)] for s in segs), key=len)
        for k in span:
            if row[k] is None:
                row[k] = box
    top = min(s.bbox[1] for s in segments)
    bottom = max(s.bbox[3] for s in segments)
    return [cell if cell is not None else
            Box("", page, (round(intervals[c][0], 2), round(top, 2), round(intervals[c][1], 2), round(bottom, 2)))
            for c, cell in enumerate(row)]


def _centre(seg: Box) -> float:
    return (seg.bbox[0] + seg.bbox[2]) / 2


def _x_disjoint(a: list[Box], b: list[Box]) -> bool:
    return all(min(s.bbox[2], t.bbox[2]) <= max(s.bbox[0], t.bbox[0]) for s in a for t in b)


def _header_sub_rows(group: list[Line]) -> list[list[Box]]:
    """Header lines of one visual row split into the header levels they print.

    Lines whose segments share a centre are one cell wrapped over several lines ("商业" over "企业");
    levels side by side at the same height are one row ("自然人" beside "法人或其他组织"); a cell centred
    between two levels spans both (a rowspan: "行政复议" beside "行政诉讼" and beside "未经复议直接起诉")."""
    levels: list[list[Line]] = []

    def continues(line: Line, lvl: list[Line]) -> bool:
        """`line` wraps cells of `lvl`: a segment shares a centre with one there, and no segment crosses a
        neighbouring cell (a header centred over five columns shares its centre with the middle one)."""
        tol = max(2.0, 0.3 * line.size)
        others = [t for other in lvl for t in other.segments]
        aligned = False
        for seg in line.segments:
            for t in others:
                if abs(_centre(seg) - _centre(t)) <= tol:
                    aligned = True
                elif min(seg.bbox[2], t.bbox[2]) > max(seg.bbox[0], t.bbox[0]):
                    return False
        return aligned

    for line in group:
        home = next((lvl for lvl in levels if continues(line, lvl)), None)
        if home is None:
            levels.append([line])
        else:
            home.append(line)

    def band(lvl: list[Line]) -> tuple[float, float]:
        return min(l.top for l in lvl), max(l.bottom for l in lvl)

    def segs(lvl: list[Line]) -> list[Box]:
        return [s for l in lvl for s in l.segments]

    levels.sort(key=lambda lvl: band(lvl)[0])
    merged: list[list[Line]] = []
    for lvl in levels:  # side by side at overlapping heights: one row
        if merged:
            top, bottom = band(merged[-1])
            t, b = band(lvl)
            if min(bottom, b) - max(top, t) > 0.3 * lvl[0].size and _x_disjoint(segs(merged[-1]), segs(lvl)):
                merged[-1] = merged[-1] + lvl
                continue
        merged.append(lvl)
    rows = [segs(lvl) for lvl in merged]
    k = 1
    while 0 < k < len(rows) - 1:
        mid = sum(band(merged[k])) / 2
        between = sum(band(merged[k - 1])) / 2 < mid < sum(band(merged[k + 1])) / 2
        if between and len(merged[k]) == 1 and _x_disjoint(rows[k], rows[k - 1]) \
                and _x_disjoint(rows[k], rows[k + 1]):
            rows[k - 1] = rows[k - 1] + rows[k]
            rows[k + 1] = rows[k] + rows[k + 1]
            del rows[k], merged[k]
            continue
        k += 1
    return [_merge_wrapped(r) for r in rows]


def _merge_wrapped(segments: list[Box]) -> list[Box]:
    """Segments of one header row that share a centre are one cell wrapped over lines: one Box each."""
    cells: list[list[Box]] = []
    for seg in sorted(segments, key=lambda s: (s.bbox[1], s.bbox[0])):
        tol = max(2.0, 0.3 * (seg.bbox[3] - seg.bbox[1]))
        home = next((c for c in cells if abs(_centre(c[0]) - _centre(seg)) <= tol
                     and seg.bbox[1] > c[-1].bbox[1]), None)
        if home is None:
            cells.append([seg])
        else:
            home.append(seg)
    out = []
    for parts in cells:
        if len(parts) == 1:
            out.append(parts[0])
            continue
        bbox = (min(s.bbox[0] for s in parts), min(s.bbox[1] for s in parts),
                max(s.bbox[2] for s in parts), max(s.bbox[3] for s in parts))
        out.append(Box(join_lines(s.text for s in parts), parts[0].page, bbox))
    return sorted(out, key=lambda s: s.bbox[0])


def _header_spans(segments: list[Box], intervals: list[tuple[float, float]],
                  parent: list[Box] | None = None) -> dict[int, list[int]]:
    """Columns each header segment covers. A header is centred over the columns it names, and the headers
    of one level share out the columns between them: choose, for the segments left to right, runs of
    columns centred on each that follow one another without gap or overlap and cover the most columns.
    A run never straddles two cells of the level above (`parent`, the previous header row).
    Without such a partition (left-aligned headers) each segment keeps its own column."""
    bounds = _bounds(intervals)
    n = len(intervals)
    widths = [bounds[k + 1] - bounds[k] for k in range(n)]
    tol = 0.3 * statistics.median(widths)
    ordered = sorted(segments, key=lambda s: s.bbox[0])
    home = [_best_column(s, intervals) for s in ordered]
    candidates = []
    for seg, col in zip(ordered, home):
        spans = [(i, j) for i in range(0, col + 1) for j in range(col, n)
                 if abs((bounds[i] + bounds[j + 1]) / 2 - _centre(seg)) <= tol
                 and (parent is None or len({id(parent[c]) for c in range(i, j + 1) if parent[c].text}) <= 1)]
        candidates.append(spans or [(col, col)])

    best: tuple[int, list[tuple[int, int]]] | None = None

    def search(k: int, next_start: int | None, chosen: list[tuple[int, int]], covered: int) -> None:
        nonlocal best
        if k == len(ordered):
            if best is None or covered > best[0]:
                best = (covered, list(chosen))
            return
        for i, j in candidates[k]:
            if next_start is not None and i != next_start:
                continue
            chosen.append((i, j))
            search(k + 1, j + 1, chosen, covered + j - i + 1)
            chosen.pop()

    if len(ordered) > 1 and sum(len(c) for c in candidates) <= 400:
        search(0, None, [], 0)
    if best is None:
        if len(ordered) == 1:
            i, j = max(candidates[0], key=lambda span: span[1] - span[0])
            return {id(ordered[0]): list(range(i, j + 1))}
        return {id(seg): [col] for seg, col in zip(ordered, home)}
    return {id(seg): list(range(i, j + 1)) for seg, (i, j) in zip(ordered, best[1])}


def _bounds(intervals: list[tuple[float, float]]) -> list[float]:
    """Column boundaries: midway between neighbouring columns, and half a typical gap outside the outer
    ones (where the cell edge would be)."""
    inner = [(intervals[k][1] + intervals[k + 1][0]) / 2 for k in range(len(intervals) - 1)]
    gaps = [intervals[k + 1][0] - intervals[k][1] for k in range(len(intervals) - 1)]
    margin = statistics.median(gaps) / 2 if gaps else 0.0
    return [intervals[0][0] - margin] + inner + [intervals[-1][1] + margin]


def _spread_single_value_runs(grid: list[list[Box]]) -> list[list[Box]]:
    """A sub-table printed with one value column under a wider table (表二's "本年处理决定数量" under
    the three columns of 规章): without rules the merge is invisible, so when a header's one value cell
    spans several columns, the single numbers of the rows under it are spread over the same columns,
    as the ruled form prints them."""
    def value_cells(row: list[Box]) -> list[int]:
        return [c for c in range(1, len(row)) if row[c].text.strip()]

    r = 0
    while r < len(grid):
        row = grid[r]
        cols = value_cells(row)
        is_header = row[0].text.strip() and not any(looks_numeric(b.text) for b in row)
        if not (is_header and cols and len({id(row[c]) for c in cols}) == 1):
            r += 1
            continue
        k = r + 1
        while k < len(grid) and grid[k][0].text.strip():
            data_cols = value_cells(grid[k])
            if not data_cols:  # a row printed blank
                k += 1
                continue
            if len(data_cols) != 1 or data_cols[0] not in cols or not looks_numeric(grid[k][data_cols[0]].text):
                break
            box = grid[k][data_cols[0]]
            grid[k] = [box if c in cols else cell for c, cell in enumerate(grid[k])]
            k += 1
        r = max(k, r + 1)
    return grid


def _join_segments(segs: list[Box]) -> str:
    """Segments landing in one column: on one line they are words of one cell (kept apart by a space so
    that two numbers never fuse); on successive lines they are a wrapped label."""
    by_line: dict[float, list[Box]] = {}
    for s in segs:
        by_line.setdefault(round(s.bbox[1]), []).append(s)
    return join_lines(" ".join(s.text for s in sorted(line, key=lambda s: s.bbox[0]))
                      for _, line in sorted(by_line.items()))


def trailing_header_lines(lines: list[Line], after: float, max_lines: int = 8) -> list[Line]:
    """Lines ending a page below `after` that can only be table header (no numbers, no prose, no
    heading): a borderless table whose header is printed on this page and its rows on the next."""
    if not lines:
        return []
    width = max(s.bbox[2] for l in lines for s in l.segments) - min(s.bbox[0] for l in lines for s in l.segments)
    body = [l for l in lines if not any(is_page_furniture(s.text) for s in l.segments)]
    picked: list[Line] = []
    for line in reversed(body):
        if line.top <= after or len(picked) == max_lines or _is_data_line(line) or _is_heading_or_prose(line, width):
            break
        if picked and picked[-1].top - line.bottom > 2.5 * line.size:
            break
        picked.append(line)
    if len(body) > len(picked) and picked and body[-len(picked) - 1].top > after \
            and not _is_heading_or_prose(body[-len(picked) - 1], width):
        return []  # the run does not start after prose or a heading: not a header left alone
    return picked[::-1]


def shifted_above(lines: list[Line], top: float) -> list[Line]:
    """Copies of `lines` moved to end one line height above `top` (header lines carried over a page
    break to the rows they head; their boxes keep their page, positions are for layout only)."""
    delta = top - 1.0 * lines[-1].size - lines[-1].bottom
    out = []
    for line in lines:
        segments = [Box(s.text, s.page, (s.bbox[0], s.bbox[1] + delta, s.bbox[2], s.bbox[3] + delta))
                    for s in line.segments]
        out.append(Line(line.top + delta, line.bottom + delta, line.size, segments))
    return out
