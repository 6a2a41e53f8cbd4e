"""« Signaler une erreur »: a visitor's report about a public actor or initiative, for the officers' review.

No account is needed; the e-mail is optional (to be answered) and is personal data. The screens add the rate
limits per client address and the honeypot field; this service checks the text and records the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, CitizenReport, Initiative
from registry.models.base import utcnow
from registry.services.records.errors import Collector
from registry.services.reference import normalize as n

MIN_MESSAGE = 10
MAX_MESSAGE = 2000


def submit_report(session: so.Session, record: Actor | Initiative, *, message: str | None, email: str | None):
    """Record a report about ``record`` (flushes; the caller commits). Raises ValidationErrors (French)."""
    c = Collector()
    text = n.clean_text(message) or ""
    if len(text) < MIN_MESSAGE:
        c.add("message", f"Décrivez l'erreur en quelques mots ({MIN_MESSAGE} caractères au moins).")
    elif len(text) > MAX_MESSAGE:
        c.add("message", f"Votre message est trop long ({len(text)} caractères) : {MAX_MESSAGE} au plus.")
    address = c.check("email", n.normalize_email, email)
    c.raise_if_any()
    is_actor = isinstance(record, Actor)
    report = CitizenReport(
        entity_type=type(record).__name__,
        entity_id=record.id,
        record_label=(record.name if is_actor else record.title)[:300],
        actor_id=record.id if is_actor else record.lead_actor_id,
        message=text,
        email=address,
    )
    session.add(report)
    session.flush()
    return report


def open_clause():
    """Reports no officer has handled yet."""
    return CitizenReport.handled_at.is_(None)


def count_open_reports(session: so.Session) -> int:
    return session.scalar(sa.select(sa.func.count(CitizenReport.id)).where(open_clause())) or 0


def mark_handled(session: so.Session, reports: Iterable[CitizenReport], user) -> int:
    """Close reports; returns how many were open. The caller commits."""
    now, count = utcnow(), 0
    for report in reports:
        if report.handled_at is None:
            report.handled_at, report.handled_by_id = now, getattr(user, "id", None)
            count += 1
    session.flush()
    return count


def purge_handled_reports(session: so.Session, *, days: int) -> int:
    """Delete the reports handled more than ``days`` ago; returns how many. The caller commits."""
    cutoff = utcnow() - timedelta(days=days)
    result = session.execute(
        sa.delete(CitizenReport).where(CitizenReport.handled_at.is_not(None), CitizenReport.handled_at < cutoff)
    )
    return result.rowcount or 0
