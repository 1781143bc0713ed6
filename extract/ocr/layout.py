"""Where the text is on a straightened page image: ruling lines and the ruled tables they draw, and the
pieces of ink that form one line of text each (in a table cell, or outside the tables).

Pure image geometry (numpy/OpenCV), in frame pixels; nothing here reads text.

- Ruling lines: the ink mask opened with a long thin kernel (horizontal ~0.4 in, vertical a little taller
  than the page's text), kept when they meet another rule at an end (or, for vertical ones, run at least
  twice the text height from one): a stroke of a character or a dash in a cell meets no rule.
- Tables: groups of connected rules with at least two of each direction; their grid and merged cells are
  rebuilt by the PDF parser's own `pdf_layout.ruled_table` from the rules as edges.
- Text pieces: rows of ink (a row profile), split at wide gaps into segments, each segment split into its
  own lines again (a label wrapped beside a one-line number). A row whose ink is thinner than half the text
  height (the strokes of 一, 二, 三 printed alone, as in vertical text) joins its neighbour when the two
  together are no taller than one line of text.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TALLEST_TEXT_INCHES = 0.25  # no character of a report is taller (18 pt): taller ink is a rule
RULE_BLUR_INCHES = 0.01  # how far a scanned rule's grey edges reach beyond its dark core
RULE_MIN_INCHES = 0.4  # horizontal rules are at least this long; a dash in a cell is shorter
SPECK_MAX_AREA_AT_200_DPI = 6  # ink blobs this small (pixels at 200 dpi) are scanner noise
SEGMENT_GAP = 0.6  # text heights: a wider gap between inks of one row separates two cells or phrases
ROW_GAP = 0.1  # text heights: rows of ink closer than this are parts of one character
THIN_ROW = 0.55  # text heights: a row of ink thinner than this is a stroke that may belong to its neighbour
ONE_LINE = 1.3  # text heights: two rows that together are no taller than this are one line of text
CELL_GAP = 1.5  # text heights: a wider gap inside a table cell sets a speck apart from the cell's text
NOISE = 0.2  # text heights: a piece of ink smaller than this both ways is a speck (a hyphen is 0.3)
MAX_CUTS = 12  # nesting of row and column cuts (a page needs four or five)


@dataclass(frozen=True)
class Rule:
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive

    @property
    def horizontal(self) -> bool:
        return self.x1 - self.x0 >= self.y1 - self.y0


@dataclass(frozen=True)
class InkLine:
    """Pixel box of one line of ink, and the row of ink (top, bottom) of the line it was cut from."""

    x0: int
    y0: int
    x1: int
    y1: int
    line_top: int
    line_bottom: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)

    def shifted(self, dx: int, dy: int) -> "InkLine":
        return InkLine(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy, self.line_top + dy,
                       self.line_bottom + dy)


@dataclass
class PageInk:
    """The ink of a page with rules and specks taken out, and the rules themselves."""

    text: np.ndarray  # uint8 mask, 255 = ink of text
    clean: np.ndarray  # the grey image with rules and specks painted white (what the recogniser sees)
    rules: list[Rule]
    rule_mask: np.ndarray  # uint8 mask of the accepted rules
    text_height: float  # typical height of a line of text, pixels


def analyse(grey: np.ndarray, dpi: float, lifted: np.ndarray | None = None) -> PageInk:
    import cv2

    from .raster import ink_mask

    mask = ink_mask(grey)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    speck_area = max(1, round(SPECK_MAX_AREA_AT_200_DPI * (dpi / 200.0) ** 2))
    specks = np.isin(labels, np.nonzero(stats[:, cv2.CC_STAT_AREA] <= speck_area)[0][1:]) if count > 1 \
        else np.zeros_like(mask, dtype=bool)
    mask[specks] = 0
    # rules are looked for in the lifted copy too: where a stamp covers a rule, JPEG's smeared colour makes the
    # rule's pixels coloured and light enough to be dropped with the stamp, and a lost rule merges two rows
    rule_ink = mask if lifted is None else np.maximum(mask, np.where(specks, 0, ink_mask(lifted)).astype(np.uint8))
    long_h = _open(rule_ink, (max(3, int(RULE_MIN_INCHES * dpi)), 1))
    taller_than_text = _open(mask, (1, max(3, int(TALLEST_TEXT_INCHES * dpi))))
    text_height = _typical_text_height(np.where((long_h > 0) | (taller_than_text > 0), 0, mask), dpi)
    long_v = _open(rule_ink, (1, max(3, int(1.5 * text_height))))
    rules = _accepted_rules(_segments(long_h, True), _segments(long_v, False), text_height, dpi)
    rule_mask = np.zeros_like(mask)
    for r in rules:
        rule_mask[r.y0:r.y1, r.x0:r.x1] = 255
    # every long horizontal line goes, table rule or not (underlines, a three-line table's rules)
    reach = 2 * max(1, round(RULE_BLUR_INCHES * dpi)) + 1  # a rule's blurred edges go with it
    erase = cv2.dilate(np.maximum(rule_mask, long_h), np.ones((reach, reach), np.uint8)) > 0
    text = mask.copy()
    text[erase] = 0
    clean = grey.copy()
    clean[erase | specks] = 255
    return PageInk(text, clean, rules, rule_mask, text_height)


def _open(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))


def _segments(lines: np.ndarray, horizontal: bool) -> list[Rule]:
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    out = []
    for x, y, w, h, _area in stats[1:count]:
        out.append(Rule(int(x), int(y), int(x + w), int(y + h)))
    return [r for r in out if r.horizontal == horizontal]


def _typical_text_height(mask: np.ndarray, dpi: float) -> float:
    """The usual height of a line of text: rows of ink measured in strips half an inch wide (over the
    whole width, rows of neighbouring cells or a label beside a number overlap and look taller), the
    heights between 3 and 22 points kept, the upper middle taken (digits are shorter than ideographs)."""
    strip = max(8, int(0.5 * dpi))
    heights: list[int] = []
    for left in range(0, mask.shape[1], strip):
        heights += [b - a for a, b in _runs(mask[:, left:left + strip].any(axis=1))]
    heights = [h for h in heights if 0.04 * dpi <= h <= 0.3 * dpi]
    return float(np.percentile(heights, 60)) if heights else 0.14 * dpi


def _accepted_rules(horizontal: list[Rule], vertical: list[Rule], text_height: float, dpi: float) -> list[Rule]:
    """Rules that belong to a table: each meets a rule of the other direction at one of its ends (or
    crosses two); a vertical one touching only one end must also be clearly taller than the text."""
    tol = max(3, int(0.03 * dpi))

    def meets(end_x: int, end_y: int, others: list[Rule]) -> bool:
        return any(o.x0 - tol <= end_x <= o.x1 + tol and o.y0 - tol <= end_y <= o.y1 + tol for o in others)

    def crossings(rule: Rule, others: list[Rule]) -> int:
        cy = (rule.y0 + rule.y1) // 2
        return sum(1 for o in others if rule.x0 - tol <= (o.x0 + o.x1) // 2 <= rule.x1 + tol
                   and o.y0 - tol <= cy <= o.y1 + tol)

    accepted_v = []
    for v in vertical:
        cx = (v.x0 + v.x1) // 2
        ends = meets(cx, v.y0, horizontal) + meets(cx, v.y1 - 1, horizontal)
        if ends == 2 or (ends == 1 and v.y1 - v.y0 >= 2 * text_height):
            accepted_v.append(v)
    accepted_h = []
    for h in horizontal:
        cy = (h.y0 + h.y1) // 2
        if meets(h.x0, cy, accepted_v) or meets(h.x1 - 1, cy, accepted_v) or crossings(h, accepted_v) >= 2:
            accepted_h.append(h)
    # a vertical rule whose horizontal partners were all rejected is not a table's either
    accepted_v = [v for v in accepted_v
                  if meets((v.x0 + v.x1) // 2, v.y0, accepted_h) or meets((v.x0 + v.x1) // 2, v.y1 - 1, accepted_h)]
    return accepted_h + accepted_v


def table_regions(ink: PageInk, dpi: float) -> list[tuple[list[Rule], tuple[int, int, int, int]]]:
    """(rules, pixel bbox) of each group of connected rules with at least two of each direction."""
    import cv2

    if not ink.rules:
        return []
    tol = max(3, int(0.03 * dpi))
    joined = cv2.dilate(ink.rule_mask, np.ones((2 * tol + 1, 2 * tol + 1), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    groups: dict[int, list[Rule]] = {}
    for rule in ink.rules:
        label = int(labels[(rule.y0 + rule.y1) // 2, (rule.x0 + rule.x1) // 2])
        groups.setdefault(label, []).append(rule)
    regions = []
    for label, rules in groups.items():
        if label == 0:
            continue
        if sum(r.horizontal for r in rules) < 2 or sum(not r.horizontal for r in rules) < 2:
            continue
        x, y, w, h = stats[label, :4]
        regions.append((rules, (int(x + tol), int(y + tol), int(x + w - tol), int(y + h - tol))))
    regions.sort(key=lambda item: item[1][1])
    return regions


# ------------------------------------------------------------------------------------------- text pieces


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every run of True."""
    padded = np.concatenate(([False], flags, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def text_rows(mask: np.ndarray, text_height: float) -> list[tuple[int, int]]:
    """Rows of ink of a region, [top, bottom): rows closer than ROW_GAP joined, then thin rows joined to a
    neighbour they share a line with."""
    rows: list[list[int]] = []
    for a, b in _runs(mask.any(axis=1)):
        if rows and a - rows[-1][1] < ROW_GAP * text_height:  # 息: 自 over 心, a pixel or two apart
            rows[-1][1] = b
        else:
            rows.append([a, b])
    changed = True
    while changed and len(rows) > 1:
        changed = False
        for k, (top, bottom) in enumerate(rows):
            if bottom - top >= THIN_ROW * text_height:
                continue
            candidates = []
            if k > 0:
                candidates.append((bottom - rows[k - 1][0], k - 1))
            if k + 1 < len(rows):
                candidates.append((rows[k + 1][1] - top, k + 1))
            span, other = min(candidates)
            if span <= ONE_LINE * text_height:
                first, second = sorted((k, other))
                rows[first] = [rows[first][0], rows[second][1]]
                del rows[second]
                changed = True
                break
    return [(a, b) for a, b in rows]


def row_segments(mask: np.ndarray, text_height: float, gap: float = SEGMENT_GAP) -> list[tuple[int, int]]:
    """Columns of ink of one row, [left, right), split at gaps wider than `gap` text heights."""
    runs = _runs(mask.any(axis=0))
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] <= gap * text_height:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def pieces(mask: np.ndarray, text_height: float, gap: float = SEGMENT_GAP) -> list[InkLine]:
    """The one-line pieces of ink of a region: cut into rows, each row into segments at gaps wider than
    `gap` text heights, and each part again until nothing splits (rows of a borderless table are bridged
    by a label printed across two of them, so one cut of the whole page is not enough). Each piece keeps
    the row of ink it was cut from (a "一、" cut from "一、本年新收..." is read against the height of its
    line). A piece smaller than NOISE text heights both ways is a speck."""
    out: list[InkLine] = []
    least = NOISE * text_height
    pending: list[tuple[int, int, np.ndarray, int, tuple[int, int] | None]] = [(0, 0, mask, 0, None)]
    while pending:
        left, top, region, depth, line = pending.pop()
        rows = text_rows(region, text_height)
        parts: list[tuple[int, int, np.ndarray, tuple[int, int] | None]] = []
        if len(rows) > 1:
            parts = [(left, top + a, region[a:b], None) for a, b in rows]
        elif rows:
            a, b = rows[0]
            band = region[a:b]
            line = line or (top + a, top + b)
            segments = row_segments(band, text_height, gap)
            if len(segments) > 1:
                parts = [(left + x0, top + a, band[:, x0:x1], line) for x0, x1 in segments]
            elif segments:
                x0, x1 = segments[0]
                if x1 - x0 >= least or b - a >= least:
                    out.append(InkLine(left + x0, top + a, left + x1, top + b, *line))
        if depth < MAX_CUTS:
            pending.extend((x, y, part, depth + 1, context) for x, y, part, context in reversed(parts))
        else:
            out.extend(InkLine(x, y, x + part.shape[1], y + part.shape[0], y, y + part.shape[0])
                       for x, y, part, _ in parts)
    return out


def _extent(flags: np.ndarray) -> tuple[int, int]:
    nonzero = np.flatnonzero(flags)
    if not len(nonzero):
        return (0, 0)
    return int(nonzero[0]), int(nonzero[-1]) + 1
