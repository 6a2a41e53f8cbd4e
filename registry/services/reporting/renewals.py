"""What is due for renewal: partnerships ending within a window and ESUS agréments expiring."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorStatus, Partnership, PartnershipStatus
from registry.models.actors import ESUS_VALIDITY
from registry.services.reporting.base import Table
from registry.services.reporting.facts import actor_mask, facts_for
from registry.services.reporting.filters import NO_FILTERS, Filters


def partnerships_ending(
    session: so.Session, window_days: int, limit: int = 50, filters: Filters = NO_FILTERS, today: date | None = None
) -> Table:
    """Signed or running partnerships whose end date falls within the next ``window_days`` (the table holds
    the first ``limit``; ``Table.note`` says how many there are). The period filter does not apply."""
    today = today or date.today()
    # The window drives the query (its end-date index); the actor filters are then read from the facts: an
    # ``actor_id IN (…)`` condition would make the database walk every partnership of the matching actors.
    rows = session.execute(
        sa.select(Partnership.id, Partnership.actor_id, Partnership.ref, Actor.name, Partnership.object)
        .add_columns(Partnership.end_date, Partnership.amount)
        .join(Actor, Actor.id == Partnership.actor_id)
        .where(
            Partnership.end_date >= today,
            Partnership.end_date <= today + timedelta(days=window_days),
            Partnership.status.in_([PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE]),
        )
        .order_by(Partnership.end_date, Partnership.id)
    ).all()
    rows = _of_matching_actors(session, rows, filters, [row.actor_id for row in rows])
    total, rows = len(rows), rows[:limit]
    return Table(
        "partenariats-a-renouveler",
        f"Partenariats se terminant d'ici {window_days} jours",
        ["Référence", "Acteur", "Objet", "Fin", "Montant"],
        ["text", "text", "text", "date", "money"],
        [[ref, name, obj, end, amount] for _, _actor, ref, name, obj, end, amount in rows],
        _listed(len(rows), total),
        links=[f"partnership:{pid}" for pid, *_ in rows],
        total=total,
    )


def esus_expiring(
    session: so.Session, window_days: int, limit: int = 50, filters: Filters = NO_FILTERS, today: date | None = None
) -> Table:
    """Non-archived actors whose five-year ESUS agrément expires within the window, or expired within it."""
    today = today or date.today()
    # The agrément lasts ESUS_VALIDITY: it expires by the horizon when granted before horizon - validity.
    rows = session.execute(
        sa.select(Actor.id, Actor.name, Actor.esus_date)
        .where(
            Actor.status != ActorStatus.ARCHIVED,
            Actor.esus_date.is_not(None),
            Actor.esus_date <= today + timedelta(days=window_days) - ESUS_VALIDITY,
            Actor.esus_date >= today - timedelta(days=window_days) - ESUS_VALIDITY,
        )
        .order_by(Actor.esus_date, Actor.id)
    ).all()
    rows = _of_matching_actors(session, rows, filters, [row.id for row in rows])  # as for partnerships
    total, rows = len(rows), rows[:limit]
    return Table(
        "agrements-esus",
        "Agréments ESUS expirant bientôt (ou expirés depuis peu)",
        ["Acteur", "Agrément du", "Expire le"],
        ["text", "date", "date"],
        [[name, granted, granted + ESUS_VALIDITY] for _, name, granted in rows],
        _listed(len(rows), total),
        links=[f"actor:{aid}" for aid, *_ in rows],
        total=total,
    )


def _of_matching_actors(session: so.Session, rows: list, filters: Filters, actor_ids: list[int]) -> list:
    """The rows whose actor (``actor_ids``, one per row) matches the actor filters, read from the facts."""
    if not filters.has_actor_filter or not rows:
        return rows
    facts = facts_for(session)
    kept = facts.in_mask(actor_ids, actor_mask(facts, filters))
    return [row for row, keep in zip(rows, kept, strict=True) if keep]


def _listed(shown: int, total: int) -> str:
    return f"{total} au total ; les {shown} plus proches sont listés." if total > shown else ""
