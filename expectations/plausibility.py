"""Plausibility suites (warnings of the spec) over marts.fct_check_results, and their checkpoint.

    from expectations.plausibility import run_plausibility_checkpoint
    result = run_plausibility_checkpoint(warehouse_path, data_docs_dir, context_dir=None, run_name=None)

One suite per check, as code: counts_6, stock_7, narrative_8, deadline_9, similarity_9. Each expects the
rows of its check to have result pass or incomplete (severity warning: a `fail` row is an unexpected row, named
by its check_result_id, agency, year, scope in Data Docs). The checkpoint `plausibility_checks` lives in the
same GX file context as `identity_checks` and updates the same Data Docs site. It returns a
`PlausibilityResult` with the counts per check and the failing check_result_ids; the findings step
(pipeline/findings.py) reads the same rows from the warehouse, so these results and the findings agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

CHECK_RESULTS_TABLE = "marts.fct_check_results"
# its own pandas datasource, so that registering this asset never touches the identity checkpoint's
DATASOURCE_NAME = "warehouse_check_results"
ASSET_NAME = "fct_check_results"
BATCH_DEFINITION_NAME = "all_check_results"
CHECKPOINT_NAME = "plausibility_checks"
INDEX_COLUMN = "check_result_id"
UNEXPECTED_ROW_COLUMNS = [INDEX_COLUMN, "agency", "year", "check_code", "scope", "object_key"]

PLAUSIBILITY_CHECKS = {
    "counts_6": "every count is a non-negative integer (2019 change may be negative; amounts are decimals)",
    "stock_7": "2021 表二: in_force(year) = in_force(year - 1) + issued(year) - repealed(year)",
    "narrative_8": "numbers stated in the text agree with the tables",
    "deadline_9": "published by 31 January of the next year",
    "similarity_9": "text not near-identical (> 50% repeated prose) to the same agency's previous report",
}


@dataclass(frozen=True)
class PlausibilityResult:
    success: bool  # False when some warning check failed (never a reason to fail a run)
    counts: dict[str, dict[str, int]]  # check -> {"evaluated", "failed"}
    failing_check_result_ids: tuple[str, ...]
    data_docs_index: Path
    run_name: str


def read_check_results(warehouse_path: str | Path):
    from .datasource import read_mart

    return read_mart(warehouse_path, CHECK_RESULTS_TABLE, "*", "check_result_id")


def plausibility_suite(check_code: str):
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    description = PLAUSIBILITY_CHECKS[check_code]
    return gx.ExpectationSuite(
        name=f"plausibility_{check_code}",
        meta={"notes": f"Plausibility check {check_code} of the spec (a warning, not a breach): {description}."},
        expectations=[gxe.ExpectColumnValuesToBeInSet(
            column="result",
            value_set=["pass", "incomplete"],
            row_condition=Column("check_code") == check_code,
            severity="warning",
            description=f"{check_code}: {description}.",
            meta={"check": check_code, "kind": "warning"},
        )],
    )


def run_plausibility_checkpoint(warehouse_path: str | Path, data_docs_dir: str | Path, *,
                                context_dir: str | Path | None = None,
                                run_name: str | None = None) -> PlausibilityResult:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    from .checkpoint import DATA_DOCS_SITE, open_context

    data_docs_dir = Path(data_docs_dir)
    context_dir = Path(context_dir) if context_dir is not None else data_docs_dir.parent
    run_name = run_name or datetime.now(timezone.utc).strftime("plausibility-checks-%Y%m%dT%H%M%SZ")
    frame = read_check_results(warehouse_path)
    context = open_context(context_dir, data_docs_dir)
    datasource = context.data_sources.add_or_update_pandas(name=DATASOURCE_NAME)
    try:
        asset = datasource.get_asset(ASSET_NAME)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=ASSET_NAME)
    try:
        batch_definition = asset.get_batch_definition(BATCH_DEFINITION_NAME)
    except KeyError:
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION_NAME)
    definitions = [
        context.validation_definitions.add_or_update(gx.ValidationDefinition(
            name=f"plausibility_{code}_on_{ASSET_NAME}", data=batch_definition,
            suite=context.suites.add_or_update(plausibility_suite(code))))
        for code in PLAUSIBILITY_CHECKS
    ]
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=CHECKPOINT_NAME,
        validation_definitions=definitions,
        actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": UNEXPECTED_ROW_COLUMNS},
    ))
    run = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name))
    counts: dict[str, dict[str, int]] = {}
    failing: list[str] = []
    for validation in run.run_results.values():
        for outcome in validation.results:
            code = outcome.expectation_config.meta["check"]
            exception = outcome.exception_info or {}
            if exception.get("raised_exception"):
                raise RuntimeError(f"{validation.suite_name}: {exception.get('exception_message')}")
            rows = [row[INDEX_COLUMN] for row in (outcome.result.get("unexpected_index_list") or [])]
            failing += rows
            counts[code] = {"evaluated": int((frame["check_code"] == code).sum()), "failed": len(rows)}
    return PlausibilityResult(success=not failing, counts=counts, failing_check_result_ids=tuple(sorted(failing)),
                              data_docs_index=data_docs_dir / "index.html", run_name=run_name)
