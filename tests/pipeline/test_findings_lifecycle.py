"""Findings that survive reruns: fingerprints, history, decisions, one digest of what is new, sinks.

The steps after validation (record_findings, notify_maintainers, publish_quality_report) run on a warehouse
where every check fails somewhere (tests/support/check_cases.py); the findings come from its
marts.fct_check_results alone.
"""
from __future__ import annotations

import json

import pytest

from pipeline import findings, steps
from pipeline.config import load_settings
from pipeline.notify import alert_task_failure
from tests.support.check_cases import (
    base_report, copy_warehouse, extracted, render_text, shared_warehouse, signed,
)
from tests.support.receivers import SmtpInbox, WebhookReceiver
from tests.support.warehouse import load_staging, run_dbt


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Settings for one test: its own copy of the scenario warehouse, var/ and review file."""
    warehouse = copy_warehouse(tmp_path)
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("PIPELINE_VAR_PATH", str(tmp_path / "var"))
    monkeypatch.setenv("DATA_DOCS_PATH", str(tmp_path / "var" / "data-docs"))
    monkeypatch.setenv("ALERTS_PATH", str(tmp_path / "var" / "alerts.jsonl"))
    monkeypatch.setenv("REVIEW_DECISIONS_PATH", str(tmp_path / "reviews" / "decisions.csv"))
    monkeypatch.setenv("NOTIFY_RETRY_DELAY_SECONDS", "0")
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.delenv("FINDINGS_DB_PATH", raising=False)
    monkeypatch.delenv("QUALITY_REPORT_PATH", raising=False)
    return load_settings()


AFTER_VALIDATION = steps.STEPS[[step.name for step in steps.STEPS].index("validate_checks") + 1:]


def run_findings_steps(settings, run_id: str) -> dict:
    """The steps after validation (findings come from the check results alone), as a run chains them; their
    outcomes together."""
    outputs = steps.run_steps(AFTER_VALIDATION, {"run_name": run_id}, settings)
    return {**outputs["record_findings"], **outputs["notify_maintainers"], **outputs["publish_quality_report"]}


def _digests(settings) -> list[dict]:
    ledger = settings.var_path / "digests" / "digests.jsonl"
    if not ledger.is_file():
        return []
    return [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]


def _findings(settings) -> dict[str, dict]:
    con = findings.open_findings_db(settings.findings_db_path, None)
    try:
        return {f["fingerprint"]: f for f in findings.all_findings(con)}
    finally:
        con.close()


def _the(settings, agency: str, check_code: str, scope: str) -> dict:
    [finding] = [f for f in _findings(settings).values()
                 if (f["agency"], f["check_code"], f["scope"]) == (agency, check_code, scope)]
    return finding


def _rebuild_with(settings, *documents) -> None:
    load_staging(settings.warehouse_path, list(documents))
    completed = run_dbt(settings.warehouse_path, "build")
    assert completed.returncode == 0, completed.stdout[-3000:]


def test_the_first_run_sends_one_digest_grouped_by_agency_with_numbers_and_source(env):
    outcome = run_findings_steps(env, run_id="run-1")

    [digest] = _digests(env)
    assert digest["run_id"] == "run-1" and len(digest["fingerprints"]) == outcome["new"] == outcome["alerted"]
    text = (env.var_path / "digests" / digest["text_file"]).read_text(encoding="utf-8")
    assert "== 丙市财政局" in text and "== 戊市财政局" in text
    alerted = _findings(env).values()
    by_check = next(l for l in text.splitlines() if l.startswith("By check: "))
    assert f"narrative_8 {sum(f['check_code'] == 'narrative_8' for f in alerted)}" in by_check
    assert f"identity_5 {sum(f['check_code'] == 'identity_5' for f in alerted)}" in by_check
    failures = sum(f["severity"] == "failure" for f in alerted)
    assert f"failure {failures}" in next(l for l in text.splitlines() if l.startswith("By severity: "))
    narrative = _the(env, "丙市财政局", "narrative_8", "applications_received")
    line = next(l for l in text.splitlines() if narrative["fingerprint"] in l)
    received = narrative["rhs"]
    assert f"{int(received) + 5} vs {int(received)}" in line  # the numbers
    assert "narrative_8" in line and "broken.txt" in line and f"line {narrative['line']}" in line  # check, source
    assert narrative["object_key"] in line
    # identity 5 breach names the column and both sides
    carry = _the(env, "戊市财政局", "identity_5", "natural_person")
    assert (carry["lhs"], carry["rhs"], carry["severity"]) == (0.0, 1.0, "failure")


def test_a_rerun_with_nothing_new_sends_no_digest_and_keeps_first_seen(env):
    run_findings_steps(env, run_id="run-1")
    first = _findings(env)
    alert_lines = env.alerts_path.read_text(encoding="utf-8")
    outcome = run_findings_steps(env, run_id="run-2")

    assert (outcome["new"], outcome["reopened"], outcome["resolved"], outcome["alerted"]) == (0, 0, 0, 0)
    assert len(_digests(env)) == 1
    assert env.alerts_path.read_text(encoding="utf-8") == alert_lines  # no message at all
    second = _findings(env)
    assert second.keys() == first.keys()
    assert all(second[fp]["first_seen"] == first[fp]["first_seen"] for fp in first)
    assert all(second[fp]["last_seen"] >= first[fp]["last_seen"] for fp in first)


def test_fingerprints_do_not_depend_on_the_document_or_the_numbers():
    one = findings.fingerprint("甲局", 2023, "identity_1", "column", "total", "fail", "hash-a")
    assert one == findings.fingerprint("甲局", 2023, "identity_1", "column", "total", "fail", "hash-b")
    assert one != findings.fingerprint("甲局", 2024, "identity_1", "column", "total", "fail", "hash-a")
    assert one != findings.fingerprint("甲局", 2023, "identity_1", "column", "total", "incomplete", "hash-a")


AWKWARD_INPUTS = [
    # agency, year, check_code, scope_kind, scope, result, document_hash
    ("甲市财政局", 2023, "identity_1", "column", "natural_person", "fail", "hash-a"),
    (None, 2023, "identity_1", "column", "total", "fail", "hash-b"),
    ("", 2023, "identity_1", "column", "total", "fail", "hash-b"),
    (None, None, "identity_2", None, None, "incomplete", None),
    (" ", 2021, "counts_6", "row", "申请|人", "fail", "hash-c"),
    ("平潭综合实验区公安局", None, "narrative_8", "row", "applications_received", "fail", "hash-d"),
    ("乙局 'quoted'", 1999, "stock_7", None, "", "incomplete", ""),
    ("None", 0, "deadline_9", "row", "None", "fail", "hash-e"),
]


def test_the_merge_computes_the_same_fingerprints_in_sql_as_the_python_reference():
    import duckdb

    with duckdb.connect() as con:
        con.execute("create table flagged (agency varchar, year integer, check_code varchar, scope_kind varchar, "
                    "scope varchar, result varchar, document_hash varchar)")
        con.executemany("insert into flagged values (?, ?, ?, ?, ?, ?, ?)", AWKWARD_INPUTS)
        in_sql = [fp for (fp,) in con.execute(f"select {findings.FINGERPRINT_SQL} from flagged "
                                              "order by rowid").fetchall()]
    in_python = [findings.fingerprint(*row) for row in AWKWARD_INPUTS]
    assert in_sql == in_python
    # the reference itself: no agency (None or empty) names the document, so those two are one finding
    assert len(set(in_python)) == len(AWKWARD_INPUTS) - 1
    assert in_python[1] == in_python[2] == findings.fingerprint("document:hash-b", 2023, "identity_1", "column",
                                                                 "total", "fail")


def test_a_dismissed_finding_stays_dismissed_after_re_extraction_and_never_alerts_again(env, tmp_path):
    run_findings_steps(env, run_id="run-1")
    narrative = _the(env, "丙市财政局", "narrative_8", "applications_received")
    breach = _the(env, "丙市财政局", "identity_1", "natural_person")
    findings.write_decision(tmp_path / "reviews" / "decisions.csv", findings.Decision(
        narrative["fingerprint"], "dismissed", "the text counts applications by post too", "maintainer-a"))
    findings.write_decision(tmp_path / "reviews" / "decisions.csv", findings.Decision(
        breach["fingerprint"], "confirmed", "printed that way"))
    _, docs = shared_warehouse()
    broken = docs["broken"]

    # re-extraction: the same report crawled again as another file arrives later (a new document hash)
    again = extracted(broken["_text"] + "\n", "broken-recrawl.txt", broken["arrived_at"].replace(year=2027))
    assert again["sha256"] != broken["sha256"]
    _rebuild_with(env, again)
    outcome = run_findings_steps(env, run_id="run-2")
    assert (outcome["new"], outcome["alerted"]) == (0, 0)
    narrative_now = _the(env, "丙市财政局", "narrative_8", "applications_received")
    assert narrative_now["fingerprint"] == narrative["fingerprint"]
    assert narrative_now["document_hash"] == again["sha256"]
    assert (narrative_now["decision"], narrative_now["decision_note"]) == (
        "dismissed", "the text counts applications by post too")
    assert _the(env, "丙市财政局", "identity_1", "natural_person")["decision"] == "confirmed"

    # a corrected report resolves both; the broken one arriving once more reopens them
    corrected = base_report("broken", "丙市财政局", 2023, activity=0.9)
    fixed = extracted(signed(render_text(corrected, "fixed"), corrected.agency, "2024年1月30日"), "fixed.txt",
                      broken["arrived_at"].replace(year=2028))
    _rebuild_with(env, fixed)
    outcome = run_findings_steps(env, run_id="run-3")
    assert outcome["resolved"] >= 2 and outcome["alerted"] == 0
    assert _findings(env)[narrative["fingerprint"]]["status"] == "resolved"

    _rebuild_with(env, {**again, "arrived_at": broken["arrived_at"].replace(year=2029)})
    outcome = run_findings_steps(env, run_id="run-4")
    assert outcome["reopened"] >= 2
    reopened = _findings(env)
    assert reopened[narrative["fingerprint"]]["status"] == "open"
    assert reopened[narrative["fingerprint"]]["times_reopened"] == 1
    last = _digests(env)[-1]
    assert last["run_id"] == "run-4"
    assert breach["fingerprint"] in last["fingerprints"]  # confirmed, reopened: alerted again
    assert narrative["fingerprint"] not in last["fingerprints"]  # dismissed: never again
    run_4_lines = [json.loads(l) for l in env.alerts_path.read_text(encoding="utf-8").splitlines()
                   if json.loads(l)["run_id"] == "run-4"]
    assert breach["fingerprint"] in {a["alert_id"] for a in run_4_lines}
    assert narrative["fingerprint"] not in {a["alert_id"] for a in run_4_lines}
    text = (env.var_path / "digests" / last["text_file"]).read_text(encoding="utf-8")
    assert "reopened" in text


def test_an_unknown_decision_is_ignored_not_fatal(tmp_path, caplog):
    path = tmp_path / "decisions.csv"
    path.write_text("fingerprint,decision,note\nabc,dismissed,ok\ndef,dismised,typo\n", encoding="utf-8")
    decisions = findings.read_decisions(path)
    assert list(decisions) == ["abc"] and decisions["abc"].note == "ok"
    assert "dismised" in caplog.text


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def test_the_webhook_receives_the_digest_text(env, webhook, monkeypatch):
    monkeypatch.setenv("ALERT_WEBHOOK_URL", webhook.url)
    outcome = run_findings_steps(load_settings(), run_id="run-1")

    assert outcome["delivered"] == ["file", "webhook"]
    [payload] = webhook.bodies
    assert payload["text"].startswith("Government information disclosure reports, run run-1")
    assert len(payload["alerts"]) == outcome["alerted"]
    # the file sink holds the same alerts, one line each, with what a maintainer needs to find them
    lines = [json.loads(l) for l in env.alerts_path.read_text(encoding="utf-8").splitlines()]
    assert [a["alert_id"] for a in lines] == [a["fingerprint"] for a in payload["alerts"]]
    assert {"agency", "year", "check_code", "scope_kind", "scope", "lhs", "rhs", "object_key"} <= set(lines[0])


def test_a_failing_webhook_is_retried_and_logged_and_loses_no_finding(env, monkeypatch):
    webhook = WebhookReceiver(statuses=[500, 500, 500])
    monkeypatch.setenv("ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("NOTIFY_RETRIES", "3")
    try:
        outcome = run_findings_steps(load_settings(), run_id="run-1")
    finally:
        webhook.close()

    assert webhook.calls == 3 and webhook.bodies == []  # retried, never accepted
    assert outcome["delivered"] == ["file"] and "webhook" in outcome["failed"]
    [undelivered] = [json.loads(l) for l in (env.var_path / "alerts.undelivered.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert undelivered["sink"] == "webhook" and "丙市财政局" in undelivered["text"]
    assert len(_digests(env)[0]["fingerprints"]) == outcome["alerted"] > 0


def test_smtp_sends_the_digest(env, monkeypatch):
    with SmtpInbox() as inbox:
        monkeypatch.setenv("SMTP_HOST", inbox.host)
        monkeypatch.setenv("SMTP_PORT", str(inbox.port))
        monkeypatch.setenv("SMTP_TO", "maintainers@example.org")
        outcome = run_findings_steps(load_settings(), run_id="run-1")
    assert "smtp" in outcome["delivered"]
    [message] = inbox.messages
    assert message["Subject"].startswith("[transparency reports]") and "new finding(s)" in message["Subject"]
    assert "丙市财政局" in message.get_payload(decode=True).decode("utf-8")


def test_a_task_that_fails_for_a_technical_reason_sends_a_technical_alert(env):
    class TaskInstance:
        dag_id, task_id, log_url = "transparency_reports", "build_warehouse", None

    class DagRun:
        run_id = "manual__2026-01-31"

    alert_task_failure({"task_instance": TaskInstance(), "dag_run": DagRun(),
                        "exception": RuntimeError("dbt build failed (exit 2)")})
    [record] = _digests(env)
    assert record["kind"] == "technical" and record["run_id"] == "manual__2026-01-31"
    text = (env.var_path / "digests" / record["text_file"]).read_text(encoding="utf-8")
    assert "build_warehouse" in text and "RuntimeError: dbt build failed (exit 2)" in text
    # through the same file sink as the findings: one line in the alerts file
    [line] = [json.loads(l) for l in env.alerts_path.read_text(encoding="utf-8").splitlines()]
    assert (line["kind"], line["run_id"]) == ("technical", "manual__2026-01-31")
    assert "RuntimeError: dbt build failed (exit 2)" in line["message"]


def test_no_check_results_leaves_the_history_untouched(env, tmp_path):
    run_findings_steps(env, run_id="run-1")
    before = _findings(env)
    con = findings.open_findings_db(env.findings_db_path, tmp_path / "no-such-warehouse.duckdb")
    try:
        outcome = findings.record_findings(con, {})
    finally:
        con.close()
    assert outcome["skipped"] == "no check results"
    assert _findings(env) == before


def test_every_task_of_the_dag_sends_a_technical_alert_when_it_fails():
    from tests.support.pipeline_env import load_dag

    dag = load_dag("transparency_reports")
    for task in dag.tasks:
        callbacks = task.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]
        assert [getattr(c, "__name__", None) for c in callbacks] == ["alert_task_failure"], task.task_id


def _check_results(warehouse, rows) -> None:
    """A warehouse whose marts.fct_check_results holds `rows` (agency, year, check_code, scope, result, lhs)."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_check_results (agency varchar, year integer, "
                    "check_code varchar, check_family varchar, severity varchar, scope_kind varchar, scope varchar, "
                    "result varchar, lhs double, rhs double, detail varchar, missing_cells varchar, "
                    "document_hash varchar, compared_document_hash varchar, object_key varchar, "
                    "original_name varchar, line integer, page integer, is_representative boolean)")
        con.executemany("insert into marts.fct_check_results values (?, ?, ?, 'identities', 'failure', 'column', ?, "
                        "?, ?, 7, null, null, 'hash-' || ?, null, 'raw/x.txt', 'x.txt', 3, null, true)",
                        [[*row, row[0] or "none"] for row in rows])


def test_the_merge_opens_updates_resolves_and_reopens_by_fingerprint(tmp_path):
    from datetime import datetime, timedelta

    warehouse = tmp_path / "warehouse.duckdb"
    days = [datetime(2026, 12, 1) + timedelta(days=n) for n in range(4)]
    a = ("甲局", 2023, "identity_1", "total", "fail", 5.0)
    b = ("乙局", 2023, "identity_2", "natural_person", "fail", 8.0)
    c = (None, None, "identity_3", "total", "incomplete", None)

    def merge(rows, when):
        _check_results(warehouse, rows)
        con = findings.open_findings_db(tmp_path / "findings.duckdb", warehouse)
        try:
            counts = findings.record_findings(con, {}, now=when)
            return counts, {f["fingerprint"]: f for f in findings.all_findings(con)}
        finally:
            con.close()

    fp = {row: findings.fingerprint(row[0], row[1], row[2], "column", row[3], row[4], f"hash-{row[0] or 'none'}")
          for row in (a, b, c)}
    counts, history = merge([a, b, c, ("丁局", 2023, "identity_1", "total", "pass", 7.0)], days[0])
    assert (counts["new"], counts["open"], counts["total"]) == (3, 3, 3)
    assert set(history) == set(fp.values())

    counts, history = merge([(*a[:5], 6.0), c], days[1])  # a's numbers changed, b gone
    assert {k: counts[k] for k in ("new", "reopened", "resolved", "open")} == \
        {"new": 0, "reopened": 0, "resolved": 1, "open": 2}
    assert (history[fp[a]]["lhs"], history[fp[a]]["first_seen"], history[fp[a]]["last_seen"]) == \
        (6.0, days[0], days[1])
    assert (history[fp[b]]["status"], history[fp[b]]["resolved_at"], history[fp[b]]["last_seen"]) == \
        ("resolved", days[1], days[0])

    counts, history = merge([(*a[:5], 6.0), b, c], days[2])  # b back
    assert (counts["reopened"], counts["resolved"], counts["open"]) == (1, 0, 3)
    reopened = history[fp[b]]
    assert (reopened["status"], reopened["opened_at"], reopened["resolved_at"], reopened["times_reopened"],
            reopened["first_seen"], reopened["last_seen"]) == ("open", days[2], None, 1, days[0], days[2])
    assert history[fp[a]]["opened_at"] == days[0] and history[fp[a]]["times_reopened"] == 0


def test_the_run_summary_counts_and_lists_open_findings_as_the_findings_table_has_them(env, tmp_path, monkeypatch):
    from pipeline import summary

    run_findings_steps(env, run_id="run-1")
    narrative = _the(env, "丙市财政局", "narrative_8", "applications_received")
    findings.write_decision(tmp_path / "reviews" / "decisions.csv", findings.Decision(
        narrative["fingerprint"], "dismissed", "the text counts applications by post too", "maintainer-a"))
    run_findings_steps(env, run_id="run-2")
    monkeypatch.setattr(summary, "MOST_FINDINGS_LISTED", 3)

    lines = summary.findings_lines(env)

    recorded = [f for f in _findings(env).values() if f["status"] == "open"]
    active = sorted((f for f in recorded if f["decision"] != "dismissed"),
                    key=lambda f: (f["agency"] is None, f["agency"] or "", f["year"], f["check_code"], f["scope"]))
    by_check = {}
    for finding in active:
        by_check[finding["check_code"]] = by_check.get(finding["check_code"], 0) + 1
    assert len(active) > 3 and by_check
    assert lines[0] == (f"findings: {len(active)} open ("
                        + ", ".join(f"{c} {n}" for c, n in sorted(by_check.items())) + "), 1 dismissed")
    assert [line.split()[0] for line in lines[1:4]] == [f["agency"] or "?" for f in active[:3]]
    assert lines[4:] == [f"  ... {len(active) - 3} more in the quality report"]
