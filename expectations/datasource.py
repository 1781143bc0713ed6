"""How the expectations read the warehouse. The one module that knows the choice of GX datasource.

Choice: the GX **pandas** datasource over a DataFrame read from the DuckDB warehouse with the duckdb client.

Why not GX's SQL datasource: GX 1.24 over duckdb-engine fails on every expectation (an IndexError in
`SqlAlchemyExecutionEngine.resolve_metric_bundle`, great_expectations issues #10738 and #11579) unless
duckdb is added to GX's private `_PERSISTED_CONNECTION_DIALECTS`; that needs a monkeypatch of a private
name and a new dependency (duckdb-engine). The pandas path uses public APIs only. Its cost: no custom-SQL
expectations (UnexpectedRowsExpectation). Nothing needs them: dbt computes every check in SQL
(marts.fct_check_results: one row per evaluation, its `result` pass | fail | incomplete) and the suites
validate those rows. The frame is small (about 150 rows per report).

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

CHECK_RESULTS_TABLE = "marts.fct_check_results"
DATASOURCE_NAME = "warehouse"
ASSET_NAME = "fct_check_results"
BATCH_DEFINITION_NAME = "all_check_results"
INDEX_COLUMN = "check_result_id"


class WarehouseNotReadyError(RuntimeError):
    """The warehouse has no check results table: dbt has not built it (an operational error)."""


def read_check_results(warehouse_path: str | Path) -> pd.DataFrame:
    """Every row of marts.fct_check_results, in a stable order, read without locking out writers for long."""
    import duckdb  # the DAG file imports the step list at parse time: duckdb is imported only when used

    path = Path(warehouse_path)
    if not path.exists():
        raise WarehouseNotReadyError(f"no warehouse at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        try:
            return con.execute(f"select * from {CHECK_RESULTS_TABLE} order by {INDEX_COLUMN}").df()
        except duckdb.CatalogException as exc:
            raise WarehouseNotReadyError(
                f"{CHECK_RESULTS_TABLE} is missing from {path}: run `dbt build` first ({exc})") from exc
    finally:
        con.close()


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
