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
from registry.services.public.visibility import public_actor_clause, public_initiative_clause, public_programme_clause


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


def _latest_by_axis(session: so.Session, model, link, column: str, public_clause, per_axis: int) -> dict[int, list]:
    result: dict[int, list] = {}
    for axis_id in session.scalars(sa.select(Axis.id)):
        members = sa.select(getattr(link.c, column)).where(link.c.axis_id == axis_id)
        statement = sa.select(model).where(public_clause, model.id.in_(members)).order_by(model.id.desc())
        result[axis_id] = list(session.scalars(statement.limit(per_axis)))
    return result


def latest_actors_by_axis(session: so.Session, per_axis: int = 3) -> dict[int, list[Actor]]:
    """The most recently added public actors of each axis."""
    return _latest_by_axis(session, Actor, actor_axes, "actor_id", public_actor_clause(), per_axis)


def latest_initiatives_by_axis(session: so.Session, per_axis: int = 3) -> dict[int, list[Initiative]]:
    """The most recently added public initiatives of each axis."""
    return _latest_by_axis(session, Initiative, initiative_axes, "initiative_id", public_initiative_clause(), per_axis)


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


def dataset_counts(session: so.Session) -> dict[str, int]:
    """Rows of each open-data file (public records only), by dataset name."""
    return {
        "acteurs": session.scalar(sa.select(sa.func.count(Actor.id)).where(public_actor_clause())),
        "initiatives": session.scalar(sa.select(sa.func.count(Initiative.id)).where(public_initiative_clause())),
        "prets": session.scalar(sa.select(sa.func.count(LoanProgramme.id)).where(public_programme_clause())),
    }
