"""Writing what maintainers read: one digest per run of the findings that are new or reopened (and not
dismissed), grouped by agency, with counts by check and severity, each check explained by the catalogue
(extract/check_catalogue.py); the technical alert of a failed task; and a digest fitted to a chat channel's size
limit (`message_parts`: in parts, or one summary pointing to the quality report).
`build_digest` makes it from findings in memory; `streamed_digest`, the same text and alerts, from findings read
on demand (the run's step, pipeline/steps.py `notify_maintainers`), with the counts aggregated in SQL.
Delivery (sinks, retries, undelivered messages) is pipeline/notify.py's.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Union

from extract.check_catalogue import CHECKS_BY_CODE, CheckSpec

from .messages import Alert, Digest, DigestCounts, StreamedDigest

AnyDigest = Union[Digest, StreamedDigest]


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


def _agency_name(finding: dict[str, Any]) -> str:
    return finding.get("agency") or "(agency not read)"


def _subject(counts: DigestCounts) -> str:
    failures = counts.by_severity.get("failure", 0)
    return f"[transparency reports] {counts.total} new finding(s)" + (f", {failures} failure(s)" if failures else "")


def digest_lines(run_id: str, counts: DigestCounts, findings_in_order: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The digest's text, line by line: the headline from `counts`, then one section per agency. The findings
    must come by agency name ("(agency not read)" for none), then year (none as 0), check and scope (as text),
    the order `findings.DIGEST_ORDER` gives in SQL."""
    yield from _headline(run_id, counts.total, len(counts.by_agency), counts.by_severity, counts.by_check)
    yield ""
    yield "Checks:"
    yield from (_check_line(CHECKS_BY_CODE[code]) for code in sorted(counts.by_check) if code in CHECKS_BY_CODE)
    agency = None
    for finding in findings_in_order:
        if _agency_name(finding) != agency:
            agency = _agency_name(finding)
            yield ""
            yield f"== {agency} ({sum(counts.by_agency[agency].values())})"
        yield finding_line(finding)
    yield ""
    yield "Dismiss a finding: add `<fingerprint>,dismissed,<note>` to the review file (REVIEW_DECISIONS_PATH)."


def _digest_order(finding: dict[str, Any]) -> tuple:
    return _agency_name(finding), finding.get("year") or 0, finding["check_code"], str(finding.get("scope"))


def build_digest(findings: list[dict[str, Any]], run_id: str) -> Digest | None:
    """The digest of findings in memory. None when there is nothing new: a rerun with nothing new sends nothing."""
    if not findings:
        return None
    by_agency: dict[str, Counter] = defaultdict(Counter)
    for finding in findings:
        by_agency[_agency_name(finding)][finding["severity"]] += 1
    counts = DigestCounts(len(findings), Counter(f["severity"] for f in findings),
                          Counter(f["check_code"] for f in findings), dict(by_agency))
    text = "\n".join(digest_lines(run_id, counts, sorted(findings, key=_digest_order)))
    return Digest(run_id, _subject(counts), text, [alert_from_finding(f) for f in findings])


def streamed_digest(run_id: str, counts: DigestCounts,
                    findings_in_digest_order: Callable[[], Iterable[dict[str, Any]]],
                    findings_in_alert_order: Callable[[], Iterable[dict[str, Any]]],
                    fingerprints: Callable[[], Iterable[str]] | None = None) -> StreamedDigest | None:
    """The same digest as `build_digest`, for findings read from the database on demand (pipeline/findings.py):
    `counts` aggregated there, the findings read again for each sink, in the digest's order for its text and
    in the alerts file's order for its alerts (`fingerprints`, when given, reads theirs alone in that order).
    None when there is nothing new."""
    if not counts.total:
        return None
    return StreamedDigest(run_id, _subject(counts), counts,
                          lines=lambda: digest_lines(run_id, counts, findings_in_digest_order()),
                          alerts=lambda: (alert_from_finding(f) for f in findings_in_alert_order()),
                          fingerprints=fingerprints or (lambda: (f["fingerprint"] for f in findings_in_alert_order())))


def technical_digest(run_id: str, dag_id: str, task_id: str, error: str, log_url: str | None = None) -> Digest:
    text = (f"Pipeline failure (technical, not a finding): task {task_id} of DAG {dag_id}, run {run_id}, "
            f"failed: {error}" + (f"\nLog: {log_url}" if log_url else ""))
    return Digest(run_id, f"[transparency reports] task {task_id} failed", text, kind="technical")



# Splitting a digest for a chat channel. `cost` measures text as the channel limits it (characters, UTF-8 bytes,
# bytes of the JSON-escaped string) and must be additive: cost(a + b) == cost(a) + cost(b).
Cost = Callable[[str], int]


def _part_label(part: int, parts: int) -> str:
    return f"(part {part}/{parts})\n"


def message_parts(digest: AnyDigest, cost: Cost, limit: int, max_parts: int, full_digest_at: str) -> list[str]:
    """The digest's text as messages of at most `limit` each: the whole text when it fits; else split at line
    ends into at most `max_parts` messages, each headed "(part i/n)"; else one summary (counts by severity,
    check and agency) that says where the full digest is.

    The lines are read one by one and no further than needed: a digest of a hundred thousand findings is read up
    to `max_parts` + 1 parts' worth (proof that it does not fit), never whole."""
    return fit_message(digest, cost, limit, max_parts, full_digest_at)[0]


def fit_message(digest: AnyDigest, cost: Cost, limit: int, max_parts: int,
                full_digest_at: str) -> tuple[list[str], bool]:
    """`message_parts`, and whether they are the summary (the digest did not fit in `max_parts`)."""
    lines = digest.lines()
    head: list[str] = []
    used, newline = 0, cost("\n")
    for line in lines:
        used += (newline if head else 0) + cost(line)
        head.append(line)
        if used > limit:
            break
    else:
        return ["\n".join(head)], False
    chunks = _split_lines(chain(head, lines), cost, limit - cost(_part_label(max_parts, max_parts)),
                          most=max_parts + 1)
    if len(chunks) <= max_parts:
        return [_part_label(i, len(chunks)) + chunk for i, chunk in enumerate(chunks, start=1)], False
    return [digest_summary(digest, cost, limit, full_digest_at)], True


def _split_lines(lines: Iterable[str], cost: Cost, limit: int, most: int | None = None) -> list[str]:
    """Whole lines per chunk where they fit; a line longer than `limit` is cut between characters. With `most`,
    stops at that many chunks (a digest of thousands of findings is not split to the end to be summarised)."""
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    newline = cost("\n")
    for line in lines:
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


def digest_summary(digest: AnyDigest, cost: Cost, limit: int, full_digest_at: str) -> str:
    """A digest too long for a channel, told in one message within `limit`: the counts, the agencies with the most
    findings, and where the full digest is (the quality report)."""
    if not digest.alert_count:  # a technical alert: its start and its last line (the log's address), cut between
        *body, last = digest.text.split("\n")
        tail = f"\n… (cut to fit this channel: the whole text is in the digests folder of the pipeline's host)\n{last}"
        if not body or cost(tail) > limit // 2:
            body, tail = [digest.text], "\n… (cut to fit this channel)"
        return _cut("\n".join(body), cost, max(0, limit - cost(tail)))[0] + tail
    pointer = f"The full digest is too long for this channel; read it in the quality report: {full_digest_at}"
    counts = digest.counts
    by_agency = counts.by_agency
    lines = [*_headline(digest.run_id, counts.total, len(by_agency), counts.by_severity, counts.by_check),
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
