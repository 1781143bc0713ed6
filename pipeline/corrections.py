"""The maintainers' corrections: "I read the page: this cell is 395", kept across reruns and rebuilds.

A CSV file (`REVIEW_CORRECTIONS_PATH`, default `reviews/corrections.csv`) with the columns

    document_hash,key,value,note,decided_by,decided_at

names a document (the sha256 of its bytes, as in `marts.fct_reports`), a canonical cell key
(`t<table>.<row>.<col>`) and the value the report prints there; an empty value means the cell is printed
blank (null). `load_corrections` reads the whole file on every run, checks each line against the documents
in the warehouse and the keys of the spec, and replaces `landing.corrections` with every line and, for a line
that cannot be applied, the problem (`problem` null: applied). dbt applies the valid lines
(`stg_corrections`): the fact marts show the maintainer's value with `value_status = 'corrected'`, and the
checks are computed on it. A line that cannot be applied (unknown document or key, a value that is not a
number, a cell the document's template does not have) is skipped, logged, listed in the run summary and the
quality report with its line number; the run goes on. A later line for the same cell replaces an earlier one.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from extract.keys import AMOUNT_KEYS, template_keys

from .landing import CORRECTION_COLUMNS as LANDED_COLUMNS
from .landing import SCHEMA, _insert, connect_for_write, ensure_schema

log = logging.getLogger(__name__)

FILE_COLUMNS = ("document_hash", "key", "value", "note", "decided_by", "decided_at")
REQUIRED_COLUMNS = ("document_hash", "key", "value")
KNOWN_KEYS = frozenset(template_keys("2019")) | frozenset(template_keys("2021"))
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True)
class CorrectionLine:
    """One line of the corrections file as read; `problem` is None when it can be applied."""

    line_number: int
    document_hash: str
    key: str
    value: int | float | None  # None: printed blank (or a value that is not a number: see problem)
    value_text: str
    note: str = ""
    decided_by: str = ""
    decided_at: str = ""
    problem: str | None = None


def read_corrections(path: str | Path | None) -> list[CorrectionLine]:
    """Every non-empty line of the file, with the problems that need no warehouse (a value that is not a
    number, a key the spec does not have, a missing column). A missing file: no corrections."""
    if path is None or not Path(path).is_file():
        return []
    lines: list[CorrectionLine] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [name.strip().lower() for name in next(reader, [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            return [CorrectionLine(1, "", "", None, "", problem=f"the header lacks the column(s) {', '.join(missing)}"
                                   f" (expected {','.join(FILE_COLUMNS)}): no line of the file was applied")]
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue
            row = {name: (fields[i].strip() if i < len(fields) else "") for i, name in enumerate(header)}
            lines.append(_line(reader.line_num, row))
    return lines


def _line(line_number: int, row: dict[str, str]) -> CorrectionLine:
    document_hash, key, value_text = row["document_hash"].lower(), row["key"], row["value"]
    problem = None
    value: int | float | None = None
    if not document_hash:
        problem = "no document_hash"
    elif key not in KNOWN_KEYS:
        problem = f"unknown key {key!r} (keys are t<table>.<row>.<col> of docs/annual-report.md)"
    elif value_text and not _NUMBER_RE.fullmatch(value_text):
        problem = f"value {value_text!r} is not a number (leave it empty for a cell printed blank)"
    elif value_text:
        value = float(value_text) if "." in value_text else int(value_text)
        if key not in AMOUNT_KEYS and (value != int(value) or (value < 0 and not key.endswith(".change"))):
            problem = f"value {value_text!r} is not a count: {key} holds a whole number, not negative"
            value = None
    return CorrectionLine(line_number, document_hash, key, value, value_text, row.get("note", ""),
                          row.get("decided_by", ""), row.get("decided_at", ""), problem)


def validate(lines: list[CorrectionLine], documents: dict[str, tuple[str, str | None]]) -> list[CorrectionLine]:
    """The lines with the problems only the warehouse can tell: `documents` maps each document hash to its
    (status, template). A later valid line for the same cell replaces an earlier one."""
    checked: list[CorrectionLine] = []
    for line in lines:
        problem = line.problem
        if problem is None:
            known = documents.get(line.document_hash)
            if known is None:
                problem = f"unknown document {line.document_hash} (no such document_hash in marts.fct_reports)"
            elif known[0] == "failed":
                problem = f"document {line.document_hash} could not be extracted: it contributes no facts to correct"
            elif known[1] and line.key not in template_keys(known[1]):
                problem = f"the {known[1]} template has no cell {line.key}"
        checked.append(replace(line, problem=problem))
    last_line: dict[tuple[str, str], int] = {}
    for line in checked:
        if line.problem is None:
            last_line[(line.document_hash, line.key)] = line.line_number
    return [replace(line, problem=f"replaced by line {last_line[(line.document_hash, line.key)]} "
                                  "(a later line for the same cell wins)")
            if line.problem is None and last_line[(line.document_hash, line.key)] != line.line_number else line
            for line in checked]


def replace_landed_corrections(con, lines: list[CorrectionLine]) -> None:
    """landing.corrections := these lines, in one transaction (a rerun with the same file writes the same rows)."""
    ensure_schema(con)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {SCHEMA}.corrections")
        _insert(con, "corrections", [[column.value(line) for column in LANDED_COLUMNS] for line in lines])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def load_corrections(warehouse_path: str | Path, corrections_path: str | Path | None,
                     lock_timeout_seconds: float = 60.0) -> dict[str, Any]:
    """Read, check and land the corrections file; log a warning per line that is skipped."""
    lines = read_corrections(corrections_path)
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    with closing(connect_for_write(warehouse_path, lock_timeout_seconds)) as con:
        ensure_schema(con)
        documents = {row[0]: (row[1], row[2]) for row in con.execute(
            f"select document_hash, status, template from {SCHEMA}.documents").fetchall()}
        lines = validate(lines, documents)
        replace_landed_corrections(con, lines)
    skipped = [line for line in lines if line.problem is not None]
    for line in skipped:
        log.warning("%s line %d skipped: %s", corrections_path, line.line_number, line.problem)
    log.info("corrections: %d applied, %d skipped (%s)", len(lines) - len(skipped), len(skipped), corrections_path)
    return {"corrections_applied": len(lines) - len(skipped), "corrections_skipped": len(skipped),
            "skipped_lines": [{"line": line.line_number, "problem": line.problem} for line in skipped]}


def problem_lines(con, schema: str = SCHEMA) -> list[str]:
    """The skipped lines as people read them: `line 4: unknown key 't9.x.y'; skipped` (for the run summary)."""
    rows = con.execute(f"select line_number, problem from {schema}.corrections where problem is not null "
                       "order by line_number").fetchall()
    return [f"line {number}: {problem}; skipped" for number, problem in rows]


def correction_line(document_hash: str, key: str, value: str = "?", note: str = "") -> str:
    """One line of the corrections file, quoted as CSV (the review queue's ready-to-paste lines)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([document_hash, key, value, note, "", ""])
    return out.getvalue()
