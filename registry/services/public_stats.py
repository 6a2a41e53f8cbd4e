"""Figures and selections of the "À découvrir" home page, computed by the database on public records only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    Axis,
    Initiative,
    LoanProgramme,
    LoanReport,
    actor_axes,
    initiative_axes,
    initiative_quartiers,
)
from registry.services.visibility import public_actor_clause, public_initiative_clause, public_programme_clause


@dataclass(frozen=True)
class PublicFigures:
    """Key figures of the public registry."""

    actors: int
    initiatives: int
    quartiers: int
    loans_year: int
    loans_granted: int
    loans_amount: Decimal


def public_figures(session: so.Session, today: date | None = None) -> PublicFigures:
    """Public actors and initiatives, quartiers they cover, and loans granted in reports starting this year."""
    today = today or date.today()
    actors = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(public_actor_clause())) or 0
    initiatives = (
        session.scalar(sa.select(sa.func.count()).select_from(Initiative).where(public_initiative_clause())) or 0
    )
    covered = sa.union(
        sa.select(Actor.quartier_id.label("q")).where(public_actor_clause(), Actor.quartier_id.is_not(None)),
        sa.select(initiative_quartiers.c.quartier_id.label("q"))
        .join(Initiative, Initiative.id == initiative_quartiers.c.initiative_id)
        .where(public_initiative_clause()),
    ).subquery()
    quartiers = session.scalar(sa.select(sa.func.count()).select_from(covered)) or 0
    granted, amount = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(LoanReport.loans_granted), 0), sa.func.sum(LoanReport.amount_granted))
        .join(LoanProgramme, LoanProgramme.id == LoanReport.programme_id)
        .where(
            public_programme_clause(),
            LoanReport.period_start >= date(today.year, 1, 1),
            LoanReport.period_start <= date(today.year, 12, 31),
        )
    ).one()
    return PublicFigures(
        actors=actors,
        initiatives=initiatives,
        quartiers=quartiers,
        loans_year=today.year,
        loans_granted=int(granted or 0),
        loans_amount=Decimal(amount or 0),
    )


def latest_actors_by_axis(session: so.Session, per_axis: int = 3) -> dict[int, list[Actor]]:
    """The most recently added public actors of each axis."""
    result: dict[int, list[Actor]] = {}
    for axis_id in session.scalars(sa.select(Axis.id)):
        link = actor_axes.c
        result[axis_id] = list(
            session.scalars(
                sa.select(Actor)
                .where(public_actor_clause(), Actor.id.in_(sa.select(link.actor_id).where(link.axis_id == axis_id)))
                .order_by(Actor.id.desc())
                .limit(per_axis)
            )
        )
    return result


def latest_initiatives_by_axis(session: so.Session, per_axis: int = 3) -> dict[int, list[Initiative]]:
    """The most recently added public initiatives of each axis."""
    result: dict[int, list[Initiative]] = {}
    for axis_id in session.scalars(sa.select(Axis.id)):
        link = initiative_axes.c
        result[axis_id] = list(
            session.scalars(
                sa.select(Initiative)
                .where(
                    public_initiative_clause(),
                    Initiative.id.in_(sa.select(link.initiative_id).where(link.axis_id == axis_id)),
                )
                .order_by(Initiative.id.desc())
                .limit(per_axis)
            )
        )
    return result


def latest_initiatives(session: so.Session, limit: int = 6) -> list[Initiative]:
    """The most recently added public initiatives, with their lead actor."""
    return list(
        session.scalars(
            sa.select(Initiative)
            .where(public_initiative_clause())
            .options(so.selectinload(Initiative.lead_actor), so.selectinload(Initiative.quartiers))
            .order_by(Initiative.id.desc())
            .limit(limit)
        )
    )
