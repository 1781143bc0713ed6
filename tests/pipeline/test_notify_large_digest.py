"""A first run with thousands of findings: notify_maintainers streams the digest from the findings database. The
chat channels get the summary with the true totals (read no further than proves the digest too long), the
alerts file gets every alert, every finding is marked alerted, and the text and alerts are those the in-memory
digest (pipeline/digest.py `build_digest`) gives for the same findings; a mail holds the whole digest up to
its limit, the summary beyond. Real receivers on 127.0.0.1."""
from __future__ import annotations

import email
import json
from contextlib import closing

import duckdb
import pytest

from pipeline import findings, steps
from pipeline.config import load_settings
from pipeline.digest import build_digest, message_parts, streamed_digest
from pipeline.messages import DigestCounts
from pipeline.notify import SmtpSink, deliver, deliver_from_settings
from tests.support.receivers import RobotReceiver, SmtpInbox, WebhookReceiver, free_port

pytestmark = pytest.mark.integration

AGENCIES = 150
PER_AGENCY = 20  # 3,000 findings: a digest of about 400,000 characters, far over 2 parts of 40,000
CHECKS = ("identity_1", "identity_2", "identity_3", "identity_4")
REPORT_URL = "https://reports.example.org/quality/index.html"


def _check_results(warehouse) -> None:
    """A warehouse whose marts.fct_check_results holds AGENCIES × PER_AGENCY failing checks (every other one a
    warning), and two of a report whose agency was not read."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_check_results (agency varchar, year integer, check_code varchar, "
                    "check_family varchar, severity varchar, scope_kind varchar, scope varchar, result varchar, "
                    "lhs double, rhs double, detail varchar, missing_cells varchar, document_hash varchar, "
                    "compared_document_hash varchar, object_key varchar, original_name varchar, line integer, "
                    "page integer, is_representative boolean)")
        rows = ("select '测试市第' || lpad(a::varchar, 3, '0') || '局', 2020 + f % 3, $checks[f % 4 + 1], "
                "case when (a + f) % 2 = 1 then 'failure' else 'warning' end, 'col_' || f, 10.0 + f, 'hash-' || a "
                "from range($agencies) as agencies(a), range($per_agency) as per_agency(f) "
                "union all select null, null, 'identity_1', 'failure', 'row_' || n, 1.0, 'hash-unread' "
                "from range(2) as unread(n)")
        con.execute(f"insert into marts.fct_check_results select agency, year, check_code, 'identities', severity, "
                    f"'column', scope, 'fail', lhs, 7, null, null, document_hash, null, 'raw/x.pdf', 'x.pdf', 3, "
                    f"null, true from ({rows}) as flagged(agency, year, check_code, severity, scope, lhs, "
                    f"document_hash)", {"checks": list(CHECKS), "agencies": AGENCIES, "per_agency": PER_AGENCY})
        assert con.execute("select count(*) from marts.fct_check_results").fetchone() == (AGENCIES * PER_AGENCY + 2,)


@pytest.fixture
def settings(pipeline_env, monkeypatch):
    _check_results(pipeline_env.parent / "warehouse.duckdb")
    monkeypatch.setenv("WAREHOUSE_PATH", str(pipeline_env.parent / "warehouse.duckdb"))
    monkeypatch.setenv("NOTIFY_MAX_PARTS", "2")
    monkeypatch.setenv("NOTIFY_RETRIES", "1")
    monkeypatch.setenv("QUALITY_REPORT_URL", REPORT_URL)
    settings = load_settings()
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        assert findings.record_findings(con, {})["new"] == AGENCIES * PER_AGENCY + 2
    return settings


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_digest_far_over_the_channels_goes_as_the_summary_with_true_totals_and_every_alert_to_the_file(
        settings, monkeypatch):
    total = AGENCIES * PER_AGENCY + 2
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        in_memory = build_digest(findings.findings_to_alert(con), "run-big")
    hook, robot = WebhookReceiver(), RobotReceiver("wecom")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("WECOM_WEBHOOK_URL", robot.url)
    try:
        outcome = steps.notify_maintainers({"run_name": "run-big"}, settings=load_settings())
    finally:
        hook.close()
        robot.close()

    assert (outcome["alerted"], outcome["delivered"], outcome["failed"]) == (total, ["file", "webhook", "wecom"], {})
    [body] = hook.bodies
    [wecom_text] = robot.texts
    assert len(wecom_text.encode("utf-8")) <= 4096 and len(body["text"]) <= 40_000
    for summary in (body["text"], wecom_text):
        lines = summary.splitlines()
        assert lines[0] == (f"Government information disclosure reports, run run-big: {total} new or reopened "
                            f"finding(s) in {AGENCIES + 1} agencies.")
        assert lines[1] == f"By severity: failure {total // 2 + 1}, warning {total // 2 - 1}"
        assert lines[2] == "By check: identity_1 752, identity_2 750, identity_3 750, identity_4 750"
        assert f"read it in the quality report: {REPORT_URL}" in summary
        assert "- 测试市第000局: 20 (failure 10, warning 10)" in lines
    assert body["alerts"] == []  # a summary lists no finding: the alerts are in the alerts file

    written = _lines(settings.alerts_path)
    assert len(written) == total
    assert [{k: v for k, v in line.items() if k != "sent_at"} for line in written] == [
        {**a.to_dict(), "run_id": "run-big"} for a in in_memory.alerts]
    [record] = _lines(settings.var_path / "digests" / "digests.jsonl")
    assert record["fingerprints"] == [a.fingerprint for a in in_memory.alerts]
    copy = settings.var_path / "digests" / record["text_file"]
    assert copy.read_text(encoding="utf-8") == in_memory.text + "\n"

    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        assert con.execute("select count(*) filter (where needs_alert), count(*) filter (where alerted_at is not "
                           "null), count(*) from fct_findings").fetchone() == (0, total, total)
        assert findings.findings_to_alert(con) == []
    assert steps.notify_maintainers({"run_name": "run-again"}, settings=settings)["alerted"] == 0


def test_deciding_fits_or_summary_reads_the_lines_no_further_than_max_parts_plus_one_parts(settings):
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        read = []

        def counted(order):
            for finding in findings.iter_findings_to_alert(con, order):
                read.append(finding["fingerprint"])
                yield finding

        digest = streamed_digest("run-big", DigestCounts.of_agencies(*findings.counts_to_alert(con)),
                                 lambda: counted(findings.DIGEST_ORDER), lambda: counted(findings.FINDINGS_ORDER))
        whole = build_digest(findings.findings_to_alert(con), "run-big")
        assert digest.text == whole.text and digest.subject == whole.subject
        read.clear()
        [summary] = message_parts(digest, len, 40_000, 2, REPORT_URL)

    assert summary == message_parts(whole, len, 40_000, 2, REPORT_URL)[0]
    assert summary.startswith(whole.text.splitlines()[0])
    # read: the lines of max_parts + 1 = 3 parts of at most 40,000 characters (and the one that did not fit), of
    # the digest's 3,002
    lines_in = {parts: whole.text[:parts * 40_000].count("fingerprint ") for parts in (2, 3)}
    assert lines_in[2] < len(read) <= lines_in[3] + 2
    assert len(read) < 3002 / 2


def test_a_summary_a_channel_missed_is_kept_as_that_summary_and_sent_by_the_next_run(settings, monkeypatch):
    port = free_port()
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hooks/maintainers")  # nothing listens yet

    down = steps.notify_maintainers({"run_name": "run-big"}, settings=load_settings())

    assert (down["delivered"], list(down["failed"])) == (["file"], ["webhook"])
    [kept] = _lines(settings.undelivered_path)
    assert (kept["sink"], kept["alerts"], kept["run_id"]) == ("webhook", [], "run-big")
    assert kept["text"].splitlines()[0].endswith(f"{AGENCIES * PER_AGENCY + 2} new or reopened finding(s) in "
                                                 f"{AGENCIES + 1} agencies.")
    assert len(_lines(settings.alerts_path)) == AGENCIES * PER_AGENCY + 2  # the file took it: all marked alerted

    receiver = WebhookReceiver(port=port)
    try:
        up = deliver_from_settings(None, load_settings())
    finally:
        receiver.close()
    assert up["redelivered"] == {"webhook": 1} and not settings.undelivered_path.exists()
    assert [body["text"] for body in receiver.bodies] == [kept["text"]]


def test_a_mail_holds_the_whole_digest_up_to_its_limit_and_the_summary_beyond(settings, tmp_path):
    with closing(findings.open_findings_db(settings.findings_db_path, settings.warehouse_path)) as con:
        digest = streamed_digest("run-big", DigestCounts.of_agencies(*findings.counts_to_alert(con)),
                                 lambda: findings.iter_findings_to_alert(con, findings.DIGEST_ORDER),
                                 lambda: findings.iter_findings_to_alert(con))
        whole = digest.text
        with SmtpInbox() as inbox:
            roomy = SmtpSink(inbox.host, inbox.port, "pipeline@example.org", ["a@example.org"],
                             full_digest_at=REPORT_URL)
            tight = SmtpSink(inbox.host, inbox.port, "pipeline@example.org", ["a@example.org"],
                             full_digest_at=REPORT_URL)
            tight.limit = len(whole.encode("utf-8")) - 1
            outcome = deliver(digest, [roomy, tight], tmp_path / "undelivered.jsonl", attempts=1)

    assert outcome["delivered"] == ["smtp", "smtp"]
    bodies = [email.message_from_string(m.as_string()).get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
              for m in inbox.messages]
    assert bodies[0].strip() == whole and len(whole) > 300_000
    assert bodies[1].splitlines()[0] == whole.splitlines()[0]
    assert f"read it in the quality report: {REPORT_URL}" in bodies[1] and "fingerprint " not in bodies[1]
