"""Outgoing e-mail, delivered only once the data it speaks of is committed.

Services queue messages on the database session; they leave when that session commits, and are dropped when it
rolls back (Indico's pattern), so a request that fails never mails a link to a record that does not exist::

    from registry.services.outputs.mail import queue_mail

    queue_mail(session, "camille@example.org", "Votre accès au registre", "invitation", token=token, user=user)
    ...
    session.commit()  # the message is delivered here; after a rollback it is gone

``queue_mail`` renders ``templates/emails/<template>.txt`` (required) and ``.html`` (optional) at once, in the
caller's context, with the keyword arguments plus ``site_name``, ``organisation`` and ``base_url``. Templates build
their links with ``absolute_url(endpoint, **values)`` (from ``BASE_URL``, never from the request's Host header):
services pass identifiers and tokens, never URLs or endpoint names. A message queued inside a SAVEPOINT that is
rolled back is dropped with it.

After the commit, a delivery that fails is logged and kept: ``undelivered(session)`` returns (and forgets) the
messages of the last commit that could not be delivered, so a screen can say « le courriel n'a pas pu être envoyé ».
With ``background=True`` the SMTP delivery happens in a worker thread, so a page answers in the same time whether or
not it sent a message (the forgotten-password and account-request pages rely on it); failures are then only logged.

``send_mail`` delivers at once, outside any transaction (tests and tools).

Settings: ``MAIL_BACKEND`` = ``"file"`` (writes ``MAIL_OUTBOX/*.eml`` and logs one line per message) or
``"smtp"`` (``MAIL_SMTP_HOST``, ``MAIL_SMTP_PORT``, ``MAIL_SMTP_USER``, ``MAIL_SMTP_PASSWORD``,
``MAIL_SMTP_STARTTLS``, ``MAIL_SMTP_SSL``, ``MAIL_SMTP_TIMEOUT``); ``MAIL_SENDER`` is the From address.
The log line names the recipient, the subject and the file, never the body: bodies carry one-time links.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy import event
from sqlalchemy import orm as so

log = logging.getLogger(__name__)

#: SMTP deliveries made with ``background=True`` (one worker keeps the order and the load small).
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")


class MailError(RuntimeError):
    """The message could not be delivered (SMTP refused, server unreachable, outbox not writable)."""


@dataclass(frozen=True)
class Delivery:
    """Where a message goes, read from the settings when it is queued (delivery needs no application context)."""

    backend: str
    outbox: Path | None = None
    smtp: dict | None = None
    background: bool = False

    @classmethod
    def from_config(cls, config, *, background: bool = False) -> Delivery:
        backend = config.get("MAIL_BACKEND", "file")
        if backend == "file":
            return cls("file", outbox=Path(config["MAIL_OUTBOX"]))
        if backend == "smtp":
            return cls("smtp", smtp=smtp_settings(config), background=background)
        raise MailError(f"MAIL_BACKEND inconnu : {backend!r} (attendu « file » ou « smtp »).")

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; raises MailError (except in the background, where failures are logged)."""
        if self.backend == "file":
            write_to_outbox(message, self.outbox)
        elif self.background:
            _executor.submit(_deliver_quietly, message, self.smtp)
        else:
            deliver_smtp(message, self.smtp)


def send_mail(to: str | Sequence[str], subject: str, template: str, *, background=False, **context) -> EmailMessage:
    """Render and deliver at once, whatever the database does (tests and tools; services use ``queue_mail``).
    ``context`` may hold ``reply_to``, as for ``build_message``."""
    message = build_message(to, subject, template, **context)
    Delivery.from_config(current_app.config, background=background).send(message)
    return message


def queue_mail(session: so.Session, to, subject: str, template: str, *, background=False, **context) -> EmailMessage:
    """Render the message now and deliver it when ``session`` commits (dropped if it rolls back); ``to`` and
    ``context`` as for ``build_message``."""
    message = build_message(to, subject, template, **context)
    delivery = Delivery.from_config(current_app.config, background=background)
    session = _own(session)
    if not session.in_transaction():
        session.begin()  # the message belongs to a transaction, so that its rollback drops it
    session.info.setdefault(_QUEUE, []).append((message, delivery))
    return message


def queued(session: so.Session) -> list[EmailMessage]:
    """The messages waiting for ``session`` to commit."""
    return [message for message, _ in _own(session).info.get(_QUEUE, [])]


def undelivered(session: so.Session) -> list[EmailMessage]:
    """The messages of the last commit that could not be delivered (forgotten once read)."""
    return _own(session).info.pop(_FAILED, [])


def _own(session: so.Session | so.scoped_session) -> so.Session:
    """The session itself behind Flask-SQLAlchemy's ``db.session`` proxy."""
    return session() if isinstance(session, so.scoped_session) else session


_QUEUE = "registry.mail.queue"
_FAILED = "registry.mail.failed"
_MARKS = "registry.mail.savepoints"


@event.listens_for(so.Session, "after_transaction_create")
def _mark_savepoint(session: so.Session, transaction: so.SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(session.info.get(_QUEUE, []))


@event.listens_for(so.Session, "after_commit")
def _deliver_queue(session: so.Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the messages wait for the real commit
    failed = []
    for message, delivery in session.info.pop(_QUEUE, []):
        try:
            delivery.send(message)
        except MailError:
            log.exception("E-mail to %s, subject %r, not delivered", message["To"], message["Subject"])
            failed.append(message)
    session.info[_FAILED] = failed


@event.listens_for(so.Session, "after_soft_rollback")
def _drop_rolled_back(session: so.Session, transaction: so.SessionTransaction) -> None:
    if transaction.nested:
        mark = session.info.get(_MARKS, {}).pop(id(transaction), None)
        if mark is not None:
            del session.info.get(_QUEUE, [])[mark:]
    else:
        session.info.pop(_QUEUE, None)


@event.listens_for(so.Session, "after_transaction_end")
def _forget_ended(session: so.Session, transaction: so.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_QUEUE, None)  # closed without a commit: nothing leaves
        session.info.pop(_MARKS, None)


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
        raise MailError(f"Envoi du courriel impossible ({settings['host']}:{settings['port']}) : {exc}") from exc
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
