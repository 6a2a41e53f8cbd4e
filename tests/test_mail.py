"""The mail service: file outbox in development and tests, SMTP in production."""

import logging
import socket

import pytest

from registry.services.outputs import mail
from registry.services.outputs.mail import MailError, send_mail
from tests.factories import make_user


def test_send_mail_writes_text_and_html_to_the_outbox(app, session, outbox, caplog):
    user = make_user(session, role="officer", full_name="Camille <b>Exemple</b>")
    with app.test_request_context(), caplog.at_level(logging.INFO):
        send_mail(user.email, "Réinitialisation", "password_reset", user=user, token="SECRET")
    [message] = outbox.messages
    assert message["To"] == user.email and message["Subject"] == "Réinitialisation"
    assert message["From"] == app.config["MAIL_SENDER"] and message["Auto-Submitted"] == "auto-generated"
    assert f"{app.config['BASE_URL']}/mot-de-passe/SECRET" in outbox.text(message)
    html = message.get_body(("html",)).get_content()
    assert "Camille &lt;b&gt;Exemple&lt;/b&gt;" in html and "<b>Exemple" not in html
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "registry.services.outputs.mail")
    assert user.email in logged and "Réinitialisation" in logged and "SECRET" not in logged


def test_send_mail_with_text_only_template(app, outbox, session):
    from registry.models import AccountRequest, RequestedRole

    request = AccountRequest(id=7, full_name="A", email="a@example.org", requested_role=RequestedRole.STAFF)
    with app.test_request_context():
        send_mail(
            ["x@example.org", "y@example.org"],
            "Nouvelle demande",
            "account_request_admin",
            account_request=request,
        )
    [message] = outbox.messages
    assert message["To"] == "x@example.org, y@example.org"
    assert not message.is_multipart()


class RecordingSMTP:
    """Stands in for smtplib.SMTP: records the conversation instead of opening a connection."""

    sessions: list = []

    def __init__(self, host, port, timeout):
        self.calls = [("connect", host, port)]
        RecordingSMTP.sessions.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self, context):
        self.calls.append(("starttls", context.verify_mode.name))

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))


def test_smtp_backend_uses_starttls_and_login(app, monkeypatch):
    RecordingSMTP.sessions = []
    monkeypatch.setattr(mail.smtplib, "SMTP", RecordingSMTP)
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SMTP_HOST": "smtp.example.org",
        "MAIL_SMTP_USER": "registre",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    with app.test_request_context():
        send_mail("a@example.org", "Objet", "account_request_existing", email="a@example.org")
    assert RecordingSMTP.sessions[0].calls == [
        ("connect", "smtp.example.org", 587),
        ("starttls", "CERT_REQUIRED"),
        ("login", "registre"),
        ("send", "a@example.org"),
        ("quit",),
    ]


def test_smtp_failure_raises_a_mail_error(app, monkeypatch):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for key, value in {"MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": port}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.test_request_context(), pytest.raises(MailError, match="Envoi du courriel impossible"):
        send_mail("a@example.org", "Objet", "account_request_existing", email="a@example.org")
