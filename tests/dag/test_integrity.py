"""The DAG folder imports cleanly and the DAG has the documented shape."""
from __future__ import annotations

import ast

import pytest

from tests.support.pipeline_env import DAGS_DIR, load_dag

EXPECTED_ORDER = [
    "discover_documents",
    "land_raw_files",
    "extract_documents",
    "load_staging",
    "dbt_build",
    "validate_identities",
    "notify_maintainers",
]


@pytest.fixture(scope="module")
def dag():
    return load_dag("transparency_reports")


def test_every_dag_file_imports_without_errors_and_is_named_after_its_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))

    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == sorted(p.stem for p in DAGS_DIR.glob("*.py"))


def test_the_tasks_form_one_chain_from_discovery_to_notification(dag):
    assert sorted(dag.task_ids) == sorted(EXPECTED_ORDER)
    for upstream, downstream in zip(EXPECTED_ORDER, EXPECTED_ORDER[1:]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert [t.task_id for t in dag.topological_sort()] == EXPECTED_ORDER  # raises on a cycle


def test_extraction_fans_out_over_batches_with_dynamic_task_mapping(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("extract_documents"), MappedOperator)
    assert not any(isinstance(dag.get_task(t), MappedOperator) for t in EXPECTED_ORDER if t != "extract_documents")


def test_the_dag_and_every_task_are_documented_and_do_not_catch_up(dag):
    assert "transparency_reports" in dag.doc_md
    assert dag.catchup is False
    for task in dag.tasks:
        doc = task.doc_md
        assert doc and len(doc) > 20, f"{task.task_id} has no docstring"


def test_the_dag_file_imports_nothing_heavy_at_top_level():
    tree = ast.parse((DAGS_DIR / "transparency_reports.py").read_text(encoding="utf-8"))
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            top_level.add((node.module or "").split(".")[0])

    assert top_level <= {"__future__", "os", "pendulum", "airflow"}
