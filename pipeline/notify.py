"""Messages to maintainers: the one path every alert takes, whatever produced it.

A run sends at most one `Digest` (its new or reopened findings, built by pipeline/digest.py), and a failing
Airflow task sends a technical one (`alert_task_failure`, the DAG's `on_failure_callback`); both go through
the same sinks:
  file     always on: one JSON line per alert in `ALERTS_PATH` (default `var/alerts.jsonl`; a technical
           alert is one line of kind "technical"), plus the digest as text in `<var>/digests/<kind>-<run>.txt`
           and one line in `<var>/digests/digests.jsonl` (the human-readable copy and its record);
  webhook  `ALERT_WEBHOOK_URL`, Slack-compatible: one POST {"text": ..., "kind": ..., "alerts": [...]} per digest;
  smtp     `SMTP_HOST` + `SMTP_TO`: one mail per digest.
Each delivery is retried (`NOTIFY_RETRIES`, `NOTIFY_RETRY_DELAY_SECONDS`); a sink that still fails is logged,
named in the outcome, and the digest it did not take is appended to `<alerts file stem>.undelivered.jsonl`.
Every later delivery first sends those digests to their sink again and keeps only the ones still undelivered.

The webhook URL usually carries a token: it never appears in errors, logs or the undelivered file (only its
scheme and host do).
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import urlsplit

from .config import Settings, load_settings
from .digest import technical_digest
from .messages import Digest

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str

    def send(self, digest: Digest) -> None: ...


def _now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _safe_name(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id)[:120]


class FileSink:
    """One JSON object per alert, appended to the alerts file; with `digest_dir`, also the digest's text and
    a record of it (run, kind, fingerprints) in `digests.jsonl`."""

    name = "file"

    def __init__(self, path: str | Path, digest_dir: str | Path | None = None):
        self.path = Path(path)
        self.digest_dir = Path(digest_dir) if digest_dir is not None else None

    def send(self, digest: Digest) -> None:
        sent_at = _now_iso()
        if self.digest_dir is not None:
            self._write_copy(digest, sent_at)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if digest.alerts:
            lines = [{**a.to_dict(), "run_id": digest.run_id, "sent_at": sent_at} for a in digest.alerts]
        else:
            lines = [{"kind": digest.kind, "run_id": digest.run_id, "subject": digest.subject,
                      "message": digest.text, "sent_at": sent_at}]
        with self.path.open("a", encoding="utf-8") as fh:
            for line in lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _write_copy(self, digest: Digest, sent_at: str) -> None:
        self.digest_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{digest.kind}-{_safe_name(digest.run_id)}"
        (self.digest_dir / f"{stem}.txt").write_text(digest.text + "\n", encoding="utf-8")
        record = {"run_id": digest.run_id, "kind": digest.kind, "subject": digest.subject, "sent_at": sent_at,
                  "fingerprints": [a.fingerprint or a.alert_id for a in digest.alerts], "text_file": f"{stem}.txt"}
        with (self.digest_dir / "digests.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


class WebhookSink:
    """A Slack-compatible incoming webhook: POST {"text": ..., "kind": ..., "alerts": [...]} as JSON."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout

    @property
    def safe_url(self) -> str:
        """Scheme and host only: the path and query of a webhook URL are its secret."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"

    def send(self, digest: Digest) -> None:
        body = json.dumps({"text": digest.text, "kind": digest.kind, "alerts": [a.to_dict() for a in digest.alerts]},
                          ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # raises on 4xx/5xx
                response.read()
        except Exception as exc:
            # `from None`: the original error (and its traceback in logs) may quote the full URL
            message = str(exc).replace(self.url, self.safe_url)
            raise ConnectionError(f"webhook {self.safe_url}: {type(exc).__name__}: {message}") from None


class SmtpSink:
    """One mail per digest."""

    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, recipients: Iterable[str], starttls: bool = False,
                 timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.recipients = list(recipients)
        self.starttls = starttls
        self.timeout = timeout

    def send(self, digest: Digest) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = digest.subject
        message.set_content(digest.text)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            smtp.send_message(message)


def sinks_from_settings(settings: Settings) -> list[Sink]:
    sinks: list[Sink] = [FileSink(settings.alerts_path, settings.digests_path)]
    if settings.webhook_url:
        sinks.append(WebhookSink(settings.webhook_url))
    if settings.smtp_host and settings.smtp_to:
        sinks.append(SmtpSink(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_to,
                              settings.smtp_starttls))
    return sinks


def with_retries(action: Callable[[], None], attempts: int, delay: float, what: str) -> Exception | None:
    """Run `action` up to `attempts` times; return the last error, or None on success."""
    error: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            action()
            return None
        except Exception as exc:  # any failure of a sink is retried, then reported
            error = exc
            log.warning("%s: attempt %d/%d failed: %s", what, attempt, attempts, exc)
            if attempt < attempts:
                time.sleep(delay * attempt)
    return error


def deliver(digest: Digest | None, sinks: list[Sink], undelivered: str | Path, attempts: int = 3,
            retry_delay: float = 1.0) -> dict[str, Any]:
    """Send what earlier runs could not deliver, then `digest` (if any) to every sink, each with retries.

    Returns {"delivered": [sink names], "failed": {sink name: error}, "redelivered": {sink name: alerts},
    "still_undelivered": alerts}.
    """
    undelivered = Path(undelivered)
    outcome: dict[str, Any] = {"delivered": [], "failed": {}}
    outcome.update(retry_undelivered(sinks, undelivered, attempts, retry_delay))
    if digest is None:
        return outcome
    for sink in sinks:
        error = with_retries(lambda sink=sink: sink.send(digest), attempts, retry_delay, f"alert sink {sink.name}")
        if error is None:
            outcome["delivered"].append(sink.name)
            continue
        log.error("alert sink %s failed after %d attempts (kept in %s): %s", sink.name, attempts, undelivered,
                  error)
        outcome["failed"][sink.name] = f"{type(error).__name__}: {error}"
        _keep_undelivered(undelivered, sink.name, error, digest)
    return outcome


def _read_undelivered(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("sink") and entry.get("text"):
            entries.append(entry)
    return entries


def _rewrite(path: Path, entries: list[dict[str, Any]]) -> None:
    """Replace the file in one rename, so that a run killed meanwhile loses nothing."""
    if not entries:
        path.unlink(missing_ok=True)
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def retry_undelivered(sinks: list[Sink], path: Path, attempts: int = 3, retry_delay: float = 1.0) -> dict[str, Any]:
    """Send the digests an earlier run could not deliver to their sink again. Those of a sink that fails
    again, or is no longer configured, stay in the file for the next run. Counts are in alerts."""
    entries = _read_undelivered(path)
    if not entries:
        return {"redelivered": {}, "still_undelivered": 0}
    redelivered: dict[str, int] = {}
    remaining: list[dict[str, Any]] = []
    for entry in entries:
        sink = next((s for s in sinks if s.name == entry["sink"]), None)
        digest = Digest.from_dict(entry)
        if sink is None:
            log.warning("an undelivered digest (%d alert(s)) for sink %s, which is not configured: kept",
                        digest.size, entry["sink"])
            remaining.append(entry)
            continue
        error = with_retries(lambda sink=sink: sink.send(digest), attempts, retry_delay,
                             f"undelivered digest to sink {sink.name}")
        if error is None:
            redelivered[sink.name] = redelivered.get(sink.name, 0) + digest.size
            log.info("delivered a digest (%d alert(s)) an earlier run could not send to %s", digest.size, sink.name)
        else:
            log.error("alert sink %s still failing; a digest (%d alert(s)) kept for the next run: %s",
                      sink.name, digest.size, error)
            remaining.append({**entry, "error": str(error)})
    _rewrite(path, remaining)
    return {"redelivered": redelivered,
            "still_undelivered": sum(Digest.from_dict(entry).size for entry in remaining)}


def _keep_undelivered(path: Path, sink_name: str, error: Exception, digest: Digest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"sink": sink_name, "error": str(error), "failed_at": _now_iso(), **digest.to_dict()},
                            ensure_ascii=False) + "\n")


def deliver_from_settings(digest: Digest | None, settings: Settings, sinks: list[Sink] | None = None) -> dict[str, Any]:
    return deliver(digest, sinks if sinks is not None else sinks_from_settings(settings), settings.undelivered_path,
                   settings.notify_retries, settings.notify_retry_delay_seconds)


def alert_task_failure(context: dict[str, Any]) -> None:
    """Airflow `on_failure_callback`: a task that fails for a technical reason alerts the maintainers
    through the same sinks as the findings digest. Never raises (a callback error would hide the task's own)."""
    try:
        ti = context.get("task_instance") or context.get("ti")
        dag_run = context.get("dag_run")
        error = context.get("exception")
        digest = technical_digest(
            run_id=str(getattr(dag_run, "run_id", None) or context.get("run_id") or "unknown-run"),
            dag_id=str(getattr(ti, "dag_id", None) or "transparency_reports"),
            task_id=str(getattr(ti, "task_id", None) or "unknown-task"),
            error=f"{type(error).__name__}: {error}" if error else "unknown error",
            log_url=getattr(ti, "log_url", None),
        )
        deliver_from_settings(digest, load_settings())
    except Exception:  # the callback must not mask the failure it reports
        log.exception("could not send the technical alert")
