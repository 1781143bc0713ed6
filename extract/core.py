"""One document's bytes to its ExtractionResult, in one direction: sniff the format, run the guard the format
registered with its parser, parse; then the result is judged (completeness against the detected template,
status, issues, identities 1-4, and which cells the parser could not settle: `certain: false` in their
provenance)."""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import guards, registry
from .completeness import completeness_issues
from .identities import FAIL, check_identities
from .evidence import Evidence, settle
from .metadata import detect_agency_year
from .model import ExtractionError, Issue, ParsedDocument
from .narrative import narrative
from .options import ExtractOptions
from .result import ExtractionResult
from .sniff import sniff_format

log = logging.getLogger(__name__)


def extract_file(path: str | os.PathLike[str], options: ExtractOptions | None = None,
                 evidence: Evidence | None = None) -> ExtractionResult:
    """Extract one file; never raises for a bad document (status `failed` with the reason instead).

    A file over the size limit (`options.max_bytes`) is not loaded: it is hashed in chunks so that the failed
    result still carries the sha256 the pipeline quarantines by. Without `options`, the limits are read from
    the environment (ExtractOptions.from_env). `evidence` (optional: the same agency's previous report) may
    settle glued digit runs the document alone leaves open (see evidence.py)."""
    options = options or ExtractOptions.from_env()
    path = Path(path)
    name = guards.display_name(path.name or str(path))
    limit = options.max_bytes
    try:
        if not path.is_file():
            what = "a directory" if path.is_dir() else "missing or not a regular file"
            return ExtractionResult.failed(name, None, "unreadable", f"cannot read the file: {what}")
        with path.open("rb") as stream:
            # the size the file system reports is checked first, and what is read is capped too: /proc
            # files, pipes and growing files report 0 or too little
            fits = os.fstat(stream.fileno()).st_size <= limit
            data = stream.read(limit + 1) if fits else b""
            if not fits or len(data) > limit:  # too large: hash it in chunks, never hold it whole
                stream.seek(0)
                sha256, size = guards.sha256_of_stream(stream)
                refusal = guards.too_large(size, limit)
                return ExtractionResult.failed(name, sha256, refusal.code, refusal.message, size=size)
    except OSError as exc:
        return ExtractionResult.failed(name, None, "unreadable",
                                       f"cannot read the file: {guards.one_line(exc.strerror or exc)}")
    return extract_bytes(data, name, options, evidence)


def extract_bytes(data: bytes, name: str = "<bytes>", options: ExtractOptions | None = None,
                  evidence: Evidence | None = None) -> ExtractionResult:
    """Extract a document from its bytes; never raises for a bad document (status `failed` instead).
    Without `options`, the limits are read from the environment (ExtractOptions.from_env); `evidence` as
    for extract_file."""
    options = options or ExtractOptions.from_env()
    name = guards.display_name(name)
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = None
    try:
        with guards.time_limit(options.timeout_s):
            if not data or data.isspace():
                raise ExtractionError("empty", "the file is empty")
            if len(data) > options.max_bytes:
                raise guards.too_large(len(data), options.max_bytes)
            fmt = sniff_format(data)
            spec = registry.format_spec(fmt)
            if spec.guard is not None:
                spec.guard(data)
            parsed = spec.parse(data, options)
            if not isinstance(parsed, ParsedDocument):
                raise TypeError(f"the {fmt} parser returned {type(parsed).__name__}, not a ParsedDocument")
            return _judged(name, sha256, fmt, len(data), parsed, evidence)
    except ExtractionError as exc:
        return ExtractionResult.failed(name, sha256, exc.code, guards.one_line(exc.message), fmt, len(data))
    except guards.ExtractionTimeout as exc:
        return ExtractionResult.failed(name, sha256, "timeout", f"extraction took longer than {exc.args[0]:g}s "
                                                                "(EXTRACT_TIMEOUT_S)", fmt, len(data))
    except Exception as exc:  # a parser bug must not lose the document: record it, keep the batch going
        code, message = guards.classify_crash(exc)
        log.log(logging.WARNING if code == "parser_error" else logging.INFO, "%s on %s: %s", code, name, message)
        log.debug("traceback of the %s parser on %s", fmt, name, exc_info=True)
        return ExtractionResult.failed(name, sha256, code, message, fmt, len(data))


def _judged(name: str, sha256: str, fmt: str, size: int, parsed: ParsedDocument,
            evidence: Evidence | None = None) -> ExtractionResult:
    """The result of a parsed document: glued runs settled by the evidence the report gives, its status from
    its issues, and its identities evaluated."""
    agency, year = detect_agency_year(parsed.text)
    stated = narrative(parsed.text)
    settle(parsed, stated.stated_numbers, evidence, year)
    issues = list(parsed.issues)
    if not parsed.cells:
        issues.insert(0, Issue("not_a_report", f"{guards.single_line(name)}: no statistical table of an annual "
                                                "report was found"))
        status = "failed"
    else:
        if year is None:
            issues.append(Issue("year_not_found", "the report year could not be read from the title"))
        if agency is None:
            issues.append(Issue("agency_not_found", "the agency could not be read from the title",
                                severity="info"))
        issues.extend(completeness_issues(parsed))
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
    doubts = doubted_cells(issues, values)
    return ExtractionResult(
        file=name, sha256=sha256, size_bytes=size, format=fmt, status=status, ocr=parsed.ocr, agency=agency,
        year=year, template=parsed.template, tables_found=list(parsed.tables_found), cells=values,
        provenance={k: {**c.provenance(), **doubts.get(k, {})} for k, c in parsed.cells.items()},
        issues=[_one_line_issue(i) for i in issues], identity_checks=checks, text=parsed.text,
        narrative=stated,
    )


def doubted_cells(issues: list[Issue], cells: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The printed cells the parser could not settle, each with what goes into its provenance:
    `{"certain": False, "uncertain_because": <issue code>, "candidates": [values]}` (candidates only when the
    issue lists alternative readings). Every other cell is certain: its provenance has no `certain` key.

    Read from the issues alone, whatever the format: an error issue concerns the cells its
    `details["keys"]` name, else its `key`; a name `t<table>.<row>` stands for every printed cell of that row.
    An issue that lists `details["alternatives"]` (one reading of its keys each, as ambiguous_split does)
    leaves a cell certain when it lists every reading (`n_alternatives`) and they all agree on that cell."""
    doubts: dict[str, dict[str, Any]] = {}
    for issue in issues:
        if issue.severity != "error":
            continue
        named = issue.details.get("keys") or ([issue.key] if issue.key else [])
        alternatives = issue.details.get("alternatives") or []
        listed_all = issue.details.get("n_alternatives", len(alternatives)) == len(alternatives)
        complete = len(alternatives) >= 2 and listed_all
        for position, name in enumerate(named):
            for cell_key in _printed_cells(name, cells):
                candidates = _distinct(a[position] for a in alternatives if position < len(a)) \
                    if cell_key == name else []
                if complete and len(candidates) == 1:
                    continue  # every reading of the row agrees on this cell
                doubt = doubts.setdefault(cell_key, {"certain": False, "uncertain_because": issue.code})
                if candidates and "candidates" not in doubt:
                    doubt["candidates"] = candidates
    return doubts


def _printed_cells(name: str, cells: Mapping[str, Any]) -> list[str]:
    if name in cells:
        return [name]
    if name.count(".") == 1:  # t<table>.<row>: the whole row
        return [k for k in cells if k.startswith(name + ".")]
    return []


def _distinct(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _one_line_issue(issue: Issue) -> Issue:
    """An issue as printed: its message on one line, so that no parser can leak a traceback into a report."""
    message = guards.single_line(issue.message)
    return dataclasses.replace(issue, message=message if len(message) <= 1000 else message[:999] + "…")
