"""Loading extraction results into the staging tables, leaving unchanged documents untouched.

`staging.load_documents` is delete-then-insert and stamps `loaded_at`; reloading a document whose
extraction did not change would only move that timestamp. So the results are first staged in an
in-memory database attached to the warehouse connection, with the same code, compared set-wise with the
warehouse's rows (all columns but `loaded_at`), and only the documents that differ are loaded. A second
run over the same inbox leaves the warehouse identical.

The warehouse is opened for writing only when no other process holds it (`connect_for_write`: bounded
wait, then WarehouseLockedError).
"""
from __future__ import annotations

import logging
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Iterable

from . import staging

log = logging.getLogger(__name__)

COMPARED_DOCUMENT_COLUMNS = ", ".join(c for c in staging.DOCUMENT_COLUMNS if c != "loaded_at")
SCRATCH = "load_scratch"


def changed_documents(con, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents whose staged rows would differ from what `con` holds: they are staged in an in-memory
    database attached to `con`, and both sides are compared set-wise (a few queries for any number of
    documents)."""
    if not documents:
        return []
    staging.ensure_schema(con)
    home = con.execute("select current_database()").fetchone()[0]
    con.execute(f"attach ':memory:' as {SCRATCH}")
    try:
        con.execute(f"use {SCRATCH}")
        try:
            staging.load_documents(con, documents)
        finally:
            con.execute(f'use "{home.replace(chr(34), chr(34) * 2)}"')
        differing = {doc_hash for (doc_hash,) in con.execute(f"""
            with given as (select document_hash from {SCRATCH}.{staging.SCHEMA}.documents),
            new_documents as (select {COMPARED_DOCUMENT_COLUMNS} from {SCRATCH}.{staging.SCHEMA}.documents),
            old_documents as (select {COMPARED_DOCUMENT_COLUMNS} from {staging.SCHEMA}.documents
                              where document_hash in (select document_hash from given)),
            new_cells as (select * from {SCRATCH}.{staging.SCHEMA}.cells),
            old_cells as (select * from {staging.SCHEMA}.cells
                          where document_hash in (select document_hash from given))
            select document_hash from (select * from new_documents except all select * from old_documents)
            union select document_hash from (select * from old_documents except all select * from new_documents)
            union select document_hash from (select * from new_cells except all select * from old_cells)
            union select document_hash from (select * from old_cells except all select * from new_cells)
        """).fetchall()}
    finally:
        con.execute(f"detach {SCRATCH}")
    return [doc for doc in documents if doc["sha256"] in differing]


class WarehouseLockedError(RuntimeError):
    """Another process (a BI tool, a notebook, dbt) holds the DuckDB file open past the lock timeout."""


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc).lower()
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


def load_results(warehouse_path: str | Path, documents: Iterable[dict[str, Any]],
                 lock_timeout_seconds: float = 60.0) -> dict[str, int]:
    """Load extraction results (dicts from `extract_bytes` plus object_key, original_name, arrived_at)
    into the warehouse, opening it only for the duration of the load (waiting for a lock held by another
    process up to `lock_timeout_seconds`)."""
    documents = list(documents)
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    with closing(connect_for_write(warehouse_path, lock_timeout_seconds)) as con:
        staging.ensure_schema(con)  # also for an empty inbox: dbt reads these tables
        changed = changed_documents(con, documents)
        if changed:
            staging.load_documents(con, changed)
        total = con.execute(f"select count(*) from {staging.SCHEMA}.documents").fetchone()[0]
    log.info("staging: %d documents given, %d loaded (changed), %d unchanged",
             len(documents), len(changed), len(documents) - len(changed))
    return {"given": len(documents), "loaded": len(changed), "unchanged": len(documents) - len(changed),
            "documents_in_warehouse": int(total)}
