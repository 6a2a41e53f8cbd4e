"""What the public may see: one definition of "published", used by pages, downloads and the API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorStatus, Initiative, LoanProgramme


def public_actor_clause(actor=Actor):
    """Actors shown to the public: published and not archived (``actor`` may be an alias of Actor)."""
    return sa.and_(actor.published.is_(True), actor.status != ActorStatus.ARCHIVED)


def public_initiative_clause():
    """Initiatives shown to the public: published, not archived, led by a public actor."""
    # EXISTS on an alias: one primary-key lookup per initiative (an IN list would gather every public actor
    # first), and no accidental correlation with an Actor the enclosing query may select.
    lead = so.aliased(Actor)
    return sa.and_(
        Initiative.published.is_(True),
        Initiative.archived_at.is_(None),
        sa.exists().where(lead.id == Initiative.lead_actor_id, public_actor_clause(lead)).correlate_except(lead),
    )


def public_programme_clause():
    """Loan programmes shown to the public: published and not archived."""
    return sa.and_(LoanProgramme.published.is_(True), LoanProgramme.archived_at.is_(None))
