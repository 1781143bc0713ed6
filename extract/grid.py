"""Shared interpreter of tables read as grids (HTML, DOCX, PDF): find 表二/表三/表四 and map cells to keys.

A format parser turns each table of a document into a `GridTable` AFTER expanding merged cells: every grid
position holds a `GridCell`; a position covered by a merged cell (rowspan/colspan, gridSpan/vMerge) holds a
copy of the merged cell's text with `origin` set to the (row, col) where the cell was printed.

How the tables are read, row by row, over all tables in document order (so that a table split in two, its
header repeated or not, reads as one):
- a row splits into label cells (text up to the last text cell before the first number) and value slots
  (the cells after them; positions of one merged cell in the row are one slot); a text cell among the
  numbers is a slot that is not a number (an `error`);
- a row without slots is a header row: its texts are matched as column headers (labels.match_column) and
  group labels (labels.match_row); consecutive header rows form the header block of the rows below;
- a row with slots is a data row: its row is the one labels.match_row names (the last label cell first,
  with the previously matched row as context, then all label cells together); a row of 15 numbers under
  a 表四 header (or right after 表三) is 表四; a group heading printed with numbers is a subtotal (`info`);
- slots map to columns in the template's printed order when there are as many as the row needs (unless the
  header block prints the same columns in another order), else by the header above each slot (表二 first
  by header, since its columns change from section to section); a row that fits neither is an `error` and
  gives no cells; an unmatched row of numbers in a table that has template rows is an `error`.
A value slot covered by a cell merged down from an earlier row is null: the number was printed once, for
the first row of the merge. `error` issues make the document's status needs_review; nothing is guessed.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field

from . import label_variants, labels, model
from .keys import T2_LAYOUT, T3_COLUMNS, T4_COLUMNS, T4_ROWS, template_keys
from .numbers import parse_value


@dataclass
class GridCell:
    text: str
    cell: model.Cell  # provenance (table_index/row_index/col_index or page/bbox); value is filled by grid
    origin: tuple[int, int] | None = None  # (row, col) of the merged cell covering this position, if any

    @property
    def is_copy(self) -> bool:
        return self.origin is not None


GridTable = list[list[GridCell]]

# labels' matchers are pure; headers are looked up once per data row, so remember their answers
_match_column = functools.lru_cache(maxsize=8192)(labels.match_column)
_match_row = functools.lru_cache(maxsize=8192)(labels.match_row)

_SPACES_RE = re.compile(r"[ \t\r\f\v\xa0\u3000\u2002\u2003\u2009\u200b\ufeff]+")


def clean_cell_text(text: str) -> str:
    """Collapse the whitespace of a cell (nbsp, ideographic spaces, line breaks) to single spaces."""
    lines = (_SPACES_RE.sub(" ", line).strip() for line in text.splitlines())
    return " ".join(line for line in lines if line)


@dataclass
class _Slot:
    cells: list[GridCell]
    col: int  # grid column of the slot's first position
    covered: bool  # printed in an earlier row (a rowspan over value cells)

    @property
    def text(self) -> str:
        return self.cells[0].text.strip()


@dataclass
class _Row:
    table: int  # position of the table in the list given to parse_tables (issues' details say "table")
    index: int
    cells: list[GridCell]
    labels: list[str]
    slots: list[_Slot]


def split_row(cells: list[GridCell], r: int, table: int = 0) -> _Row:
    """Label cells (up to the rightmost non-numeric text) and value slots (merged positions collapsed)."""
    origins = [g.origin or (r, c) for c, g in enumerate(cells)]
    kinds = [_kind(g.text) for g in cells]
    first_number = kinds.index("number") if "number" in kinds else len(cells)
    # the label part ends at the last text cell before the first number: text further right is a value
    # cell that is not a number (reported), not part of the label
    last_label = max((c for c in range(first_number) if kinds[c] == "text"), default=-1)
    texts: list[str] = []
    seen: set[tuple[int, int]] = set()
    for c in range(last_label + 1):
        if origins[c] not in seen and cells[c].text.strip():
            texts.append(cells[c].text.strip())
        seen.add(origins[c])
    slots: list[_Slot] = []
    for c in range(last_label + 1, len(cells)):
        if slots and origins[c] == origins[c - 1]:
            slots[-1].cells.append(cells[c])
            continue
        slots.append(_Slot([cells[c]], c, covered=origins[c][0] != r))
    return _Row(table, r, cells, texts, slots)


_SUBROW_NUMBER_RE = re.compile(r"^(?:\d{1,2}[.、]|[(（]\d{1,2}[)）])$")


def _kind(text: str) -> str:
    """"blank", "number" (a number or a printed null mark) or "text" (a label or a non-number)."""
    text = text.strip()
    if not text:
        return "blank"
    if _SUBROW_NUMBER_RE.match(text):
        return "text"  # "1." printed in a cell of its own is the number of a sub-row label
    return "number" if parse_value(text).ok else "text"


@dataclass
class _Header:
    """The header rows above the current data rows: column keys by grid column, 表四 row keys by column."""

    rows: list[_Row] = field(default_factory=list)

    def column_at(self, col: int, table: int) -> labels.ColumnMatch | None:
        found = None
        for row in self.rows:
            if col < len(row.cells):
                match = _match_column(row.cells[col].text, table)
                if match is not None and match.column is not None and match.table == table:
                    found = match
        return found

    def tables(self) -> set[int]:
        out = set()
        for row in self.rows:
            for g in row.cells:
                column = _match_column(g.text)
                if column is not None and column.column is not None and len(column.tables) == 1:
                    out.add(column.table)
                match = _match_row(g.text)
                if match is not None and match.table == 4:
                    out.add(4)
        return out


class _Interpreter:
    def __init__(self) -> None:
        self.cells: dict[str, model.Cell] = {}
        self.issues: list[model.Issue] = []
        self.row_matches: list[labels.RowMatch] = []
        self.column_matches: list[labels.ColumnMatch] = []
        self.t2_templates: list[str] = []
        self.context: labels.RowMatch | None = None
        self.header = _Header()
        self.after_data = True
        self.previous_row: tuple[int, str] | None = None  # (table, row) of the last data row read
        self.rows_read: dict[int, set[str]] = {}
        self.printed_rows: set[tuple[int, str]] = set()  # rows the labels name anywhere in the document
        self.following: dict[int, labels.RowMatch | None] = {}  # unmatched data row -> the next matched row

    # -- driving ---------------------------------------------------------------------------------------
    def read(self, tables: list[GridTable]) -> None:
        split = [[split_row(cells, r, t) for r, cells in enumerate(table)] for t, table in enumerate(tables)]
        data_rows = [row for rows in split for row in rows if row.slots and row.labels]
        plain = [self._plain_match(row) for row in data_rows]
        self.printed_rows = {(m.table, m.row) for m in plain if m is not None}
        following: labels.RowMatch | None = None
        for row, match in zip(reversed(data_rows), reversed(plain)):
            self.following[id(row)] = following
            following = match if match is not None else following
        for t, rows in enumerate(split):
            self.header = _Header()  # header columns are positions in their own table's grid
            self.after_data = False
            unmapped: list[_Row] = []
            mapped = 0
            for row in rows:
                if not row.labels and not any(s.text for s in row.slots):
                    continue  # an empty row (Word's spacer row of zero-width cells): neither header nor data
                if not row.slots:
                    self._header_row(row)
                    continue
                self.after_data = True
                outcome = self._data_row(row)
                if outcome is None:
                    unmapped.append(row)
                else:
                    mapped += outcome
            if mapped:
                for row in unmapped:
                    if any(not s.covered and s.text for s in row.slots):
                        self._error("unmapped_row", f"a row of numbers whose label matches no row of the "
                                    f"template: {' '.join(row.labels) or '(no label)'}", row)

    def _header_row(self, row: _Row) -> None:
        if self.after_data:
            self.header = _Header()
            self.after_data = False
        self.header.rows.append(row)
        for text in row.labels:
            column = _match_column(text)
            if column is not None and column.column is not None:
                self.column_matches.append(column)
        match = self._match_labels(row.labels)
        if match is not None:
            self.context = match

    # -- data rows -------------------------------------------------------------------------------------
    def _match_labels(self, texts: list[str]) -> labels.RowMatch | None:
        if not texts:
            return None
        match = _match_row(texts[-1], context=self.context)
        if match is not None and match.row is not None:
            return match
        joined = _match_row(" ".join(texts), context=self.context)
        return joined if joined is not None else match

    @staticmethod
    def _plain_match(row: _Row) -> labels.RowMatch | None:
        """The template row a data row's labels name on their own (no context), for looking ahead."""
        if not row.labels:
            return None
        for text in (row.labels[-1], " ".join(row.labels)):
            match = _match_row(text)
            if match is not None and match.row is not None and match.table in (2, 3):
                return match
        return None

    def _near_miss(self, row: _Row) -> labels.RowMatch | None:
        """The row a label a character or two from the template's names, when the rows before and after it
        are that row's neighbours in the template (label_variants); recorded as an info issue."""
        if not row.labels or not any(s.text for s in row.slots if not s.covered):
            return None
        following = self.following.get(id(row))
        for table in (3, 2):
            before = self.previous_row[1] if self.previous_row and self.previous_row[0] == table else None
            after = following.row if following is not None and following.table == table else None
            if before is None and after is None:
                continue
            printed = {r for t, r in self.printed_rows if t == table} | self.rows_read.get(table, set())
            candidate = label_variants.row_between(table, before, after, printed)
            if candidate is None:
                continue
            for text in (row.labels[-1], " ".join(row.labels)):
                variant = label_variants.near_miss(text, table, candidate)
                if variant is not None:
                    self.issues.append(label_variants.variant_issue(variant, table=row.table, row_index=row.index))
                    return labels.RowMatch(table, candidate, label_variants.templates_of(candidate), "row",
                                           label_variants.group_of(table, candidate))
        return None

    def _data_row(self, row: _Row) -> int | None:
        """Cells mapped from one data row (0 when the row was recognised but could not be read), or None
        when the row is not one of the template's."""
        match = self._match_labels(row.labels)
        if match is None or match.kind != "row" or match.row in self.rows_read.get(match.table, ()):
            # no row, a group heading merged beside the label ("(六)其他处理"), or a row already read
            # ("4.无正当理由大量重复申请" holds 重复申请's words): a near-miss of the row left open?
            match = self._near_miss(row) or match
        if match is not None and match.row is None and match.kind == "group":
            self.context = match
            if any(s.text and not s.covered for s in row.slots):
                self.issues.append(model.Issue(
                    "group_subtotal", f"numbers printed beside the group heading {' '.join(row.labels)!r} "
                    "(a subtotal the template does not have) were not read", severity="info",
                    details={"table": row.table, "row": row.index}))
            return 0
        if match is None or match.row is None:
            # 表四's numbers: one row under its two-level header, unlabelled or labelled "数量"/"件数"
            fifteen = len(row.slots) == len(T4_ROWS) * len(T4_COLUMNS)
            under_t4_header = 4 in self.header.tables()
            if under_t4_header and (not row.labels or fifteen):
                return self._t4_row(row, None)
            if not row.labels and fifteen and 3 in self._found():
                return self._t4_row(row, None)
            return None
        self.context = match
        if match.kind != "row" and all(not s.text or s.covered for s in row.slots):
            return 0  # "(六)其他处理" heading its 2021 sub-rows, printed with empty cells beside it
        self.row_matches.append(match)
        if match.table in (2, 3):
            self.previous_row = (match.table, match.row)
            self.rows_read.setdefault(match.table, set()).add(match.row)
        if match.table == 3:
            return self._t3_row(row, match)
        if match.table == 4:
            return self._t4_row(row, match)
        return self._t2_row(row, match)

    def _t3_row(self, row: _Row, match: labels.RowMatch) -> int:
        slots = _drop_trailing_blanks(row.slots, len(T3_COLUMNS))
        by_header = self._by_header(slots, 3, T3_COLUMNS)
        if len(slots) == len(T3_COLUMNS):
            pairs = list(zip(T3_COLUMNS, slots))
            if by_header is not None and len(by_header) == len(T3_COLUMNS) and by_header != pairs:
                # the headers print the columns in another order than the template: follow the headers
                self.issues.append(model.Issue("columns_by_header", f"表三 row {match.row}: columns read "
                                               "in the order the headers print them", severity="info"))
                pairs = by_header
            return self._emit_row(3, match.row, pairs, row)
        if by_header is not None:
            # each number sits under its header, but the row does not have all seven: read, and say so
            self._error("columns_misaligned", f"表三 row {match.row} has {len(slots)} value cells for "
                        f"{len(T3_COLUMNS)} columns; read by the headers above them", row,
                        keys=[f"t3.{match.row}.{column}" for column, _ in by_header])
            return self._emit_row(3, match.row, by_header, row)
        self._error("columns_misaligned", f"表三 row {match.row} has {len(slots)} value cells for "
                    f"{len(T3_COLUMNS)} columns", row)
        return 0

    def _t4_row(self, row: _Row, match: labels.RowMatch | None) -> int:
        width = len(T4_COLUMNS)
        slots = _drop_trailing_blanks(row.slots, width * len(T4_ROWS) if match is None else width)
        if match is None and len(slots) == width * len(T4_ROWS):
            pairs = [(f"{r}.{c}", s) for r, c, s in
                     zip([r for r in T4_ROWS for _ in T4_COLUMNS], T4_COLUMNS * len(T4_ROWS), slots)]
            return self._emit_pairs(4, pairs, row)
        if match is not None and len(slots) == width:
            return self._emit_row(4, match.row, list(zip(T4_COLUMNS, slots)), row)
        if match is not None and match.row == "litigation_direct" and len(slots) == 2 * width:
            # "行政诉讼" printed as one row of ten: direct suits, then suits after reconsideration
            pairs = [(f"{r}.{c}", s) for r, c, s in zip(
                [r for r in T4_ROWS[1:] for _ in T4_COLUMNS], T4_COLUMNS * 2, slots)]
            return self._emit_pairs(4, pairs, row)
        self._error("columns_misaligned", f"表四 row has {len(slots)} value cells where "
                    f"{width if match else width * len(T4_ROWS)} were expected", row)
        return 0

    def _t2_row(self, row: _Row, match: labels.RowMatch) -> int:
        layouts = {t: dict(T2_LAYOUT[t]).get(match.row) for t in ("2021", "2019")}
        layouts = {t: cols for t, cols in layouts.items() if cols}
        header_cols = [self.header.column_at(s.col, 2) for s in row.slots]
        printed = [(m, s) for m, s in zip(header_cols, row.slots) if m is not None]
        # by the header right above: every slot under a header of the row's columns in one template
        for template, cols in layouts.items():
            if printed and len(printed) == len(row.slots) and all(
                    m.column in cols and template in m.templates for m, _ in printed) \
                    and len({m.column for m, _ in printed}) == len(printed):
                self.t2_templates.append(template)
                return self._emit_row(2, match.row, [(m.column, s) for m, s in printed], row,
                                      units=[m.unit for m, _ in printed])
        # by position, when the number of slots fits exactly one template's columns for this row
        fitting = [t for t, cols in layouts.items()
                   if len(_drop_trailing_blanks(row.slots, len(cols))) == len(cols)]
        preferred = self._t2_template_hint()
        if fitting:
            template = preferred if preferred in fitting else fitting[0]
            if len(fitting) == 1 or preferred in fitting:
                cols = layouts[template]
                slots = _drop_trailing_blanks(row.slots, len(cols))
                self.t2_templates.append(template)
                return self._emit_row(2, match.row, list(zip(cols, slots)), row)
        self._error("columns_misaligned", f"表二 row {match.row} has {len(row.slots)} value cells that match "
                    "neither its header nor the template's columns", row)
        return 0

    def _t2_template_hint(self) -> str | None:
        hinted = [m for m in self.column_matches if m.table == 2 and len(m.templates) == 1]
        if not hinted:
            return None
        return labels.detect_template([], hinted)

    def _by_header(self, slots: list[_Slot], table: int, columns: tuple[str, ...]) -> list | None:
        pairs = []
        for slot in slots:
            match = self.header.column_at(slot.col, table)
            if match is None or match.column not in columns:
                if slot.text or slot.covered:
                    return None
                continue  # an empty cell under no header: a layout artefact
            pairs.append((match.column, slot))
        if not pairs or len({c for c, _ in pairs}) != len(pairs):
            return None
        return pairs

    # -- output ----------------------------------------------------------------------------------------
    def _emit_row(self, table: int, row_key: str, pairs: list, row: _Row,
                  units: list[str | None] | None = None) -> int:
        return self._emit_pairs(table, [(f"{row_key}.{c}", s) for c, s in pairs], row, units)

    def _emit_pairs(self, table: int, pairs: list, row: _Row, units: list[str | None] | None = None) -> int:
        count = 0
        covered = [f"t{table}.{row_col}" for row_col, slot in pairs if slot.covered]
        if covered:
            self.issues.append(model.Issue(
                "merged_value_cell", f"{len(covered)} value cells from {covered[0]} on are covered by cells "
                "merged down from an earlier row: read as blank (the number belongs to the first row of the "
                "merge)", severity="info",
                key=covered[0], details={"keys": covered, "table": row.table, "row": row.index}))
        for i, (row_col, slot) in enumerate(pairs):
            cell_key = f"t{table}.{row_col}"
            header_unit = units[i] if units else None
            if slot.covered:
                cell = dataclasses.replace(slot.cells[0].cell, value=None, raw="")
            else:
                parsed = parse_value(slot.text)
                if not parsed.ok:
                    self._error("not_a_number", f"{cell_key}: {slot.text!r} is not a number", row, cell_key)
                    continue
                cell = dataclasses.replace(slot.cells[0].cell, value=parsed.value, raw=slot.cells[0].text,
                                           unit=parsed.unit or header_unit)
            previous = self.cells.get(cell_key)
            if previous is not None:
                if previous.value != cell.value:
                    self._error("duplicate_cell", f"{cell_key} is printed twice with different values "
                                f"({previous.raw!r} and {cell.raw!r})", row, cell_key)
                continue
            self.cells[cell_key] = cell
            count += 1
        return count

    def _error(self, code: str, message: str, row: _Row, cell_key: str | None = None,
               keys: list[str] | None = None) -> None:
        """An error issue about `row`; `keys`: the cells it read that the issue puts in doubt."""
        details: dict = {"table": row.table, "row": row.index}
        if keys:
            details["keys"] = keys
        self.issues.append(model.Issue(code, message, key=cell_key or (keys[0] if keys else None),
                                       details=details))

    def _found(self) -> set[int]:
        return {int(k[1]) for k in self.cells}

    # -- the document ----------------------------------------------------------------------------------
    def document(self, text: str) -> model.ParsedDocument:
        found = self._found()
        template = labels.detect_template(self.row_matches, self.column_matches) if found else None
        if 3 in found and template:
            self._drop_other_processing_subtotal()
        if set(self.t2_templates) == {"2019", "2021"}:
            self.issues.append(model.Issue("mixed_template", "表二 rows were read with the columns of both "
                                           "templates", severity="info"))
        ordered = {k: self.cells[k] for k in _key_order(self.cells)}
        return model.ParsedDocument(text=text, cells=ordered, template=template, issues=self.issues,
                                    tables_found=tuple(sorted(found)))

    def _drop_other_processing_subtotal(self) -> None:
        """"(六)其他处理" printed with numbers AND followed by the 2021 sub-rows is a subtotal row."""
        subtotal = [k for k in self.cells if k.startswith("t3.other_processing.")]
        if subtotal and any(k.startswith(("t3.other_no_correction.", "t3.other_unpaid_fee.", "t3.other_misc."))
                            for k in self.cells):
            for k in subtotal:
                del self.cells[k]
            self.issues.append(model.Issue("group_subtotal", "(六)其他处理 is printed with numbers and with the "
                                           "2021 sub-rows: read as a subtotal, not as the 2019 row",
                                           severity="info"))


def _drop_trailing_blanks(slots: list[_Slot], wanted: int) -> list[_Slot]:
    """Empty unprinted cells beyond the columns a row needs are not values: cells past the end of a ragged
    Word/HTML row, then a spacer cell between the label and the numbers."""
    slots = list(slots)
    while len(slots) > wanted and not slots[-1].text and not slots[-1].covered:
        slots.pop()
    while len(slots) > wanted and not slots[0].text and not slots[0].covered:
        slots.pop(0)
    return slots


def _key_order(cells: dict[str, model.Cell]) -> list[str]:
    order = {k: i for i, k in enumerate(dict.fromkeys(template_keys("2021") + template_keys("2019")))}
    return sorted(cells, key=lambda k: order.get(k, len(order)))


def parse_tables(tables: list[GridTable], text: str) -> model.ParsedDocument:
    """Find 表二/表三/表四 among a document's tables and read their cells (see the module docstring)."""
    interpreter = _Interpreter()
    interpreter.read(tables)
    return interpreter.document(text)
