"""How the expectations read the warehouse. The one module that knows the choice of GX datasource.

Choice: the GX **pandas** datasource over a DataFrame read from the DuckDB warehouse with the duckdb client.

Why not GX's SQL datasource: GX 1.24 over duckdb-engine fails on every expectation (an IndexError in
`SqlAlchemyExecutionEngine.resolve_metric_bundle`, great_expectations issues #10738 and #11579) unless
duckdb is added to GX's private `_PERSISTED_CONNECTION_DIALECTS`; that needs a monkeypatch of a private
name and a new dependency (duckdb-engine). The pandas path uses public APIs only. Its cost: no custom-SQL
expectations (UnexpectedRowsExpectation), so the identity arithmetic is done in SQL by dbt
(marts.fct_identity_checks: lhs, rhs per evaluation) and the suites assert on those rows. The frame is
small (one row per document and row/column of an identity, ~140 per report).

tests/warehouse/test_expectations_datasource.py shows this path reporting a known failing row as failed and a
passing one as passed.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import AbstractDataContext

IDENTITY_CHECKS_TABLE = "marts.fct_identity_checks"
DATASOURCE_NAME = "warehouse"
ASSET_NAME = "fct_identity_checks"
BATCH_DEFINITION_NAME = "all_identity_checks"
COLUMNS = (
    "check_id", "document_hash", "compared_document_hash", "object_key", "agency", "year", "template",
    "document_status", "identity", "check_name", "table_no", "scope_kind", "scope", "lhs", "rhs",
    "difference", "result", "missing_cells",
)


class WarehouseNotReadyError(RuntimeError):
    """The warehouse has no identity checks table: dbt has not built it (an operational error)."""


def read_mart(warehouse_path: str | Path, table: str, columns: str, order_by: str) -> pd.DataFrame:
    """All rows of one mart, in a stable order, read without locking out writers for long."""
    import duckdb

    path = Path(warehouse_path)
    if not path.exists():
        raise WarehouseNotReadyError(f"no warehouse at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        try:
            return con.execute(f"select {columns} from {table} order by {order_by}").df()
        except duckdb.CatalogException as exc:
            raise WarehouseNotReadyError(f"{table} is missing from {path}: run `dbt build` first ({exc})") from exc
    finally:
        con.close()


def read_identity_checks(warehouse_path: str | Path) -> pd.DataFrame:
    """All rows of fct_identity_checks, in a stable order."""
    return read_mart(warehouse_path, IDENTITY_CHECKS_TABLE, ", ".join(COLUMNS), "check_id")


def add_batch_definition(context: AbstractDataContext) -> BatchDefinition:
    """Register (idempotently) the datasource, asset and batch definition the suites validate."""
    datasource = context.data_sources.add_or_update_pandas(name=DATASOURCE_NAME)
    try:
        asset = datasource.get_asset(ASSET_NAME)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=ASSET_NAME)
    try:
        return asset.get_batch_definition(BATCH_DEFINITION_NAME)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)


def batch_parameters(frame: pd.DataFrame) -> dict[str, Any]:
    """What a checkpoint run needs to validate `frame`."""
    return {"dataframe": frame}
