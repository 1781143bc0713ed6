"""Writing what maintainers read: one digest per run of the findings that are new or reopened (and not
dismissed), grouped by agency, with counts by check and severity, each check explained by the catalogue
(extract/check_catalogue.py); and the technical alert of a failed task.
Delivery (sinks, retries, undelivered messages) is pipeline/notify.py's.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from extract.check_catalogue import CHECKS_BY_CODE, CheckSpec

from .messages import Alert, Digest


def _identity_number(check_code: str | None) -> int | None:
    """The spec's number of an accounting identity (identity_1 ... identity_5); None for the other checks."""
    check = CHECKS_BY_CODE.get(check_code or "")
    return check.spec_number if check and check.code.startswith("identity_") else None


def alert_from_finding(finding: dict[str, Any]) -> Alert:
    """The alert line of a recorded finding (pipeline/findings.py): agency, year, check, row/column, lhs,
    rhs and the raw object key."""
    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return Alert(agency=finding.get("agency"), year=finding.get("year"),
                 identity=_identity_number(finding.get("check_code")), scope=finding.get("scope"),
                 lhs=number(finding.get("lhs")), rhs=number(finding.get("rhs")),
                 object_key=finding.get("object_key"), document_hash=finding.get("document_hash"),
                 original_name=finding.get("original_name"), scope_kind=finding.get("scope_kind"),
                 check_code=finding.get("check_code"), severity=finding.get("severity"),
                 fingerprint=finding.get("fingerprint"), alert_id=finding["fingerprint"],
                 compared_document_hash=finding.get("compared_document_hash"),
                 message=f"{finding.get('agency') or '(agency not read)'}: {finding_line(finding)[2:]}")


def format_number(value: Any) -> str:
    """A number as the report printed it (12, not 12.0); a blank cell as "blank"."""
    if value is None:
        return "blank"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def location(finding: dict[str, Any]) -> str:
    where = finding.get("original_name") or "?"
    parts = [f"{where} ({finding.get('object_key') or 'no object key'})"]
    if finding.get("page") is not None:
        parts.append(f"page {finding['page']}")
    if finding.get("line") is not None:
        parts.append(f"line {finding['line']}")
    return ", ".join(parts)


def finding_line(finding: dict[str, Any], with_status: bool = True) -> str:
    check = finding["check_code"]
    scope = f"{finding.get('scope_kind')} {finding.get('scope')}"
    if finding["result"] == "incomplete":
        numbers = f"incomplete: {finding.get('detail') or finding.get('missing_cells')}"
    else:
        numbers = f"{format_number(finding.get('lhs'))} vs {format_number(finding.get('rhs'))}"
        if finding.get("detail"):
            numbers += f" ({finding['detail']})"
    status = ("reopened, " if (finding.get("times_reopened") or 0) > 0 else "new, ") if with_status else ""
    return (f"- [{finding['severity']}] {finding.get('year') or '?'} report, {check} on {scope}: {numbers}; "
            f"source {location(finding)}; {status}fingerprint {finding['fingerprint']}")


def _check_line(check: CheckSpec) -> str:
    return f"  {check.code}: {check.description} ({check.formula})"


def build_digest(findings: list[dict[str, Any]], run_id: str) -> Digest | None:
    """None when there is nothing new: a rerun with nothing new sends nothing."""
    if not findings:
        return None
    by_severity = Counter(f["severity"] for f in findings)
    by_check = Counter(f["check_code"] for f in findings)
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_agency[finding.get("agency") or "(agency not read)"].append(finding)
    lines = [
        f"Government information disclosure reports, run {run_id}: {len(findings)} new or reopened finding(s) "
        f"in {len(by_agency)} agenc{'y' if len(by_agency) == 1 else 'ies'}.",
        "By severity: " + ", ".join(f"{s} {n}" for s, n in sorted(by_severity.items())),
        "By check: " + ", ".join(f"{c} {n}" for c, n in sorted(by_check.items())),
        "",
        "Checks:",
        *[_check_line(CHECKS_BY_CODE[code]) for code in sorted(by_check) if code in CHECKS_BY_CODE],
    ]
    for agency in sorted(by_agency):
        items = by_agency[agency]
        lines += ["", f"== {agency} ({len(items)})"]
        lines += [finding_line(f) for f in sorted(items, key=lambda f: (f.get("year") or 0, f["check_code"],
                                                                       str(f.get("scope"))))]
    lines += ["", "Dismiss a finding: add `<fingerprint>,dismissed,<note>` to the review file (REVIEW_DECISIONS_PATH)."]
    failures = by_severity.get("failure", 0)
    subject = (f"[transparency reports] {len(findings)} new finding(s)"
               + (f", {failures} failure(s)" if failures else ""))
    return Digest(run_id, subject, "\n".join(lines), [alert_from_finding(f) for f in findings])


def technical_digest(run_id: str, dag_id: str, task_id: str, error: str, log_url: str | None = None) -> Digest:
    text = (f"Pipeline failure (technical, not a finding): task {task_id} of DAG {dag_id}, run {run_id}, "
            f"failed: {error}" + (f"\nLog: {log_url}" if log_url else ""))
    return Digest(run_id, f"[transparency reports] task {task_id} failed", text, kind="technical")

