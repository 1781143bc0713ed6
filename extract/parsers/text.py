"""Plain text (web-page exports, Word-to-text, markdown, crawled portal text) → canonical cells.

One mechanism reads every layout: the labels of ../labels.py are found in the text with whitespace ignored,
and the stretch between one label and the next is read as that row's cells. Tabs, newlines and spaces
between numbers are certain cell boundaries; a run of digits with no separator (crawled text) may hold
several cells and is split by ../digits.py under the table's identities. The text is never rewritten: every
cell keeps its 1-based line number in the decoded text.
"""
from __future__ import annotations

import bisect
import functools
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import digits, label_variants, labels
from ..keys import T2_LAYOUT, T3_COLUMNS, T4_COLUMNS, T4_ROWS, key
from ..labels import Compact, LabelHit
from ..encoding import decode_bytes
from ..ideographs import fold_ideographs
from ..model import Ambiguity, Cell, ExtractionError, Issue, ParsedDocument
from ..numbers import parse_value
from ..options import ExtractOptions
from ..registry import register

# ---------------------------------------------------------------------------------------------- decoding


def decode(data: bytes) -> str:
    """Bytes → text (BOMs, UTF-16 without BOM, strict UTF-8, GB18030, charset-normalizer: see
    ../encoding.py). Newlines are unified to \\n so that line numbers mean the same everywhere; radicals and
    compatibility forms of ideographs are folded (../ideographs.py)."""
    text, _encoding = decode_bytes(data)
    if text.count("\x00") > 0:
        raise ExtractionError("binary", "the file is binary, not text")
    return fold_ideographs(text.replace("\r\n", "\n").replace("\r", "\n"))


# ---------------------------------------------------------------------------------------------- tokens

_UNIT = r"(?:万元|元|笔|件|个|项)"
_TOKEN_RE = re.compile(
    r"(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?P<unit>" + _UNIT + r")?)"
    r"|(?P<decor>:?-{2,}:?|={2,}|\*+|#+|\||\.{3,}|…+)"
    r"|(?P<null>——|—|－|-|/|无)"
)
_SEPARATORS = " \t\n|*#`"
_COUNTER_AFTER_SPACE = re.compile(r" +[件条次人份篇场期]")


@dataclass
class Gap:
    tokens: list[digits.Token]
    junk: bool  # the stretch went on with words after its numbers (narrative, page chrome)
    line_fields: list[str] | None = None  # the cells after the label on its line, in a tab/pipe table
    line_shape: tuple[int, int] | None = None  # (index of the label's field, number of fields of the line)


# Page furniture that PDF-to-text and portal exports leave between table rows; blanked before reading.
_CHROME_RE = re.compile(
    r"第\s*\d+\s*页\s*(?:[,/]?\s*共\s*\d+\s*页)?"
    r"|^[ \t]*[-—][ \t]*\d+[ \t]*[-—][ \t]*$"
    r"|^[ \t]*\d+[ \t]*/[ \t]*\d+[ \t]*$",
    re.MULTILINE,
)


def blank_chrome(folded: str) -> str:
    """Replace page numbers ("第 3 页 共 5 页", "- 3 -") with spaces, keeping every offset."""
    return _CHROME_RE.sub(lambda m: re.sub(r"\S", " ", m.group()), folded)


_LABEL_TAIL_RE = re.compile(r"[ \t]*(?![(（]?[一二三四五六七八九十\d]+[)）.、])[^\d\n\-—/无]{1,30}?(?=[ \t]*\d)")


def _skip_label_tail(folded: str, start: int, end: int) -> int:
    """Where the cells start when the rest of a label the patterns did not cover comes first, as in
    pdftotext layouts ("…重新出具已获取   0  0  0" with "信息" on the next line). A stretch that looks like
    the start of another row ("3.…", "(六)…", "四、…") is never skipped."""
    m = _LABEL_TAIL_RE.match(folded, start, end)
    return m.end() if m else start


# A heading printed straight after a row's last digit, with no separator: it ends the row ("结转下年度继续办理
# 0000000四、政府信息公开…", "行政事业性收费0(二)主动公开…", "…0第二十条…"). Brackets are folded to ASCII.
_HEADING_RE = re.compile(r"[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|第[一二三四五六七八九十百零]{1,4}条")


def _number_token(m: re.Match, offset: int) -> digits.Token:
    raw = m.group("num")
    parsed = parse_value(raw)
    return digits.Token(raw, parsed.value, "," not in raw, False, parsed.unit, offset)


def read_gap(folded: str, start: int, end: int) -> Gap:
    """The cell tokens at the start of folded[start:end]; stops at the first thing that is not a cell.

    Tokens separated by tabs or newlines come from a structured layout (one cell per field or per line):
    there a digit run is one number and is never split. Only a row printed flat (spaces or nothing between
    numbers, as crawled portal text does) may hold glued cells."""
    tokens: list[digits.Token] = []
    junk = False
    i = _skip_label_tail(folded, start, end)
    while i < end:
        ch = folded[i]
        if ch in _SEPARATORS or ch.isspace():
            i += 1
            continue
        m = _TOKEN_RE.match(folded, i, end)
        if not m:
            junk = True
            break
        stop = m.end()
        next_is_signed_cell = m.group("num") and folded[stop:stop + 2][:1] in "-+" and \
            folded[stop + 1:stop + 2].isdigit()  # "2648-18538": a negative 本年增/减 glued on
        if stop < end and not (folded[stop] in _SEPARATORS or folded[stop].isspace() or next_is_signed_cell):
            junk = True  # "2023年", "3条": a number inside a sentence, not a cell
            if m.group("num") and _HEADING_RE.match(folded, stop, end):
                tokens.append(_number_token(m, i))  # "…继续办理0000000四、…": the next heading ends the row
            break
        if m.group("num") and not m.group("unit") and _COUNTER_AFTER_SPACE.match(folded, stop, end):
            junk = True  # "行政复议 17 件": a count in a sentence
            break
        if m.group("num"):
            tokens.append(_number_token(m, i))
        elif m.group("null"):
            tokens.append(digits.Token(m.group("null"), None, False, True, None, i))
        i = stop
    if tokens:
        span = folded[tokens[0].offset:tokens[-1].offset + len(tokens[-1].text)]
        if "\t" in span or "\n" in span or "|" in span:
            tokens = [digits.Token(t.text, t.value, False, t.is_null, t.unit, t.offset) for t in tokens]
    fields, shape = None, None
    line = table_line(folded, start)
    if line is not None and all(t.offset < line[1] for t in tokens):  # the cells are on the label's own line
        line_start, line_end = line
        fields = split_fields(folded[start:line_end])
        if fields is not None:
            fields = fields[1:]  # the first field is what is left of the label's own cell
            whole = split_fields(folded[line_start:line_end]) or []
            shape = (len(whole) - len(fields) - 1, len(whole))
    return Gap(tokens, junk, fields, shape)


MAX_TABLE_LINE = 10_000  # characters: a table row's line is far shorter; a longer one is prose or a crawled run


def table_line(folded: str, offset: int) -> tuple[int, int] | None:
    """(start, end) of the line holding `offset`; None when the line is longer than any table row's line.
    Bounded: a text that is one 40 MB line is never searched end to end for every label in it."""
    low = max(0, offset - MAX_TABLE_LINE)
    start = folded.rfind("\n", low, offset) + 1
    if start == 0 and low > 0:
        return None
    high = min(len(folded), offset + MAX_TABLE_LINE)
    end = folded.find("\n", offset, high)
    if end < 0:
        if high < len(folded):
            return None
        end = len(folded)
    return start, end


def split_fields(line: str) -> list[str] | None:
    """The cells of a line of a tab-separated or markdown pipe table (None for any other line)."""
    if "\t" in line:
        return [f.strip() for f in line.split("\t")]
    if "|" in line:
        return [f.strip() for f in line.split("|")]
    return None


# ---------------------------------------------------------------------------------------------- document


@dataclass
class RowText:
    """A row label and the cell tokens printed after it."""

    hit: LabelHit
    key: str  # canonical row key
    tokens: list[digits.Token]
    junk: bool
    line_fields: list[str] | None = None
    line_shape: tuple[int, int] | None = None


@dataclass
class Reader:
    text: str
    folded: str
    comp: Compact
    hits: list[LabelHit]
    line_starts: Sequence[int]  # offset where each line starts
    issues: list[Issue] = field(default_factory=list)
    cells: dict[str, Cell] = field(default_factory=dict)
    ambiguities: list[Ambiguity] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def gap_after(self, index: int) -> Gap:
        hit = self.hits[index]
        start = self.comp.offsets[hit.end - 1] + 1
        end = self.comp.offsets[self.hits[index + 1].start] if index + 1 < len(self.hits) else len(self.text)
        return read_gap(self.folded, start, end)

    def hit_offset(self, hit: LabelHit) -> int:
        return self.comp.offsets[hit.start]


def parse_text(text: str) -> ParsedDocument:
    """Read 表二, 表三 and 表四 from a decoded text (newlines already unified)."""
    folded = blank_chrome(labels.fold(text, keep_layout=True))
    comp = labels.compact(text)
    scanned = labels.scan(comp.text, limit=labels.MAX_LABEL_HITS)
    hits, variants = label_variants.find_in_text(comp.text, scanned)
    line_starts = array("q", [0])
    line_starts.extend(m.end() for m in re.finditer("\n", text))
    reader = Reader(text, folded, comp, hits, line_starts)
    for hit, variant in variants:
        reader.issues.append(label_variants.variant_issue(variant, line=reader.line_of(reader.hit_offset(hit))))
    if len(scanned) == labels.MAX_LABEL_HITS:
        stop = reader.line_of(reader.hit_offset(scanned[-1]))
        reader.issues.append(Issue("too_many_labels", f"the text holds more than {labels.MAX_LABEL_HITS} table "
                                   f"labels (a report prints a few hundred): only the text up to line {stop} was "
                                   "read", details={"line": stop}))
    regions = _regions(hits)

    t2_range = regions.get(2)
    t2_columns = [h for i, h in enumerate(hits)
                  if h.kind == "column" and h.table == 2 and t2_range and t2_range[0] <= i < t2_range[1]]
    table_rows = [h for i, h in enumerate(hits) if h.is_row and h.table in (2, 3) and _inside(i, regions)]
    template = labels.detect_template(table_rows, t2_columns)
    tables_found = []
    if t2_range and _assemble_t2(reader, _read_rows(reader, t2_range, table=2), template, t2_columns):
        tables_found.append(2)
    t3_rows = _read_rows(reader, regions.get(3), table=3)
    if t3_rows and _assemble_t3(reader, t3_rows, regions[3]):
        tables_found.append(3)
    if regions.get(4) and _assemble_t4(reader, regions[4]):
        tables_found.append(4)
    return ParsedDocument(text=text, cells=reader.cells, template=template if reader.cells else None,
                          issues=reader.issues, tables_found=tuple(tables_found), ambiguities=reader.ambiguities)


@register("txt")
def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument:
    return parse_text(decode(data))


# ---------------------------------------------------------------------------------------------- regions

def _inside(index: int, regions: dict[int, tuple[int, int]]) -> bool:
    return any(lo <= index < hi for lo, hi in regions.values())


def _regions(hits: list[LabelHit]) -> dict[int, tuple[int, int]]:
    """Index ranges [start, end) of the hits that belong to 表二, 表三 and 表四.

    表三 starts at its column headers or its first row (一、本年新收…) and ends after 四、结转下年度继续办理;
    表二 is the stretch before it that starts at "第二十条第（一）项" / "信息内容" / a 表二 column header;
    表四 starts at the first 表四 label after 表三 and ends at the next section heading (五、…).
    Narrative that merely names the sections (an introduction listing them) has none of these anchors
    before the real tables, so it is skipped.
    """
    regions: dict[int, tuple[int, int]] = {}
    n = len(hits)
    # 表三: the first 一、本年新收 row followed by other 表三 rows decides where the table is.
    t3_rows = [i for i, h in enumerate(hits) if h.table == 3 and h.is_row]
    if t3_rows:
        first_new = _table3_start(hits, t3_rows)
        # include the header block (勾稽 note, 申请人情况, column names) that precedes the first row
        j = first_new - 1
        while j >= 0 and hits[j].table == 3 and hits[j].kind in ("column", "marker", "heading"):
            j -= 1
        t3_start = j + 1
        end = first_new
        for i in range(first_new, n):
            h = hits[i]
            if h.kind == "end" or h.table == 4 or (h.table == 2 and h.kind in ("heading", "marker")):
                break
            end = i + 1
            if h.key == "carried_forward":
                break
        regions[3] = (t3_start, end)
    else:
        t3_start = end = n
    # 表二: anchors before 表三
    t2_anchor = next((i for i in range(t3_start) if hits[i].table == 2 and hits[i].kind in ("marker", "column")),
                     None)
    if t2_anchor is None:
        t2_anchor = next((i for i in range(t3_start) if hits[i].key == "t2_heading"), None)
        if t2_anchor is not None:
            # only the last heading before 表三 (an introduction may name the section earlier)
            t2_anchor = max(i for i in range(t3_start) if hits[i].key == "t2_heading")
    if t2_anchor is not None:
        t2_end = t3_start
        for i in range(t2_anchor, t3_start):
            if hits[i].table in (3, 4) and hits[i].kind in ("heading", "marker") or hits[i].kind == "end":
                t2_end = i
                break
        regions[2] = (t2_anchor, t2_end)
    # 表四: after 表三
    t4_from = end if t3_rows else (regions[2][1] if 2 in regions else 0)
    t4_start = next((i for i in range(t4_from, n) if hits[i].table == 4), None)
    if t4_start is not None:
        t4_end = next((i for i in range(t4_start, n) if hits[i].kind == "end"), n)
        regions[4] = (t4_start, t4_end)
    return regions


# ---------------------------------------------------------------------------------------------- rows


def _table3_start(hits: list[LabelHit], t3_rows: list[int]) -> int:
    """The 一、本年新收 row that opens the table: the first one followed closely by more 表三 rows (a sentence
    in the narrative may use the same words)."""
    for i in t3_rows:
        if hits[i].key == "new_received":
            following = [h.key for h in hits[i + 1:i + 8] if h.table == 3 and h.is_row]
            if {"carried_over", "granted", "partially_granted"} & set(following):
                return i
    return t3_rows[0]


def _read_rows(reader: Reader, region: tuple[int, int] | None, table: int) -> list[RowText]:
    """Row labels of `table` inside `region` and the tokens after each, with 表三's context rules."""
    if not region:
        return []
    rows: list[RowText] = []
    hits = reader.hits
    previous_row: str | None = None
    for i in range(*region):
        hit = hits[i]
        if table == 3 and hit.kind == "column" and hit.key == "other_org" \
                and previous_row in ("other_no_correction", "other_unpaid_fee"):
            row_key = "other_misc"  # "其他" without its number, inside (六)其他处理
        elif hit.table != table or not hit.is_row:
            continue
        else:
            row_key = hit.key
        gap = reader.gap_after(i)
        if hit.kind == "row_or_group":
            following = hits[i + 1] if i + 1 < len(hits) else None
            opens_subrows = following is not None and following.table == 3 and following.group == "other" \
                and following.kind == "row" and not gap.tokens
            if opens_subrows:
                continue
        rows.append(RowText(hit, row_key, gap.tokens, gap.junk, gap.line_fields, gap.line_shape))
        previous_row = row_key
    return _dedupe(reader, rows, table)


def _dedupe(reader: Reader, rows: list[RowText], table: int) -> list[RowText]:
    """A label can repeat (a header repeated after a page break, a label in a note): keep the printing
    with cells; report a second printing with different cells."""
    chosen: dict[str, RowText] = {}
    for row in rows:
        kept = chosen.get(row.key)
        if kept is None or (not kept.tokens and row.tokens):
            chosen[row.key] = row
        elif row.tokens and [t.text for t in row.tokens] != [t.text for t in kept.tokens]:
            reader.issues.append(Issue(
                "row_repeated", f"row {row.key} is printed twice with different cells; the first is kept",
                severity="error", key=row.key,
                details={"first": [t.text for t in kept.tokens], "second": [t.text for t in row.tokens],
                         "line": reader.line_of(row.tokens[0].offset), "keys": [f"t{table}.{row.key}"]},
            ))
    order = {id(r): n for n, r in enumerate(rows)}
    return sorted(chosen.values(), key=lambda r: order[id(r)])


def _row_reading(reader: Reader, keys: tuple[str, ...], row: RowText | None, label: str,
                 tokens: list[digits.Token] | None = None, fields: list[str] | None = None,
                 layout: dict[tuple[int, int], int] | None = None, group_size: int | None = None
                 ) -> digits.RowReading | None:
    tokens = row.tokens if row is not None else tokens or []
    fields = row.line_fields if row is not None else fields
    if not tokens:
        if row is not None and row.junk:
            reader.issues.append(Issue(
                "row_unreadable", f"{label}: the label is followed by text, not by its cells", key=keys[0],
                details={"line": reader.line_of(reader.hit_offset(row.hit))}))
            return None
        if row is not None and fields is None:
            # Not even a blank mark (—, /, 无) or an empty table field: the label runs straight into the next
            # one. Printed that way, blank cells cannot be told from cells that were lost (a deleted line).
            reader.issues.append(Issue(
                "cells_not_printed", f"{label}: nothing is printed after the label, not even a blank mark: its "
                                     "cells are read as blank but may have been lost", key=keys[0],
                details={"line": reader.line_of(reader.hit_offset(row.hit))}))
        return digits.RowReading(keys, [tuple(None for _ in keys)])
    readings = None
    if fields is not None:
        windows = field_windows(fields, len(keys))
        if windows and len(windows) > 1 and row is not None and layout and row.line_shape in layout:
            learnt = [reading for start, reading in windows if start == layout[row.line_shape]]
            windows = [(0, learnt[0])] if learnt else windows
        readings = [reading for _, reading in windows] if windows else None
    pruned = False
    if readings is None:
        try:
            readings, pruned = digits.splits_checked(tokens, len(keys), group_size, digits.total_is_sum)
            if not readings and pruned:  # the printed totals do not add up under any split: keep them all
                readings = digits.splits(tokens, len(keys))
                pruned = len(readings) > 1  # one reading by syntax is certain, whatever it sums to
            if not readings and all(t.splittable or t.is_null for t in tokens):
                # too few digits for the row: blank cells printed nothing (placed by the identities)
                readings = digits.splits_with_blanks(tokens, len(keys), group_size, digits.total_is_sum) \
                    or digits.splits_with_blanks(tokens, len(keys))
                pruned = len(readings) > 1
        except digits.TooManyReadings as exc:
            reader.issues.append(Issue("row_unreadable", f"{label}: {exc}", key=keys[0],
                                       details={"line": reader.line_of(tokens[0].offset)}))
            return None
    if not readings:
        reader.issues.append(Issue(
            "row_unreadable",
            f"{label}: {len(tokens)} printed values {[t.text for t in tokens]} cannot be read as "
            f"{len(keys)} cells",
            key=keys[0], details={"tokens": [t.text for t in tokens], "cells": len(keys),
                                  "line": reader.line_of(tokens[0].offset)},
        ))
        return None
    return digits.RowReading(keys, readings, certain=len(readings) == 1 and not pruned)


def field_windows(fields: list[str], cells: int) -> list[tuple[int, tuple]] | None:
    """Readings of a row printed as table fields (tabs, pipes), where a blank field is a blank cell: (index
    of the first cell among `fields`, reading) of every window that can be the row.

    Exporters leave the merged label columns as empty fields before the cells, or pad rows with empty
    fields after them, so the `cells` consecutive fields holding every printed value are the row; when
    more than one such window exists (blank cells at an edge) every window is a candidate reading, for the
    table's layout or the identities to decide. None when the fields are not all values (then the row is
    read as tokens)."""
    parsed = [parse_value(f) for f in fields]
    if any(not p.ok for p in parsed):
        return None
    printed = [i for i, f in enumerate(fields) if f]
    if not printed:
        return None
    pad = max(0, cells - len(fields))  # fields lost at the edges: a blank cell may be missing either side
    blank = parse_value("")
    parsed = [blank] * pad + parsed + [blank] * pad
    printed = [i + pad for i in printed]
    windows: list[tuple[int, tuple]] = []
    for start in range(0, len(parsed) - cells + 1):
        if start <= printed[0] and printed[-1] < start + cells:
            reading = tuple(p.value for p in parsed[start:start + cells])
            if reading not in [r for _, r in windows]:
                windows.append((start - pad, reading))
    return windows or None


def learn_layout(rows: list[RowText], cells_of) -> dict[tuple[int, int], int]:
    """Where the cells start in lines of a given shape, learnt from the rows of the same table whose
    position is certain (every cell printed): an exporter prints every row of one shape the same way."""
    seen: dict[tuple[int, int], set[int]] = {}
    for row in rows:
        cells = cells_of(row)
        if row.line_fields is None or row.line_shape is None or cells is None:
            continue
        windows = field_windows(row.line_fields, cells)
        if windows and len(windows) == 1:
            seen.setdefault(row.line_shape, set()).add(windows[0][0])
    return {shape: next(iter(starts)) for shape, starts in seen.items() if len(starts) == 1}


def _cell_sources(tokens: list[digits.Token], values: tuple) -> list[tuple[str, int | None, str | None]]:
    """For each cell value, the raw text and offset it came from (a glued run shares one offset)."""
    sources: list[tuple[str, int | None, str | None]] = []
    if not tokens:
        return [("", None, None) for _ in values]
    if len(tokens) == len(values):
        return [(t.text, t.offset, t.unit) for t in tokens]
    if not any(t.splittable for t in tokens):  # blanks placed by tab position: they have no token
        queue = list(tokens)
        for value in values:
            if queue and (value is not None or queue[0].is_null):
                token = queue.pop(0)
                sources.append((token.text, token.offset, token.unit))
            else:
                sources.append(("", None, None))
        return sources
    remaining = list(values)
    for token in tokens:
        while remaining and remaining[0] is None and not token.is_null:
            sources.append(("", None, None))  # a blank cell that printed nothing before this token
            remaining.pop(0)
        if not token.splittable:
            sources.append((token.text, token.offset, token.unit))
            if remaining:
                remaining.pop(0)
            continue
        consumed, pos = 0, 0
        body = token.text.lstrip("+-")
        while remaining and consumed < len(body):
            value = remaining.pop(0)
            if value is None:  # a blank cell that printed nothing inside the run
                sources.append(("", None, None))
                continue
            piece = str(abs(value)) if isinstance(value, int) else str(value).lstrip("-")
            last = consumed + len(piece) >= len(body) or not remaining
            sources.append((piece if not last else token.text[token.text.find(body) + consumed:],
                            token.offset + pos, token.unit if last else None))
            pos += len(piece)
            consumed += len(piece)
    while len(sources) < len(values):
        sources.append(("", None, None))
    return sources


def _cells(reader: Reader, keys: tuple[str, ...], values: tuple, tokens: list[digits.Token],
           units: tuple[str | None, ...] = (), row_line: int | None = None) -> dict[str, Cell]:
    """The cells of one reading of a row, each with the raw text and line it was read from; `units` (per
    key) are the units the header or the label printed, for cells that do not print their own."""
    cells = {}
    units = units or (None,) * len(keys)
    for cell_key, value, (raw, offset, unit), printed_unit in zip(keys, values, _cell_sources(tokens, values),
                                                                  units):
        line = reader.line_of(offset) if offset is not None else row_line
        cells[cell_key] = Cell(value=value, raw=raw, line=line, unit=unit or printed_unit)
    return cells


def _store(reader: Reader, resolution: digits.Resolution, table: int, keys: tuple[str, ...],
           cells_of) -> None:
    """Store a row's cells as resolved; a row the identities left open is stored provisionally, flagged, and
    kept as an Ambiguity for the evidence the rest of the report may give (../evidence.py)."""
    values = tuple(resolution.values[k] for k in keys)
    reader.cells.update(cells_of(values))
    for item in resolution.unresolved:
        if tuple(item["keys"]) != keys:
            continue
        issue = ambiguity_issue(table, item)
        reader.issues.append(issue)
        reader.ambiguities.append(Ambiguity(keys, resolution.candidates[keys], issue, cells_of))


def ambiguity_issue(table: int, item: dict) -> Issue:
    return Issue(
        "ambiguous_split",
        f"表{'二三四'[table - 2]} {item['keys'][0].rsplit('.', 1)[0]}: the printed digits were split "
        f"without certainty ({item['reason']}; {item['n_alternatives']} candidate reading(s)); the first "
        f"is shown provisionally",
        key=item["keys"][0], details=item,
    )


def _t2_cells(row_key: str, template: str) -> tuple[str, ...] | None:
    for layout_row, columns in T2_LAYOUT[template]:
        if layout_row == row_key:
            return columns
    return None


def _assemble_t2(reader: Reader, rows: list[RowText], template: str, column_hits: list[LabelHit]) -> bool:
    header_unit = {h.key: h.unit for h in column_hits if h.unit}
    readings: list[tuple[digits.RowReading, RowText]] = []
    layout = learn_layout(rows, lambda row: len(_t2_cells(row.key, template) or ()) or None)
    for row in rows:
        columns = _t2_cells(row.key, template)
        if columns is None:
            reader.issues.append(Issue("row_not_in_template",
                                       f"表二 row {row.key} is not part of the {template} template", key=row.key))
            continue
        keys = tuple(key(2, row.key, c) for c in columns)
        reading = _row_reading(reader, keys, row, f"表二 {row.key}", layout=layout)
        if reading is not None:
            readings.append((reading, row))
    for reading, row in readings:
        resolution = digits.resolve([reading], {})
        units = tuple(header_unit.get(k.rsplit(".", 1)[1]) or (row.hit.unit if k.endswith("_amount") else None)
                      for k in reading.keys)
        row_line = reader.line_of(reader.hit_offset(row.hit))
        _store(reader, resolution, 2, reading.keys,
               functools.partial(_cells, reader, reading.keys, tokens=row.tokens, units=units, row_line=row_line))
    return bool(readings)


def header_starts(reader: Reader, region: tuple[int, int], columns: tuple[str, ...]) -> dict[int, int]:
    """Where the first cell sits in the table's lines, by field count, read from the column headers printed
    as table fields (markdown pipes, tabs) before the table's first row: a line with as many fields as the
    header line has its cells under the header's column names. Only when at least two header names agree."""
    starts: dict[int, set[int]] = {}
    named: dict[int, int] = {}
    for i in range(*region):
        hit = reader.hits[i]
        if hit.is_row:
            break
        if hit.kind != "column" or hit.key not in columns:
            continue
        offset = reader.hit_offset(hit)
        bounds = table_line(reader.folded, offset)
        if bounds is None:
            continue
        line_start, line_end = bounds
        line = reader.folded[line_start:line_end]
        whole = split_fields(line)
        if whole is None:
            continue
        separator = "\t" if "\t" in line else "|"
        position = reader.folded[line_start:offset].count(separator)
        starts.setdefault(len(whole), set()).add(position - columns.index(hit.key))
        named[len(whole)] = named.get(len(whole), 0) + 1
    return {n: next(iter(s)) for n, s in starts.items() if len(s) == 1 and named[n] >= 2}


def header_layout(rows: list[RowText], starts: dict[int, int],
                  learnt: dict[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """The learnt layout completed by the header's column positions (a shape where the two disagree is left
    out: its position is not certain)."""
    layout = dict(learnt)
    for row in rows:
        if row.line_shape is None or row.line_shape[1] not in starts:
            continue
        label_fields, total_fields = row.line_shape
        start = starts[total_fields] - label_fields - 1
        if start < 0:
            continue
        if learnt.get(row.line_shape, start) != start:
            layout.pop(row.line_shape, None)
        else:
            layout[row.line_shape] = start
    return layout


def _assemble_t3(reader: Reader, rows: list[RowText], region: tuple[int, int]) -> bool:
    readings: list[tuple[digits.RowReading, RowText]] = []
    layout = header_layout(rows, header_starts(reader, region, T3_COLUMNS),
                           learn_layout(rows, lambda row: len(T3_COLUMNS)))
    for row in rows:
        keys = tuple(key(3, row.key, c) for c in T3_COLUMNS)
        reading = _row_reading(reader, keys, row, f"表三 {row.key}", layout=layout, group_size=len(T3_COLUMNS))
        if reading is not None:
            readings.append((reading, row))
    if not readings:
        return False
    resolution = digits.resolve_table3([r for r, _ in readings])
    for reading, row in readings:
        row_line = reader.line_of(reader.hit_offset(row.hit))
        _store(reader, resolution, 3, reading.keys,
               functools.partial(_cells, reader, reading.keys, tokens=row.tokens, row_line=row_line))
    return True


def _assemble_t4(reader: Reader, region: tuple[int, int]) -> bool:
    """表四's 15 numbers: every cell token after its first label, in printed order (复议 ×5, 直接起诉 ×5,
    复议后起诉 ×5), however the header was spread over lines."""
    tokens: list[digits.Token] = []
    for i in range(*region):
        gap = reader.gap_after(i)
        tokens.extend(gap.tokens)
    if not tokens:
        return False
    keys = tuple(key(4, r, c) for r in T4_ROWS for c in T4_COLUMNS)
    line = table_line(reader.folded, tokens[0].offset)
    fields = split_fields(reader.folded[line[0]:line[1]]) if line is not None and tokens[-1].offset < line[1] \
        else None
    reading = _row_reading(reader, keys, None, "表四", tokens, fields, group_size=len(T4_COLUMNS))
    if reading is None:
        return False
    resolution = digits.resolve([reading], {})
    _store(reader, resolution, 4, keys, functools.partial(_cells, reader, keys, tokens=tokens))
    return True
