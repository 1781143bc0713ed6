"""Staging tables in the DuckDB warehouse: what extraction produced, one load per document.

Loads are idempotent: every row is keyed by the document's sha256, and a load deletes that document's rows
before inserting, in one transaction. dbt reads these tables as the source `landing`.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable

from extract.keys import split_key

SCHEMA = "landing"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.documents (
    document_hash     varchar primary key,
    object_key        varchar,
    original_name     varchar,
    arrived_at        timestamp,
    size_bytes        bigint,
    format            varchar,
    status            varchar not null,
    agency            varchar,
    year              integer,
    template          varchar,
    issues_json       varchar,
    quarantine_key    varchar,
    body_text         varchar,
    extractor_version varchar,
    loaded_at         timestamp
);
create table if not exists {SCHEMA}.cells (
    document_hash   varchar not null,
    cell_key        varchar not null,
    table_no        integer not null,
    row_key         varchar not null,
    col_key         varchar not null,
    value           double,
    unit            varchar,
    line            integer,
    page            integer,
    provenance_json varchar,
    primary key (document_hash, cell_key)
);
-- added after the first release: warehouses created before get them on the next load
alter table {SCHEMA}.documents add column if not exists narrative_json varchar;
alter table {SCHEMA}.documents add column if not exists published_on date;
alter table {SCHEMA}.documents add column if not exists ocr boolean;
"""

DOCUMENT_COLUMNS = (
    "document_hash", "object_key", "original_name", "arrived_at", "size_bytes", "format", "status", "agency",
    "year", "template", "issues_json", "quarantine_key", "body_text", "extractor_version", "loaded_at",
    "narrative_json", "published_on", "ocr",
)


def ensure_schema(con) -> None:
    con.execute(DDL)


def _document_row(doc: dict[str, Any], loaded_at: datetime) -> list[Any]:
    return [
        doc["sha256"], doc.get("object_key"), doc.get("original_name") or doc.get("file"),
        _iso(doc.get("arrived_at")), doc.get("size_bytes"), doc.get("format"), doc["status"],
        doc.get("agency"), doc.get("year"), doc.get("template"),
        json.dumps(doc.get("issues", []), ensure_ascii=False), doc.get("quarantine_key"),
        doc.get("text"), doc.get("extractor_version"), loaded_at,
        json.dumps(doc["narrative"], ensure_ascii=False) if doc.get("narrative") else None,
        _iso((doc.get("narrative") or {}).get("published_on")), bool(doc.get("ocr")),
    ]


def _cell_rows(doc: dict[str, Any]) -> list[list[Any]]:
    rows = []
    provenance = doc.get("provenance", {})
    for cell_key, value in doc.get("cells", {}).items():
        table_no, row_key, col_key = split_key(cell_key)
        prov = provenance.get(cell_key, {})
        rows.append([doc["sha256"], cell_key, table_no, row_key, col_key, value, prov.get("unit"),
                     prov.get("line"), prov.get("page"), json.dumps(prov, ensure_ascii=False)])
    return rows


def _iso(value: Any) -> str | None:
    """Timestamps and dates travel as ISO text (a bound list must hold one Python type); DuckDB casts them
    back exactly as it casts a single bound value."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


# One bound list per column, zipped back into rows by unnest: a whole load is a handful of statements
# instead of one insert per cell (executemany took ~0.3 s per document).
DOCUMENT_TYPES = ("varchar", "varchar", "varchar", "timestamp", "bigint", "varchar", "varchar", "varchar",
                  "integer", "varchar", "varchar", "varchar", "varchar", "varchar", None, "varchar", "date",
                  "boolean")
CELL_COLUMNS = ("document_hash", "cell_key", "table_no", "row_key", "col_key", "value", "unit", "line", "page",
                "provenance_json")
CELL_TYPES = ("varchar", "varchar", "integer", "varchar", "varchar", "double", "varchar", "integer", "integer",
              "varchar")


def _insert_columns(con, table: str, columns: tuple[str, ...], types: tuple[str | None, ...],
                    rows: list[list[Any]]) -> None:
    if not rows:
        return
    selects, params = [], []
    for index, sql_type in enumerate(types):
        if sql_type is None:  # the same value for every row (loaded_at)
            selects.append("?")
            params.append(rows[0][index])
            continue
        # text first, then cast: the list's Python values may mix int and float, or be all None
        selects.append(f"unnest(?::varchar[])::{sql_type}" if sql_type in ("timestamp", "date")
                       else f"unnest(?::{sql_type}[])")
        params.append([row[index] for row in rows])
    con.execute(f"insert into {SCHEMA}.{table} ({', '.join(columns)}) select {', '.join(selects)}", params)


def load_documents(con, documents: Iterable[dict[str, Any]]) -> int:
    """Delete-then-insert each document (an extraction result plus `object_key`, `original_name`,
    `arrived_at`, optional `quarantine_key`), all in one transaction. A document given twice is loaded
    as its last version. Returns how many documents were given."""
    ensure_schema(con)
    documents = list(documents)
    latest = {doc["sha256"]: doc for doc in documents}
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    document_rows = [_document_row(doc, loaded_at) for doc in latest.values()]
    cell_rows = [row for doc in latest.values() for row in _cell_rows(doc)]
    hashes = list(latest)
    con.execute("begin transaction")
    try:
        if hashes:
            con.execute(f"delete from {SCHEMA}.cells where document_hash in (select unnest(?::varchar[]))",
                        [hashes])
            con.execute(f"delete from {SCHEMA}.documents where document_hash in (select unnest(?::varchar[]))",
                        [hashes])
        _insert_columns(con, "documents", DOCUMENT_COLUMNS, DOCUMENT_TYPES, document_rows)
        _insert_columns(con, "cells", CELL_COLUMNS, CELL_TYPES, cell_rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(documents)
