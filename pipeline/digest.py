"""One digest per run: the findings that are new or reopened (and not dismissed), grouped by agency, with
counts by check and severity; and technical alerts when a task fails. Both go through the same sinks.

Sinks (configured like pipeline/notify.py, from the same settings):
  file     always on: the digest as text in `<var>/digests/<run>.txt` and one JSON line in
           `<var>/digests/digests.jsonl` (the record of what was sent);
  webhook  `ALERT_WEBHOOK_URL`, Slack-compatible: POST {"text": ..., "findings": [...]};
  smtp     `SMTP_HOST` + `SMTP_TO`.
Every sink is retried (`NOTIFY_RETRIES`, `NOTIFY_RETRY_DELAY_SECONDS`); a sink that still fails is logged,
returned in the outcome (visible in the task's return value and log) and its digest appended to
`<var>/digests/undelivered.jsonl`. Findings count as alerted once the file sink wrote them, so a failing
webhook never loses a finding and a rerun does not repeat a digest.
"""
from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from .config import Settings
from .findings import CHECKS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digest:
    run_id: str
    subject: str
    text: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "findings"  # findings | technical


def _num(value: Any) -> str:
    if value is None:
        return "blank"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def location(finding: dict[str, Any]) -> str:
    where = finding.get("original_name") or "?"
    parts = [f"{where} ({finding.get('object_key') or 'no object key'})"]
    if finding.get("page") is not None:
        parts.append(f"page {finding['page']}")
    if finding.get("line") is not None:
        parts.append(f"line {finding['line']}")
    return ", ".join(parts)


def finding_line(finding: dict[str, Any], with_status: bool = True) -> str:
    check = finding["check_code"]
    scope = f"{finding.get('scope_kind')} {finding.get('scope')}"
    if finding["result"] == "incomplete":
        numbers = f"incomplete: {finding.get('detail') or finding.get('missing_cells')}"
    else:
        numbers = f"{_num(finding.get('lhs'))} vs {_num(finding.get('rhs'))}"
        if finding.get("detail"):
            numbers += f" ({finding['detail']})"
    status = ("reopened, " if (finding.get("times_reopened") or 0) > 0 else "new, ") if with_status else ""
    return (f"- [{finding['severity']}] {finding.get('year') or '?'} report, {check} on {scope}: {numbers}; "
            f"source {location(finding)}; {status}fingerprint {finding['fingerprint']}")


def build_digest(findings: list[dict[str, Any]], run_id: str) -> Digest | None:
    """None when there is nothing new: a rerun with nothing new sends nothing."""
    if not findings:
        return None
    by_severity = Counter(f["severity"] for f in findings)
    by_check = Counter(f["check_code"] for f in findings)
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_agency[finding.get("agency") or "(agency not read)"].append(finding)
    lines = [
        f"Government information disclosure reports, run {run_id}: {len(findings)} new or reopened finding(s) "
        f"in {len(by_agency)} agenc{'y' if len(by_agency) == 1 else 'ies'}.",
        "By severity: " + ", ".join(f"{s} {n}" for s, n in sorted(by_severity.items())),
        "By check: " + ", ".join(f"{c} {n}" for c, n in sorted(by_check.items())),
        "",
        "Checks:",
        *[f"  {code}: {CHECKS[code]}" for code in sorted(by_check) if code in CHECKS],
    ]
    for agency in sorted(by_agency):
        items = by_agency[agency]
        lines += ["", f"== {agency} ({len(items)})"]
        lines += [finding_line(f) for f in sorted(items, key=lambda f: (f.get("year") or 0, f["check_code"],
                                                                       str(f.get("scope"))))]
    lines += ["", "Dismiss a finding: add `<fingerprint>,dismissed,<note>` to the review file (REVIEW_DECISIONS_PATH)."]
    failures = by_severity.get("failure", 0)
    subject = (f"[transparency reports] {len(findings)} new finding(s)"
               + (f", {failures} failure(s)" if failures else ""))
    return Digest(run_id, subject, "\n".join(lines), findings)


def technical_digest(run_id: str, dag_id: str, task_id: str, error: str, log_url: str | None = None) -> Digest:
    text = (f"Pipeline failure (technical, not a finding): task {task_id} of DAG {dag_id}, run {run_id}, "
            f"failed: {error}" + (f"\nLog: {log_url}" if log_url else ""))
    return Digest(run_id, f"[transparency reports] task {task_id} failed", text, kind="technical")


class DigestSink(Protocol):
    name: str

    def send(self, digest: Digest) -> None: ...


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _safe_name(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id)[:120]


class DigestFileSink:
    name = "file"

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def send(self, digest: Digest) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{digest.kind}-{_safe_name(digest.run_id)}"
        (self.directory / f"{stem}.txt").write_text(digest.text + "\n", encoding="utf-8")
        record = {"run_id": digest.run_id, "kind": digest.kind, "subject": digest.subject,
                  "sent_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                  "fingerprints": [f["fingerprint"] for f in digest.findings], "text_file": f"{stem}.txt"}
        with (self.directory / "digests.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


class DigestWebhookSink:
    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url, timeout

    def send(self, digest: Digest) -> None:
        body = json.dumps({"text": digest.text, "kind": digest.kind, "findings": digest.findings},
                          ensure_ascii=False, default=_json_default).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()


class DigestSmtpSink:
    name = "smtp"

    def __init__(self, host: str, port: int, sender: str, recipients: tuple[str, ...], starttls: bool,
                 timeout: float = 10.0):
        self.host, self.port, self.sender, self.recipients = host, port, sender, list(recipients)
        self.starttls, self.timeout = starttls, timeout

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


def digest_dir(settings: Settings) -> Path:
    return settings.var_path / "digests"


def sinks_from_settings(settings: Settings) -> list[DigestSink]:
    sinks: list[DigestSink] = [DigestFileSink(digest_dir(settings))]
    if settings.webhook_url:
        sinks.append(DigestWebhookSink(settings.webhook_url))
    if settings.smtp_host and settings.smtp_to:
        sinks.append(DigestSmtpSink(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_to,
                                    settings.smtp_starttls))
    return sinks


def deliver(digest: Digest, sinks: list[DigestSink], undelivered_path: Path, attempts: int = 3,
            retry_delay: float = 1.0) -> dict[str, Any]:
    """Send to every sink with retries. Returns {"delivered": [names], "failed": {name: error}}."""
    from .notify import _with_retries

    outcome: dict[str, Any] = {"delivered": [], "failed": {}}
    for sink in sinks:
        error = _with_retries(lambda sink=sink: sink.send(digest), attempts, retry_delay, f"digest sink {sink.name}")
        if error is None:
            outcome["delivered"].append(sink.name)
            continue
        log.error("digest sink %s failed after %d attempts: %s", sink.name, attempts, error)
        outcome["failed"][sink.name] = f"{type(error).__name__}: {error}"
        undelivered_path.parent.mkdir(parents=True, exist_ok=True)
        with undelivered_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"sink": sink.name, "error": str(error), "run_id": digest.run_id,
                                 "kind": digest.kind, "subject": digest.subject, "text": digest.text},
                                ensure_ascii=False) + "\n")
    return outcome


def deliver_from_settings(digest: Digest, settings: Settings, sinks: list[DigestSink] | None = None) -> dict[str, Any]:
    return deliver(digest, sinks if sinks is not None else sinks_from_settings(settings),
                   digest_dir(settings) / "undelivered.jsonl", settings.notify_retries,
                   settings.notify_retry_delay_seconds)
