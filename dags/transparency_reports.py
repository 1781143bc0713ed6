"""Government information disclosure annual reports: inbox → object storage → extraction → DuckDB → dbt → GX.

Thin by design: every task calls `pipeline.steps`; heavy imports happen inside the tasks.
"""
from __future__ import annotations

import os

import pendulum
from airflow.sdk import dag, task

DOC_MD = """
### transparency_reports

Turns 政府信息公开工作年度报告 (government information disclosure annual reports) into a warehouse of their
statistical tables and tells maintainers when a report's printed numbers do not add up.

1. **discover_documents** lists the inbox (`PIPELINE_INBOX`: a folder, default `data/samples`, or `s3://bucket/prefix`).
2. **land_raw_files** stores each document in object storage under `raw/<sha256[:2]>/<sha256>` with its original
   name and arrival time, and splits the documents into batches (`EXTRACT_BATCH_SIZE`).
3. **extract_documents** runs once per batch (dynamic task mapping); a document that cannot be read is
   marked failed and copied under `quarantine/`, the others go on.
4. **load_staging** loads `landing.documents` / `landing.cells` in DuckDB (`WAREHOUSE_PATH`), idempotently.
5. **dbt_build** builds the dbt models (staging → intermediate → marts) and runs their tests.
6. **validate_identities** checks the accounting identities (Great Expectations); a breach is a finding,
   never a failure of the run.
7. **notify_maintainers** records every check's findings (identities 1-5 and the plausibility warnings)
   with stable fingerprints in `findings.fct_findings`, applies the maintainers' decisions
   (`REVIEW_DECISIONS_PATH`), sends ONE digest of the new or reopened, non-dismissed findings to the alerts
   file (one line per alert), and to a webhook / SMTP when configured, and writes the HTML quality report
   under var/.

A task that fails for a technical reason sends a technical alert through the same sinks (`on_failure_callback`).

Rerunning gives the same warehouse. Configuration: see `.env.example`.
"""


def alert_task_failure(context) -> None:
    """A task that failed for a technical reason alerts the maintainers through the same sinks."""
    from pipeline.review import alert_task_failure as send_technical_alert

    send_technical_alert(context)


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
    @task
    def discover_documents() -> list[dict]:
        """List the documents waiting in the inbox (a folder or an S3 prefix)."""
        from pipeline import steps

        return steps.discover_documents()

    @task
    def land_raw_files(items: list[dict]) -> list[list[dict]]:
        """Land each document in object storage under its sha256, with its original name and arrival time;
        return the landed documents in batches for extraction."""
        from pipeline import steps

        return steps.land_raw_files(items)

    # a mapped task does not take its docs from the docstring: pass them explicitly
    @task(doc_md="Extract one batch of landed documents; quarantine the ones that cannot be read.")
    def extract_documents(batch: list[dict]) -> list[dict]:
        """Extract one batch of landed documents; quarantine the ones that cannot be read."""
        from pipeline import steps

        return steps.extract_documents(batch)

    # none_failed: an empty inbox maps no extraction task, and the warehouse is still built
    @task(trigger_rule="none_failed")
    def load_staging(summaries: list[list[dict]]) -> dict:
        """Load the extraction results into the DuckDB staging tables (delete-then-insert per document)."""
        from pipeline import steps

        # index by position: iterating the lazy sequence probes one past its end and logs an XCom 404
        return steps.load_staging([summaries[i] for i in range(len(summaries))])

    @task
    def dbt_build(staged: dict) -> dict:
        """Build and test the dbt models over the staging tables (dbt runs as a subprocess)."""
        from pipeline import steps

        return steps.dbt_build()

    @task
    def validate_identities(built: dict) -> dict:
        """Check the accounting identities with the Great Expectations checkpoint; breaches become findings."""
        from pipeline import steps

        return steps.validate_identities()

    @task
    def notify_maintainers(validation: dict) -> dict:
        """Send one digest of the new findings to the maintainers (alerts file, webhook, SMTP)."""
        from pipeline import steps

        return steps.notify_maintainers(validation)

    batches = land_raw_files(discover_documents())
    extracted = extract_documents.expand(batch=batches)
    notify_maintainers(validate_identities(dbt_build(load_staging(extracted))))


transparency_reports()
