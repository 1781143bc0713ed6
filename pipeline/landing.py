"""The landing tables of the DuckDB warehouse (schema `landing`): what extraction produced, one load per
document. dbt reads them as the source `landing` (its own `staging` layer is built on top of them).

- `ExtractedDocument`: an ExtractionResult with where its bytes came from (object key, original name,
  arrival, quarantine key); `extract_documents` stores it as JSON under extracted/, `load_staging` reads it
  back with `from_json`.
- The landing columns are declared once (`DOCUMENT_COLUMNS`, `CELL_COLUMNS`), each with the result field it
  lands; the DDL, the inserts and the comparison of unchanged documents are generated from them. A column
  added later is added to an existing warehouse on its next load. `CORRECTION_COLUMNS` declares the third
  table, the maintainers' corrections as pipeline/corrections.py last read them.
- `load_stored_results` (what the DAG's load step calls) reads the stored results a chunk at a time and does
  not read a reused result the warehouse already holds: memory and time follow what changed, not the corpus.
- Loads are idempotent: rows are keyed by the document's sha256, and a load deletes that document's rows
  before inserting, in one transaction. Documents whose rows would not change are not reloaded at all
  (`load_results`): a second run over the same inbox leaves the warehouse identical, `loaded_at` included.
- The warehouse is opened for writing only when no other process holds it (`connect_for_write`: bounded
  wait, then WarehouseLockedError).
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from extract.keys import split_key
from extract.result import ExtractionResult

log = logging.getLogger(__name__)

SCHEMA = "landing"


@dataclass
class ExtractedDocument:
    """One extraction result as the pipeline lands it."""

    result: ExtractionResult
    object_key: str | None = None  # raw/<sha256[:2]>/<sha256>: the bytes in the object store
    original_name: str | None = None  # the name it arrived under (default: the result's file name)
    arrived_at: datetime | None = None  # naive datetimes are UTC
    quarantine_key: str | None = None  # where a failed document's bytes were copied
    result_key: str | None = None  # the stored result it was read from (extracted/<version>/...); not in its JSON

    LANDING_FIELDS = ("object_key", "original_name", "arrived_at", "quarantine_key")

    @property
    def sha256(self) -> str:
        return self.result.sha256

    def to_json(self) -> str:
        """The result's JSON with the landing fields after it (the object stored under extracted/)."""
        landing = {"object_key": self.object_key, "original_name": self.original_name,
                   "arrived_at": self.arrived_at.isoformat() if self.arrived_at else None,
                   "quarantine_key": self.quarantine_key}
        return self.result.to_json(**landing)

    @classmethod
    def from_json(cls, text: str | bytes) -> ExtractedDocument:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExtractedDocument:
        result = {k: v for k, v in data.items() if k not in cls.LANDING_FIELDS}
        arrived_at = data.get("arrived_at")
        if isinstance(arrived_at, str):
            arrived_at = datetime.fromisoformat(arrived_at) if arrived_at else None
        return cls(ExtractionResult.from_dict(result), data.get("object_key"), data.get("original_name"),
                   arrived_at, data.get("quarantine_key"))


def _utc_naive(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


class LandedCell(NamedTuple):
    document_hash: str
    cell_key: str
    table_no: int
    row_key: str
    col_key: str
    value: int | float | None
    provenance: dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    value: Callable[[Any], Any] | None  # from the document (or cell); None: the load's own (loaded_at)
    lands: str = ""  # the ExtractionResult field this column holds ("" for the pipeline's own)
    constraint: str = ""


def _result_field(name: str, sql_type: str, column: str | None = None, constraint: str = "",
                  convert: Callable[[Any], Any] = lambda v: v) -> Column:
    return Column(column or name, sql_type, lambda doc: convert(getattr(doc.result, name)), name, constraint)


_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(value, ensure_ascii=False) builds one per call


def _json(value: Any) -> str:
    return _JSON_ENCODER.encode(value)


DOCUMENT_COLUMNS: tuple[Column, ...] = (
    _result_field("sha256", "varchar", column="document_hash", constraint="primary key"),
    Column("object_key", "varchar", lambda doc: doc.object_key),
    Column("original_name", "varchar", lambda doc: doc.original_name or doc.result.file, lands="file"),
    Column("arrived_at", "timestamp", lambda doc: _utc_naive(doc.arrived_at)),
    _result_field("size_bytes", "bigint"),
    _result_field("format", "varchar"),
    _result_field("status", "varchar", constraint="not null"),
    _result_field("agency", "varchar"),
    _result_field("year", "integer"),
    _result_field("template", "varchar"),
    _result_field("issues", "varchar", column="issues_json",
                  convert=lambda issues: _json([issue.to_dict() for issue in issues])),
    Column("quarantine_key", "varchar", lambda doc: doc.quarantine_key),
    _result_field("text", "varchar", column="body_text"),
    _result_field("extractor_version", "varchar"),
    Column("loaded_at", "timestamp", None),
    _result_field("narrative", "varchar", column="narrative_json", convert=lambda n: _json(n.to_dict())),
    Column("published_on", "date", lambda doc: doc.result.narrative.published_on, lands="narrative"),
    _result_field("ocr", "boolean"),
    Column("result_key", "varchar", lambda doc: doc.result_key),
)
CELL_COLUMNS: tuple[Column, ...] = (
    Column("document_hash", "varchar", lambda cell: cell.document_hash, constraint="not null"),
    Column("cell_key", "varchar", lambda cell: cell.cell_key, lands="cells", constraint="not null"),
    Column("table_no", "integer", lambda cell: cell.table_no, constraint="not null"),
    Column("row_key", "varchar", lambda cell: cell.row_key, constraint="not null"),
    Column("col_key", "varchar", lambda cell: cell.col_key, constraint="not null"),
    Column("value", "double", lambda cell: cell.value, lands="cells"),
    Column("unit", "varchar", lambda cell: cell.provenance.get("unit"), lands="provenance"),
    Column("line", "integer", lambda cell: cell.provenance.get("line"), lands="provenance"),
    Column("page", "integer", lambda cell: cell.provenance.get("page"), lands="provenance"),
    Column("provenance_json", "varchar", lambda cell: _json(cell.provenance), lands="provenance"),
    # absent from the provenance = certain (extract/core.py, doubted_cells)
    Column("certain", "boolean", lambda cell: cell.provenance.get("certain", True), lands="provenance"),
)
# The maintainers' corrections file as last read (pipeline/corrections.py): every line, valid or not, replaced
# as a whole on every run; dbt applies the lines whose `problem` is null.
CORRECTION_COLUMNS: tuple[Column, ...] = (
    Column("line_number", "integer", lambda line: line.line_number, constraint="not null"),
    Column("document_hash", "varchar", lambda line: line.document_hash),
    Column("cell_key", "varchar", lambda line: line.key),
    Column("value", "double", lambda line: line.value),
    Column("value_text", "varchar", lambda line: line.value_text),
    Column("note", "varchar", lambda line: line.note),
    Column("decided_by", "varchar", lambda line: line.decided_by),
    Column("decided_at", "varchar", lambda line: line.decided_at),
    Column("problem", "varchar", lambda line: line.problem),
)
TABLES = {"documents": (DOCUMENT_COLUMNS, ""), "cells": (CELL_COLUMNS, "primary key (document_hash, cell_key)"),
          "corrections": (CORRECTION_COLUMNS, "")}
# fields of the result that are not landed, and why
NOT_LANDED = {
    "tables_found": "which tables a document holds is read from its cells",
    "identity_checks": "dbt evaluates the identities on the landed cells (seed identity_terms)",
}


def _create_table(table: str) -> str:
    columns, table_constraint = TABLES[table]
    lines = [" ".join(filter(None, (c.name, c.sql_type, c.constraint))) for c in columns]
    lines += [table_constraint] if table_constraint else []
    return f"create table if not exists {SCHEMA}.{table} (\n    " + ",\n    ".join(lines) + "\n);"


DDL = f"create schema if not exists {SCHEMA};\n" + "\n".join(_create_table(table) for table in TABLES)


def ensure_schema(con) -> None:
    """Create the landing tables, or add the columns a warehouse created by an earlier version lacks."""
    con.execute(DDL)
    existing = set(con.execute("select table_name, column_name from duckdb_columns() "
                               "where database_name = current_database() and schema_name = ?", [SCHEMA]).fetchall())
    for table, (columns, _) in TABLES.items():
        for column in columns:
            if (table, column.name) not in existing:
                con.execute(f"alter table {SCHEMA}.{table} add column {column.name} {column.sql_type}")


def _cells(doc: ExtractedDocument) -> list[LandedCell]:
    provenance = doc.result.provenance
    return [LandedCell(doc.sha256, cell_key, *split_key(cell_key), value, provenance.get(cell_key, {}))
            for cell_key, value in doc.result.cells.items()]


def _rows(columns: tuple[Column, ...], items: Iterable[Any], loaded_at: datetime) -> list[list[Any]]:
    values = [_as_iso(c.value) if c.sql_type in ("timestamp", "date") and c.value else c.value for c in columns]
    return [[loaded_at if value is None else value(item) for value in values] for item in items]


def _as_iso(value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Timestamps and dates travel as ISO text (a bound list must hold one Python type); DuckDB casts them
    back exactly as it casts a single bound value."""
    def iso(item: Any) -> str | None:
        found = value(item)
        return found.isoformat() if found is not None else None
    return iso


# A load inserts each table's rows in one statement, from a pandas frame DuckDB scans in place: binding one
# Python list per column took 2.4 s for 200,000 cells, the frame 0.4 s. pandas' nullable dtypes carry None
# as NULL; text, and timestamps and dates (which travel as ISO text), are objects cast by DuckDB.
_PANDAS_DTYPES = {"double": "Float64", "integer": "Int64", "bigint": "Int64", "boolean": "boolean"}


def _insert(con, table: str, rows: list[list[Any]]) -> None:
    if not rows:
        return
    import pandas as pd

    columns, _ = TABLES[table]
    values_by_column = list(zip(*rows))
    frame, selects, params = {}, [], []
    for index, column in enumerate(columns):
        if column.value is None:  # the same value for every row (loaded_at)
            selects.append("?")
            params.append(rows[0][index])
            continue
        frame[column.name] = pd.array(values_by_column[index], dtype=_PANDAS_DTYPES.get(column.sql_type, object))
        text_first = "::varchar" if column.sql_type in ("timestamp", "date") else ""
        selects.append(f'"{column.name}"{text_first}::{column.sql_type}')
    frame_name = f"{SCHEMA}_{table}_to_insert"
    con.register(frame_name, pd.DataFrame(frame))
    names = ", ".join(c.name for c in columns)
    con.execute(f"insert into {SCHEMA}.{table} ({names}) select {', '.join(selects)} from {frame_name}", params)
    # not when the insert failed: its transaction is aborted, so DuckDB would refuse (the caller rolls back;
    # the frame is released by the next insert into the table or when the connection closes)
    con.unregister(frame_name)


def load_documents(con, documents: Iterable[ExtractedDocument]) -> int:
    """Delete-then-insert each document, all in one transaction. A document given twice is loaded as its
    last version. Returns how many documents were given."""
    ensure_schema(con)
    documents = list(documents)
    latest = {doc.sha256: doc for doc in documents}
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    document_rows = _rows(DOCUMENT_COLUMNS, latest.values(), loaded_at)
    cell_rows = _rows(CELL_COLUMNS, (cell for doc in latest.values() for cell in _cells(doc)), loaded_at)
    hashes = list(latest)
    con.execute("begin transaction")
    try:
        if hashes:
            for table in ("cells", "documents"):
                con.execute(f"delete from {SCHEMA}.{table} where document_hash in (select unnest(?::varchar[]))",
                            [hashes])
        _insert(con, "documents", document_rows)
        _insert(con, "cells", cell_rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(documents)


SCRATCH = "load_scratch"


def changed_documents(con, documents: list[ExtractedDocument]) -> list[ExtractedDocument]:
    """The documents whose landed rows would differ from what `con` holds: they are loaded into an
    in-memory database attached to `con` with the same code, and both sides are compared set-wise on
    every column but `loaded_at` (a few queries for any number of documents)."""
    if not documents:
        return []
    ensure_schema(con)
    home = con.execute("select current_database()").fetchone()[0]
    con.execute(f"attach ':memory:' as {SCRATCH}")
    try:
        con.execute(f"use {SCRATCH}")
        try:
            load_documents(con, documents)
        finally:
            con.execute(f'use "{home.replace(chr(34), chr(34) * 2)}"')
        document_columns = ", ".join(c.name for c in DOCUMENT_COLUMNS if c.value is not None)
        cell_columns = ", ".join(c.name for c in CELL_COLUMNS)
        differing = {doc_hash for (doc_hash,) in con.execute(f"""
            with given as (select document_hash from {SCRATCH}.{SCHEMA}.documents),
            new_documents as (select {document_columns} from {SCRATCH}.{SCHEMA}.documents),
            old_documents as (select {document_columns} from {SCHEMA}.documents
                              where document_hash in (select document_hash from given)),
            new_cells as (select {cell_columns} from {SCRATCH}.{SCHEMA}.cells),
            old_cells as (select {cell_columns} from {SCHEMA}.cells
                          where document_hash in (select document_hash from given))
            select document_hash from (select * from new_documents except all select * from old_documents)
            union select document_hash from (select * from old_documents except all select * from new_documents)
            union select document_hash from (select * from new_cells except all select * from old_cells)
            union select document_hash from (select * from old_cells except all select * from new_cells)
        """).fetchall()}
    finally:
        con.execute(f"detach {SCRATCH}")
    return [doc for doc in documents if doc.sha256 in differing]


class WarehouseLockedError(RuntimeError):
    """Another process (a BI tool, a notebook, dbt) holds the DuckDB file open past the lock timeout."""


def _is_lock_conflict(problem: Exception | str) -> bool:
    """Whether an error (or a process's output) is DuckDB refusing the file because another process holds it."""
    text = str(problem).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def connect_for_write(warehouse_path: str | Path, lock_timeout_seconds: float = 60.0,
                      first_delay_seconds: float = 0.2):
    """Open the warehouse for writing. DuckDB refuses while any other process holds the file open (even a
    read_only reader): wait, retrying with a doubling delay (at most 5 s), for up to `lock_timeout_seconds`,
    then raise WarehouseLockedError. The warehouse is never touched before the lock is ours."""
    import duckdb

    deadline = time.monotonic() + lock_timeout_seconds
    delay, attempts = first_delay_seconds, 0
    while True:
        attempts += 1
        try:
            return duckdb.connect(str(warehouse_path))
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WarehouseLockedError(
                    f"the warehouse {warehouse_path} is locked by another process (a BI tool or a notebook "
                    f"holding it open?) and was not released within {lock_timeout_seconds:g} s "
                    f"({attempts} attempts; WAREHOUSE_LOCK_TIMEOUT_SECONDS); nothing was written. "
                    f"DuckDB said: {exc}") from exc
            log.warning("the warehouse %s is locked by another process; retrying in %.1f s (%.0f s left)",
                        warehouse_path, min(delay, remaining), remaining)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def stored_results_reader(store) -> Callable[[list[dict[str, Any]]], Iterable[ExtractedDocument]]:
    """`read` for load_stored_results: the stored results the summaries name, read from `store` one by one."""
    def read(chunk: list[dict[str, Any]]) -> Iterable[ExtractedDocument]:
        for summary in chunk:
            document = ExtractedDocument.from_json(store.get(summary["result_key"]))
            document.result_key = summary["result_key"]
            yield document
    return read


def load_stored_results(warehouse_path: str | Path, summaries: list[dict[str, Any]],
                        read: Callable[[list[dict[str, Any]]], Iterable[ExtractedDocument]],
                        lock_timeout_seconds: float = 60.0, chunk_size: int = 200) -> dict[str, int]:
    """Land the stored extraction results that `summaries` name (dicts with sha256, result_key, reused), at
    most `chunk_size` results in memory at a time, so a load's memory does not grow with the corpus.

    A summary whose result was reused (not extracted by this run) and which the warehouse already holds
    from the same stored result (`landing.documents.result_key`) is not read: a stored result never
    changes under its key but by a forced re-extraction, which reports reused=False. The rest are read
    chunk by chunk (`read`); a document the warehouse does not hold yet is loaded as it is, one it holds is
    compared with its landed rows and loaded again only when they changed."""
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    loaded = unchanged = 0
    with closing(connect_for_write(warehouse_path, lock_timeout_seconds)) as con:
        ensure_schema(con)  # also for an empty inbox: dbt reads these tables
        held = set(con.execute(f"select document_hash, result_key from {SCHEMA}.documents").fetchall())
        held_documents = {document_hash for document_hash, _ in held}
        pending = [s for s in summaries if not (s.get("reused") and (s["sha256"], s["result_key"]) in held)]
        for start in range(0, len(pending), chunk_size):
            documents = list(read(pending[start:start + chunk_size]))
            new = [doc for doc in documents if doc.sha256 not in held_documents]
            changed = new + changed_documents(con, [doc for doc in documents if doc.sha256 in held_documents])
            if changed:
                load_documents(con, changed)
                held_documents.update(doc.sha256 for doc in changed)
            loaded += len(changed)
            unchanged += len(documents) - len(changed)
        total = con.execute(f"select count(*) from {SCHEMA}.documents").fetchone()[0]
    not_read = len(summaries) - len(pending)
    log.info("landing: %d results given, %d loaded (changed), %d read and unchanged, %d held already (not read)",
             len(summaries), loaded, unchanged, not_read)
    return {"given": len(summaries), "loaded": loaded, "unchanged": unchanged + not_read, "read": len(pending),
            "documents_in_warehouse": int(total)}


def load_results(warehouse_path: str | Path, documents: Iterable[ExtractedDocument],
                 lock_timeout_seconds: float = 60.0) -> dict[str, int]:
    """Land the documents whose rows changed, opening the warehouse only for the duration of the load
    (waiting for a lock held by another process up to `lock_timeout_seconds`)."""
    documents = list(documents)
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    with closing(connect_for_write(warehouse_path, lock_timeout_seconds)) as con:
        ensure_schema(con)  # also for an empty inbox: dbt reads these tables
        changed = changed_documents(con, documents)
        if changed:
            load_documents(con, changed)
        total = con.execute(f"select count(*) from {SCHEMA}.documents").fetchone()[0]
    log.info("landing: %d documents given, %d loaded (changed), %d unchanged",
             len(documents), len(changed), len(documents) - len(changed))
    return {"given": len(documents), "loaded": len(changed), "unchanged": len(documents) - len(changed),
            "documents_in_warehouse": int(total)}
