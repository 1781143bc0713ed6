"""The chat channels maintainers use, against real receivers on 127.0.0.1 (tests/support/receivers.py) that check
each service's format, size limit and signature: a Slack-compatible webhook, a DingTalk custom robot (signed
query), a WeCom group robot (markdown) and a Feishu custom bot (signed body). A digest longer than a channel
takes goes in parts or as a summary pointing to the quality report; a refused or redirected message is a failed
delivery, kept and sent again by the next run; webhook settings must be http(s) URLs."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from urllib.parse import quote_plus

import pytest

from pipeline.config import SettingsError, load_settings
from pipeline.digest import build_digest
from pipeline.notify import (DingTalkSink, WebhookSink, deliver, deliver_from_settings, dingtalk_sign,
                             sinks_from_settings)
from tests.support.paths import ROOT
from tests.support.receivers import RobotReceiver, WebhookReceiver, finding

pytestmark = pytest.mark.integration

SECRET = "SEC7d1e0c5a9b3f42e8a1c6d0b5f9e2a7c4"
REPORT_URL = "https://reports.example.org/quality/index.html"
DIGEST = build_digest([
    finding("吴忠市工业和信息化局", 2020, "identity_1", "column", "total", 12.0, 11.0, "9e51c0ffee000001"),
    finding("金昌市工业和信息化局", 2023, "narrative_8", "sentence", "applications_received", 3.0, 2.0,
            "06dec0ffee000002", severity="warning")], "run-1")
CHECKS = ("identity_1", "identity_2", "identity_3", "identity_4", "narrative_8")
# a first run over many agencies: 300 findings in 60 agencies, a digest over Slack's 40,000 characters
LARGE = build_digest([
    finding(f"测试市第{a:02d}工业和信息化局", 2020 + f % 4, CHECKS[f % 5], "column", f"col_{f}", 10.0 + f, 9.0,
            f"{a:04x}{f:04x}c0ffee00", severity="failure" if f % 2 else "warning",
            original_name=f"测试市第{a:02d}工业和信息化局{2020 + f % 4}年政府信息公开工作年度报告.pdf")
    for a in range(60) for f in range(5)], "run-large")


@pytest.fixture
def robots():
    made = []

    def make(channel, **options):
        made.append(RobotReceiver(channel, **options))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def _configure(monkeypatch, channel, receiver, secret=""):
    monkeypatch.setenv(f"{channel.upper()}_WEBHOOK_URL", receiver.url)
    if secret:
        monkeypatch.setenv(f"{channel.upper()}_SECRET", secret)
    monkeypatch.setenv("QUALITY_REPORT_URL", REPORT_URL)
    monkeypatch.setenv("NOTIFY_RETRIES", "1")


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _unlabelled(texts):
    """The parts' texts without their "(part i/n)" heads, checking the heads on the way."""
    for i, text in enumerate(texts, start=1):
        assert text.startswith(f"(part {i}/{len(texts)})\n"), text[:40]
    return [text.split("\n", 1)[1] for text in texts]


def test_the_dingtalk_signature_matches_a_published_example():
    # the value the `dingding` Rust crate's tests hold for timestamp 1700000000000 and secret "secret"
    published = "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    assert quote_plus(dingtalk_sign("1700000000000", "secret")) == published


@pytest.mark.parametrize("channel, secret", [("dingtalk", SECRET), ("dingtalk", ""), ("wecom", ""),
                                             ("feishu", SECRET), ("feishu", "")],
                         ids=["dingtalk signed", "dingtalk unsigned", "wecom", "feishu signed", "feishu unsigned"])
def test_each_robot_receives_the_digest_in_its_own_format(pipeline_env, monkeypatch, robots, channel, secret):
    receiver = robots(channel, secret=secret)
    _configure(monkeypatch, channel, receiver, secret)

    outcome = deliver_from_settings(DIGEST, load_settings())

    assert outcome["delivered"] == ["file", channel], outcome
    assert receiver.refused == []
    assert receiver.texts == [DIGEST.text]


@pytest.mark.parametrize("channel, refusal", [("dingtalk", "310000"), ("feishu", "19021")])
def test_a_wrong_secret_is_refused_kept_and_sent_once_the_secret_is_right(pipeline_env, monkeypatch, robots, caplog,
                                                                          channel, refusal):
    receiver = robots(channel, secret=SECRET)
    _configure(monkeypatch, channel, receiver, secret="SECnot-the-right-one-5b0e")
    caplog.set_level(logging.INFO)
    settings = load_settings()

    refused = deliver_from_settings(DIGEST, settings)

    assert refused["delivered"] == ["file"] and refusal in refused["failed"][channel]
    assert receiver.texts == [] and [code for code, _ in receiver.refused] == [int(refusal)]
    [kept] = _lines(settings.undelivered_path)
    assert (kept["sink"], kept["text"]) == (channel, DIGEST.text)
    written = json.dumps(refused) + settings.undelivered_path.read_text(encoding="utf-8") + caplog.text
    assert receiver.token not in written and "SECnot-the-right-one" not in written

    monkeypatch.setenv(f"{channel.upper()}_SECRET", SECRET)
    fixed = deliver_from_settings(None, load_settings())

    assert fixed["redelivered"] == {channel: 2} and receiver.texts == [DIGEST.text]
    assert not settings.undelivered_path.exists()


def test_a_digest_over_slacks_limit_goes_in_parts_each_with_its_alerts(tmp_path):
    hook = WebhookReceiver()
    try:
        outcome = deliver(LARGE, [WebhookSink(hook.url)], tmp_path / "undelivered.jsonl", attempts=1)
    finally:
        hook.close()

    assert len(LARGE.text) > 40_000
    assert outcome["delivered"] == ["webhook"]
    texts = [body["text"] for body in hook.bodies]
    assert 2 <= len(texts) <= 5 and all(len(text) <= 40_000 for text in texts)
    assert [(b["part"], b["parts"]) for b in hook.bodies] == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    assert "\n".join(_unlabelled(texts)) == LARGE.text  # split at line ends, nothing lost
    sent = [alert["alert_id"] for body in hook.bodies for alert in body["alerts"]]
    assert sorted(sent) == sorted(a.alert_id for a in LARGE.alerts)  # every alert once
    for body in hook.bodies:
        assert all(f"fingerprint {alert['alert_id']}" in body["text"] for alert in body["alerts"])


@pytest.mark.parametrize("channel, secret", [("dingtalk", SECRET), ("feishu", SECRET)])
def test_a_long_digest_goes_to_a_robot_in_parts_within_its_limit(pipeline_env, monkeypatch, robots, channel, secret):
    receiver = robots(channel, secret=secret)
    _configure(monkeypatch, channel, receiver, secret)

    outcome = deliver_from_settings(LARGE, load_settings())

    assert outcome["delivered"] == ["file", channel], outcome
    assert receiver.refused == []  # the receiver refuses a text over 20,000 bytes (a Feishu body over 20,000)
    assert 2 <= len(receiver.texts) <= 5
    assert "\n".join(_unlabelled(receiver.texts)) == LARGE.text
    if channel == "feishu":
        sizes = [len(json.dumps(body, ensure_ascii=False).encode("utf-8")) for body in receiver.bodies]
        assert max(sizes) <= 20_000 and max(sizes) > 15_000  # parts are filled, not cut small


def test_a_digest_too_long_for_wecom_in_five_parts_goes_as_one_summary_with_the_report_link(pipeline_env, monkeypatch,
                                                                                           robots):
    receiver = robots("wecom")
    _configure(monkeypatch, "wecom", receiver)

    outcome = deliver_from_settings(LARGE, load_settings())

    assert outcome["delivered"] == ["file", "wecom"]
    (summary,) = receiver.texts
    assert len(summary.encode("utf-8")) <= 4096
    lines = summary.splitlines()
    assert lines[:3] == LARGE.text.splitlines()[:3]  # the digest's own headline: run, counts by severity and check
    assert lines[0].endswith("300 new or reopened finding(s) in 60 agencies.")
    assert f"read it in the quality report: {REPORT_URL}" in summary
    shown = [line for line in lines if line.startswith("- 测试市")]
    assert shown and lines[-1] == f"- … and {60 - len(shown)} more agencies"
    assert shown[0] == "- 测试市第00工业和信息化局: 5 (failure 2, warning 3)"


def test_a_part_a_robot_refuses_is_sent_again_without_repeating_the_others(pipeline_env, monkeypatch, robots):
    receiver = robots("dingtalk", secret=SECRET, refuse=[0, 130101])  # the second message hits the rate limit
    _configure(monkeypatch, "dingtalk", receiver, SECRET)
    settings = load_settings()

    first = deliver_from_settings(LARGE, settings)

    assert "130101" in first["failed"]["dingtalk"] and len(receiver.texts) == 1
    [kept] = _lines(settings.undelivered_path)
    assert (kept["sink"], kept["parts_delivered"]) == ("dingtalk", 1)

    later = deliver_from_settings(None, load_settings())  # the next run: new sinks, the undelivered file

    assert later["redelivered"] == {"dingtalk": 300}
    assert "\n".join(_unlabelled(receiver.texts)) == LARGE.text  # each part exactly once, in order
    assert not settings.undelivered_path.exists()


def test_within_one_delivery_a_retry_resumes_at_the_refused_part(tmp_path, robots):
    receiver = robots("dingtalk", secret=SECRET, refuse=[0, 0, 130101])
    sink = DingTalkSink(receiver.url, SECRET)

    outcome = deliver(LARGE, [sink], tmp_path / "undelivered.jsonl", attempts=2, retry_delay=0)

    assert outcome["delivered"] == ["dingtalk"]
    assert receiver.calls == len(receiver.texts) + 1  # one refused request, nothing sent twice
    assert "\n".join(_unlabelled(receiver.texts)) == LARGE.text


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_delivery_not_followed_and_kept(pipeline_env, monkeypatch, status):
    hook = WebhookReceiver(statuses=[status])
    try:
        monkeypatch.setenv("ALERT_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("NOTIFY_RETRIES", "1")
        settings = load_settings()
        moved = deliver_from_settings(DIGEST, settings)
        later = deliver_from_settings(None, settings)
    finally:
        hook.close()

    assert moved["delivered"] == ["file"]
    assert f"HTTP {status} redirect, not followed" in moved["failed"]["webhook"]
    assert hook.redirected == []  # nothing went to the address the redirect named
    assert later["redelivered"] == {"webhook": 2} and [b["text"] for b in hook.bodies] == [DIGEST.text]


@pytest.mark.parametrize("name", ["ALERT_WEBHOOK_URL", "DINGTALK_WEBHOOK_URL", "WECOM_WEBHOOK_URL",
                                  "FEISHU_WEBHOOK_URL"])
@pytest.mark.parametrize("value", ["file:///etc/passwd?key=T0KEN-1", "ftp://hooks.example.org/T0KEN-1",
                                   "hooks.example.org/robot/send?access_token=T0KEN-1", "https:///T0KEN-1"],
                         ids=["file scheme", "ftp scheme", "no scheme", "no host"])
def test_a_webhook_setting_that_is_not_an_http_url_fails_when_the_settings_load(pipeline_env, monkeypatch, name,
                                                                                value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as error:
        load_settings()

    assert str(error.value).startswith(f"{name} must be an http:// or https:// URL with a host")
    assert "T0KEN-1" not in str(error.value)


def test_the_cli_names_the_bad_setting_without_a_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PIPELINE_VAR_PATH": str(tmp_path / "var"),
           "ALERT_WEBHOOK_URL": "file:///tmp/hook"}

    done = subprocess.run([sys.executable, "-m", "pipeline", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 78
    assert done.stderr.startswith("configuration error: ALERT_WEBHOOK_URL must be an http:// or https:// URL")
    assert "Traceback" not in done.stderr and not (tmp_path / "var").exists()


def test_every_configured_channel_is_a_sink(pipeline_env, monkeypatch):
    for name in ("ALERT_WEBHOOK_URL", "DINGTALK_WEBHOOK_URL", "WECOM_WEBHOOK_URL", "FEISHU_WEBHOOK_URL"):
        monkeypatch.setenv(name, "https://hooks.example.org/T0KEN")
    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SMTP_TO", "maintainers@example.org")
    monkeypatch.setenv("NOTIFY_MAX_PARTS", "3")

    sinks = sinks_from_settings(load_settings())

    assert [s.name for s in sinks] == ["file", "webhook", "dingtalk", "wecom", "feishu", "smtp"]
    assert {s.max_parts for s in sinks if hasattr(s, "max_parts")} == {3}


def test_a_technical_alert_too_long_for_wecom_is_cut_in_the_middle_keeping_the_log_address(pipeline_env, monkeypatch,
                                                                                            robots):
    from pipeline.digest import technical_digest

    receiver = robots("wecom")
    _configure(monkeypatch, "wecom", receiver)
    log_url = "http://airflow.example.org/log?dag_id=transparency_reports&task_id=extract_documents"
    digest = technical_digest("manual__1", "transparency_reports", "extract_documents", "解析失败" * 3000, log_url)

    outcome = deliver_from_settings(digest, load_settings())

    assert outcome["delivered"] == ["file", "wecom"]
    (text,) = receiver.texts
    assert len(text.encode("utf-8")) <= 4096
    assert text.startswith("Pipeline failure (technical, not a finding): task extract_documents")
    assert "\n… (cut to fit this channel: the whole text is in the digests folder" in text
    assert text.endswith(f"\nLog: {log_url}")
