"""Pipeline configuration, read from the environment with defaults that work on a fresh clone.

Every variable is listed in `.env.example` with its default and meaning. Relative paths are resolved
against the project root (`PROJECT_ROOT`, default: the checkout this package lives in), so `make run`
works from any working directory.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    value = os.getenv(name)
    return default if value is None or value.strip() == "" else value.strip()


# the settings that make the notifier send somewhere outside the machine (the tests clear them all)
ALERT_CHANNEL_SETTINGS = (
    "ALERT_WEBHOOK_URL", "DINGTALK_WEBHOOK_URL", "DINGTALK_SECRET", "WECOM_WEBHOOK_URL", "FEISHU_WEBHOOK_URL",
    "FEISHU_SECRET", "SMTP_HOST", "SMTP_PORT", "SMTP_TO", "SMTP_FROM", "SMTP_SSL", "SMTP_STARTTLS", "SMTP_USER",
    "SMTP_PASSWORD", "SMTP_CA_FILE",
)


# one per core, at most 4: each holds a parser's memory (about 200 MiB for a large PDF)
DEFAULT_EXTRACT_PROCESSES = min(os.cpu_count() or 1, 4)


class SettingsError(ValueError):
    """A setting whose value cannot work; the message names the setting (and never quotes a secret)."""


def _flag(name: str, default: str = "false") -> bool:
    return _env(name, default).lower() in ("1", "true", "yes")


def _webhook_url(name: str) -> str:
    """An http(s) URL with a host, or empty. Checked here so that a typo fails the run at once, not the first
    alert; the URL itself is not quoted (its path and query are the webhook's secret)."""
    value = _env(name)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http:// or https:// URL with a host "
                            f"(it has scheme {parts.scheme.lower() or 'none'!r}"
                            f"{'' if parts.hostname else ' and no host'})")
    return value


MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", flags=re.IGNORECASE)  # DuckDB's sizes


def _memory_size(name: str, default: str) -> str:
    """A DuckDB memory size such as 512MB or 2GiB, checked here so that a typo fails at once."""
    value = _env(name, default).replace(" ", "")
    if not MEMORY_SIZE.fullmatch(value):
        raise SettingsError(f"{name} must be a size such as 512MB or 2GiB (it is {value!r})")
    return value


def half_memory_size(size: str) -> str:
    """Half of a DuckDB memory size (512MB -> 256MB, 1.5GiB -> 0.75GiB)."""
    number, unit = MEMORY_SIZE.fullmatch(size).groups()
    return f"{float(number) / 2:g}{unit}"


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
    review_corrections_path: Path
    quality_report_path: Path
    publish_path: Path  # the snapshot BI tools read (pipeline/publish.py)
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
    smtp_ssl: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_ca_file: str = ""  # a CA bundle (PEM) trusted instead of the system's CAs
    dingtalk_webhook_url: str = ""
    dingtalk_secret: str = ""
    wecom_webhook_url: str = ""
    feishu_webhook_url: str = ""
    feishu_secret: str = ""
    quality_report_url: str = ""  # where maintainers open the quality report; the summary of a long digest links it
    notify_max_parts: int = 5
    warehouse_lock_timeout_seconds: float = 60.0
    warehouse_memory_limit: str = "512MB"  # DuckDB's memory_limit in dbt; half of it in the run's own process
    s3_connect_timeout_seconds: float = 5.0
    s3_read_timeout_seconds: float = 30.0
    s3_max_attempts: int = 4
    force_reextract: bool = False  # extract every document again even when its result is stored
    # processes parsing documents in a run in one process (`python -m pipeline run`, `rebuild`): one_process.
    # ExtractionAhead; 1 parses in the run's own process. Under Airflow's executors the mapped tasks fan out instead
    extract_processes: int = 1
    schedule: str = "@daily"  # the DAG's schedule (a cron expression or preset; "none": manual runs only)

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_bucket)

    @property
    def inbox_is_s3(self) -> bool:
        return self.inbox.startswith("s3://")

    @property
    def in_process_memory_limit(self) -> str:
        """DuckDB's memory_limit in the pipeline's own process (the findings database, the quality report, the
        snapshot export): half of WAREHOUSE_MEMORY_LIMIT, because that process also holds GX and what the
        validation left (about 450 MiB at 10,000 reports) while dbt's process holds nothing else."""
        return half_memory_size(self.warehouse_memory_limit)

    @property
    def log_path(self) -> Path:
        return self.var_path / "logs"

    @property
    def dag_schedule(self) -> str | None:
        return None if self.schedule.lower() == "none" else self.schedule

    @property
    def run_lock_path(self) -> Path:
        """Held by a `python -m pipeline run|rebuild|reextract` while it runs: one run at a time."""
        return self.var_path / "pipeline.lock"

    @property
    def gx_context_path(self) -> Path:
        return self.var_path / "gx"

    @property
    def dbt_docs_path(self) -> Path:
        """dbt's documentation site (one static page), published next to the quality report."""
        return self.quality_report_path.parent / "dbt-docs" / "index.html"

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
    smtp_ssl, smtp_starttls, smtp_user = _flag("SMTP_SSL"), _flag("SMTP_STARTTLS"), _env("SMTP_USER")
    if smtp_ssl and smtp_starttls:
        raise SettingsError("SMTP_SSL and SMTP_STARTTLS are both set: choose one (SMTP_SSL for implicit TLS, "
                            "usually port 465; SMTP_STARTTLS to upgrade a plain connection, usually port 587)")
    if smtp_user and not (smtp_ssl or smtp_starttls):
        raise SettingsError("SMTP_USER is set but neither SMTP_SSL nor SMTP_STARTTLS: the password would cross "
                            "the network in clear text")
    return Settings(
        project_root=root,
        warehouse_path=_path(root, _env("WAREHOUSE_PATH", str(var / "warehouse.duckdb"))),
        object_store_path=_path(root, _env("OBJECT_STORE_PATH", str(var / "object-store"))),
        inbox=inbox,
        alerts_path=_path(root, _env("ALERTS_PATH", str(var / "alerts.jsonl"))),
        data_docs_path=_path(root, _env("DATA_DOCS_PATH", str(var / "data-docs"))),
        var_path=var,
        findings_db_path=_path(root, _env("FINDINGS_DB_PATH", str(var / "findings.duckdb"))),
        review_decisions_path=_path(root, _env("REVIEW_DECISIONS_PATH", "reviews/decisions.csv")),
        review_corrections_path=_path(root, _env("REVIEW_CORRECTIONS_PATH", "reviews/corrections.csv")),
        quality_report_path=_path(root, _env("QUALITY_REPORT_PATH", str(var / "quality-report" / "index.html"))),
        publish_path=_path(root, _env("PUBLISH_PATH", str(var / "publish"))),
        dbt_project_dir=_path(root, _env("DBT_PROJECT_DIR", "dbt_project")),
        batch_size=max(1, int(_env("EXTRACT_BATCH_SIZE", "10"))),
        s3_bucket=_env("S3_BUCKET"),
        s3_prefix=_env("S3_PREFIX").strip("/"),
        s3_endpoint_url=_env("S3_ENDPOINT_URL"),
        s3_region=_env("AWS_DEFAULT_REGION", "us-east-1"),
        aws_conn_id=_env("S3_AIRFLOW_CONN_ID"),
        webhook_url=_webhook_url("ALERT_WEBHOOK_URL"),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=int(_env("SMTP_PORT", "465" if smtp_ssl else "25")),
        smtp_from=_env("SMTP_FROM", "pipeline@localhost"),
        smtp_to=tuple(a.strip() for a in _env("SMTP_TO").split(",") if a.strip()),
        smtp_starttls=smtp_starttls,
        smtp_ssl=smtp_ssl,
        smtp_user=smtp_user,
        smtp_password=os.getenv("SMTP_PASSWORD") or "",  # not stripped: a password may end in a space
        smtp_ca_file=str(_path(root, _env("SMTP_CA_FILE"))) if _env("SMTP_CA_FILE") else "",
        dingtalk_webhook_url=_webhook_url("DINGTALK_WEBHOOK_URL"),
        dingtalk_secret=_env("DINGTALK_SECRET"),
        wecom_webhook_url=_webhook_url("WECOM_WEBHOOK_URL"),
        feishu_webhook_url=_webhook_url("FEISHU_WEBHOOK_URL"),
        feishu_secret=_env("FEISHU_SECRET"),
        quality_report_url=_env("QUALITY_REPORT_URL"),
        notify_max_parts=max(1, int(_env("NOTIFY_MAX_PARTS", "5"))),
        notify_retries=max(1, int(_env("NOTIFY_RETRIES", "3"))),
        notify_retry_delay_seconds=float(_env("NOTIFY_RETRY_DELAY_SECONDS", "1")),
        warehouse_lock_timeout_seconds=max(0.0, float(_env("WAREHOUSE_LOCK_TIMEOUT_SECONDS", "60"))),
        warehouse_memory_limit=_memory_size("WAREHOUSE_MEMORY_LIMIT", "512MB"),
        s3_connect_timeout_seconds=float(_env("S3_CONNECT_TIMEOUT_SECONDS", "5")),
        s3_read_timeout_seconds=float(_env("S3_READ_TIMEOUT_SECONDS", "30")),
        s3_max_attempts=max(1, int(_env("S3_MAX_ATTEMPTS", "4"))),
        force_reextract=_env("PIPELINE_FORCE_REEXTRACT", "false").lower() in ("1", "true", "yes"),
        schedule=_env("PIPELINE_SCHEDULE", "@daily"),
        extract_processes=max(1, int(_env("EXTRACT_PROCESSES", str(DEFAULT_EXTRACT_PROCESSES)))),
    )
