"""The checkpoint that validates the warehouse after dbt: suites → validation definitions → checkpoint
(stores the results in the GX file context, builds Data Docs) → a CheckpointResult for the notifier."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

from .datasource import ASSET_NAME, add_batch_definition, batch_parameters, read_identity_checks
from .result import BREACH, INCOMPLETE, CheckpointResult, IdentityFinding
from .suites import BREACH_KIND, add_or_update_suites

CHECKPOINT_NAME = "identity_checks"
DATA_DOCS_SITE = "identity_checks"
INDEX_COLUMN = "check_id"
# Shown beside each unexpected row in Data Docs, so a maintainer sees which report and where.
UNEXPECTED_ROW_COLUMNS = [INDEX_COLUMN, "agency", "year", "check_name", "object_key"]

for _name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class ExpectationRunError(RuntimeError):
    """An expectation could not be evaluated (a GX or data-shape problem, not a finding)."""


def open_context(context_dir: Path, data_docs_dir: Path):
    """The file data context in `<context_dir>/gx/` (suites, checkpoint, stored validation results under
    gx/uncommitted/validations) whose only Data Docs site is `data_docs_dir`."""
    context_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(context_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    site_config = {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(data_docs_dir.resolve())},
    }
    for site_name in list(context.get_site_names()):
        if site_name != DATA_DOCS_SITE:
            context.delete_data_docs_site(site_name)
    if DATA_DOCS_SITE in context.get_site_names():
        context.update_data_docs_site(DATA_DOCS_SITE, site_config)
    else:
        context.add_data_docs_site(DATA_DOCS_SITE, site_config)
    context.variables.save()
    return context


def build_checkpoint(context) -> gx.Checkpoint:
    """Suites, validation definitions and the checkpoint, all add_or_update (reruns are idempotent)."""
    batch_definition = add_batch_definition(context)
    validation_definitions = [
        context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{suite.name}_on_{ASSET_NAME}", data=batch_definition, suite=suite)
        )
        for suite in add_or_update_suites(context)
    ]
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=CHECKPOINT_NAME,
        validation_definitions=validation_definitions,
        actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": UNEXPECTED_ROW_COLUMNS},
    ))


def run_checkpoint(warehouse_path: str | Path, data_docs_dir: str | Path, *,
                   context_dir: str | Path | None = None, run_name: str | None = None) -> CheckpointResult:
    warehouse_path, data_docs_dir = Path(warehouse_path), Path(data_docs_dir)
    context_dir = Path(context_dir) if context_dir is not None else data_docs_dir.parent
    run_name = run_name or datetime.now(timezone.utc).strftime("identity-checks-%Y%m%dT%H%M%SZ")

    frame = read_identity_checks(warehouse_path)
    context = open_context(context_dir, data_docs_dir)
    checkpoint = build_checkpoint(context)
    run = checkpoint.run(batch_parameters=batch_parameters(frame), run_id=RunIdentifier(run_name=run_name))
    return summarize(run, frame, data_docs_dir, run_name)


def summarize(run, frame, data_docs_dir: Path, run_name: str) -> CheckpointResult:
    rows_by_check_id = {row[INDEX_COLUMN]: row for row in frame.to_dict(orient="records")}
    failures: dict[str, IdentityFinding] = {}
    incomplete: dict[str, IdentityFinding] = {}
    suites: list[str] = []
    evaluated_identities: set[int] = set()
    for validation in run.run_results.values():
        suites.append(validation.suite_name)
        for outcome in validation.results:
            config = outcome.expectation_config
            identity, kind = config.meta["identity"], config.meta["kind"]
            evaluated_identities.add(identity)
            exception = (outcome.exception_info or {})
            if exception.get("raised_exception"):
                raise ExpectationRunError(
                    f"{validation.suite_name}: {config.type} raised {exception.get('exception_message')}")
            if outcome.success:
                continue
            found = failures if kind == BREACH_KIND else incomplete
            result = BREACH if kind == BREACH_KIND else INCOMPLETE
            for unexpected in outcome.result.get("unexpected_index_list") or []:
                row = rows_by_check_id[unexpected[INDEX_COLUMN]]
                found[row[INDEX_COLUMN]] = _finding(row, result, validation.suite_name)
    evaluated = int(frame["identity"].isin(evaluated_identities).sum())
    counts = {"evaluated": evaluated, "passed": evaluated - len(failures) - len(incomplete),
              "failed": len(failures), "incomplete": len(incomplete)}
    return CheckpointResult(
        success=not failures,
        failures=_ordered(failures.values()),
        incomplete=_ordered(incomplete.values()),
        counts=counts,
        data_docs_index=data_docs_dir / "index.html",
        run_name=run_name,
        suites=tuple(suites),
    )


def _finding(row: dict[str, Any], result: str, suite: str) -> IdentityFinding:
    missing = _value(row["missing_cells"])
    return IdentityFinding(
        document_hash=row["document_hash"],
        agency=_value(row["agency"]),
        year=None if _value(row["year"]) is None else int(row["year"]),
        identity=int(row["identity"]),
        scope_kind=row["scope_kind"],
        scope=row["scope"],
        lhs=_value(row["lhs"]),
        rhs=_value(row["rhs"]),
        object_key=_value(row["object_key"]),
        result=result,
        check_name=row["check_name"],
        suite=suite,
        compared_document_hash=_value(row["compared_document_hash"]),
        missing_cells=tuple(missing.split(",")) if missing else (),
    )


def _value(value: Any) -> Any:
    """pandas NaN/NA/None → None; numpy scalars → Python scalars."""
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _ordered(findings) -> tuple[IdentityFinding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.agency or "", f.year or 0, f.document_hash, f.identity,
                                                   f.scope)))
