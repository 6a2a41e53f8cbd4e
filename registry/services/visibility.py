"""What the public may see: one definition of "published", used by pages, downloads and the API."""

from __future__ import annotations

import sqlalchemy as sa

from registry.models import Actor, ActorStatus, Initiative, LoanProgramme


def public_actor_clause():
    """Actors shown to the public: published and not archived."""
    return sa.and_(Actor.published.is_(True), Actor.status != ActorStatus.ARCHIVED)


def public_initiative_clause():
    """Initiatives shown to the public: published, not archived, led by a public actor."""
    return sa.and_(
        Initiative.published.is_(True),
        Initiative.archived_at.is_(None),
        Initiative.lead_actor_id.in_(sa.select(Actor.id).where(public_actor_clause())),
    )


def public_programme_clause():
    """Loan programmes shown to the public: published and not archived."""
    return sa.and_(LoanProgramme.published.is_(True), LoanProgramme.archived_at.is_(None))
