"""Completeness: every row the template defines is expected, whatever the format, so that `ok` means every cell
of the report was read.

Run by core on every parsed document that has cells, against the template the parser detected from the labels:
- a table with none of its cells: `table_unread` when its heading or headers are printed (the cells were lost
  or could not be read), `table_missing` when nothing of it is printed (the document was cut, a page is
  missing, or the report left it out);
- a row with none of its cells: `row_missing`, naming the rows;
- a row with some of its cells: `cells_missing`, naming the cells.
Each is an error (status needs_review), with one exception: the 表二 规章 row, which departments without
rule-making power leave out (pingtan-scj-2023 and pingtan-shs-2023 in the dev corpus print no 规章 row at all),
is an `info` issue and the status stays ok. A further exception needs a real document showing it.

表四 is expected even when the text says there was no reconsideration or litigation: real reports print that
sentence right above a 表四 of zeros (pingtan-jjf-2023 "2023年，没有政府信息公开行政复议及行政诉讼情况。",
jinchang-gxj-2023 "2023年我局未被申请行政复议…"), so a report cut after it cannot be told from one that
omits the table. The issue quotes the sentence, for the reviewer to confirm.

表三's 其他处理 is expected as printed by either template: the three 2021 sub-rows, or the single 2019 row
(a hybrid such as huaian-hongze-gov-2023 prints 2021 表二 columns with the single row); when none of them is
printed, the detected template's rows are the missing ones.
"""
from __future__ import annotations

import re

from . import labels
from .keys import T2_LAYOUT, T3_COLUMNS, T3_OTHER_ROWS_2019, T3_OTHER_ROWS_2021, T3_ROWS, T4_COLUMNS, T4_ROWS, key
from .model import Issue, ParsedDocument

TABLE_NAMES = {2: "表二 (proactive disclosure)", 3: "表三 (applications)", 4: "表四 (reconsideration and litigation)"}
# Rows a real report may leave out: their absence is stated (info), the status is not lowered.
OPTIONAL_ROWS = {(2, "regulations"): "departments without rule-making power print no 规章 row"}

_NONE_STATED_RE = re.compile(r"[^。\n]{0,30}(?:未发生|没有发生|没有|未有|无|未被)[^。\n]{0,20}行政(?:法)?复议[^。\n]{0,40}")
# Column labels that also occur in prose or in other tables do not show that a table is printed.
_AMBIGUOUS_COLUMNS = {3: {"other_org", "total", None}, 4: {None}}


def expected_rows(template: str, printed_t3_rows: set[str]) -> dict[int, list[tuple[str, tuple[str, ...]]]]:
    """(row, columns) of every row expected in each table, in printed order."""
    other = T3_OTHER_ROWS_2021 if template == "2021" else T3_OTHER_ROWS_2019
    if printed_t3_rows & set(T3_OTHER_ROWS_2021):
        other = T3_OTHER_ROWS_2021
    elif printed_t3_rows & set(T3_OTHER_ROWS_2019):
        other = T3_OTHER_ROWS_2019
    t3_rows = [r for r in T3_ROWS["2021"] if r not in T3_OTHER_ROWS_2021]
    t3_rows[t3_rows.index("total_processed"):t3_rows.index("total_processed")] = other
    return {
        2: [(row, columns) for row, columns in T2_LAYOUT[template]],
        3: [(row, T3_COLUMNS) for row in t3_rows],
        4: [(row, T4_COLUMNS) for row in T4_ROWS],
    }


def completeness_issues(parsed: ParsedDocument) -> list[Issue]:
    """The issues that say which of the template's rows and cells a parsed document does not have."""
    if not parsed.cells:
        return []  # not a report at all: core says so
    template = parsed.template or "2021"
    present = set(parsed.cells)
    printed_t3_rows = {k.split(".")[1] for k in present if k.startswith("t3.")}
    issues: list[Issue] = []
    printed_headings: set[int] | None = None
    for table, rows in expected_rows(template, printed_t3_rows).items():
        keys = [key(table, row, col) for row, cols in rows for col in cols]
        if not any(k in present for k in keys):
            if printed_headings is None:
                printed_headings = _tables_with_printed_headers(parsed.text)
            issues.append(_absent_table(table, table in printed_headings, parsed.text, keys))
            continue
        missing_rows, missing_cells = [], []
        for row, cols in rows:
            row_keys = [key(table, row, col) for col in cols]
            absent = [k for k in row_keys if k not in present]
            if len(absent) == len(row_keys):
                missing_rows.append(row)
            else:
                missing_cells += absent
        optional = [r for r in missing_rows if (table, r) in OPTIONAL_ROWS]
        required = [r for r in missing_rows if (table, r) not in OPTIONAL_ROWS]
        name = TABLE_NAMES[table].split(" ")[0]
        if required:
            issues.append(Issue(
                "row_missing", f"{name}: rows {', '.join(required)} of the {template} template were not found",
                key=key(table, required[0], dict(rows)[required[0]][-1]),
                details={"table": table, "rows": required, "template": template}))
        for row in optional:
            issues.append(Issue(
                "row_missing", f"{name}: row {row} is not printed ({OPTIONAL_ROWS[(table, row)]})",
                severity="info", key=key(table, row, dict(rows)[row][0]),
                details={"table": table, "rows": [row], "template": template}))
        if missing_cells:
            issues.append(Issue(
                "cells_missing", f"{name}: {len(missing_cells)} cells of printed rows were not read: "
                                 f"{', '.join(missing_cells[:10])}{' …' if len(missing_cells) > 10 else ''}",
                key=missing_cells[0], details={"table": table, "keys": missing_cells}))
    return issues


def _absent_table(table: int, headers_printed: bool, text: str, keys: list[str]) -> Issue:
    name = TABLE_NAMES[table]
    details: dict = {"table": table, "cells": len(keys)}
    if headers_printed:
        code, message = "table_unread", f"{name}: its heading or headers are printed but none of its cells were read"
    else:
        code, message = "table_missing", f"{name} was not found: neither its heading nor any of its cells"
    stated = _NONE_STATED_RE.search(text) if table == 4 else None
    if stated:
        details["text_says"] = stated.group().strip()
        message += (f"; the text says {details['text_says']!r}, which real reports also print above a 表四 of "
                    "zeros: confirm that this report has no 表四")
    return Issue(code, message, key=keys[0], details=details)


def _tables_with_printed_headers(text: str) -> set[int]:
    """Tables whose section heading, markers (第二十条…, 勾稽 note) or column headers are in the text."""
    printed = set()
    for hit in labels.scan(labels.compact(text).text, limit=labels.MAX_LABEL_HITS):
        if hit.kind in ("heading", "marker") or (hit.kind == "column"
                                                 and hit.key not in _AMBIGUOUS_COLUMNS.get(hit.table, ())):
            printed.add(hit.table)
    return printed
