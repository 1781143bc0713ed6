"""SMTP with TLS and a login, against a real SMTP server on 127.0.0.1 (aiosmtpd) whose certificate a CA of the
test's own signed: implicit TLS (SMTP_SSL) and STARTTLS, the certificate verified, the password sent only over
TLS and never written anywhere."""
from __future__ import annotations

import email
import json

import pytest

from pipeline.config import SettingsError, load_settings
from pipeline.digest import build_digest
from pipeline.notify import SmtpSink, deliver, deliver_from_settings, sinks_from_settings
from tests.support.receivers import SmtpInbox, finding
from tests.support.tls import make_pki

pytestmark = [
    pytest.mark.integration,
    # aiosmtpd warns about AUTH without STARTTLS even over implicit TLS (SMTPS), where it is not a risk
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

PASSWORD = "pa55-w0rd-3b7e1c"
DIGEST = build_digest([finding("吴忠市工业和信息化局", 2020, "identity_1", "column", "total", 12.0, 11.0,
                               "9e51c0ffee000001")], "run-1")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def stranger_pki(tmp_path_factory):
    """Another CA: a server certificate it signed is not one the pipeline trusts."""
    return make_pki(tmp_path_factory.mktemp("stranger-pki"), name="stranger")


def _smtp_env(monkeypatch, inbox, pki, **more):
    monkeypatch.setenv("SMTP_HOST", inbox.host)
    monkeypatch.setenv("SMTP_PORT", str(inbox.port))
    monkeypatch.setenv("SMTP_TO", "maintainers@example.org")
    monkeypatch.setenv("SMTP_CA_FILE", str(pki.ca_file))
    monkeypatch.setenv("NOTIFY_RETRIES", "1")
    for name, value in more.items():
        monkeypatch.setenv(name, value)


def _body(message) -> str:
    return email.message_from_string(message.as_string()).get_payload(decode=True).decode("utf-8")


def test_implicit_tls_with_a_login_delivers_the_digest(pipeline_env, monkeypatch, pki):
    with SmtpInbox(ssl_context=pki.server_context(), logins={"pipeline": PASSWORD}) as inbox:
        _smtp_env(monkeypatch, inbox, pki, SMTP_SSL="true", SMTP_USER="pipeline", SMTP_PASSWORD=PASSWORD)
        outcome = deliver_from_settings(DIGEST, load_settings())

    assert outcome["delivered"] == ["file", "smtp"], outcome
    assert inbox.logins == [("pipeline", True)]
    (message,) = inbox.messages
    assert message["Subject"] == DIGEST.subject
    assert _body(message).replace("\r\n", "\n").strip() == DIGEST.text


def test_starttls_with_a_login_delivers_the_digest(pipeline_env, monkeypatch, pki):
    with SmtpInbox(tls_context=pki.server_context(), logins={"pipeline": PASSWORD}) as inbox:
        _smtp_env(monkeypatch, inbox, pki, SMTP_STARTTLS="true", SMTP_USER="pipeline", SMTP_PASSWORD=PASSWORD)
        outcome = deliver_from_settings(DIGEST, load_settings())

    assert outcome["delivered"] == ["file", "smtp"], outcome
    assert inbox.logins == [("pipeline", True)]
    assert [m["To"] for m in inbox.messages] == ["maintainers@example.org"]


@pytest.mark.parametrize("mode", ["SMTP_SSL", "SMTP_STARTTLS"])
def test_a_certificate_from_another_ca_is_refused_and_the_digest_kept(pipeline_env, monkeypatch, pki,
                                                                     stranger_pki, mode):
    server_tls = stranger_pki.server_context()
    options = {"ssl_context": server_tls} if mode == "SMTP_SSL" else {"tls_context": server_tls}
    with SmtpInbox(**options, logins={"pipeline": PASSWORD}) as inbox:
        _smtp_env(monkeypatch, inbox, pki, **{mode: "true"}, SMTP_USER="pipeline", SMTP_PASSWORD=PASSWORD)
        settings = load_settings()
        outcome = deliver_from_settings(DIGEST, settings)

    assert outcome["delivered"] == ["file"]
    assert "CERTIFICATE_VERIFY_FAILED" in outcome["failed"]["smtp"]
    assert inbox.messages == [] and inbox.logins == []  # no password was offered to the impostor
    [kept] = [json.loads(line) for line in settings.undelivered_path.read_text(encoding="utf-8").splitlines()]
    assert (kept["sink"], kept["text"]) == ("smtp", DIGEST.text)


def test_a_wrong_password_fails_the_delivery_without_writing_the_password(pipeline_env, monkeypatch, pki):
    with SmtpInbox(tls_context=pki.server_context(), logins={"pipeline": "the-real-one"}) as inbox:
        _smtp_env(monkeypatch, inbox, pki, SMTP_STARTTLS="true", SMTP_USER="pipeline", SMTP_PASSWORD=PASSWORD)
        settings = load_settings()
        outcome = deliver_from_settings(DIGEST, settings)

    assert outcome["delivered"] == ["file"]
    assert "SMTPAuthenticationError" in outcome["failed"]["smtp"]
    assert inbox.logins and all(not ok for _, ok in inbox.logins)  # smtplib tries each mechanism the server offers
    assert inbox.messages == []
    assert PASSWORD not in json.dumps(outcome) + settings.undelivered_path.read_text(encoding="utf-8")


def test_a_server_that_requires_starttls_gets_nothing_from_a_plain_sink(tmp_path, pki):
    with SmtpInbox(tls_context=pki.server_context()) as inbox:
        sink = SmtpSink(inbox.host, inbox.port, "pipeline@example.org", ["maintainers@example.org"])
        outcome = deliver(DIGEST, [sink], tmp_path / "undelivered.jsonl", attempts=1)

    assert outcome["delivered"] == [] and "STARTTLS" in outcome["failed"]["smtp"]
    assert inbox.messages == []


def test_the_sinks_from_settings_carry_the_tls_and_login_settings(pipeline_env, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("SMTP_TO", "a@example.org, b@example.org")
    monkeypatch.setenv("SMTP_SSL", "true")
    monkeypatch.setenv("SMTP_USER", "pipeline")
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)

    (smtp,) = [s for s in sinks_from_settings(load_settings()) if s.name == "smtp"]

    assert (smtp.host, smtp.port, smtp.use_ssl, smtp.starttls) == ("mail.example.org", 465, True, False)
    assert (smtp.user, smtp.password, smtp.recipients) == ("pipeline", PASSWORD, ["a@example.org", "b@example.org"])


@pytest.mark.parametrize("env, named", [
    ({"SMTP_USER": "pipeline", "SMTP_PASSWORD": PASSWORD}, "SMTP_USER"),
    ({"SMTP_SSL": "true", "SMTP_STARTTLS": "true"}, "SMTP_SSL and SMTP_STARTTLS"),
], ids=["a login without TLS", "both kinds of TLS at once"])
def test_smtp_settings_that_cannot_work_fail_when_they_load(pipeline_env, monkeypatch, env, named):
    monkeypatch.setenv("SMTP_HOST", "mail.example.org")
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as error:
        load_settings()

    assert named in str(error.value) and PASSWORD not in str(error.value)
