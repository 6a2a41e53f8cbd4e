"""Archive instead of losing data: what depends on a record, and archiving or restoring it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    ActorStatus,
    Axis,
    Initiative,
    InitiativePartner,
    LegalForm,
    LoanProgramme,
    LoanReport,
    Partnership,
    Quartier,
    Sector,
    User,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
    initiative_sectors,
    programme_axes,
)
from registry.models.base import utcnow


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _dependencies(obj) -> list[tuple[sa.ColumnElement, str, str]]:
    """(foreign-key column, singular, plural) of the rows that would lose ``obj``."""
    if isinstance(obj, Actor):
        return [
            (Partnership.actor_id, "partenariat", "partenariats"),
            (Initiative.lead_actor_id, "initiative portée", "initiatives portées"),
            (InitiativePartner.actor_id, "participation à une initiative", "participations à des initiatives"),
            (LoanProgramme.lender_id, "programme de prêt", "programmes de prêt"),
            (User.actor_id, "compte utilisateur", "comptes utilisateurs"),
        ]
    if isinstance(obj, Initiative):
        return [(Partnership.initiative_id, "partenariat", "partenariats")]
    if isinstance(obj, LoanProgramme):
        return [
            (LoanReport.programme_id, "bilan", "bilans"),
            (Partnership.loan_programme_id, "partenariat", "partenariats"),
        ]
    if isinstance(obj, Axis):
        return [
            (actor_axes.c.axis_id, "acteur", "acteurs"),
            (initiative_axes.c.axis_id, "initiative", "initiatives"),
            (programme_axes.c.axis_id, "programme de prêt", "programmes de prêt"),
        ]
    if isinstance(obj, Sector):
        return [
            (actor_sectors.c.sector_id, "acteur", "acteurs"),
            (initiative_sectors.c.sector_id, "initiative", "initiatives"),
        ]
    if isinstance(obj, Quartier):
        return [
            (Actor.quartier_id, "acteur", "acteurs"),
            (initiative_quartiers.c.quartier_id, "initiative", "initiatives"),
            (LoanReport.quartier_id, "bilan de prêts", "bilans de prêts"),
        ]
    if isinstance(obj, LegalForm):
        return [(Actor.legal_form_id, "acteur", "acteurs")]
    return []


def dependents_of(session: so.Session, obj) -> dict[str, int]:
    """{French label: count} of the records that depend on ``obj`` and would be lost or orphaned by deleting it."""
    found: dict[str, int] = {}
    for column, one, many in _dependencies(obj):
        n = session.scalar(sa.select(sa.func.count()).select_from(column.table).where(column == obj.id)) or 0
        if n:
            found[_plural(n, one, many)] = n
    return found


def is_archived(obj) -> bool:
    """True for an archived actor, initiative or loan programme."""
    if isinstance(obj, Actor):
        return obj.status == ActorStatus.ARCHIVED
    return getattr(obj, "archived_at", None) is not None


def archive_record(obj) -> bool:
    """Archive an actor, initiative or programme (it leaves public pages and default lists); True if it changed."""
    if is_archived(obj):
        return False
    if isinstance(obj, Actor):
        obj.status = ActorStatus.ARCHIVED
    else:
        obj.archived_at = utcnow()
    return True


def restore_record(obj) -> bool:
    """Bring an archived record back (an actor becomes active again); True if it changed."""
    if not is_archived(obj):
        return False
    if isinstance(obj, Actor):
        obj.status = ActorStatus.ACTIVE
    else:
        obj.archived_at = None
    return True
