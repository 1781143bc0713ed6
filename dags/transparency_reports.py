"""Government information disclosure annual reports: inbox → object storage → extraction → DuckDB → dbt → GX
→ findings → one digest to the maintainers.

Thin by design: one task per step of `pipeline.steps.STEPS`, in that order; the work happens in the steps,
which import their heavy libraries (duckdb, great_expectations, the parsers) only when they run.
"""
from __future__ import annotations

import os

import pendulum
from airflow.sdk import dag, task

from pipeline.notify import alert_task_failure
from pipeline.steps import STEPS, Step

DOC_MD = """
### transparency_reports

Turns 政府信息公开工作年度报告 (government information disclosure annual reports) into a warehouse of their
statistical tables and tells maintainers when a report's printed numbers do not add up.

Who does what: dbt computes every check of the spec (`marts.fct_check_results`); Great Expectations validates
those results (one suite per check of the catalogue) and publishes Data Docs; the findings history decides what
is new; one notifier sends one digest. The tasks, one per step of `pipeline/steps.py`, in order:

{tasks}

Extraction is mapped over batches of documents (`EXTRACT_BATCH_SIZE`); a document that cannot be read is
marked failed and copied under `quarantine/`, the others go on. A failed check is a finding, never a failure
of the run. A task that fails for a technical reason sends a technical alert through the same sinks
(`on_failure_callback`).

Rerunning gives the same warehouse and, with nothing new, sends nothing. Configuration: see `.env.example`.
""".format(tasks="\n".join(f"{number}. **{step.name}**: {step.doc}" for number, step in enumerate(STEPS, 1)))


def _values(upstream):
    """A mapped task's outputs arrive as a lazy sequence: read it by position (iterating it probes one past
    its end and logs an XCom 404)."""
    return [upstream[i] for i in range(len(upstream))]


def _task(step: Step, after_mapped: bool):
    def run(upstream=None):
        if upstream is None:
            return step.run()
        return step.run(_values(upstream) if after_mapped else upstream)

    return task(run, task_id=step.name, doc_md=step.doc, trigger_rule=step.trigger_rule)


@dag(
    dag_id="transparency_reports",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["transparency", "extraction", "duckdb", "dbt"],
    doc_md=DOC_MD,
    default_args={"retries": int(os.getenv("PIPELINE_TASK_RETRIES", "1")),
                  "retry_delay": pendulum.duration(minutes=1),
                  "on_failure_callback": alert_task_failure},
)
def transparency_reports():
    output, previous = None, None
    for step in STEPS:
        make = _task(step, after_mapped=bool(previous and previous.mapped))
        if output is None:
            output = make()
        elif step.mapped:
            output = make.expand(upstream=output)
        else:
            output = make(output)
        previous = step


transparency_reports()
