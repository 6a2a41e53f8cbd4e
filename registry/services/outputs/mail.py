"""Outgoing e-mail: one function, ``send_mail``, with an SMTP backend (production) and a file outbox
(development and tests).

Usage, inside an application context (a request, a CLI command, a test)::

    from registry.services.outputs.mail import MailError, send_mail

    send_mail("camille@example.org", "Votre accès au registre", "invitation", link=link, user=user)

renders ``templates/emails/invitation.txt`` (required) and ``templates/emails/invitation.html`` (optional) with
the keyword arguments, plus ``site_name``, ``organisation`` and ``base_url`` (the configured ``BASE_URL``: build
links from it, never from the request's Host header).

Settings: ``MAIL_BACKEND`` = ``"file"`` (writes ``MAIL_OUTBOX/*.eml`` and logs one line per message) or
``"smtp"`` (``MAIL_SMTP_HOST``, ``MAIL_SMTP_PORT``, ``MAIL_SMTP_USER``, ``MAIL_SMTP_PASSWORD``,
``MAIL_SMTP_STARTTLS``, ``MAIL_SMTP_SSL``, ``MAIL_SMTP_TIMEOUT``); ``MAIL_SENDER`` is the From address.
The log line names the recipient, the subject and the file, never the body: bodies carry one-time links.

``send_mail`` raises ``MailError`` when the message cannot be delivered. With ``background=True`` the SMTP
delivery happens in a worker thread (the message is built first, in the caller's context) so that a page
answers in the same time whether or not it sent a message; failures are then only logged.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from jinja2 import TemplateNotFound

log = logging.getLogger(__name__)

#: SMTP deliveries made with ``background=True`` (one worker keeps the order and the load small).
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")


class MailError(RuntimeError):
    """The message could not be delivered (SMTP refused, server unreachable, outbox not writable)."""


def send_mail(
    to: str | Sequence[str],
    subject: str,
    template: str,
    *,
    reply_to: str | None = None,
    background: bool = False,
    **context,
) -> EmailMessage:
    """Render ``templates/emails/<template>.txt`` (and ``.html`` when present) and deliver the message."""
    message = build_message(to, subject, template, reply_to=reply_to, **context)
    config = current_app.config
    backend = config.get("MAIL_BACKEND", "file")
    if backend == "file":
        write_to_outbox(message, Path(config["MAIL_OUTBOX"]))
    elif backend == "smtp":
        settings = smtp_settings(config)
        if background:
            _executor.submit(_deliver_quietly, message, settings)
        else:
            deliver_smtp(message, settings)
    else:
        raise MailError(f"MAIL_BACKEND inconnu : {backend!r} (attendu « file » ou « smtp »).")
    return message


def build_message(to: str | Sequence[str], subject: str, template: str, *, reply_to=None, **context) -> EmailMessage:
    """The complete message (headers, plain text, and HTML alternative when the template exists)."""
    config = current_app.config
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError("Aucun destinataire.")
    context.setdefault("site_name", "Registre de l'ESS — Ville de Lille")
    context.setdefault("organisation", config.get("ORGANISATION_NAME", ""))
    context.setdefault("base_url", config["BASE_URL"].rstrip("/"))
    text = render_template(f"emails/{template}.txt", subject=subject, **context)
    try:
        html = render_template(f"emails/{template}.html", subject=subject, **context)
    except TemplateNotFound:
        html = None
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_SENDER"]
    message["To"] = ", ".join(recipients)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_sender_domain(config["MAIL_SENDER"]))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"


def write_to_outbox(message: EmailMessage, outbox: Path) -> Path:
    """Development and tests: write the message as ``<outbox>/<UTC time>-<random>.eml`` and log one line."""
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(bytes(message))
    except OSError as exc:
        raise MailError(f"Boîte d'envoi {outbox} inaccessible : {exc}") from exc
    log.info("E-mail to %s, subject %r, written to %s", message["To"], message["Subject"], path)
    return path


def smtp_settings(config) -> dict:
    """The SMTP settings of the application (copied, so a background delivery needs no app context)."""
    return {
        "host": config["MAIL_SMTP_HOST"],
        "port": int(config["MAIL_SMTP_PORT"]),
        "user": config.get("MAIL_SMTP_USER"),
        "password": config.get("MAIL_SMTP_PASSWORD"),
        "starttls": bool(config.get("MAIL_SMTP_STARTTLS", True)),
        "ssl": bool(config.get("MAIL_SMTP_SSL", False)),
        "timeout": float(config.get("MAIL_SMTP_TIMEOUT", 10)),
    }


def deliver_smtp(message: EmailMessage, settings: dict) -> None:
    """Send through the SMTP server (implicit TLS, or STARTTLS with certificate checks)."""
    context = ssl.create_default_context()
    try:
        if settings["ssl"]:
            server = smtplib.SMTP_SSL(settings["host"], settings["port"], timeout=settings["timeout"], context=context)
        else:
            server = smtplib.SMTP(settings["host"], settings["port"], timeout=settings["timeout"])
        with server:
            if settings["starttls"] and not settings["ssl"]:
                server.starttls(context=context)
            if settings["user"]:
                server.login(settings["user"], settings["password"] or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Envoi de l'e-mail impossible ({settings['host']}:{settings['port']}) : {exc}") from exc
    log.info("E-mail to %s, subject %r, sent through %s", message["To"], message["Subject"], settings["host"])


def _deliver_quietly(message: EmailMessage, settings: dict) -> None:
    try:
        deliver_smtp(message, settings)
    except MailError:
        log.exception("Background e-mail delivery failed (to %s, subject %r)", message["To"], message["Subject"])


def read_outbox(outbox: str | Path) -> list[EmailMessage]:
    """The messages of a file outbox, oldest first (for tests and development tools)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(Path(outbox).glob("*.eml"))]
