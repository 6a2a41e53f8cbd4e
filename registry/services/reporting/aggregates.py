"""Aggregate figures computed by the database (never Python loops over rows)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Axis, Initiative, actor_axes, initiative_axes
from registry.services.public.visibility import public_actor_clause, public_initiative_clause


def public_counts_by_axis(session: so.Session) -> list[tuple[Axis, int, int]]:
    """Each axis with its number of published actors and published initiatives."""
    actors = (
        sa.select(actor_axes.c.axis_id, sa.func.count().label("n"))
        .join(Actor, Actor.id == actor_axes.c.actor_id)
        .where(public_actor_clause())
        .group_by(actor_axes.c.axis_id)
        .subquery()
    )
    initiatives = (
        sa.select(initiative_axes.c.axis_id, sa.func.count().label("n"))
        .join(Initiative, Initiative.id == initiative_axes.c.initiative_id)
        .where(public_initiative_clause())
        .group_by(initiative_axes.c.axis_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Axis, sa.func.coalesce(actors.c.n, 0), sa.func.coalesce(initiatives.c.n, 0))
        .outerjoin(actors, actors.c.axis_id == Axis.id)
        .outerjoin(initiatives, initiatives.c.axis_id == Axis.id)
        .order_by(Axis.position)
    )
    return [(axis, n_actors, n_initiatives) for axis, n_actors, n_initiatives in rows]
