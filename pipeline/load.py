"""Loading extraction results into the staging tables, leaving unchanged documents untouched.

`staging.load_documents` is delete-then-insert and stamps `loaded_at`; reloading a document whose
extraction did not change would only move that timestamp. So each result is first staged in an in-memory
DuckDB with the same code, compared with the warehouse's rows (all columns but `loaded_at`), and only the
documents that differ are loaded. A second run over the same inbox leaves the warehouse identical.
"""
from __future__ import annotations

import logging
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


def load_results(warehouse_path: str | Path, documents: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Load extraction results (dicts from `extract_bytes` plus object_key, original_name, arrived_at)
    into the warehouse, opening it only for the duration of the load."""
    import duckdb

    documents = list(documents)
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(warehouse_path))) as con:
        staging.ensure_schema(con)  # also for an empty inbox: dbt reads these tables
        changed = changed_documents(con, documents)
        if changed:
            staging.load_documents(con, changed)
        total = con.execute(f"select count(*) from {staging.SCHEMA}.documents").fetchone()[0]
    log.info("staging: %d documents given, %d loaded (changed), %d unchanged",
             len(documents), len(changed), len(documents) - len(changed))
    return {"given": len(documents), "loaded": len(changed), "unchanged": len(documents) - len(changed),
            "documents_in_warehouse": int(total)}
