"""Delivering a digest to maintainers, against real local receivers: an HTTP server for the webhook, aiosmtpd
for SMTP."""
from __future__ import annotations

import email
import json

import pytest

from pipeline.digest import alert_from_finding, build_digest, technical_digest
from pipeline.messages import Alert
from pipeline.notify import FileSink, SmtpSink, WebhookSink, deliver
from tests.support.receivers import SmtpInbox, WebhookReceiver, finding, free_port

pytestmark = pytest.mark.integration

BREACH = finding("吴忠市工业和信息化局", 2020, "identity_1", "column", "total", 12.0, 11.0, "9e51c0ffee000001",
                 original_name="wuzhong-gxj-2020.txt", document_hash="9e51")
OTHER = finding("金昌市工业和信息化局", 2023, "narrative_8", "sentence", "applications_received", 3.0, 2.0,
                "06dec0ffee000002", severity="warning", line=14, document_hash="06de")
DIGEST = build_digest([BREACH, OTHER], "run-1")


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(WebhookReceiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_an_alert_names_agency_year_check_scope_numbers_and_raw_object():
    alert = alert_from_finding(BREACH)

    assert alert.message == ("吴忠市工业和信息化局: [failure] 2020 report, identity_1 on column total: 12 vs 11 "
                             "(difference 1.0); source wuzhong-gxj-2020.txt (raw/9e/9e51); new, "
                             "fingerprint 9e51c0ffee000001")
    assert (alert.identity, alert.alert_id) == (1, "9e51c0ffee000001")
    assert alert_from_finding(OTHER).identity is None
    assert Alert.from_dict(alert.to_dict()) == alert


def test_the_file_sink_writes_one_json_line_per_alert_and_keeps_the_text(tmp_path):
    alerts_file = tmp_path / "alerts.jsonl"

    outcome = deliver(DIGEST, [FileSink(alerts_file, tmp_path / "digests")], tmp_path / "undelivered.jsonl",
                      attempts=1)

    assert outcome["delivered"] == ["file"]
    assert [(a["agency"], a["year"], a["identity"], a["check_code"], a["scope"], a["lhs"], a["rhs"],
             a["object_key"], a["alert_id"], a["run_id"]) for a in _lines(alerts_file)] == [
        ("吴忠市工业和信息化局", 2020, 1, "identity_1", "total", 12.0, 11.0, "raw/9e/9e51", "9e51c0ffee000001", "run-1"),
        ("金昌市工业和信息化局", 2023, None, "narrative_8", "applications_received", 3.0, 2.0, "raw/06/06de",
         "06dec0ffee000002", "run-1")]
    [record] = _lines(tmp_path / "digests" / "digests.jsonl")
    assert record["fingerprints"] == ["9e51c0ffee000001", "06dec0ffee000002"]
    assert (tmp_path / "digests" / record["text_file"]).read_text(encoding="utf-8") == DIGEST.text + "\n"


def test_the_digest_explains_each_check_from_the_catalogue():
    from extract.check_catalogue import CHECKS_BY_CODE

    lines = DIGEST.text.splitlines()
    for code in ("identity_1", "narrative_8"):
        check = CHECKS_BY_CODE[code]
        assert f"  {code}: {check.description} ({check.formula})" in lines
    assert "By severity: failure 1, warning 1" in lines
    assert DIGEST.subject == "[transparency reports] 2 new finding(s), 1 failure(s)"


def test_the_webhook_gets_a_slack_compatible_text_and_the_alerts(tmp_path, receiver):
    hook = receiver()

    deliver(DIGEST, [WebhookSink(hook.url)], tmp_path / "undelivered.jsonl", attempts=1)

    (body,) = hook.bodies
    assert body["text"] == DIGEST.text and body["kind"] == "findings"
    assert [a["object_key"] for a in body["alerts"]] == ["raw/9e/9e51", "raw/06/06de"]


def test_a_webhook_that_fails_twice_is_retried_until_it_accepts(tmp_path, receiver):
    hook = receiver(statuses=[500, 503])

    outcome = deliver(DIGEST, [WebhookSink(hook.url)], tmp_path / "undelivered.jsonl", attempts=3, retry_delay=0)

    assert hook.calls == 3
    assert outcome["delivered"] == ["webhook"] and outcome["failed"] == {}
    assert len(hook.bodies) == 1
    assert not (tmp_path / "undelivered.jsonl").exists()


def test_a_sink_that_keeps_failing_loses_no_finding(tmp_path, receiver):
    hook = receiver(statuses=[500, 500, 500])
    alerts_file = tmp_path / "alerts.jsonl"
    undelivered = tmp_path / "undelivered.jsonl"

    outcome = deliver(DIGEST, [FileSink(alerts_file), WebhookSink(hook.url)], undelivered, attempts=3,
                      retry_delay=0)

    assert hook.calls == 3
    assert outcome["delivered"] == ["file"]
    assert "HTTP Error 500" in outcome["failed"]["webhook"]
    assert [a["alert_id"] for a in _lines(alerts_file)] == [BREACH["fingerprint"], OTHER["fingerprint"]]
    [kept] = _lines(undelivered)  # the one digest the webhook did not take
    assert kept["sink"] == "webhook" and kept["text"] == DIGEST.text
    assert [a["alert_id"] for a in kept["alerts"]] == [BREACH["fingerprint"], OTHER["fingerprint"]]


def test_an_unreachable_smtp_server_is_reported_not_raised(tmp_path):
    sink = SmtpSink("127.0.0.1", free_port(), "pipeline@example.org", ["maintainers@example.org"], timeout=2)

    outcome = deliver(DIGEST, [FileSink(tmp_path / "alerts.jsonl"), sink], tmp_path / "undelivered.jsonl",
                      attempts=2, retry_delay=0)

    assert outcome["delivered"] == ["file"]
    assert "smtp" in outcome["failed"]
    assert _lines(tmp_path / "undelivered.jsonl")[0]["sink"] == "smtp"


def test_smtp_delivers_one_mail_with_the_digest(tmp_path):
    with SmtpInbox() as inbox:
        sink = SmtpSink(inbox.host, inbox.port, "pipeline@example.org", ["a@example.org", "b@example.org"])
        outcome = deliver(DIGEST, [sink], tmp_path / "undelivered.jsonl", attempts=1)

    assert outcome["delivered"] == ["smtp"]
    (message,) = inbox.messages
    assert message["To"] == "a@example.org, b@example.org"
    assert message["Subject"] == DIGEST.subject
    body = email.message_from_string(message.as_string()).get_payload(decode=True).decode("utf-8")
    assert body.replace("\r\n", "\n").strip() == DIGEST.text


def test_a_technical_alert_takes_the_same_sinks_as_the_findings(tmp_path, receiver):
    hook = receiver()
    digest = technical_digest("manual__2026-01-31", "transparency_reports", "build_warehouse", "RuntimeError: boom")

    outcome = deliver(digest, [FileSink(tmp_path / "alerts.jsonl", tmp_path / "digests"), WebhookSink(hook.url)],
                      tmp_path / "undelivered.jsonl", attempts=1)

    assert outcome["delivered"] == ["file", "webhook"]
    (body,) = hook.bodies
    assert (body["kind"], body["alerts"]) == ("technical", [])
    assert "task build_warehouse of DAG transparency_reports" in body["text"]
    (line,) = _lines(tmp_path / "alerts.jsonl")
    assert (line["kind"], line["run_id"]) == ("technical", "manual__2026-01-31")
    assert (tmp_path / "digests" / "technical-manual__2026-01-31.txt").read_text(encoding="utf-8") == body["text"] + "\n"
