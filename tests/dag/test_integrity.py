"""The DAG folder imports cleanly and the DAG is the chain of pipeline.steps.STEPS, documented."""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from pipeline.steps import STEPS
from tests.support.pipeline_env import DAGS_DIR, ROOT, load_dag

EXPECTED_ORDER = [step.name for step in STEPS]


@pytest.fixture(scope="module")
def dag():
    return load_dag("transparency_reports")


def test_every_dag_file_imports_without_errors_and_is_named_after_its_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))

    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == sorted(p.stem for p in DAGS_DIR.glob("*.py"))


def test_the_step_list_names_what_each_task_does_from_discovery_to_the_quality_report():
    assert EXPECTED_ORDER == ["discover_documents", "land_raw_files", "extract_documents", "load_landing",
                              "build_warehouse", "validate_checks", "record_findings", "notify_maintainers",
                              "publish_quality_report"]


def test_the_tasks_are_the_steps_chained_in_the_order_of_the_list(dag):
    assert sorted(dag.task_ids) == sorted(EXPECTED_ORDER)
    for upstream, downstream in zip(EXPECTED_ORDER, EXPECTED_ORDER[1:]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert [t.task_id for t in dag.topological_sort()] == EXPECTED_ORDER  # raises on a cycle


def test_extraction_fans_out_over_batches_with_dynamic_task_mapping(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert [s.name for s in STEPS if s.mapped] == ["extract_documents"]
    for step in STEPS:
        assert isinstance(dag.get_task(step.name), MappedOperator) is step.mapped, step.name


def test_an_empty_inbox_still_builds_the_warehouse(dag):
    # no batch maps no extraction task (skipped); the load after it must run anyway
    assert str(dag.get_task("load_landing").trigger_rule) in ("none_failed", "TriggerRule.NONE_FAILED")
    assert {str(dag.get_task(s.name).trigger_rule) for s in STEPS if s.name != "load_landing"} <= {
        "all_success", "TriggerRule.ALL_SUCCESS"}


def test_the_dag_and_every_task_are_documented_from_the_steps_and_do_not_catch_up(dag):
    assert "transparency_reports" in dag.doc_md
    assert dag.catchup is False
    for number, step in enumerate(STEPS, 1):
        assert len(step.doc) > 40, f"{step.name} has no docstring"
        assert dag.get_task(step.name).doc_md == step.doc
        assert f"{number}. **{step.name}**: {step.doc}" in dag.doc_md


def test_the_readme_lists_the_tasks_in_the_order_of_the_steps():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = [line.split("**")[1] for line in readme.splitlines() if line[:1].isdigit() and ". **" in line[:6]]
    assert listed == EXPECTED_ORDER


def test_the_dag_file_imports_nothing_heavy_at_top_level():
    tree = ast.parse((DAGS_DIR / "transparency_reports.py").read_text(encoding="utf-8"))
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            top_level.add((node.module or "").split(".")[0])

    assert top_level <= {"__future__", "os", "pendulum", "airflow", "pipeline"}


def test_parsing_the_dag_file_imports_no_heavy_library():
    """The scheduler parses the file often: the step list it imports must not pull in GX, duckdb, boto3
    or the parsers (the steps import them when they run)."""
    probe = ("import runpy, sys; runpy.run_path(sys.argv[1]); "
             "print(sorted(m for m in ('great_expectations', 'duckdb', 'boto3', 'pandas', 'pdfplumber', 'docx') "
             "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe, str(DAGS_DIR / "transparency_reports.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "[]"
