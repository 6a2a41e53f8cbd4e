"""The review queue: changes partners made in their space, waiting for an officer to read them."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import AuditAction, AuditEvent
from registry.models.base import utcnow

#: The source of audit events written by the partner space.
PARTNER_SOURCE = "partner"


def pending_clause():
    """Audit events of partner changes not yet reviewed (a partner's download of its data is no change)."""
    return sa.and_(
        AuditEvent.source == PARTNER_SOURCE, AuditEvent.reviewed_at.is_(None), AuditEvent.action != AuditAction.EXPORT
    )


def count_pending(session: so.Session) -> int:
    """How many partner changes wait for review."""
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(pending_clause())) or 0


def actors_with_pending_changes(session: so.Session, actor_ids: Iterable[int]) -> set[int]:
    """Among ``actor_ids``, the actors a partner changed since the last review (one query)."""
    ids = list(actor_ids)
    if not ids:
        return set()
    return set(
        session.scalars(sa.select(AuditEvent.actor_id).where(pending_clause(), AuditEvent.actor_id.in_(ids)).distinct())
    )


def pending_for(session: so.Session, obj, extra_clause=None) -> list[AuditEvent]:
    """The unreviewed partner changes of one record (for an actor: everything about it), newest first."""
    if type(obj).__name__ == "Actor":
        about = AuditEvent.actor_id == obj.id
    else:
        about = sa.and_(AuditEvent.entity_type == type(obj).__name__, AuditEvent.entity_id == obj.id)
    statement = sa.select(AuditEvent).where(pending_clause(), about)
    if extra_clause is not None:
        statement = statement.where(extra_clause)
    return list(session.scalars(statement.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())))


def mark_reviewed(session: so.Session, events: Iterable[AuditEvent], user) -> int:
    """Mark partner changes as reviewed by ``user``; returns how many were pending. The caller commits."""
    now = utcnow()
    count = 0
    for event in events:
        if event.source != PARTNER_SOURCE or event.reviewed_at is not None:
            continue
        event.reviewed_at = now
        event.reviewed_by_id = getattr(user, "id", None)
        count += 1
    session.flush()
    return count
