"""Pipeline configuration, read from the environment with defaults that work on a fresh clone.

Every variable is listed in `.env.example` with its default and meaning. Relative paths are resolved
against the project root (`PROJECT_ROOT`, default: the checkout this package lives in), so `make run`
works from any working directory.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    value = os.getenv(name)
    return default if value is None or value.strip() == "" else value.strip()


def _path(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


@dataclass(frozen=True)
class Settings:
    project_root: Path
    warehouse_path: Path
    object_store_path: Path
    inbox: str  # a folder, or s3://bucket/prefix
    alerts_path: Path
    data_docs_path: Path
    var_path: Path
    findings_db_path: Path
    review_decisions_path: Path
    quality_report_path: Path
    dbt_project_dir: Path
    batch_size: int
    s3_bucket: str  # empty: use the local object store
    s3_prefix: str
    s3_endpoint_url: str
    s3_region: str
    aws_conn_id: str  # an Airflow connection holding the credentials; empty: the environment's
    webhook_url: str
    smtp_host: str
    smtp_port: int
    smtp_from: str
    smtp_to: tuple[str, ...]
    smtp_starttls: bool
    notify_retries: int
    notify_retry_delay_seconds: float
    warehouse_lock_timeout_seconds: float = 60.0
    s3_connect_timeout_seconds: float = 5.0
    s3_read_timeout_seconds: float = 30.0
    s3_max_attempts: int = 4

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_bucket)

    @property
    def inbox_is_s3(self) -> bool:
        return self.inbox.startswith("s3://")

    @property
    def log_path(self) -> Path:
        return self.var_path / "logs"

    @property
    def gx_context_path(self) -> Path:
        return self.var_path / "gx"

    @property
    def digests_path(self) -> Path:
        """The human-readable copy of every digest sent, and its record (digests.jsonl)."""
        return self.var_path / "digests"

    @property
    def undelivered_path(self) -> Path:
        """Digests a sink could not take, sent again by the next delivery."""
        return self.alerts_path.with_name(self.alerts_path.stem + ".undelivered.jsonl")


def load_settings() -> Settings:
    """Read the settings now (tests change the environment between runs, so nothing is cached)."""
    root = Path(_env("PROJECT_ROOT", str(PACKAGE_ROOT))).resolve()
    inbox = _env("PIPELINE_INBOX", "data/samples")
    if not inbox.startswith("s3://"):
        inbox = str(_path(root, inbox))
    var = _path(root, _env("PIPELINE_VAR_PATH", "var"))
    return Settings(
        project_root=root,
        warehouse_path=_path(root, _env("WAREHOUSE_PATH", "var/warehouse.duckdb")),
        object_store_path=_path(root, _env("OBJECT_STORE_PATH", "var/object-store")),
        inbox=inbox,
        alerts_path=_path(root, _env("ALERTS_PATH", "var/alerts.jsonl")),
        data_docs_path=_path(root, _env("DATA_DOCS_PATH", "var/data-docs")),
        var_path=var,
        findings_db_path=_path(root, _env("FINDINGS_DB_PATH", str(var / "findings.duckdb"))),
        review_decisions_path=_path(root, _env("REVIEW_DECISIONS_PATH", "reviews/decisions.csv")),
        quality_report_path=_path(root, _env("QUALITY_REPORT_PATH", str(var / "quality-report" / "index.html"))),
        dbt_project_dir=_path(root, _env("DBT_PROJECT_DIR", "dbt_project")),
        batch_size=max(1, int(_env("EXTRACT_BATCH_SIZE", "10"))),
        s3_bucket=_env("S3_BUCKET"),
        s3_prefix=_env("S3_PREFIX").strip("/"),
        s3_endpoint_url=_env("S3_ENDPOINT_URL"),
        s3_region=_env("AWS_DEFAULT_REGION", "us-east-1"),
        aws_conn_id=_env("S3_AIRFLOW_CONN_ID"),
        webhook_url=_env("ALERT_WEBHOOK_URL"),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=int(_env("SMTP_PORT", "25")),
        smtp_from=_env("SMTP_FROM", "pipeline@localhost"),
        smtp_to=tuple(a.strip() for a in _env("SMTP_TO").split(",") if a.strip()),
        smtp_starttls=_env("SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
        notify_retries=max(1, int(_env("NOTIFY_RETRIES", "3"))),
        notify_retry_delay_seconds=float(_env("NOTIFY_RETRY_DELAY_SECONDS", "1")),
        warehouse_lock_timeout_seconds=max(0.0, float(_env("WAREHOUSE_LOCK_TIMEOUT_SECONDS", "60"))),
        s3_connect_timeout_seconds=float(_env("S3_CONNECT_TIMEOUT_SECONDS", "5")),
        s3_read_timeout_seconds=float(_env("S3_READ_TIMEOUT_SECONDS", "30")),
        s3_max_attempts=max(1, int(_env("S3_MAX_ATTEMPTS", "4"))),
    )
