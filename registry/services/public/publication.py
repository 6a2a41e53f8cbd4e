"""Which subsidy conventions the city must publish (décret n° 2017-779), and why one cannot be: the one rule.

A convention is *due* when it is a subsidy (not a reserved contract), signed (signed, active or ended) and its
amount is above the threshold (the SCDL_PUBLICATION_THRESHOLD setting, 23 000 € by default). A due convention is
*published* in the SCDL file when its beneficiary is identified (a SIRET, or an RNA number « W… ») and it has a
convention date (a required SCDL column); otherwise it is *pending*, with the reasons. In the public file, the
conventions of actors the public site does not show are pending too. Nothing due is ever left out silently.
A subsidy of another authority (``Partnership.attributor_siret``, imported from that authority's SCDL file) is
never the city's to publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm as so

from registry.models import Actor, Partnership, PartnershipKind, PartnershipStatus
from registry.services.public.cache import count
from registry.services.public.visibility import public_actor_clause

DEFAULT_THRESHOLD = Decimal("23000")
PUBLISHED_STATUSES = (PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE, PartnershipStatus.ENDED)
#: Kinds that are not subsidies: never in the SCDL file.
NOT_SUBSIDIES = (PartnershipKind.RESERVED_CONTRACT,)

NO_IDENTIFIER = "Bénéficiaire sans SIRET ni numéro RNA"
NO_DATE = "Date de convention manquante"
NOT_PUBLIC = "Acteur non publié sur le site public (absente du fichier public seulement)"


def publication_threshold() -> Decimal:
    """The amount above which a convention must be published (setting SCDL_PUBLICATION_THRESHOLD)."""
    return Decimal(str(current_app.config.get("SCDL_PUBLICATION_THRESHOLD", DEFAULT_THRESHOLD)))


def identified(actor: Actor) -> bool:
    """The SCDL file needs the beneficiary's SIRET or its RNA number (« W » and nine digits)."""
    return bool(actor.siret) or (actor.rna or "").upper().startswith("W")


def reasons_pending(p: Partnership, *, public_only: bool = False, actor_public: bool = True) -> list[str]:
    """Why a due convention is not in the file (empty: it is published)."""
    reasons = []
    if not identified(p.actor):
        reasons.append(NO_IDENTIFIER)
    if p.convention_date is None:
        reasons.append(NO_DATE)
    if public_only and not actor_public:
        reasons.append(NOT_PUBLIC)
    return reasons


def due_clause(*, include_all: bool = False):
    """SQL for "must be published": signed subsidies above the threshold (``include_all``: any amount)."""
    clause = sa.and_(
        Partnership.attributor_siret.is_(None),  # another authority publishes its own subsidies
        Partnership.status.in_(PUBLISHED_STATUSES),
        Partnership.kind.not_in(NOT_SUBSIDIES),
        Partnership.amount.is_not(None),
    )
    return clause if include_all else sa.and_(clause, Partnership.amount > publication_threshold())


def candidates_query(*, include_all: bool = False):
    """The due partnerships with their actor, oldest convention first."""
    return (
        sa.select(Partnership)
        .options(so.joinedload(Partnership.actor))
        .where(due_clause(include_all=include_all))
        .order_by(Partnership.convention_date, Partnership.ref)
    )


def publishable_clause(*, public_only: bool = False):
    """SQL for "in the file": identified beneficiary, convention date (and a public actor if ``public_only``)."""
    beneficiary = sa.select(Actor.id).where(
        sa.or_(Actor.siret.is_not(None), sa.func.upper(sa.func.coalesce(Actor.rna, "")).like("W%"))
    )
    if public_only:
        beneficiary = beneficiary.where(public_actor_clause())
    return sa.and_(Partnership.convention_date.is_not(None), Partnership.actor_id.in_(beneficiary))


def published_query(*, include_all: bool = False, public_only: bool = False):
    """The partnerships of the SCDL file, oldest convention first."""
    return candidates_query(include_all=include_all).where(publishable_clause(public_only=public_only))


@dataclass
class Pending:
    """A convention that must be published but is not (yet), and why."""

    partnership: Partnership
    reasons: list[str]

    @property
    def needs_identifier(self) -> bool:
        return NO_IDENTIFIER in self.reasons

    @property
    def needs_date(self) -> bool:
        return NO_DATE in self.reasons


def pending_conventions(session: so.Session, *, public_only: bool = False) -> list[Pending]:
    """Every due convention missing from the file (``public_only``: the public file), with its reasons."""
    query = candidates_query().where(sa.not_(publishable_clause(public_only=public_only)))
    public_ids = set()
    rows = session.scalars(query).unique().all()
    if public_only and rows:
        ids = {p.actor_id for p in rows}
        public_ids = set(session.scalars(sa.select(Actor.id).where(Actor.id.in_(ids), public_actor_clause())))
    return [
        Pending(p, reasons_pending(p, public_only=public_only, actor_public=p.actor_id in public_ids)) for p in rows
    ]


def count_pending_conventions(session: so.Session, *, public_only: bool = False) -> int:
    """How many due conventions are missing from the file: one COUNT over every partnership, shown on each
    visit of the dashboard, so remembered (by its SQL and threshold) until the data changes."""
    missing = sa.not_(publishable_clause(public_only=public_only))
    return count(session, Partnership, [due_clause(), missing])


def actor_has_unpublishable_subsidy(session: so.Session, actor: Actor) -> bool:
    """The actor has a due convention yet no SIRET nor RNA: the actor form warns about it."""
    if actor.id is None or identified(actor):
        return False
    return bool(session.scalar(sa.select(sa.exists().where(due_clause(), Partnership.actor_id == actor.id))))
