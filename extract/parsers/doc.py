"""Legacy Word .doc reports: converted to .docx by LibreOffice (headless, in a private temp dir), then read
by the .docx parser.

LibreOffice (`ExtractOptions.soffice`, else soffice or libreoffice on PATH) runs with its own throw-away
user profile (so concurrent conversions never share a lock), no network, in a new process group killed
after `ExtractOptions.soffice_timeout_s` (EXTRACT_SOFFICE_TIMEOUT, default 120 s). Its output passes the
guard of .docx before the .docx parser reads it.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..model import ExtractionError, ParsedDocument
from ..options import ExtractOptions
from ..registry import register
from . import docx as docx_parser

SOFFICE_NAMES = ("soffice", "libreoffice")


def find_soffice(configured: str | None) -> str:
    candidates = [configured] if configured else []
    candidates += [shutil.which(name) for name in SOFFICE_NAMES]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ExtractionError("missing_tool", "reading a legacy .doc needs LibreOffice (soffice), which is not "
                                          "installed: install the Debian package libreoffice-writer-nogui "
                                          "(or set EXTRACT_SOFFICE to the soffice binary)")


def convert_to_docx(data: bytes, options: ExtractOptions) -> bytes:
    """The .docx LibreOffice makes of a .doc; ExtractionError if it cannot."""
    soffice = find_soffice(options.soffice)
    timeout_s = options.soffice_timeout_s
    with tempfile.TemporaryDirectory(prefix="extract-doc-") as tmp:
        workdir = Path(tmp)
        source = workdir / "report.doc"
        source.write_bytes(data)
        outdir = workdir / "out"
        argv = [soffice, f"-env:UserInstallation={(workdir / 'profile').as_uri()}", "--headless",
                "--invisible", "--nologo", "--norestore", "--nolockcheck", "--nodefault",
                "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(outdir), str(source)]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp,
                                   start_new_session=True, env={**os.environ, "HOME": tmp})
        try:
            _stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ExtractionError("conversion_timeout", f"LibreOffice did not convert the .doc within "
                                                        f"{timeout_s:.0f}s (EXTRACT_SOFFICE_TIMEOUT)")
        converted = outdir / "report.docx"
        if process.returncode != 0 or not converted.exists():
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise ExtractionError("conversion_failed", f"LibreOffice could not convert the .doc "
                                                       f"(exit {process.returncode}): {tail[0][:200]}")
        return converted.read_bytes()


# Every Word 6/95/97-2003 file is an OLE compound file with a "WordDocument" stream; its directory entry
# holds the name in UTF-16LE. Excel ("Workbook") and PowerPoint files share the OLE signature.
_WORD_STREAM_NAME = "WordDocument".encode("utf-16-le")


def check_word_file(data: bytes) -> None:
    """The guard of .doc: an OLE file of another application (or a damaged one) is not converted."""
    if _WORD_STREAM_NAME not in data:
        raise ExtractionError("unsupported_format", "an OLE compound file without a WordDocument stream: "
                                                    "not a Word .doc (another application's file, or damaged)")


@register("doc", guard=check_word_file)
def parse(data: bytes, options: ExtractOptions = ExtractOptions()) -> ParsedDocument:
    converted = convert_to_docx(data, options)
    docx_parser.check_package(converted)
    return docx_parser.parse(converted, options)
