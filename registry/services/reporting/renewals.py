"""What is due for renewal: partnerships ending within a window and ESUS agréments expiring."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorStatus, Partnership, PartnershipStatus
from registry.models.actors import ESUS_VALIDITY
from registry.services.reporting.base import Table
from registry.services.reporting.filters import NO_FILTERS, Filters


def partnerships_ending(
    session: so.Session, window_days: int, limit: int = 50, filters: Filters = NO_FILTERS, today: date | None = None
) -> Table:
    """Signed or running partnerships whose end date falls within the next ``window_days`` (the table holds
    the first ``limit``; ``Table.note`` says how many there are). The period filter does not apply."""
    today = today or date.today()
    ending = sa.and_(
        *filters.actor_ids(Partnership.actor_id),
        Partnership.end_date >= today,
        Partnership.end_date <= today + timedelta(days=window_days),
        Partnership.status.in_([PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE]),
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(Partnership).where(ending)) or 0
    rows = session.execute(
        sa.select(Partnership.id, Partnership.ref, Actor.name, Partnership.object, Partnership.end_date)
        .add_columns(Partnership.amount)
        .join(Actor, Actor.id == Partnership.actor_id)
        .where(ending)
        .order_by(Partnership.end_date, Partnership.id)
        .limit(limit)
    ).all()
    return Table(
        "partenariats-a-renouveler",
        f"Partenariats se terminant d'ici {window_days} jours",
        ["Référence", "Acteur", "Objet", "Fin", "Montant"],
        ["text", "text", "text", "date", "money"],
        [[ref, name, obj, end, amount] for _, ref, name, obj, end, amount in rows],
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
    esus = sa.and_(
        Actor.status != ActorStatus.ARCHIVED,
        *filters.actor_clauses(),
        Actor.esus_date.is_not(None),
        Actor.esus_date <= today + timedelta(days=window_days) - ESUS_VALIDITY,
        Actor.esus_date >= today - timedelta(days=window_days) - ESUS_VALIDITY,
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(esus)) or 0
    rows = session.execute(
        sa.select(Actor.id, Actor.name, Actor.esus_date).where(esus).order_by(Actor.esus_date, Actor.id).limit(limit)
    ).all()
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


def _listed(shown: int, total: int) -> str:
    return f"{total} au total ; les {shown} plus proches sont listés." if total > shown else ""
