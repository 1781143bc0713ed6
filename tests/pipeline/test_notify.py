"""Alerts to maintainers, against real local receivers: an HTTP server for the webhook, aiosmtpd for SMTP."""
from __future__ import annotations

import email
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.notify import Alert, FileSink, SmtpSink, WebhookSink, notify

pytestmark = pytest.mark.integration

BREACH = Alert(agency="吴忠市工业和信息化局", year=2020, identity=1, scope_kind="column", scope="total",
               lhs=12.0, rhs=11.0, object_key="raw/9e/9e51", document_hash="9e51",
               original_name="wuzhong-gxj-2020.txt")
OTHER = Alert(agency="金昌市工业和信息化局", year=2023, identity=3, scope_kind="row", scope="granted",
              lhs=3.0, rhs=2.0, object_key="raw/06/06de", document_hash="06de")


class Receiver:
    """A webhook endpoint on 127.0.0.1 that answers `statuses` in turn (then 200) and records bodies."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.bodies: list[dict] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.calls += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/maintainers"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_an_alert_names_agency_year_identity_scope_numbers_and_raw_object():
    assert BREACH.message == ("吴忠市工业和信息化局 2020: identity 1 fails on column total: 12 != 11 "
                              "(raw object raw/9e/9e51)")
    assert Alert.from_dict(BREACH.to_dict()) == BREACH


def test_the_file_sink_writes_one_json_line_per_alert(tmp_path):
    alerts_file = tmp_path / "alerts.jsonl"

    outcome = notify([BREACH, OTHER], [FileSink(alerts_file)], tmp_path / "undelivered.jsonl", attempts=1)

    lines = _lines(alerts_file)
    assert outcome["delivered"] == ["file"] and outcome["new"] == 2
    assert [(a["agency"], a["year"], a["identity"], a["scope"], a["lhs"], a["rhs"], a["object_key"])
            for a in lines] == [("吴忠市工业和信息化局", 2020, 1, "total", 12.0, 11.0, "raw/9e/9e51"),
                                ("金昌市工业和信息化局", 2023, 3, "granted", 3.0, 2.0, "raw/06/06de")]


def test_a_second_run_does_not_send_the_same_finding_again(tmp_path, receiver):
    hook = receiver()
    sinks = [FileSink(tmp_path / "alerts.jsonl"), WebhookSink(hook.url)]

    notify([BREACH], sinks, tmp_path / "undelivered.jsonl", attempts=1)
    second = notify([BREACH, OTHER], sinks, tmp_path / "undelivered.jsonl", attempts=1)

    assert (second["new"], second["already_sent"]) == (1, 1)
    assert [[a["agency"] for a in body["alerts"]] for body in hook.bodies] == [["吴忠市工业和信息化局"],
                                                                           ["金昌市工业和信息化局"]]
    assert len(_lines(tmp_path / "alerts.jsonl")) == 2


def test_the_webhook_gets_a_slack_compatible_text_and_the_alerts(tmp_path, receiver):
    hook = receiver()

    notify([BREACH], [WebhookSink(hook.url)], tmp_path / "undelivered.jsonl", attempts=1)

    (body,) = hook.bodies
    assert body["text"].splitlines()[1] == f"- {BREACH.message}"
    assert body["alerts"][0]["object_key"] == "raw/9e/9e51"


def test_a_webhook_that_fails_twice_is_retried_until_it_accepts(tmp_path, receiver):
    hook = receiver(statuses=[500, 503])

    outcome = notify([BREACH], [WebhookSink(hook.url)], tmp_path / "undelivered.jsonl", attempts=3,
                     retry_delay=0)

    assert hook.calls == 3
    assert outcome["delivered"] == ["webhook"] and outcome["failed"] == {}
    assert len(hook.bodies) == 1
    assert not (tmp_path / "undelivered.jsonl").exists()


def test_a_sink_that_keeps_failing_loses_no_finding(tmp_path, receiver):
    hook = receiver(statuses=[500, 500, 500])
    alerts_file = tmp_path / "alerts.jsonl"
    undelivered = tmp_path / "undelivered.jsonl"

    outcome = notify([BREACH, OTHER], [FileSink(alerts_file), WebhookSink(hook.url)], undelivered,
                     attempts=3, retry_delay=0)

    assert hook.calls == 3
    assert outcome["delivered"] == ["file"]
    assert "HTTP Error 500" in outcome["failed"]["webhook"]
    assert [a["alert_id"] for a in _lines(alerts_file)] == [BREACH.alert_id, OTHER.alert_id]
    [kept] = _lines(undelivered)  # the one digest the webhook did not take
    assert kept["sink"] == "webhook" and kept["text"].splitlines()[1:] == [f"- {BREACH.message}", f"- {OTHER.message}"]
    assert [a["alert_id"] for a in kept["alerts"]] == [BREACH.alert_id, OTHER.alert_id]


def test_an_unreachable_smtp_server_is_reported_not_raised(tmp_path):
    sink = SmtpSink("127.0.0.1", _free_port(), "pipeline@example.org", ["maintainers@example.org"], timeout=2)

    outcome = notify([BREACH], [FileSink(tmp_path / "alerts.jsonl"), sink], tmp_path / "undelivered.jsonl",
                     attempts=2, retry_delay=0)

    assert outcome["delivered"] == ["file"]
    assert "smtp" in outcome["failed"]
    assert _lines(tmp_path / "undelivered.jsonl")[0]["sink"] == "smtp"


def test_smtp_delivers_one_mail_listing_every_alert(tmp_path, smtp_server):
    controller, inbox = smtp_server
    sink = SmtpSink(controller.hostname, controller.port, "pipeline@example.org",
                    ["a@example.org", "b@example.org"])

    outcome = notify([BREACH, OTHER], [sink], tmp_path / "undelivered.jsonl", attempts=1)

    assert outcome["delivered"] == ["smtp"]
    (message,) = inbox.messages
    assert message["To"] == "a@example.org, b@example.org"
    assert message["Subject"] == "[transparency reports] 2 identity breach(es)"
    body = email.message_from_string(message.as_string()).get_payload(decode=True).decode("utf-8")
    assert BREACH.message in body and OTHER.message in body


def test_a_technical_alert_takes_the_same_sinks_as_the_findings(tmp_path, receiver):
    from pipeline.digest import technical_digest
    from pipeline.notify import deliver

    hook = receiver()
    digest = technical_digest("manual__2026-01-31", "transparency_reports", "dbt_build", "RuntimeError: boom")

    outcome = deliver(digest, [FileSink(tmp_path / "alerts.jsonl", tmp_path / "digests"), WebhookSink(hook.url)],
                      tmp_path / "undelivered.jsonl", attempts=1)

    assert outcome["delivered"] == ["file", "webhook"]
    (body,) = hook.bodies
    assert (body["kind"], body["alerts"]) == ("technical", [])
    assert "task dbt_build of DAG transparency_reports" in body["text"]
    (line,) = _lines(tmp_path / "alerts.jsonl")
    assert (line["kind"], line["run_id"]) == ("technical", "manual__2026-01-31")
    assert (tmp_path / "digests" / "technical-manual__2026-01-31.txt").read_text(encoding="utf-8") == body["text"] + "\n"
