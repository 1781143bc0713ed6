"""Real local receivers for the notifier's sinks: an HTTP endpoint for the webhook, aiosmtpd for SMTP, and
findings as the findings history hands them to the digest."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    """A port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookReceiver:
    """A webhook endpoint on 127.0.0.1 that answers `statuses` in turn (then 200) and records the bodies it
    accepted and the paths it was called on."""

    def __init__(self, statuses=(), port: int = 0, path: str = "/hooks/maintainers"):
        self.statuses = list(statuses)
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                receiver.calls += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(json.loads(body))
                    receiver.paths.append(self.path)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpInbox:
    """An SMTP server on 127.0.0.1 (aiosmtpd) keeping every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        inbox = self

        class Keep(Message):
            def handle_message(self, message):
                inbox.messages.append(message)

        self.messages: list = []
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
        self.host, self.port = self.controller.hostname, self.controller.port

    def __enter__(self) -> SmtpInbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def finding(agency: str, year: int, check_code: str, scope_kind: str, scope: str, lhs: float, rhs: float,
            fingerprint: str, severity: str = "failure", **more: Any) -> dict[str, Any]:
    """A finding as pipeline/findings.py hands it to the digest (a row of fct_findings)."""
    document_hash = more.pop("document_hash", fingerprint[:4])
    return {"agency": agency, "year": year, "check_code": check_code, "severity": severity,
            "scope_kind": scope_kind, "scope": scope, "result": "fail", "lhs": lhs, "rhs": rhs,
            "detail": f"difference {lhs - rhs}", "missing_cells": None, "document_hash": document_hash,
            "compared_document_hash": None, "object_key": f"raw/{document_hash[:2]}/{document_hash}",
            "original_name": None, "line": None, "page": None, "fingerprint": fingerprint, "times_reopened": 0,
            **more}
