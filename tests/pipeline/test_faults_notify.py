"""The notifier down: the findings are kept, and the next run delivers the alerts it could not send.
A real local HTTP receiver, first down (nothing listens on its port), then up."""
from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.config import load_settings
from pipeline.notify import Alert, notify_from_settings

pytestmark = pytest.mark.integration

TOKEN = "T0KEN-7f3a9c1e5b"
BREACH = Alert(agency="吴忠市工业和信息化局", year=2020, identity=1, scope_kind="column", scope="total",
               lhs=12.0, rhs=11.0, object_key="raw/9e/9e51", document_hash="9e51")
OTHER = Alert(agency="金昌市工业和信息化局", year=2023, identity=3, scope_kind="row", scope="granted",
              lhs=3.0, rhs=2.0, object_key="raw/06/06de", document_hash="06de")
LATER = Alert(agency="樟树市工业和信息化局", year=2023, identity=2, scope_kind="column", scope="t3.total",
              lhs=5.0, rhs=4.0, object_key="raw/11/11aa", document_hash="11aa")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """A webhook endpoint on `port` that records the alert ids of every POST."""

    def __init__(self, port: int):
        self.received: list[list[str]] = []
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.paths.append(self.path)
                receiver.received.append([a["alert_id"] for a in body["alerts"]])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_alerts_the_webhook_missed_are_sent_by_the_next_run(pipeline_env, monkeypatch, caplog):
    port = _free_port()
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hooks/{TOKEN}?token={TOKEN}")
    monkeypatch.setenv("NOTIFY_RETRIES", "2")
    settings = load_settings()
    undelivered = settings.alerts_path.with_name("alerts.undelivered.jsonl")
    caplog.set_level(logging.INFO)

    down = notify_from_settings(settings, [BREACH, OTHER])  # nothing listens on the port

    assert down["delivered"] == ["file"] and "webhook" in down["failed"]
    assert [a["alert_id"] for a in _lines(settings.alerts_path)] == [BREACH.alert_id, OTHER.alert_id]
    assert [(e["sink"], [a["alert_id"] for a in e["alerts"]]) for e in _lines(undelivered)] == [
        ("webhook", [BREACH.alert_id, OTHER.alert_id])]  # one digest, kept whole

    still_down = notify_from_settings(settings, [BREACH, OTHER])
    assert still_down["redelivered"] == {} and still_down["still_undelivered"] == 2
    assert len(_lines(undelivered)) == 1  # kept, not doubled

    receiver = Receiver(port)
    try:
        up = notify_from_settings(settings, [BREACH, OTHER, LATER])
        again = notify_from_settings(settings, [BREACH, OTHER, LATER])
    finally:
        receiver.close()

    assert up["redelivered"] == {"webhook": 2}
    assert up["new"] == 1 and up["delivered"] == ["file", "webhook"]
    assert sorted(receiver.received[0]) == sorted([BREACH.alert_id, OTHER.alert_id])
    assert receiver.received[1] == [LATER.alert_id]
    assert receiver.paths[0] == f"/hooks/{TOKEN}?token={TOKEN}"
    assert not undelivered.exists()
    assert again["new"] == 0 and again["redelivered"] == {} and len(receiver.received) == 2
    # the token in the webhook URL is in no error, log record or file
    written = settings.alerts_path.read_text(encoding="utf-8")
    assert TOKEN not in json.dumps(down) + json.dumps(still_down) + written
    assert TOKEN not in caplog.text
    assert "127.0.0.1" in json.dumps(down["failed"])  # the error still says which host failed


def test_undelivered_alerts_of_a_sink_no_longer_configured_are_kept(pipeline_env, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook")
    monkeypatch.setenv("NOTIFY_RETRIES", "1")
    notify_from_settings(load_settings(), [BREACH])
    monkeypatch.delenv("ALERT_WEBHOOK_URL")
    settings = load_settings()

    outcome = notify_from_settings(settings, [BREACH])

    assert outcome["still_undelivered"] == 1
    assert [[a["alert_id"] for a in e["alerts"]]
            for e in _lines(settings.alerts_path.with_name("alerts.undelivered.jsonl"))] == [[BREACH.alert_id]]
