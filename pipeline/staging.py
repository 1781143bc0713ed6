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
"""

DOCUMENT_COLUMNS = (
    "document_hash", "object_key", "original_name", "arrived_at", "size_bytes", "format", "status", "agency",
    "year", "template", "issues_json", "quarantine_key", "body_text", "extractor_version", "loaded_at",
    "narrative_json", "published_on",
)


def ensure_schema(con) -> None:
    con.execute(DDL)


def load_documents(con, documents: Iterable[dict[str, Any]]) -> int:
    """Delete-then-insert each document (an extraction result plus `object_key`, `original_name`,
    `arrived_at`, optional `quarantine_key`). Returns how many documents were loaded."""
    ensure_schema(con)
    count = 0
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        for doc in documents:
            doc_hash = doc["sha256"]
            con.execute(f"delete from {SCHEMA}.cells where document_hash = ?", [doc_hash])
            con.execute(f"delete from {SCHEMA}.documents where document_hash = ?", [doc_hash])
            con.execute(
                f"insert into {SCHEMA}.documents ({', '.join(DOCUMENT_COLUMNS)}) "
                f"values ({', '.join('?' for _ in DOCUMENT_COLUMNS)})",
                [
                    doc_hash, doc.get("object_key"), doc.get("original_name") or doc.get("file"),
                    doc.get("arrived_at"), doc.get("size_bytes"), doc.get("format"), doc["status"],
                    doc.get("agency"), doc.get("year"), doc.get("template"),
                    json.dumps(doc.get("issues", []), ensure_ascii=False), doc.get("quarantine_key"),
                    doc.get("text"), doc.get("extractor_version"), loaded_at,
                    json.dumps(doc["narrative"], ensure_ascii=False) if doc.get("narrative") else None,
                    (doc.get("narrative") or {}).get("published_on"),
                ],
            )
            rows = []
            provenance = doc.get("provenance", {})
            for cell_key, value in doc.get("cells", {}).items():
                table_no, row_key, col_key = split_key(cell_key)
                prov = provenance.get(cell_key, {})
                rows.append([doc_hash, cell_key, table_no, row_key, col_key, value, prov.get("unit"),
                             prov.get("line"), prov.get("page"), json.dumps(prov, ensure_ascii=False)])
            if rows:
                con.executemany(f"insert into {SCHEMA}.cells values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            count += 1
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return count
