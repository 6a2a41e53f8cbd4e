"""What the partner space reads of its own organisation: partnerships and initiatives (read-only)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Initiative, InitiativePartner, Partnership


def partnerships(session: so.Session, actor: Actor) -> list[Partnership]:
    """The actor's partnerships with the city, newest first (drafts included: they concern it)."""
    return list(
        session.scalars(
            sa.select(Partnership)
            .where(Partnership.actor_id == actor.id)
            .options(so.joinedload(Partnership.initiative), so.joinedload(Partnership.loan_programme))
            .order_by(
                sa.func.coalesce(Partnership.convention_date, Partnership.start_date, Partnership.decision_date)
                .desc()
                .nulls_last(),
                Partnership.id.desc(),
            )
        )
    )


def initiatives(session: so.Session, actor: Actor) -> list[tuple[Initiative, str | None]]:
    """Initiatives the actor leads (role None) or joins (its role, or ""), archived ones left out."""
    options = (so.selectinload(Initiative.quartiers), so.joinedload(Initiative.lead_actor))
    led = session.scalars(
        sa.select(Initiative)
        .where(Initiative.lead_actor_id == actor.id, Initiative.archived_at.is_(None))
        .options(*options)
        .order_by(Initiative.sort_name, Initiative.id)
    )
    joined = session.execute(
        sa.select(Initiative, InitiativePartner.role)
        .join(InitiativePartner, InitiativePartner.initiative_id == Initiative.id)
        .where(InitiativePartner.actor_id == actor.id, Initiative.archived_at.is_(None))
        .options(*options)
        .order_by(Initiative.sort_name, Initiative.id)
    )
    return [(i, None) for i in led] + [(i, role or "") for i, role in joined]


def counts(session: so.Session, actor: Actor) -> dict[str, int]:
    """How many partnerships and initiatives the dashboard links to."""
    partnership_count = session.scalar(sa.select(sa.func.count()).where(Partnership.actor_id == actor.id))
    led = sa.select(Initiative.id).where(Initiative.lead_actor_id == actor.id, Initiative.archived_at.is_(None))
    joined = (
        sa.select(Initiative.id)
        .join(InitiativePartner, InitiativePartner.initiative_id == Initiative.id)
        .where(InitiativePartner.actor_id == actor.id, Initiative.archived_at.is_(None))
    )
    initiative_count = session.scalar(sa.select(sa.func.count()).select_from(sa.union(led, joined).subquery()))
    return {"partnerships": partnership_count or 0, "initiatives": initiative_count or 0}
