"""Alerts to maintainers: identity breaches found in a run, sent to one or more sinks.

Sinks: a JSON-lines file (always on, default `var/alerts.jsonl`), a Slack-compatible webhook
(`ALERT_WEBHOOK_URL`) and SMTP (`SMTP_HOST`, `SMTP_TO`). Each delivery is retried with a delay; a sink that
still fails is logged and its alerts are appended to `<alerts file>.undelivered.jsonl` with the error, so a
failing sink never loses the findings; every later run first sends those alerts to their sink again and
keeps in that file only the ones still undelivered.

The webhook URL usually carries a token: it never appears in errors, logs or the undelivered file (only its
scheme and host do).

The alerts file is also the ledger: an alert whose id is already in it was sent by an earlier run and is not
sent again, so rerunning the pipeline does not page maintainers twice for the same breach.
"""
from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import time
import os
import tempfile
import urllib.request
from urllib.parse import urlsplit
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from .config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    """One failed identity of one document: what a maintainer needs to find and check it."""

    agency: str | None
    year: int | None
    identity: int
    scope: str  # the row (identities 3, 4) or column (identities 1, 2) it was evaluated on
    lhs: float | None
    rhs: float | None
    object_key: str | None  # the raw document in object storage
    document_hash: str
    original_name: str | None = None
    scope_kind: str | None = None  # "row" or "column"
    check_name: str | None = None
    compared_document_hash: str | None = None  # identity 5: the previous year's report
    message: str = ""
    alert_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.alert_id:
            basis = f"{self.document_hash}|{self.identity}|{self.scope}|{self.lhs}|{self.rhs}"
            object.__setattr__(self, "alert_id", hashlib.sha256(basis.encode()).hexdigest()[:16])
        if not self.message:
            object.__setattr__(self, "message", describe(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Alert":
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(value: float | None) -> str:
    if value is None:
        return "blank"
    return f"{value:g}"


def describe(alert: Alert) -> str:
    who = f"{alert.agency or 'unknown agency'} {alert.year or 'unknown year'}"
    where = f"{alert.scope_kind} {alert.scope}" if alert.scope_kind else alert.scope
    return (f"{who}: identity {alert.identity} fails on {where}: {_num(alert.lhs)} != {_num(alert.rhs)} "
            f"(raw object {alert.object_key})")


class Sink(Protocol):
    name: str

    def send(self, alerts: list[Alert]) -> None: ...


class FileSink:
    """One JSON object per line, appended."""

    name = "file"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def sent_ids(self) -> set[str]:
        if not self.path.is_file():
            return set()
        ids = set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                ids.add(json.loads(line)["alert_id"])
            except (ValueError, KeyError, TypeError):
                continue
        return ids

    def send(self, alerts: list[Alert]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        sent_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        with self.path.open("a", encoding="utf-8") as fh:
            for alert in alerts:
                fh.write(json.dumps({**alert.to_dict(), "sent_at": sent_at}, ensure_ascii=False) + "\n")


class WebhookSink:
    """A Slack-compatible incoming webhook: POST {"text": ..., "alerts": [...]} as JSON."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout

    @property
    def safe_url(self) -> str:
        """Scheme and host only: the path and query of a webhook URL are its secret."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"

    def send(self, alerts: list[Alert]) -> None:
        body = json.dumps({"text": summary_text(alerts), "alerts": [a.to_dict() for a in alerts]},
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
    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, recipients: Iterable[str], starttls: bool = False,
                 timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.recipients = list(recipients)
        self.starttls = starttls
        self.timeout = timeout

    def send(self, alerts: list[Alert]) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = f"[transparency reports] {len(alerts)} identity breach(es)"
        message.set_content(summary_text(alerts) + "\n\n" + json.dumps(
            [a.to_dict() for a in alerts], ensure_ascii=False, indent=1))
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            smtp.send_message(message)


def summary_text(alerts: list[Alert]) -> str:
    lines = [f"{len(alerts)} accounting identity breach(es) in government information disclosure reports:"]
    lines += [f"- {a.message}" for a in alerts]
    return "\n".join(lines)


def sinks_from_settings(settings: Settings) -> list[Sink]:
    sinks: list[Sink] = [FileSink(settings.alerts_path)]
    if settings.webhook_url:
        sinks.append(WebhookSink(settings.webhook_url))
    if settings.smtp_host and settings.smtp_to:
        sinks.append(SmtpSink(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_to,
                              settings.smtp_starttls))
    return sinks


def _with_retries(action: Callable[[], None], attempts: int, delay: float, what: str) -> Exception | None:
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


def notify(alerts: list[Alert], sinks: list[Sink], undelivered_path: str | Path, attempts: int = 3,
           retry_delay: float = 1.0) -> dict[str, Any]:
    """Send the alerts not already in the ledger (the first FileSink) to every sink.

    Returns {"new": n, "already_sent": n, "delivered": [sink names], "failed": {sink name: error}}.
    """
    ledger = next((s for s in sinks if isinstance(s, FileSink)), None)
    already = ledger.sent_ids() if ledger else set()
    unique = {a.alert_id: a for a in alerts}
    new = [a for a in unique.values() if a.alert_id not in already]
    outcome: dict[str, Any] = {"new": len(new), "already_sent": len(unique) - len(new), "delivered": [],
                               "failed": {}}
    outcome.update(retry_undelivered(sinks, Path(undelivered_path), attempts, retry_delay))
    if not new:
        return outcome
    # the ledger goes last: an alert is recorded as sent once the other sinks were tried
    ordered = [s for s in sinks if s is not ledger] + ([ledger] if ledger else [])
    for sink in ordered:
        error = _with_retries(lambda sink=sink: sink.send(new), attempts, retry_delay, f"alert sink {sink.name}")
        if error is None:
            outcome["delivered"].append(sink.name)
            continue
        log.error("alert sink %s failed after %d attempts: %s", sink.name, attempts, error)
        outcome["failed"][sink.name] = f"{type(error).__name__}: {error}"
        _keep_undelivered(Path(undelivered_path), sink.name, error, new)
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
        if isinstance(entry, dict) and entry.get("sink") and entry.get("alert_id"):
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
    """Send the alerts an earlier run could not deliver to their sink again. Alerts of a sink that fails
    again, or is no longer configured, stay in the file for the next run."""
    entries = _read_undelivered(path)
    if not entries:
        return {"redelivered": {}, "still_undelivered": 0}
    by_sink: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in entries:
        by_sink.setdefault(entry["sink"], {})[entry["alert_id"]] = entry
    redelivered: dict[str, int] = {}
    remaining: list[dict[str, Any]] = []
    for sink_name, pending in by_sink.items():
        sink = next((s for s in sinks if s.name == sink_name), None)
        if sink is None:
            log.warning("%d undelivered alert(s) for sink %s, which is not configured: kept", len(pending), sink_name)
            remaining.extend(pending.values())
            continue
        alerts = [Alert.from_dict(entry) for entry in pending.values()]
        error = _with_retries(lambda sink=sink: sink.send(alerts), attempts, retry_delay,
                              f"undelivered alerts to sink {sink_name}")
        if error is None:
            redelivered[sink_name] = len(alerts)
            log.info("delivered %d alert(s) an earlier run could not send to %s", len(alerts), sink_name)
        else:
            log.error("alert sink %s still failing; %d alert(s) kept for the next run: %s",
                      sink_name, len(alerts), error)
            remaining.extend({**entry, "error": str(error)} for entry in pending.values())
    _rewrite(path, remaining)
    return {"redelivered": redelivered, "still_undelivered": len(remaining)}


def _keep_undelivered(path: Path, sink_name: str, error: Exception, alerts: list[Alert]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    failed_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    with path.open("a", encoding="utf-8") as fh:
        for alert in alerts:
            fh.write(json.dumps({**alert.to_dict(), "sink": sink_name, "error": str(error),
                                 "failed_at": failed_at}, ensure_ascii=False) + "\n")


def notify_from_settings(settings: Settings, alerts: list[Alert]) -> dict[str, Any]:
    undelivered = settings.alerts_path.with_name(settings.alerts_path.stem + ".undelivered.jsonl")
    return notify(alerts, sinks_from_settings(settings), undelivered, settings.notify_retries,
                  settings.notify_retry_delay_seconds)
