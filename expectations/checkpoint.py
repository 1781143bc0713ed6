"""The checkpoint that validates rows of marts.fct_check_results after dbt: one suite per check → validation
definitions → checkpoint (stores the results in the GX file context, builds Data Docs) → the unexpected rows
(expectations/verdicts.py turns them into verdicts and the ChecksValidation)."""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core.config_provider import _ConfigurationVariablesConfigurationProvider
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

from .datasource import (ASSET_NAME, DATASOURCE_NAME, DEFAULT_CHUNK_ROWS, INDEX_COLUMN, UNEXPECTED_ROW_COLUMNS,
                         add_batch_definition, batch_parameters)
from .offline_docs import make_offline
from .result import ExpectationRunError
from .result_copies import install as serialize_results_without_deep_copies
from .suites import add_or_update_suites
from .template_cache import use_directory as keep_compiled_data_docs_templates
from .unexpected_rows import install as list_unexpected_rows_at_once
from .verdicts import SUITE_NAMES

CHECKPOINT_NAME = "check_results"
DATA_DOCS_SITE = "check_results"

log = logging.getLogger(__name__)

for _name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
    logging.getLogger(_name).setLevel(logging.WARNING)
list_unexpected_rows_at_once()
serialize_results_without_deep_copies()


def open_context(context_dir: Path, data_docs_dir: Path):
    """The file data context in `<context_dir>/gx/` (suites, checkpoint, stored validation results under
    gx/uncommitted/validations) whose only Data Docs site is `data_docs_dir`."""
    context_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(context_dir))
    _read_config_variables_once(context)
    keep_compiled_data_docs_templates(context_dir / "gx" / "uncommitted" / "data_docs_templates")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    site_config = _site_config(data_docs_dir)
    for site_name in list(context.get_site_names()):
        if site_name != DATA_DOCS_SITE:
            context.delete_data_docs_site(site_name)
    if DATA_DOCS_SITE in context.get_site_names():
        context.update_data_docs_site(DATA_DOCS_SITE, site_config)
    else:
        context.add_data_docs_site(DATA_DOCS_SITE, site_config)
    context.variables.save()
    return context


def _read_config_variables_once(context) -> None:
    """GX reads and parses gx/uncommitted/config_variables.yml again each time it reads a setting of the
    context: about 400 times per validation, over a second of YAML parsing. The file does not change while
    the context is open: read it once."""
    provider = context.config_provider.get_provider(_ConfigurationVariablesConfigurationProvider)
    if provider is not None:
        values = provider.get_values()
        provider.get_values = lambda: dict(values)


def _site_config(data_docs_dir: Path, listed: int | None = None) -> dict:
    """The Data Docs site in `data_docs_dir`; its index lists the `listed` latest validation results (all
    when None)."""
    index_builder = {"class_name": "DefaultSiteIndexBuilder"}
    if listed:
        index_builder["validation_results_limit"] = listed
    return {"class_name": "SiteBuilder", "site_index_builder": index_builder,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(data_docs_dir.resolve())}}


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
        actions=[],  # Data Docs are built once per run by run_checkpoint (UpdateDataDocsAction: once per suite)
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


@dataclass(frozen=True)
class PreparedCheckpoint:
    """What `prepare_checkpoint` sets up, and for which folders."""

    context_dir: Path
    data_docs_dir: Path
    context: Any
    checkpoint: gx.Checkpoint

    def is_for(self, context_dir: Path, data_docs_dir: Path) -> bool:
        return (self.context_dir.resolve(), self.data_docs_dir.resolve()) == \
            (Path(context_dir).resolve(), Path(data_docs_dir).resolve())


def prepare_checkpoint(context_dir: Path, data_docs_dir: Path) -> PreparedCheckpoint:
    """The context (`open_context`) and the checkpoint over its suites (`build_checkpoint`): what a validation
    sets up before it reads a row. Nothing here reads the warehouse, so it can be done ahead, e.g. while dbt
    builds the check results (`run_checkpoint`'s `prepared`)."""
    context = open_context(Path(context_dir), Path(data_docs_dir))
    return PreparedCheckpoint(Path(context_dir), Path(data_docs_dir), context, build_checkpoint(context))


def run_checkpoint(frame: pd.DataFrame, data_docs_dir: Path, context_dir: Path, run_name: str,
                   chunk_rows: int = DEFAULT_CHUNK_ROWS,
                   prepared: Future | None = None) -> tuple[dict[tuple[str, str], list[str]], tuple[str, ...]]:
    """Validate the rows of `frame` with every suite, `chunk_rows` rows per checkpoint run (all named
    `run_name`), store the results in the context, build their Data Docs pages (and make the pages this run
    built work offline). Returns the check_result_id of every unexpected row per (check_code, kind of
    expectation) and the suites, in the order they ran. `prepared`: the future of a `prepare_checkpoint`
    started earlier, whose context and checkpoint are used when they are for these folders (when it failed,
    they are set up again here, and that raises if it is still failing)."""
    ready = None
    if prepared is not None:
        try:
            ready = prepared.result()
        except Exception:  # noqa: BLE001 - set up again below, which raises what is still wrong
            log.warning("the checkpoint prepared ahead failed: setting it up again", exc_info=True)
    if ready is None or not ready.is_for(context_dir, data_docs_dir):
        ready = prepare_checkpoint(context_dir, data_docs_dir)
    context, checkpoint = ready.context, ready.checkpoint
    started = time.time()
    unexpected: dict[tuple[str, str], list[str]] = {}
    suites: tuple[str, ...] = ()
    shown = []
    for first in range(0, max(len(frame), 1), max(1, chunk_rows)):
        chunk = frame.iloc[first:first + chunk_rows].reset_index(drop=True)
        run = checkpoint.run(batch_parameters=batch_parameters(chunk), run_id=RunIdentifier(run_name=run_name))
        chunk_unexpected, suites = unexpected_rows(run)
        for key, ids in chunk_unexpected.items():
            unexpected.setdefault(key, []).extend(ids)
        shown.extend(run.run_results)
        del run  # its results hold every unexpected row of the chunk
    # One build for the whole run. GX's UpdateDataDocsAction builds the site, index and all, once per
    # validation result: ten times, about 4 s each at any batch size. The index lists this run's results only:
    # GX reads back every result it lists, and they pile up run after run (a first run's hold every row that
    # failed), while each run's page shows only the rows it validated; the older pages stay in the site.
    context.update_data_docs_site(DATA_DOCS_SITE, _site_config(data_docs_dir, listed=len(shown)))
    context.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=[
        *shown, *(ExpectationSuiteIdentifier(name=name) for name in suites)])
    make_offline(data_docs_dir, since=started - 1)  # the pages this run (re)built load nothing from the network
    return unexpected, suites


def unexpected_rows(run) -> tuple[dict[tuple[str, str], list[str]], tuple[str, ...]]:
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
    return unexpected, tuple(suites)
