"""Turn one document's bytes into the JSON-ready extraction result (the CLI's and the pipeline's output)."""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from . import registry
from .identities import FAIL, check_identities
from .metadata import detect_agency_year
from .model import ExtractionError, Issue, ParsedDocument

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "0.1.0"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def max_bytes() -> int:
    return int(os.getenv("EXTRACT_MAX_BYTES", DEFAULT_MAX_BYTES))


def extract_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Extract one file; never raises for a bad document (status `failed` with the reason instead)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes():
            raise ExtractionError("too_large", f"{size} bytes is over the limit of {max_bytes()} "
                                               "(EXTRACT_MAX_BYTES)")
        data = path.read_bytes()
    except ExtractionError as exc:
        return _failed(path.name, None, exc.code, exc.message)
    except OSError as exc:
        return _failed(path.name, None, "unreadable", f"cannot read the file: {exc.strerror or exc}")
    return extract_bytes(data, name=path.name)


def extract_bytes(data: bytes, name: str = "<bytes>") -> dict[str, Any]:
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = None
    try:
        if not data.strip():
            raise ExtractionError("empty", "the file is empty")
        if len(data) > max_bytes():
            raise ExtractionError("too_large", f"{len(data)} bytes is over the limit of {max_bytes()}")
        fmt = registry.sniff_format(data)
        parsed = registry.parser_for(fmt)(data)
    except ExtractionError as exc:
        return _failed(name, sha256, exc.code, exc.message, fmt=fmt, size=len(data))
    except Exception as exc:  # a parser bug must not lose the document: record it, keep the batch going
        log.exception("parser crashed on %s", name)
        return _failed(name, sha256, "parser_error", f"{type(exc).__name__}: {exc}", fmt=fmt, size=len(data))
    return _result(name, sha256, fmt, len(data), parsed)


def _result(name: str, sha256: str, fmt: str, size: int, parsed: ParsedDocument) -> dict[str, Any]:
    agency, year = detect_agency_year(parsed.text)
    issues = list(parsed.issues)
    if not parsed.cells:
        issues.append(Issue("not_a_report", "no statistical table of an annual report was found"))
        status = "failed"
    else:
        if year is None:
            issues.append(Issue("year_not_found", "the report year could not be read from the title"))
        if agency is None:
            issues.append(Issue("agency_not_found", "the agency could not be read from the title",
                                severity="info"))
        status = "needs_review" if any(i.severity == "error" for i in issues) else "ok"
    values = {k: c.value for k, c in parsed.cells.items()}
    checks = check_identities(values)
    for check in checks:
        if check.result == FAIL:
            issues.append(Issue(
                "identity_breach",
                f"identity {check.identity} does not hold for {check.scope}: {check.lhs:g} != {check.rhs:g}",
                severity="info", details={"identity": check.identity, "scope": check.scope,
                                          "lhs": check.lhs, "rhs": check.rhs},
            ))
    return {
        "file": name,
        "sha256": sha256,
        "size_bytes": size,
        "format": fmt,
        "status": status,
        "agency": agency,
        "year": year,
        "template": parsed.template,
        "tables_found": list(parsed.tables_found),
        "cells": values,
        "provenance": {k: c.provenance() for k, c in parsed.cells.items()},
        "issues": [i.to_dict() for i in issues],
        "identity_checks": [
            {"identity": c.identity, "scope": c.scope, "lhs": c.lhs, "rhs": c.rhs, "result": c.result}
            for c in checks
        ],
        "text": parsed.text,
        "extractor_version": EXTRACTOR_VERSION,
    }


def _failed(name: str, sha256: str | None, code: str, message: str, fmt: str | None = None,
            size: int | None = None) -> dict[str, Any]:
    return {
        "file": name,
        "sha256": sha256,
        "size_bytes": size,
        "format": fmt,
        "status": "failed",
        "agency": None,
        "year": None,
        "template": None,
        "tables_found": [],
        "cells": {},
        "provenance": {},
        "issues": [Issue(code, f"{name}: {message}").to_dict()],
        "identity_checks": [],
        "text": "",
        "extractor_version": EXTRACTOR_VERSION,
    }
