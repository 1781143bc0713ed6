"""Shared pieces of the generator and round-trip tests: hypothesis profiles, the round-trip oracle, and a
small fixed set of PDFs printed once per session (Chromium costs about a second per document).

Profiles: `roundtrip-ci` (default) is derandomized with no example database, so CI runs the same examples
every time, and it does not shrink (shrinking a report drawn from hypothesis' Random can take minutes; the
failure message already carries the cell-by-cell difference and the document). `ROUNDTRIP_PROFILE=
roundtrip-dev` explores new examples on each run and shrinks failures to a minimal report.
"""
from __future__ import annotations

import functools
import logging
import os
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, Phase, note, settings

from extract import ExtractionResult, extract_bytes
from tests.support.generator import (
    GeneratedDocument, Report, random_invalid_report, random_report, random_style, render,
)

# Chromium's embedded fonts lack a FontBBox: pdfminer warns once per character
logging.getLogger("pdfminer").setLevel(logging.ERROR)

settings.register_profile(
    "roundtrip-ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("roundtrip-dev", settings.get_profile("roundtrip-ci"), derandomize=False,
                          max_examples=200, phases=tuple(Phase))
ROUNDTRIP = settings.get_profile(os.getenv("ROUNDTRIP_PROFILE", "roundtrip-ci"))


def make_report(rng: random.Random, valid: bool, **kwargs: Any) -> Report:
    return random_report(rng, **kwargs) if valid else random_invalid_report(rng, **kwargs)


def generated(rng: random.Random, variant: str, valid: bool, **kwargs: Any) -> GeneratedDocument:
    return render(make_report(rng, valid, **kwargs), variant, rng)


def breaches(result: ExtractionResult) -> set[tuple[int, str]]:
    return {(i.details["identity"], i.details["scope"]) for i in result.issues
            if i.code == "identity_breach"}


def expected_breaches(report: Report) -> set[tuple[int, str]]:
    return {(c.identity, c.scope) for c in report.identity_checks() if c.result == "fail"}


def cell_differences(report: Report, result: ExtractionResult) -> dict[str, tuple[Any, Any]]:
    """key -> (printed, extracted) for every cell that is missing, extra or different."""
    got = result.cells
    missing = object()
    out = {}
    for cell_key in sorted(set(report.cells) | set(got)):
        expected, actual = report.cells.get(cell_key, missing), got.get(cell_key, missing)
        if expected is missing or actual is missing or expected != actual:
            out[cell_key] = ("<absent>" if expected is missing else expected,
                             "<absent>" if actual is missing else actual)
    return out


def describe(doc: GeneratedDocument, result: ExtractionResult) -> str:
    report = doc.report
    lines = [f"variant={doc.variant} template={report.template} year={report.year} agency={report.agency} "
             f"style={doc.document.style}",
             f"status={result.status} template={result.template} year={result.year} agency={result.agency}",
             f"issues={[(i.code, i.key, i.message[:120]) for i in result.issues][:12]}"]
    if report.breach:
        lines.append(f"breach={report.breach}")
    diffs = cell_differences(report, result)
    lines.append(f"{len(diffs)} cell differences (printed, extracted): {list(diffs.items())[:15]}")
    return "\n".join(lines)


def extract_plain(doc: GeneratedDocument) -> dict[str, Any]:
    return extract_bytes(doc.data, doc.name)


def extract(doc: GeneratedDocument) -> dict[str, Any]:
    """extract_bytes inside a hypothesis test: the failing example's document and diff are printed."""
    result = extract_bytes(doc.data, doc.name)
    note(describe(doc, result))
    if doc.format in ("txt", "html"):
        note("document:\n" + doc.data.decode("utf-8")[:6000])
    return result


def absent_t4_only(result: ExtractionResult) -> bool:
    """The result's only errors say that 表四 is absent: how a report that prints "未发生行政复议、行政诉讼"
    instead of 表四 comes out, since it cannot be told from one cut short (extract/completeness.py)."""
    errors = [i for i in result.issues if i.severity == "error"]
    return [(i.code, i.details.get("table")) for i in errors] in ([("table_unread", 4)], [("table_missing", 4)])


def assert_exact_round_trip(doc: GeneratedDocument, result: ExtractionResult) -> None:
    """Every printed cell back exactly, the template and year, status ok (needs_review for the absent 表四
    alone when the report has none), and exactly the breaches printed."""
    report = doc.report
    assert result.format == doc.format, describe(doc, result)
    assert cell_differences(report, result) == {}, describe(doc, result)
    assert result.template == report.template, describe(doc, result)
    assert result.year == report.year, describe(doc, result)
    assert breaches(result) == expected_breaches(report), describe(doc, result)
    if report.breach is not None:
        assert breaches(result), describe(doc, result)
    if report.has_t4:
        assert result.status == "ok", describe(doc, result)
    else:
        assert result.status == "needs_review" and absent_t4_only(result), describe(doc, result)


def assert_exact_or_flagged(doc: GeneratedDocument, result: ExtractionResult) -> None:
    """For ambiguous forms (digits glued together): either exact, or honestly `needs_review` — never a
    wrong `ok`."""
    if result.status == "needs_review" and (doc.report.has_t4 or not absent_t4_only(result)):
        return
    assert_exact_round_trip(doc, result)


# ---- PDFs: a small fixed set, printed once per session ------------------------------------------------

PDF_CASES = (
    # (id, variant, seed, valid, report kwargs)
    ("ruled-2021-valid", "pdf-ruled", 11, True, {"template": "2021", "blank_rate": 0.0}),
    ("ruled-2019-valid-blanks", "pdf-ruled", 12, True, {"template": "2019", "blank_rate": 0.3}),
    ("ruled-2021-breach", "pdf-ruled", 13, False, {"template": "2021"}),
    ("borderless-2021-valid", "pdf-borderless", 14, True, {"template": "2021"}),
    ("borderless-2019-breach", "pdf-borderless", 15, False, {"template": "2019"}),
    ("split-2021-valid", "pdf-split", 16, True, {"template": "2021", "has_t4": True}),
    ("split-2019-breach", "pdf-split", 17, False, {"template": "2019"}),
    ("radicals-2021-valid", "pdf-radicals", 20, True, {"template": "2021"}),
    ("t4-values-on-next-page-2021", "pdf-split-t4", 21, True, {"template": "2021", "has_t4": True,
                                                               "blank_rate": 0.0}),
    ("borderless-2019-blank-row", "pdf-borderless", 19, True,
     {"template": "2019", "blank_rate": 0.0, "blank": ("t3.rejected_petition.",),
                                                        "null_token": ""}),
    ("t4-values-on-next-page-first-cell-blank", "pdf-split-t4", 22, True,
     {"template": "2021", "has_t4": True, "blank_rate": 0.0, "blank": ("t4.reconsideration.upheld",),
      "null_token": ""}),
    # long row labels wrapped in a narrow label column, lines set solid (issue 14): the first line of the label
    # beside the row's numbers (top-aligned), or the numbers beside the label's middle line (centred)
    ("wrapped-2021-valid", "pdf-wrapped", 31, True, {"template": "2021", "blank_rate": 0.0}),
    ("wrapped-2019-valid-blanks", "pdf-wrapped", 32, True, {"template": "2019"}),
    ("wrapped-centred-2021-valid", "pdf-wrapped-middle", 31, True, {"template": "2021", "blank_rate": 0.0}),
    ("wrapped-centred-2021-breach", "pdf-wrapped-middle", 33, False, {"template": "2021"}),
    ("wrapped-ruled-2021-valid", "pdf-wrapped-ruled", 31, True, {"template": "2021", "blank_rate": 0.0}),
)


def blank_row(report: Report, row: str) -> Report:
    """The report with every cell of one 表三 row printed blank (null)."""
    return blank_cells(report, f"t3.{row}.")


def blank_cells(report: Report, *prefixes: str) -> Report:
    """The report with every cell whose key starts with one of `prefixes` printed blank (null)."""
    return replace(report, cells={k: (None if k.startswith(prefixes) else v) for k, v in report.cells.items()})


def pdf_case(variant: str, seed: int, valid: bool, kwargs: dict[str, Any]) -> GeneratedDocument:
    rng = random.Random(f"pdf-case:{variant}:{seed}")
    kwargs = dict(kwargs)
    blank = kwargs.pop("blank", ())
    null_token = kwargs.pop("null_token", None)
    report = make_report(rng, valid, **kwargs)
    if blank:
        report = blank_cells(report, *blank)
    style = random_style(rng)
    if null_token is not None:
        style = replace(style, null_token=null_token)
    return render(report, variant, rng, style=style)


@functools.cache
def print_pdf_cases() -> dict[str, GeneratedDocument]:
    """Render PDF_CASES two at a time (Chromium runs as a subprocess), once per test session."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case_id: pool.submit(pdf_case, variant, seed, valid, kwargs)
                   for case_id, variant, seed, valid, kwargs in PDF_CASES}
        return {case_id: future.result() for case_id, future in futures.items()}
