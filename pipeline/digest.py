"""Writing what maintainers read: one digest per run of the findings that are new or reopened (and not
dismissed), grouped by agency, with counts by check and severity, each check explained by the catalogue
(extract/check_catalogue.py); the technical alert of a failed task; and a digest fitted to a chat channel's size
limit (`message_parts`: in parts, or one summary pointing to the quality report).
Delivery (sinks, retries, undelivered messages) is pipeline/notify.py's.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Callable

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


def _headline(run_id: str, findings: int, agencies: int, by_severity: Counter, by_check: Counter) -> list[str]:
    return [f"Government information disclosure reports, run {run_id}: {findings} new or reopened finding(s) "
            f"in {agencies} agenc{'y' if agencies == 1 else 'ies'}.",
            "By severity: " + ", ".join(f"{s} {n}" for s, n in sorted(by_severity.items())),
            "By check: " + ", ".join(f"{c} {n}" for c, n in sorted(by_check.items()))]


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
        *_headline(run_id, len(findings), len(by_agency), by_severity, by_check),
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



# Splitting a digest for a chat channel. `cost` measures text as the channel limits it (characters, UTF-8 bytes,
# bytes of the JSON-escaped string) and must be additive: cost(a + b) == cost(a) + cost(b).
Cost = Callable[[str], int]


def _part_label(part: int, parts: int) -> str:
    return f"(part {part}/{parts})\n"


def message_parts(digest: Digest, cost: Cost, limit: int, max_parts: int, full_digest_at: str) -> list[str]:
    """The digest's text as messages of at most `limit` each: the whole text when it fits; else split at line
    ends into at most `max_parts` messages, each headed "(part i/n)"; else one summary (counts by severity,
    check and agency) that says where the full digest is."""
    if cost(digest.text) <= limit:
        return [digest.text]
    chunks = _split_lines(digest.text, cost, limit - cost(_part_label(max_parts, max_parts)), most=max_parts + 1)
    if len(chunks) <= max_parts:
        return [_part_label(i, len(chunks)) + chunk for i, chunk in enumerate(chunks, start=1)]
    return [digest_summary(digest, cost, limit, full_digest_at)]


def _split_lines(text: str, cost: Cost, limit: int, most: int | None = None) -> list[str]:
    """Whole lines per chunk where they fit; a line longer than `limit` is cut between characters. With `most`,
    stops at that many chunks (a digest of thousands of findings is not split to the end to be summarised)."""
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    newline = cost("\n")
    for line in text.split("\n"):
        for piece in _cut(line, cost, limit):
            size = cost(piece)
            if current and used + newline + size > limit:
                chunks.append("\n".join(current))
                current, used = [], 0
                if most is not None and len(chunks) >= most:
                    return chunks
            used += (newline if current else 0) + size
            current.append(piece)
    if current:
        chunks.append("\n".join(current))
    return chunks


def _cut(line: str, cost: Cost, limit: int) -> list[str]:
    if cost(line) <= limit:
        return [line]
    pieces, start, used = [], 0, 0
    for i, ch in enumerate(line):
        size = cost(ch)
        if used + size > limit:
            pieces.append(line[start:i])
            start, used = i, 0
        used += size
    pieces.append(line[start:])
    return pieces


def digest_summary(digest: Digest, cost: Cost, limit: int, full_digest_at: str) -> str:
    """A digest too long for a channel, told in one message within `limit`: the counts, the agencies with the most
    findings, and where the full digest is (the quality report)."""
    if not digest.alerts:  # a technical alert: its start and its last line (the log's address), cut between
        *body, last = digest.text.split("\n")
        tail = f"\n… (cut to fit this channel: the whole text is in the digests folder of the pipeline's host)\n{last}"
        if not body or cost(tail) > limit // 2:
            body, tail = [digest.text], "\n… (cut to fit this channel)"
        return _cut("\n".join(body), cost, max(0, limit - cost(tail)))[0] + tail
    pointer = f"The full digest is too long for this channel; read it in the quality report: {full_digest_at}"
    by_agency: dict[str, Counter] = defaultdict(Counter)
    for alert in digest.alerts:
        by_agency[alert.agency or "(agency not read)"][alert.severity or "?"] += 1
    lines = [*_headline(digest.run_id, len(digest.alerts), len(by_agency),
                        Counter(a.severity or "?" for a in digest.alerts),
                        Counter(a.check_code or "?" for a in digest.alerts)),
             "", pointer, "", "Findings by agency:"]
    ranked = sorted(by_agency.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    agency_lines = [f"- {agency}: {sum(counts.values())} ("
                    + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())) + ")" for agency, counts in ranked]
    # the most agency lines that fit, found from the lines' costs (cost is additive): measuring the whole text
    # for each count would take time in the square of the number of agencies
    newline, used = cost("\n"), cost("\n".join(lines))
    fitting = []  # fitting[shown]: the text's cost without the "and n more" line
    for line in agency_lines:
        fitting.append(used)
        used += newline + cost(line)
    fitting.append(used)
    for shown in range(len(agency_lines), -1, -1):
        rest = len(agency_lines) - shown
        more = f"- … and {rest} more agencies"
        if fitting[shown] + (newline + cost(more) if rest else 0) <= limit:
            return "\n".join(lines + agency_lines[:shown] + ([more] if rest else []))
    text = "\n".join(lines + [f"- … and {len(agency_lines)} more agencies"] if agency_lines else lines)
    return _cut(text, cost, limit)[0]  # not even the counts fit: the channel's limit is tiny
