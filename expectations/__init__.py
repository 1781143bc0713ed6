"""Great Expectations validates the check results dbt computed, and publishes Data Docs.

API (what the pipeline's validate_checks step uses)
---------------------------------------------------
    from expectations import validate_checks, ChecksValidation

    validation = validate_checks(warehouse_path, data_docs_dir, context_dir=None, run_name=None, known=None,
                                 chunk_rows=DEFAULT_CHUNK_ROWS, prepared=None)

Run it after `dbt build` has built marts.fct_check_results (every evaluation of every check, pass | fail |
incomplete) in the DuckDB file `warehouse_path`. It (re)creates one suite per check of the catalogue
(extract/check_catalogue.py: identity_1 ... identity_5, counts_6, stock_7, narrative_8, deadline_9,
similarity_9), their validation definitions and the checkpoint `check_results` (add_or_update: reruns are
idempotent) in a GX file context `<context_dir>/gx/` (context_dir default: the parent of data_docs_dir;
validation results are stored in gx/uncommitted/validations), validates every row (given `known`, the new or
changed ones: see below) `chunk_rows` rows at a time (one checkpoint run each, all under `run_name`: the
memory a validation takes does not grow with the table), builds Data Docs into `data_docs_dir`, and returns a
ChecksValidation of the whole table:

    validation.success                      False exactly when some check has a `fail` row
    validation.counts                       check_code -> CheckCounts(evaluated, failed, incomplete, not_evaluated)
    validation.failing_check_result_ids     the check_result_id of every `fail` row
    validation.incomplete_check_result_ids  incomplete identities (severity warning; not a failure)
    validation.data_docs_index              Path of Data Docs' index.html
    validation.run_name, validation.suites
    validation.validated_rows               how many rows this run's checkpoint validated
    validation.row_verdicts                 one verdict per row (verdicts.VERDICT_COLUMNS): the next run's `known`

Only what changed is validated when `known` is given (the `row_verdicts` of an earlier validation, trusted by
the caller to come from the same suites, GX version and Data Docs site): the checkpoint validates the rows
whose `row_digest` (DuckDB's 64-bit hash of the whole row, its check_result_id included) has no known
verdict, and does not run at all when there are none. The outcome above still describes the WHOLE table
(known verdicts of unchanged rows + this run's), exactly as a full validation would; only the run's Data Docs
page is smaller: it lists the rows this run validated. Without `known` every row is validated.

`prepared`: a concurrent.futures.Future of `checkpoint.prepare_checkpoint(context_dir, data_docs_dir)` started
earlier (the pipeline starts it while dbt builds): the context and checkpoint it holds are used instead of set up
again when they are for these folders; one that failed, or is for other folders, is set up again.

GX reports; it decides nothing: which result is new and who is told is pipeline/findings.py's, from the same
rows. A failed check never raises. `validate_checks` raises only for operational problems:
`WarehouseNotReadyError` (no warehouse or no fct_check_results: dbt did not run) and `ExpectationRunError`
(GX could not evaluate an expectation).

Modules: `datasource` (the one place that knows how GX reads the warehouse: pandas, and why), `suites` (one
suite per check, from the catalogue), `checkpoint` (context, checkpoint, its unexpected rows), `verdicts` (a
verdict per row, which rows need validating, the outcome of the whole table; pure), `result` (types),
`unexpected_rows` (GX's list of unexpected rows, taken in one step), `offline_docs` (the pages' CDN assets
served from copies in the site: `data_docs_assets/`, vendored with their licences).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .datasource import DEFAULT_CHUNK_ROWS, DIGEST_COLUMN, WarehouseNotReadyError
from .result import CheckCounts, ChecksValidation, ExpectationRunError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

__all__ = ["validate_checks", "ChecksValidation", "CheckCounts", "WarehouseNotReadyError", "ExpectationRunError"]


def validate_checks(warehouse_path: str | Path, data_docs_dir: str | Path, *,
                    context_dir: str | Path | None = None, run_name: str | None = None,
                    known: pd.DataFrame | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                    prepared: Future | None = None) -> ChecksValidation:
    """Validate marts.fct_check_results and build Data Docs; see the module docstring."""
    # pandas and Great Expectations take seconds to import: only a validation pays for them, not the DAG file,
    # which imports the step list (pipeline/steps.py, and through it this package) at parse time.
    from . import verdicts
    from .datasource import read_check_results

    data_docs_dir = Path(data_docs_dir)
    context_dir = Path(context_dir) if context_dir is not None else data_docs_dir.parent
    run_name = run_name or datetime.now(timezone.utc).strftime("check-results-%Y%m%dT%H%M%SZ")

    frame = read_check_results(warehouse_path)
    digests = frame[DIGEST_COLUMN]
    changed = frame.loc[verdicts.rows_to_validate(frame, digests, known)]
    unexpected: dict[tuple[str, str], list[str]] = {}
    suites = verdicts.SUITE_NAMES
    if known is None or len(changed):
        from .checkpoint import run_checkpoint

        unexpected, suites = run_checkpoint(changed.drop(columns=DIGEST_COLUMN).reset_index(drop=True),
                                            data_docs_dir, context_dir, run_name, chunk_rows=chunk_rows,
                                            prepared=prepared)
    validated = verdicts.new_verdicts(changed, digests, unexpected)
    return verdicts.outcome(frame, verdicts.current_verdicts(frame, digests, known, validated),
                            data_docs_index=data_docs_dir / "index.html", run_name=run_name, suites=suites,
                            validated_rows=len(changed))
