"""Headless Chromium as a reader's browser, with the network off: every request Chromium tries goes to a proxy
on 127.0.0.1 that records and refuses it, so a test sees both how a page renders without network and whether it
tried to fetch anything (Chromium's own calls to Google's update and account services are left out).

    probe(page, "document.querySelectorAll('svg').length", tmp)  -> (value, requests tried)
    screenshot(page, png, tmp)                                   -> requests tried

`probe` evaluates a JavaScript expression in the page once it has loaded (after `delay_ms`, in Chromium's virtual
time) and returns its JSON value: it writes a copy of the page beside it (so relative links resolve) with a small
script that puts the value into the DOM, and reads it back from `--dump-dom`.
"""
from __future__ import annotations

import html
import json
import re
import socketserver
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tests.support.generator.pdf import chromium_path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
         "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-default-browser-check",
         "--hide-scrollbars", "--force-device-scale-factor=1", "--safebrowsing-disable-auto-update",
         "--disable-field-trial-config", "--no-service-autorun", "--password-store=basic", "--use-mock-keychain",
         "--disable-features=OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,"
         "OptimizationTargetPrediction,Translate,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,"
         "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,LensOverlay"]
TIMEOUT_SECONDS = 180
# Chromium's own calls (component updater, clock, Google account), which it makes whatever page it shows and
# whatever the flags above say: not the page's requests
BROWSER_HOSTS = ("clients2.google.com", "update.googleapis.com", "accounts.google.com",
                 "optimizationguide-pa.googleapis.com", "safebrowsing.googleapis.com")
_RESULT_ID = "__probe_result__"


class _Recorder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _RefuseAndRecord)


class _RefuseAndRecord(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(4096).decode("latin-1").strip()
        if line:
            self.server.requests.append(line)
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@contextmanager
def network_off() -> Iterator[tuple[list[str], list[str]]]:
    """(Chromium flags sending every request to a refusing proxy, the list of requests it received)."""
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address
        yield [f"--proxy-server=http://{host}:{port}", "--proxy-bypass-list=<-loopback>"], server.requests
    finally:
        server.shutdown()
        server.server_close()


def _host(request_line: str) -> str:
    target = request_line.split(" ")[1] if " " in request_line else request_line
    return re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0]


def _run(arguments: list[str], workdir: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run Chromium; returns its output and the page's requests to the network (Chromium's own left out)."""
    with network_off() as (proxy_flags, requests):
        completed = subprocess.run(
            [chromium_path(), *FLAGS, *proxy_flags, f"--user-data-dir={workdir / 'chromium-profile'}", *arguments],
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        tried = [line for line in requests if _host(line) not in BROWSER_HOSTS]
    if completed.returncode != 0:
        raise RuntimeError(f"chromium failed (exit {completed.returncode}): {completed.stderr[-2000:]}")
    return completed, tried


def probe(page: Path, expression: str, workdir: Path, *, delay_ms: int = 500, window: str = "1400,2000",
          budget_ms: int = 20000) -> tuple[Any, list[str]]:
    script = (
        "<script>window.addEventListener('load', function () { setTimeout(function () {"
        f" var out = document.createElement('pre'); out.id = '{_RESULT_ID}';"
        f" try {{ out.textContent = JSON.stringify((function () {{ return ({expression}); }})()); }}"
        " catch (e) { out.textContent = JSON.stringify({probe_error: String(e)}); }"
        f" document.body.appendChild(out); }}, {delay_ms}); }});</script>")
    text = page.read_text(encoding="utf-8")
    copy = page.with_name(page.stem + ".probe.html")
    closing = text.lower().rfind("</body>")
    copy.write_text(text[:closing] + script + text[closing:] if closing >= 0 else text + script, encoding="utf-8")
    try:
        completed, tried = _run([f"--window-size={window}", f"--virtual-time-budget={budget_ms}", "--dump-dom",
                                 copy.resolve().as_uri()], workdir)
    finally:
        copy.unlink(missing_ok=True)
    found = re.search(rf'<pre id="{_RESULT_ID}">(.*?)</pre>', completed.stdout, re.DOTALL)
    if not found:
        raise AssertionError(f"the probe did not run in {page}: {completed.stderr[-2000:]}")
    value = json.loads(html.unescape(found.group(1)))
    if isinstance(value, dict) and "probe_error" in value:
        raise AssertionError(f"the probe failed in {page}: {value['probe_error']}")
    return value, tried


def screenshot(page: Path, target: Path, workdir: Path, *, window: str = "1400,2000",
               budget_ms: int = 5000) -> list[str]:
    _, tried = _run([f"--window-size={window}", f"--virtual-time-budget={budget_ms}", f"--screenshot={target}",
                     page.resolve().as_uri()], workdir)
    if not target.exists() or target.stat().st_size == 0:
        raise AssertionError(f"chromium wrote no screenshot of {page}")
    return tried
