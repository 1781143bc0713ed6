"""The notifier down: the digest is kept, and the next delivery sends what it could not. A real local HTTP
receiver, first down (nothing listens on its port), then up."""
from __future__ import annotations

import json
import logging

import pytest

from pipeline.config import load_settings
from pipeline.digest import build_digest
from pipeline.notify import deliver_from_settings
from tests.support.receivers import WebhookReceiver, finding, free_port

pytestmark = pytest.mark.integration

TOKEN = "T0KEN-7f3a9c1e5b"
BREACH = finding("吴忠市工业和信息化局", 2020, "identity_1", "column", "total", 12.0, 11.0, "9e51c0ffee000001")
OTHER = finding("金昌市工业和信息化局", 2023, "identity_3", "row", "granted", 3.0, 2.0, "06dec0ffee000002")
LATER = finding("樟树市工业和信息化局", 2023, "identity_2", "column", "total", 5.0, 4.0, "11aac0ffee000003")


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _fingerprints(body):
    return [a["alert_id"] for a in body["alerts"]]


def test_a_digest_the_webhook_missed_is_sent_by_the_next_delivery(pipeline_env, monkeypatch, caplog):
    port = free_port()
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hooks/{TOKEN}?token={TOKEN}")
    monkeypatch.setenv("NOTIFY_RETRIES", "2")
    settings = load_settings()
    caplog.set_level(logging.INFO)

    down = deliver_from_settings(build_digest([BREACH, OTHER], "run-1"), settings)  # nothing listens on the port

    assert down["delivered"] == ["file"] and "webhook" in down["failed"]
    assert [a["alert_id"] for a in _lines(settings.alerts_path)] == [BREACH["fingerprint"], OTHER["fingerprint"]]
    assert [(e["sink"], _fingerprints(e)) for e in _lines(settings.undelivered_path)] == [
        ("webhook", [BREACH["fingerprint"], OTHER["fingerprint"]])]  # one digest, kept whole

    still_down = deliver_from_settings(None, settings)  # a run with nothing new
    assert still_down["redelivered"] == {} and still_down["still_undelivered"] == 2
    assert len(_lines(settings.undelivered_path)) == 1  # kept, not doubled

    receiver = WebhookReceiver(port=port)
    try:
        up = deliver_from_settings(build_digest([LATER], "run-3"), settings)
        again = deliver_from_settings(None, settings)
    finally:
        receiver.close()

    assert up["redelivered"] == {"webhook": 2}
    assert up["delivered"] == ["file", "webhook"]
    assert [_fingerprints(body) for body in receiver.bodies] == [
        [BREACH["fingerprint"], OTHER["fingerprint"]], [LATER["fingerprint"]]]
    assert receiver.paths[0] == f"/hooks/{TOKEN}?token={TOKEN}"
    assert not settings.undelivered_path.exists()
    assert again["redelivered"] == {} and again["delivered"] == [] and len(receiver.bodies) == 2
    # the token in the webhook URL is in no error, log record or file
    written = settings.alerts_path.read_text(encoding="utf-8")
    assert TOKEN not in json.dumps(down) + json.dumps(still_down) + written
    assert TOKEN not in caplog.text
    assert "127.0.0.1" in json.dumps(down["failed"])  # the error still says which host failed


def test_an_undelivered_digest_of_a_sink_no_longer_configured_is_kept(pipeline_env, monkeypatch):
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/hook")
    monkeypatch.setenv("NOTIFY_RETRIES", "1")
    deliver_from_settings(build_digest([BREACH], "run-1"), load_settings())
    monkeypatch.delenv("ALERT_WEBHOOK_URL")
    settings = load_settings()

    outcome = deliver_from_settings(None, settings)

    assert outcome["still_undelivered"] == 1
    assert [_fingerprints(e) for e in _lines(settings.undelivered_path)] == [[BREACH["fingerprint"]]]
