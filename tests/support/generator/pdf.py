"""PDF rendering: the report's HTML printed by headless Chromium (Debian package `chromium`, with
`fonts-noto-cjk` so that the CJK text gets a real text layer)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT_SECONDS = 120


class ChromiumNotFound(RuntimeError):
    pass


def chromium_path() -> str:
    configured = os.getenv("CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFound("headless Chromium is needed to print PDFs: apt-get install -y "
                           "--no-install-recommends chromium fonts-noto-cjk (or set CHROMIUM=/path/to/chrome)")


def print_pdf(html: bytes) -> bytes:
    """Print one HTML document to PDF (about a second per document)."""
    with tempfile.TemporaryDirectory(prefix="genpdf-") as tmp:
        source = Path(tmp) / "report.html"
        target = Path(tmp) / "report.pdf"
        source.write_bytes(html)
        command = [
            chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={target}", "--no-pdf-header-footer",
            source.as_uri(),
        ]
        completed = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_SECONDS, check=False)
        if not target.exists() or target.stat().st_size == 0:
            raise RuntimeError(f"chromium did not print {source.name} (exit {completed.returncode}): "
                               f"{completed.stderr.decode('utf-8', 'replace')[-2000:]}")
        return target.read_bytes()
