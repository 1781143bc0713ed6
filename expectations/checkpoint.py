"""The checkpoint that validates marts.fct_check_results after dbt: one suite per check → validation
definitions → checkpoint (stores the results in the GX file context, builds Data Docs) → a ChecksValidation."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

from .datasource import (ASSET_NAME, DATASOURCE_NAME, INDEX_COLUMN, add_batch_definition, batch_parameters,
                         read_check_results)
from .result import CheckCounts, ChecksValidation, ExpectationRunError
from .suites import FAIL_KIND, INCOMPLETE_KIND, SUITE_NAMES, add_or_update_suites

CHECKPOINT_NAME = "check_results"
DATA_DOCS_SITE = "check_results"
# Shown beside each unexpected row in Data Docs, so a maintainer sees which report and where.
UNEXPECTED_ROW_COLUMNS = [INDEX_COLUMN, "agency", "year", "check_code", "scope_kind", "scope", "object_key"]

for _name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
    logging.getLogger(_name).setLevel(logging.WARNING)


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


def _validation_definition_name(suite_name: str) -> str:
    return f"{suite_name}_on_{ASSET_NAME}"


def build_checkpoint(context) -> gx.Checkpoint:
    """Suites, validation definitions and the checkpoint, all add_or_update (reruns are idempotent)."""
    remove_stale(context)
    batch_definition = add_batch_definition(context)
    validation_definitions = [
        context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=_validation_definition_name(suite.name), data=batch_definition, suite=suite))
        for suite in add_or_update_suites(context)
    ]
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=CHECKPOINT_NAME,
        validation_definitions=validation_definitions,
        actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": UNEXPECTED_ROW_COLUMNS},
    ))


def remove_stale(context) -> None:
    """Remove what an earlier version left in the context (other checkpoints, validation definitions, suites,
    datasources). Before anything is re-registered: a definition whose data asset is gone no longer loads."""
    for stale in [c.name for c in context.checkpoints.all() if c.name != CHECKPOINT_NAME]:
        context.checkpoints.delete(stale)
    ours = {_validation_definition_name(name) for name in SUITE_NAMES}
    for stale in [d.name for d in context.validation_definitions.all() if d.name not in ours]:
        context.validation_definitions.delete(stale)
    for stale in [s.name for s in context.suites.all() if s.name not in SUITE_NAMES]:
        context.suites.delete(stale)
    for stale in [name for name in context.data_sources.all() if name != DATASOURCE_NAME]:
        context.data_sources.delete(stale)


def validate_checks(warehouse_path: str | Path, data_docs_dir: str | Path, *,
                    context_dir: str | Path | None = None, run_name: str | None = None) -> ChecksValidation:
    data_docs_dir = Path(data_docs_dir)
    context_dir = Path(context_dir) if context_dir is not None else data_docs_dir.parent
    run_name = run_name or datetime.now(timezone.utc).strftime("check-results-%Y%m%dT%H%M%SZ")

    frame = read_check_results(warehouse_path)
    context = open_context(context_dir, data_docs_dir)
    checkpoint = build_checkpoint(context)
    run = checkpoint.run(batch_parameters=batch_parameters(frame), run_id=RunIdentifier(run_name=run_name))
    return summarize(run, frame, data_docs_dir, run_name)


def summarize(run, frame: pd.DataFrame, data_docs_dir: Path, run_name: str) -> ChecksValidation:
    unexpected: dict[tuple[str, str], list[str]] = {}
    suites = []
    for validation in run.run_results.values():
        suites.append(validation.suite_name)
        for outcome in validation.results:
            config = outcome.expectation_config
            exception = outcome.exception_info or {}
            if exception.get("raised_exception"):
                raise ExpectationRunError(
                    f"{validation.suite_name}: {config.type} raised {exception.get('exception_message')}")
            ids = [row[INDEX_COLUMN] for row in (outcome.result.get("unexpected_index_list") or [])]
            unexpected[(config.meta["check_code"], config.meta["kind"])] = ids
    evaluated = frame["check_code"].value_counts().to_dict()
    counts = {code: CheckCounts(evaluated=int(evaluated.get(code, 0)),
                                failed=len(unexpected.get((code, FAIL_KIND), [])),
                                incomplete=len(unexpected.get((code, INCOMPLETE_KIND), [])))
              for code in SUITE_NAMES}
    failing = sorted(i for (_, kind), ids in unexpected.items() if kind == FAIL_KIND for i in ids)
    incomplete = sorted(i for (_, kind), ids in unexpected.items() if kind == INCOMPLETE_KIND for i in ids)
    return ChecksValidation(
        success=not failing,
        counts=counts,
        failing_check_result_ids=tuple(failing),
        incomplete_check_result_ids=tuple(incomplete),
        data_docs_index=data_docs_dir / "index.html",
        run_name=run_name,
        suites=tuple(suites),
    )
