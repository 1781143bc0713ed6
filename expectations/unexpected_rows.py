"""GX's list of unexpected rows, taken by pandas in one step instead of one cell at a time.

With result_format COMPLETE and `unexpected_index_column_names` (checkpoint.py asks for both: Data Docs show
which report each unexpected row comes from), GX 1.x lists those columns for each unexpected row with one
`DataFrame.at` per row and column (`compute_unexpected_pandas_indices`). At 1,000 reports a first validation
has about 19,000 unexpected rows, and that loop took half of the checkpoint's time (6 s of 12).

`install()` replaces it, for that case only (a frame without a named index, named columns, unexpected values
not excluded), with one `to_dict("records")` of the same columns in the same order: the domain column, then the
index columns. Every other case goes to GX's own function. The values are Python's instead of numpy's, which GX
turns into the same JSON; the stored validation results are identical (tests/warehouse/test_unexpected_rows.py).
"""
from __future__ import annotations

from typing import Any

import great_expectations.expectations.metrics.map_metric_provider.map_condition_auxilliary_methods as gx_map_metrics
from great_expectations.expectations.metrics.util import (compute_unexpected_pandas_indices,
                                                          get_dbms_compatible_column_names)


def unexpected_rows_at_once(domain_records_df, expectation_domain_column_list: list[str],
                            result_format: dict[str, Any], execution_engine, metrics: dict[str, Any]) -> list:
    index_columns = result_format.get("unexpected_index_column_names")
    if (domain_records_df.index.names[0] is not None or not index_columns
            or result_format.get("exclude_unexpected_values", False)):
        return compute_unexpected_pandas_indices(domain_records_df, expectation_domain_column_list, result_format,
                                                 execution_engine, metrics)
    index_columns = get_dbms_compatible_column_names(  # raises GX's own error for a column the batch lacks
        column_names=list(index_columns), batch_columns_list=metrics["table.columns"],
        error_message_template='Error: The unexpected_index_column "{column_name:s}" does not exist in Dataframe. '
                               'Please check your configuration and try again.')
    columns = list(dict.fromkeys(name for domain_column in expectation_domain_column_list
                                 for name in (domain_column, *index_columns)))
    return domain_records_df[columns].to_dict("records")


def install() -> None:
    """Make GX's map metrics list unexpected rows with `unexpected_rows_at_once` (idempotent)."""
    gx_map_metrics.compute_unexpected_pandas_indices = unexpected_rows_at_once
