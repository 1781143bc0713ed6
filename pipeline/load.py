"""Loading extraction results into the staging tables, leaving unchanged documents untouched.

`staging.load_documents` is delete-then-insert and stamps `loaded_at`; reloading a document whose
extraction did not change would only move that timestamp. So each result is first staged in an in-memory
DuckDB with the same code, compared with the warehouse's rows (all columns but `loaded_at`), and only the
documents that differ are loaded. A second run over the same inbox leaves the warehouse identical.
"""
from __future__ import annotations

import logging
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Iterable

from . import staging

log = logging.getLogger(__name__)

DOCUMENT_COLUMNS = "* exclude (loaded_at)"


def _rows(con, doc_hash: str) -> tuple[list[tuple], list[tuple]]:
    document = con.execute(
        f"select {DOCUMENT_COLUMNS} from {staging.SCHEMA}.documents where document_hash = ?", [doc_hash]
    ).fetchall()
    cells = con.execute(
        f"select * from {staging.SCHEMA}.cells where document_hash = ? order by cell_key", [doc_hash]
    ).fetchall()
    return document, cells


def changed_documents(con, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents whose staged rows would differ from what `con` holds."""
    import duckdb

    if not documents:
        return []
    with closing(duckdb.connect(":memory:")) as scratch:
        staging.load_documents(scratch, documents)
        staging.ensure_schema(con)
        return [doc for doc in documents if _rows(scratch, doc["sha256"]) != _rows(con, doc["sha256"])]


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
