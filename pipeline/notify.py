"""Messages to maintainers: the one path every alert takes, whatever produced it.

A run sends at most one `Digest` (its new or reopened findings, built by pipeline/digest.py), and a failing
Airflow task sends a technical one (`alert_task_failure`, the DAG's `on_failure_callback`); both go through
the same sinks:
  file     always on: one JSON line per alert in `ALERTS_PATH` (default `var/alerts.jsonl`; a technical
           alert is one line of kind "technical"), plus the digest as text in `<var>/digests/<kind>-<run>.txt`
           and one line in `<var>/digests/digests.jsonl` (the human-readable copy and its record);
  webhook  `ALERT_WEBHOOK_URL`, Slack-compatible: one POST {"text": ..., "kind": ..., "alerts": [...]} per digest;
  dingtalk `DINGTALK_WEBHOOK_URL` (+ `DINGTALK_SECRET`): a DingTalk custom robot, signed requests;
  wecom    `WECOM_WEBHOOK_URL`: a WeCom group robot, markdown;
  feishu   `FEISHU_WEBHOOK_URL` (+ `FEISHU_SECRET`): a Feishu custom bot, signed requests;
  smtp     `SMTP_HOST` + `SMTP_TO`: one mail per digest (SMTP_SSL or SMTP_STARTTLS with certificate checks,
           SMTP_USER/SMTP_PASSWORD); a digest over 7 MB goes as the summary.
The chat channels limit a message's size (Slack 40,000 characters, DingTalk 20,000 bytes, Feishu a 20 KB body,
WeCom 4096 bytes): a longer digest goes as up to `NOTIFY_MAX_PARTS` messages, or else as one summary that
points to the quality report (`QUALITY_REPORT_URL`; the webhook's summary carries no alerts). A webhook
answering 3xx did not take the message: redirects are not followed, the delivery failed.
The sinks read a digest through `lines()`, `iter_alerts()`, `fingerprints()` and `counts`, never gathering
them: a streamed digest (messages.py `StreamedDigest`) of a hundred thousand findings is written and summarised
in memory that does not grow with it.
Each delivery is retried (`NOTIFY_RETRIES`, `NOTIFY_RETRY_DELAY_SECONDS`); a sink that still fails is logged,
named in the outcome, and the digest it did not take is appended to `<alerts file stem>.undelivered.jsonl` (for
a sink that would get the summary, that summary alone, without alerts). Every later delivery first sends those
digests to their sink again and keeps only the ones still undelivered.

A webhook URL usually carries a token: it never appears in errors, logs or the undelivered file (only its
scheme and host do); nor do the robots' secrets and signatures.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from email.message import EmailMessage
from itertools import chain, islice, zip_longest
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import quote_plus, urlsplit

from .config import Settings, load_settings
from .digest import AnyDigest, fit_message, message_parts, technical_digest
from .messages import Digest

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str

    def send(self, digest: AnyDigest) -> None: ...


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

    def send(self, digest: AnyDigest) -> None:
        """Written as the alerts come (a streamed digest's, in batches from the findings database), never
        gathered first."""
        sent_at = _now_iso()
        if self.digest_dir is not None:
            self._write_copy(digest, sent_at)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            if not digest.alert_count:
                fh.write(_json_line({"kind": digest.kind, "run_id": digest.run_id, "subject": digest.subject,
                                     "message": digest.text, "sent_at": sent_at}))
            fh.writelines(_json_line({**a.to_dict(), "run_id": digest.run_id, "sent_at": sent_at})
                          for a in digest.iter_alerts())

    def _write_copy(self, digest: AnyDigest, sent_at: str) -> None:
        self.digest_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{digest.kind}-{_safe_name(digest.run_id)}"
        with (self.digest_dir / f"{stem}.txt").open("w", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in digest.lines())
        # the record {run_id, kind, subject, sent_at, fingerprints, text_file} as json.dumps writes it, the
        # fingerprints written one by one
        head = json.dumps({"run_id": digest.run_id, "kind": digest.kind, "subject": digest.subject,
                           "sent_at": sent_at}, ensure_ascii=False)[:-1]
        fingerprints = (json.dumps(fingerprint, ensure_ascii=False) for fingerprint in digest.fingerprints())
        with (self.digest_dir / "digests.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(head + ', "fingerprints": [')
            fh.writelines(chain([next(fingerprints, "")], (", " + fp for fp in fingerprints)))
            fh.write('], "text_file": ' + json.dumps(f"{stem}.txt", ensure_ascii=False) + "}\n")


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that answers 3xx did not take the message: urllib would re-send a POST to the new address as a
    GET without its body and report success. Refusing makes the 3xx an HTTPError, a failed delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def _safe_url(url: str) -> str:
    """Scheme and host only: the path and query of a webhook URL are its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}/…"


def _utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _json_bytes(text: str) -> int:
    """Bytes `text` takes inside a JSON body (escapes included, quotes not): additive, as message_parts needs."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def _digest_key(digest: AnyDigest) -> str:
    """sha256 of run, kind and text, the text hashed line by line."""
    key = hashlib.sha256(f"{digest.run_id}\0{digest.kind}\0".encode("utf-8"))
    for number, line in enumerate(digest.lines()):
        key.update((f"\n{line}" if number else line).encode("utf-8"))
    return key.hexdigest()


class ChatSink:
    """A chat webhook taking one JSON message at a time, up to a size limit. A digest that does not fit goes as
    several messages or as one summary (pipeline/digest.py `message_parts`). The parts a channel accepted are
    remembered, so a retry (in this delivery, or from the undelivered file) sends only the rest."""

    name = "chat"
    limit = 0  # what `cost` measures, for the whole message
    cost: Callable[[str], int] = staticmethod(len)

    def __init__(self, url: str, max_parts: int = 5, full_digest_at: str = "the quality report",
                 timeout: float = 10.0):
        self.url = url
        self.max_parts = max(1, max_parts)
        self.full_digest_at = full_digest_at
        self.timeout = timeout
        self._parts_sent: dict[str, int] = {}

    @property
    def safe_url(self) -> str:
        return _safe_url(self.url)

    def payload(self, digest: AnyDigest, text: str, part: int, parts: int) -> dict[str, Any]:
        raise NotImplementedError

    def text_limit(self, digest: AnyDigest) -> int:
        """What is left of `limit` for the text: all of it, or (`cost` measuring JSON bytes) what the rest of the
        body leaves."""
        if self.cost is not _json_bytes:
            return self.limit
        return self.limit - len(json.dumps(self.envelope(digest), ensure_ascii=False).encode("utf-8"))

    def envelope(self, digest: AnyDigest) -> dict[str, Any]:
        """The body around an empty text, at its largest."""
        return self.payload(digest, "", 0, 1)

    def texts(self, digest: AnyDigest) -> list[str]:
        return message_parts(digest, self.cost, self.text_limit(digest), self.max_parts, self.full_digest_at)

    def summary_if_too_long(self, digest: AnyDigest) -> str | None:
        """The one summary this channel gets of a digest too long for its parts; None when it gets the digest."""
        texts, summarised = fit_message(digest, self.cost, self.text_limit(digest), self.max_parts,
                                        self.full_digest_at)
        return texts[0] if summarised else None

    def send(self, digest: AnyDigest) -> None:
        texts = self.texts(digest)
        key = _digest_key(digest)
        for part in range(self._parts_sent.get(key, 0), len(texts)):
            self.post(self.payload(digest, texts[part], part, len(texts)))
            self._parts_sent[key] = part + 1
        self._parts_sent.pop(key, None)

    def parts_delivered(self, digest: AnyDigest) -> int:
        return self._parts_sent.get(_digest_key(digest), 0)

    def resume(self, digest: AnyDigest, parts_delivered: int) -> None:
        """Parts of `digest` an earlier run delivered: not sent again."""
        if parts_delivered:
            self._parts_sent[_digest_key(digest)] = parts_delivered

    def request_url(self) -> str:
        return self.url

    def check_response(self, body: bytes) -> None:
        """Raise when the channel answered 200 but refused the message (the Chinese robots do so)."""

    def post(self, payload: dict[str, Any]) -> None:
        url = self.request_url()
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:  # raises on 3xx, 4xx, 5xx
                answer = response.read()
            self.check_response(answer)
        except Exception as exc:
            if isinstance(exc, urllib.error.HTTPError) and 300 <= exc.code < 400:
                message = f"HTTP {exc.code} redirect, not followed (the message was not delivered)"
            else:
                message = str(exc)
            for secret in (url, self.url):
                message = message.replace(secret, self.safe_url)
            # `from None`: the original error (and its traceback in logs) may quote the full URL
            raise ConnectionError(f"{self.name} {self.safe_url}: {type(exc).__name__}: {message}") from None


class WebhookSink(ChatSink):
    """A Slack-compatible incoming webhook: POST {"text": ..., "kind": ..., "alerts": [...]} as JSON. Slack
    truncates a text past 40,000 characters: a longer digest goes in parts, each with the alerts whose lines it
    holds (and "part", "parts" fields); a summary carries none (they are in the alerts file and the quality
    report)."""

    name = "webhook"
    limit = 40_000  # characters of "text"

    def payload(self, digest: AnyDigest, text: str, part: int, parts: int) -> dict[str, Any]:
        if parts == 1:
            return {"text": text, "kind": digest.kind, "alerts": _alerts_in(digest, text)}
        texts = self.texts(digest)
        alerts = [a.to_dict() for a in digest.iter_alerts() if _part_of(a, texts) == part]
        return {"text": text, "kind": digest.kind, "alerts": alerts, "part": part + 1, "parts": parts}


def _alerts_in(digest: AnyDigest, text: str) -> list[dict[str, Any]]:
    """All the alerts of a digest sent whole; none with its summary (which lists no finding), so that the alerts
    of a digest too long for the channel are not even read."""
    whole = text.split("\n")
    sent_whole = all(ours == theirs for ours, theirs in zip_longest(whole, islice(digest.lines(), len(whole) + 1)))
    return [a.to_dict() for a in digest.iter_alerts()] if sent_whole else []


def _part_of(alert: Any, texts: list[str]) -> int:
    """The part whose text holds the alert's line (the first part when none does)."""
    mark = f"fingerprint {alert.fingerprint or alert.alert_id}\n"  # a digest line ends with the fingerprint
    return next((i for i, text in enumerate(texts) if mark in text + "\n"), 0)


class _RobotSink(ChatSink):
    """The Chinese group robots answer HTTP 200 with {"errcode": 0, ...} (Feishu: {"code": 0, ...}); any other
    code is a refused message."""

    code_field = "errcode"

    def check_response(self, body: bytes) -> None:
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            raise ValueError(f"unreadable answer: {body[:200]!r}") from None
        code = answer.get(self.code_field, answer.get("StatusCode"))
        if code != 0:
            raise ValueError(f"refused: {self.code_field} {code}: {answer.get('errmsg') or answer.get('msg')}")


class DingTalkSink(_RobotSink):
    """A DingTalk group's custom robot: msgtype text. With a secret (加签), every request carries `timestamp`
    (ms) and `sign` = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret"))) in its query."""

    name = "dingtalk"
    limit = 20_000  # bytes of the JSON body (so that the text, a little shorter, fits too)
    cost = staticmethod(_json_bytes)

    def __init__(self, url: str, secret: str = "", **kwargs: Any):
        super().__init__(url, **kwargs)
        self.secret = secret

    def request_url(self) -> str:
        if not self.secret:
            return self.url
        timestamp = str(round(time.time() * 1000))
        sign = dingtalk_sign(timestamp, self.secret)
        return f"{self.url}{'&' if urlsplit(self.url).query else '?'}timestamp={timestamp}&sign={quote_plus(sign)}"

    def payload(self, digest: AnyDigest, text: str, part: int, parts: int) -> dict[str, Any]:
        return {"msgtype": "text", "text": {"content": text}}


def dingtalk_sign(timestamp: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class WeComSink(_RobotSink):
    """A WeCom (企业微信) group robot: msgtype markdown, whose content may hold 4096 bytes (UTF-8)."""

    name = "wecom"
    limit = 4096
    cost = staticmethod(_utf8_bytes)

    def payload(self, digest: AnyDigest, text: str, part: int, parts: int) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": text}}


class FeishuSink(_RobotSink):
    """A Feishu (飞书) group's custom bot: msg_type text; the request body may hold 20 KB. With a secret (签名校验),
    the body carries `timestamp` (s) and `sign` = base64(HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing)."""

    name = "feishu"
    limit = 20_000  # bytes of the whole JSON body
    cost = staticmethod(_json_bytes)
    code_field = "code"

    def __init__(self, url: str, secret: str = "", **kwargs: Any):
        super().__init__(url, **kwargs)
        self.secret = secret

    def envelope(self, digest: AnyDigest) -> dict[str, Any]:
        envelope = super().envelope(digest)
        if self.secret:  # what post() adds: a 10-digit timestamp, a base64 SHA-256
            envelope.update(timestamp="9" * 10, sign="=" * 44)
        return envelope

    def payload(self, digest: AnyDigest, text: str, part: int, parts: int) -> dict[str, Any]:
        return {"msg_type": "text", "content": {"text": text}}

    def post(self, payload: dict[str, Any]) -> None:
        if self.secret:  # signed per request: Feishu refuses a timestamp older than an hour
            timestamp = str(int(time.time()))
            payload = {"timestamp": timestamp, "sign": feishu_sign(timestamp, self.secret), **payload}
        super().post(payload)


def feishu_sign(timestamp: str, secret: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class SmtpSink:
    """One mail per digest: its whole text, or, for a digest over `limit` UTF-8 bytes, the summary a chat channel
    gets (digest.py `digest_summary`). TLS, implicit (`use_ssl`, SMTPS) or by STARTTLS, verifies the server's
    certificate and name against the system's CAs or `ca_file`; a login (`user`) is only sent over TLS."""

    name = "smtp"
    # Postfix refuses a mail over 10,240,000 bytes by default (message_size_limit); base64 makes the text 4/3
    # longer, so 7 MB of UTF-8 text is about 9.5 MB of mail
    limit = 7_000_000

    def __init__(self, host: str, port: int, sender: str, recipients: Iterable[str], starttls: bool = False,
                 timeout: float = 10.0, use_ssl: bool = False, user: str = "", password: str = "",
                 ca_file: str = "", full_digest_at: str = "the quality report"):
        self.host, self.port, self.sender = host, port, sender
        self.recipients = list(recipients)
        self.starttls, self.use_ssl = starttls, use_ssl
        self.user, self.password = user, password
        self.ca_file = ca_file
        self.timeout = timeout
        self.full_digest_at = full_digest_at

    def fit(self, digest: AnyDigest) -> tuple[list[str], bool]:
        return fit_message(digest, _utf8_bytes, self.limit, 1, self.full_digest_at)

    def summary_if_too_long(self, digest: AnyDigest) -> str | None:
        texts, summarised = self.fit(digest)
        return texts[0] if summarised else None

    def _tls_context(self) -> ssl.SSLContext:
        # smtplib's own default context verifies nothing; this one checks the chain and the host name
        return ssl.create_default_context(cafile=self.ca_file or None)

    def send(self, digest: AnyDigest) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = digest.subject
        message.set_content(self.fit(digest)[0][0])
        if self.use_ssl:
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls_context())
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with connection as smtp:
            if self.starttls:
                smtp.starttls(context=self._tls_context())
            if self.user:
                if not (self.use_ssl or self.starttls):
                    raise smtplib.SMTPException("refusing to send the SMTP password without TLS")
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def sinks_from_settings(settings: Settings) -> list[Sink]:
    sinks: list[Sink] = [FileSink(settings.alerts_path, settings.digests_path)]
    chat = {"max_parts": settings.notify_max_parts,
            "full_digest_at": settings.quality_report_url or f"{settings.quality_report_path} (on the pipeline's host)"}
    if settings.webhook_url:
        sinks.append(WebhookSink(settings.webhook_url, **chat))
    if settings.dingtalk_webhook_url:
        sinks.append(DingTalkSink(settings.dingtalk_webhook_url, settings.dingtalk_secret, **chat))
    if settings.wecom_webhook_url:
        sinks.append(WeComSink(settings.wecom_webhook_url, **chat))
    if settings.feishu_webhook_url:
        sinks.append(FeishuSink(settings.feishu_webhook_url, settings.feishu_secret, **chat))
    if settings.smtp_host and settings.smtp_to:
        sinks.append(SmtpSink(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_to,
                              settings.smtp_starttls, use_ssl=settings.smtp_ssl, user=settings.smtp_user,
                              password=settings.smtp_password, ca_file=settings.smtp_ca_file,
                              full_digest_at=chat["full_digest_at"]))
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


def deliver(digest: AnyDigest | None, sinks: list[Sink], undelivered: str | Path, attempts: int = 3,
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
        _keep_undelivered(undelivered, sink, error, digest)
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
        if isinstance(sink, ChatSink):
            sink.resume(digest, int(entry.get("parts_delivered") or 0))
        error = with_retries(lambda sink=sink: sink.send(digest), attempts, retry_delay,
                             f"undelivered digest to sink {sink.name}")
        if error is None:
            redelivered[sink.name] = redelivered.get(sink.name, 0) + digest.size
            log.info("delivered a digest (%d alert(s)) an earlier run could not send to %s", digest.size, sink.name)
        else:
            log.error("alert sink %s still failing; a digest (%d alert(s)) kept for the next run: %s",
                      sink.name, digest.size, error)
            kept = {**entry, "error": str(error)}
            if isinstance(sink, ChatSink):
                kept["parts_delivered"] = sink.parts_delivered(digest)
            remaining.append(kept)
    _rewrite(path, remaining)
    return {"redelivered": redelivered,
            "still_undelivered": sum(Digest.from_dict(entry).size for entry in remaining)}


def _keep_undelivered(path: Path, sink: Sink, error: Exception, digest: AnyDigest) -> None:
    """A digest the sink would only get as a summary is kept as that summary (without alerts): what the next run
    sends it again, and small however many findings the digest has."""
    summary = getattr(sink, "summary_if_too_long", lambda digest: None)(digest)
    kept = (Digest(digest.run_id, digest.subject, summary, kind=digest.kind).to_dict() if summary is not None
            else digest.to_dict())
    entry = {"sink": sink.name, "error": str(error), "failed_at": _now_iso(), **kept}
    if isinstance(sink, ChatSink) and sink.parts_delivered(digest):
        entry["parts_delivered"] = sink.parts_delivered(digest)  # of a digest sent in parts: those not to repeat
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def deliver_from_settings(digest: AnyDigest | None, settings: Settings,
                          sinks: list[Sink] | None = None) -> dict[str, Any]:
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
