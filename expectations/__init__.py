"""Identity expectations: GX Core suites that check the accounting identities of the warehouse.

API (what the DAG and the notifier use)
---------------------------------------
    from expectations import run_checkpoint, CheckpointResult, IdentityFinding

    result = run_checkpoint(warehouse_path, data_docs_dir, context_dir=None, run_name=None)

Run it after `dbt build` has built marts.fct_identity_checks in the DuckDB file `warehouse_path`.
It (re)creates the suites identity_1 ... identity_5, their validation definitions and the checkpoint
`identity_checks` (add_or_update: reruns are idempotent) in a GX file context `<context_dir>/gx/`
(context_dir default: the parent of data_docs_dir, e.g. var/ → var/gx/; validation results are stored in
gx/uncommitted/validations), validates every row of marts.fct_identity_checks,
builds Data Docs into `data_docs_dir`, and returns a CheckpointResult:

    result.success          False exactly when some printed sum does not add up (a breach)
    result.failures         tuple[IdentityFinding] of breaches, result "fail"
    result.incomplete       tuple[IdentityFinding] of evaluations with a blank cell, result "incomplete"
                            (reported, severity warning; they do not make `success` False)
    result.counts           {"evaluated", "passed", "failed", "incomplete"}
    result.data_docs_index  Path of Data Docs' index.html
    result.run_name, result.suites

    IdentityFinding: document_hash, agency, year, identity (1-5), scope_kind ("row" | "column"),
    scope (the 表三 column or 表三/表四 row key), lhs, rhs (None when incomplete), difference,
    object_key, result, check_name ("identity_<n>:<scope>"), suite, compared_document_hash
    (identity 5: the previous year's report), missing_cells.

A failed identity never raises. `run_checkpoint` raises only for operational problems:
`WarehouseNotReadyError` (no warehouse or no fct_identity_checks: dbt did not run) and
`ExpectationRunError` (GX could not evaluate an expectation).

Modules: `datasource` (the one place that knows how GX reads the warehouse: pandas, and why),
`suites` (one function per identity), `checkpoint` (context, checkpoint, summary), `result` (types).
Great Expectations is imported only when `run_checkpoint` is called, so importing this package is cheap.
"""
from __future__ import annotations

from pathlib import Path

from .datasource import WarehouseNotReadyError
from .result import BREACH, INCOMPLETE, CheckpointResult, IdentityFinding

__all__ = ["run_checkpoint", "CheckpointResult", "IdentityFinding", "WarehouseNotReadyError",
           "ExpectationRunError", "BREACH", "INCOMPLETE"]


def run_checkpoint(warehouse_path: str | Path, data_docs_dir: str | Path, *,
                   context_dir: str | Path | None = None, run_name: str | None = None) -> CheckpointResult:
    """Validate the identities in the warehouse; see the module docstring."""
    from .checkpoint import run_checkpoint as _run_checkpoint

    return _run_checkpoint(warehouse_path, data_docs_dir, context_dir=context_dir, run_name=run_name)


def __getattr__(name: str):
    if name == "ExpectationRunError":
        from .checkpoint import ExpectationRunError

        return ExpectationRunError
    raise AttributeError(name)
