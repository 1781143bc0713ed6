"""How the expectations read the warehouse. The one module that knows the choice of GX datasource.

Choice: the GX **pandas** datasource over a DataFrame read from the DuckDB warehouse with the duckdb client.

Why not GX's SQL datasource: GX 1.24 over duckdb-engine fails on every expectation (an IndexError in
`SqlAlchemyExecutionEngine.resolve_metric_bundle`, great_expectations issues #10738 and #11579) unless
duckdb is added to GX's private `_PERSISTED_CONNECTION_DIALECTS`; that needs a monkeypatch of a private
name and a new dependency (duckdb-engine). The pandas path uses public APIs only. Its cost: no custom-SQL
expectations (UnexpectedRowsExpectation). Nothing needs them: dbt computes every check in SQL
(marts.fct_check_results: one row per evaluation, its `result` pass | fail | incomplete) and the suites
validate those rows. The frame is narrow (READ_COLUMNS, about 60 rows per report) and a checkpoint sees at
most `chunk_rows` of them at a time (expectations/checkpoint.py).

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
DIGEST_COLUMN = "row_digest"
# Shown beside each unexpected row in Data Docs, so a maintainer sees which report and where in it; the check is
# the page's suite, and the row's id leads to the rest of it in marts.fct_check_results (the raw file's
# object_key, the formula, the sides). Every column here is stored for every unexpected row of every run: at
# 1,000 reports a first validation has about 19,000, and storing them and reading them back for the Data Docs
# index took seconds (the check code, scope kind and object key made half of each row).
UNEXPECTED_ROW_COLUMNS = [INDEX_COLUMN, "agency", "year", "scope"]
# What is read of each row: what the suites look at (check_code in their row condition, result), what Data
# Docs show, and a digest of the whole row (every column, read by DuckDB), which stands for its values. The
# other columns (detail, formula, description...) stay in the warehouse: at 10,000 reports reading them all
# made a 2 GiB process.
READ_COLUMNS = [*UNEXPECTED_ROW_COLUMNS, "check_code", "result"]
# Columns whose values repeat from row to row (a report has about 60 check results): read as pandas
# categoricals, one copy of each value instead of one per row.
REPEATED_COLUMNS = ["agency", "check_code", "scope", "result"]
# Rows one checkpoint run validates: GX keeps every unexpected row of a run in memory several times over (its
# results, their copies, their JSON), so a validation of the whole table runs in parts of this size.
DEFAULT_CHUNK_ROWS = 50_000


class WarehouseNotReadyError(RuntimeError):
    """The warehouse has no check results table: dbt has not built it (an operational error)."""


def read_check_results(warehouse_path: str | Path) -> pd.DataFrame:
    """Every row of marts.fct_check_results (its READ_COLUMNS and DIGEST_COLUMN: DuckDB's 64-bit hash of the
    whole row, a uint64), in a stable order, read without locking out writers for long. The hash, not an md5 of
    the row as JSON: it stands for the row's values just as well (a changed row keeping its digest is a 1 in
    2^64 chance) and took a tenth of the time (0.03 s for 58,000 rows against 0.25 s)."""
    import duckdb  # the DAG file imports the step list at parse time: duckdb and pandas only when used
    import pandas as pd

    path = Path(warehouse_path)
    if not path.exists():
        raise WarehouseNotReadyError(f"no warehouse at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        try:
            categories = {name: [value for (value,) in con.execute(
                f"select distinct {name} from {CHECK_RESULTS_TABLE} where {name} is not null order by 1").fetchall()]
                for name in REPEATED_COLUMNS}
        except duckdb.CatalogException as exc:
            raise WarehouseNotReadyError(
                f"{CHECK_RESULTS_TABLE} is missing from {path}: run `dbt build` first ({exc})") from exc
        cursor = con.execute(f"select {', '.join(READ_COLUMNS)}, hash(row_values) as {DIGEST_COLUMN} "
                             f"from {CHECK_RESULTS_TABLE} as row_values order by {INDEX_COLUMN}")
        parts = []
        while True:  # in parts, so that no more than one part's values are ever Python strings at once
            part = cursor.fetch_df_chunk(_VECTORS_PER_PART)
            for name, values in categories.items():
                part[name] = pd.Categorical(part[name], categories=values)
            parts.append(part)
            if part.empty:
                return pd.concat(parts, ignore_index=True)
    finally:
        con.close()


_VECTORS_PER_PART = 16  # DuckDB vectors of 2,048 rows


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
