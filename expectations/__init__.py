"""Great Expectations validates the check results dbt computed, and publishes Data Docs.

API (what the pipeline's validate_checks step uses)
---------------------------------------------------
    from expectations import validate_checks, ChecksValidation

    validation = validate_checks(warehouse_path, data_docs_dir, context_dir=None, run_name=None)

Run it after `dbt build` has built marts.fct_check_results (every evaluation of every check, pass | fail |
incomplete) in the DuckDB file `warehouse_path`. It (re)creates one suite per check of the catalogue
(extract/check_catalogue.py: identity_1 ... identity_5, counts_6, stock_7, narrative_8, deadline_9,
similarity_9), their validation definitions and the checkpoint `check_results` (add_or_update: reruns are
idempotent) in a GX file context `<context_dir>/gx/` (context_dir default: the parent of data_docs_dir;
validation results are stored in gx/uncommitted/validations), validates every row, builds Data Docs into
`data_docs_dir`, and returns a ChecksValidation:

    validation.success                      False exactly when some check has a `fail` row
    validation.counts                       check_code -> CheckCounts(evaluated, failed, incomplete)
    validation.failing_check_result_ids     the check_result_id of every `fail` row
    validation.incomplete_check_result_ids  incomplete identities (severity warning; not a failure)
    validation.data_docs_index              Path of Data Docs' index.html
    validation.run_name, validation.suites

GX reports; it decides nothing: which result is new and who is told is pipeline/findings.py's, from the same
rows. A failed check never raises. `validate_checks` raises only for operational problems:
`WarehouseNotReadyError` (no warehouse or no fct_check_results: dbt did not run) and `ExpectationRunError`
(GX could not evaluate an expectation).

Modules: `datasource` (the one place that knows how GX reads the warehouse: pandas, and why), `suites` (one
suite per check, from the catalogue), `checkpoint` (context, checkpoint, summary), `result` (types).
"""
from __future__ import annotations

from pathlib import Path

from .datasource import WarehouseNotReadyError
from .result import CheckCounts, ChecksValidation, ExpectationRunError

__all__ = ["validate_checks", "ChecksValidation", "CheckCounts", "WarehouseNotReadyError", "ExpectationRunError"]


def validate_checks(warehouse_path: str | Path, data_docs_dir: str | Path, *,
                    context_dir: str | Path | None = None, run_name: str | None = None) -> ChecksValidation:
    """Validate marts.fct_check_results and build Data Docs; see the module docstring."""
    # Great Expectations takes seconds to import: only a validation pays for it, not the DAG file, which
    # imports the step list (pipeline/steps.py, and through it this package) at parse time.
    from .checkpoint import validate_checks as run_checkpoint

    return run_checkpoint(warehouse_path, data_docs_dir, context_dir=context_dir, run_name=run_name)
