"""Real local receivers for the notifier's sinks: an HTTP endpoint for the webhook, the DingTalk / WeCom / Feishu
group robots (format, size and signature checked as the services do), aiosmtpd for SMTP (with TLS and login when
asked), and findings as the findings history hands them to the digest."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


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
        self.redirected: list[str] = []  # GETs that followed a redirect
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
                if 300 <= status < 400:  # a redirect to a page of this server that answers anything with 200
                    self.send_header("Location", "/moved")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self):  # noqa: N802 (what a client following a 301/302/303 after a POST sends)
                receiver.redirected.append(self.path)
                self.send_response(200)
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


ROBOT_TEXT_LIMITS = {"dingtalk": 20_000, "wecom": 4096}  # UTF-8 bytes of the message's text
FEISHU_BODY_LIMIT = 20_000  # bytes of the whole request body


class RobotReceiver:
    """A DingTalk custom robot, WeCom group robot or Feishu custom bot on 127.0.0.1, checking each request as the
    service does: the token in the URL, the message format, its size, and (with `secret`) the signature and the
    age of its timestamp (under an hour). It answers HTTP 200 with the service's JSON ({"errcode": 0} or, Feishu,
    {"code": 0}); a request it refuses gets a non-zero code and is recorded in `refused`. `refuse` lists codes to
    answer in turn to valid requests (0 accepts; a rate limit, say). `texts` are the accepted messages' texts."""

    def __init__(self, channel: str, secret: str = "", token: str = "T0KEN-robot-6c1f", refuse=()):
        assert channel in ("dingtalk", "wecom", "feishu"), channel
        self.channel, self.secret, self.token = channel, secret, token
        self.refuse = list(refuse)
        self.texts: list[str] = []
        self.bodies: list[dict] = []
        self.refused: list[tuple[int, str]] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                receiver.calls += 1
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                code, message, body, text = receiver._check(self.path, raw)
                if code == 0 and receiver.refuse:  # a 0 in `refuse` accepts that request
                    code = receiver.refuse.pop(0)
                    message = "refused as asked by the test (a rate limit, say)" if code else ""
                if code:
                    receiver.refused.append((code, message))
                else:
                    receiver.texts.append(text)
                    receiver.bodies.append(body)
                field, text = ("code", "msg") if receiver.channel == "feishu" else ("errcode", "errmsg")
                answer = json.dumps({field: code, text: message or ("success" if field == "code" else "ok")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = {"dingtalk": f"{base}/robot/send?access_token={token}",
                    "wecom": f"{base}/cgi-bin/webhook/send?key={token}",
                    "feishu": f"{base}/open-apis/bot/v2/hook/{token}"}[channel]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _check(self, path: str, raw: bytes) -> tuple[int, str, dict | None, str]:
        """(code, message, body, text): code 0 for a request the service would accept."""
        url = urlsplit(path)
        query = parse_qs(url.query)  # decodes %2B to "+"; an unencoded "+" would arrive as " "
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return 400, "body is not JSON", None, ""
        if self.channel == "dingtalk":
            if url.path != "/robot/send" or query.get("access_token") != [self.token]:
                return 300001, "token is not exist", None, ""
            if self.secret:
                timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
                expected = base64.b64encode(hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(),
                                                     hashlib.sha256).digest()).decode()
                if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
                    return 310000, "sign not match: timestamp missing or more than an hour away", None, ""
                if not hmac.compare_digest(sign, expected):
                    return 310000, "sign not match", None, ""
            if body.get("msgtype") != "text" or not isinstance((body.get("text") or {}).get("content"), str):
                return 40035, "msgtype text with text.content expected", None, ""
            text = body["text"]["content"]
        elif self.channel == "wecom":
            if url.path != "/cgi-bin/webhook/send" or query.get("key") != [self.token]:
                return 93000, "invalid webhook url", None, ""
            if body.get("msgtype") != "markdown" or not isinstance((body.get("markdown") or {}).get("content"), str):
                return 40008, "msgtype markdown with markdown.content expected", None, ""
            text = body["markdown"]["content"]
        else:
            if url.path != f"/open-apis/bot/v2/hook/{self.token}":
                return 19001, "param invalid: incoming webhook access token invalid", None, ""
            if len(raw) > FEISHU_BODY_LIMIT:
                return 9499, f"request body of {len(raw)} bytes, over {FEISHU_BODY_LIMIT}", None, ""
            if self.secret:
                timestamp, sign = str(body.get("timestamp") or ""), str(body.get("sign") or "")
                key = f"{timestamp}\n{self.secret}".encode()
                expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
                if (not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600
                        or not hmac.compare_digest(sign, expected)):
                    return 19021, "sign match fail or timestamp is not within one hour from current time", None, ""
            if body.get("msg_type") != "text" or not isinstance((body.get("content") or {}).get("text"), str):
                return 9499, "msg_type text with content.text expected", None, ""
            text = body["content"]["text"]
        limit = ROBOT_TEXT_LIMITS.get(self.channel)
        if limit is not None and len(text.encode("utf-8")) > limit:
            return 40058, f"content of {len(text.encode('utf-8'))} bytes, over {limit}", None, ""
        return 0, "", body, text


class SmtpInbox:
    """An SMTP server on 127.0.0.1 (aiosmtpd) keeping every message it receives. `ssl_context`: implicit TLS
    (SMTPS); `tls_context`: STARTTLS, required; `logins`: {user: password}, a login required (over TLS only)."""

    def __init__(self, ssl_context=None, tls_context=None, logins: dict[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message
        from aiosmtpd.smtp import AuthResult

        inbox = self

        class Keep(Message):
            def handle_message(self, message):
                inbox.messages.append(message)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = logins is not None and logins.get(auth_data.login.decode()) == auth_data.password.decode()
            inbox.logins.append((auth_data.login.decode(), ok))
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

        self.messages: list = []
        self.logins: list[tuple[str, bool]] = []
        options: dict[str, Any] = {}
        if ssl_context is not None:
            options["ssl_context"] = ssl_context
        if tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        if logins is not None:
            # aiosmtpd counts only STARTTLS as TLS for AUTH: over implicit TLS it must not ask for more
            options.update(authenticator=authenticate, auth_required=True, auth_require_tls=ssl_context is None)
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=free_port(), **options)
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
