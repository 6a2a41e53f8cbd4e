"""Public records loaded for display and export, with only what the public may see of their relations."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorSlugRedirect, Contact, Initiative, InitiativePartner, LoanProgramme
from registry.services.public.visibility import public_actor_clause, public_initiative_clause, public_programme_clause

#: Rows fetched at a time by the bulk exports.
CHUNK = 1000


def _public_partner_criteria():
    partner = so.aliased(Actor)
    return sa.exists().where(partner.id == InitiativePartner.actor_id, public_actor_clause(partner))


def actor_options() -> tuple:
    """Eager loads for showing or exporting actors."""
    return (so.selectinload(Actor.axes), so.selectinload(Actor.sectors), so.selectinload(Actor.quartier))


def initiative_options() -> tuple:
    """Eager loads for initiatives; the partners collection holds public actors only."""
    partners = Initiative.partners.and_(_public_partner_criteria())
    return (
        so.selectinload(Initiative.lead_actor),
        so.selectinload(partners).joinedload(InitiativePartner.actor),
        so.selectinload(Initiative.axes),
        so.selectinload(Initiative.sectors),
        so.selectinload(Initiative.quartiers),
    )


def programme_options() -> tuple:
    """Eager loads for loan programmes."""
    return (so.joinedload(LoanProgramme.lender), so.selectinload(LoanProgramme.axes))


def public_actor(session: so.Session, slug: str) -> Actor | None:
    """The public actor with this slug, or None."""
    return session.scalar(sa.select(Actor).where(Actor.slug == slug, public_actor_clause()).options(*actor_options()))


def moved_actor_slug(session: so.Session, slug: str) -> str | None:
    """The slug of the public actor an old slug now leads to (the actor was merged into it), or None."""
    return session.scalar(
        sa.select(Actor.slug)
        .join(ActorSlugRedirect, ActorSlugRedirect.actor_id == Actor.id)
        .where(ActorSlugRedirect.old_slug == slug, public_actor_clause())
    )


def public_initiative(session: so.Session, slug: str) -> Initiative | None:
    """The public initiative with this slug, or None."""
    return session.scalar(
        sa.select(Initiative)
        .where(Initiative.slug == slug, public_initiative_clause())
        .options(*initiative_options())
        .execution_options(populate_existing=True)
    )


def public_programme(session: so.Session, slug: str) -> LoanProgramme | None:
    """The public loan programme with this slug, or None."""
    return session.scalar(
        sa.select(LoanProgramme)
        .where(LoanProgramme.slug == slug, public_programme_clause())
        .options(*programme_options())
    )


def public_contacts(session: so.Session, actor: Actor) -> list[Contact]:
    """The contact persons of ``actor`` who agreed to be shown; never the others."""
    return list(
        session.scalars(
            sa.select(Contact).where(Contact.actor_id == actor.id, Contact.public.is_(True)).order_by(Contact.full_name)
        )
    )


def initiatives_of(session: so.Session, actor: Actor) -> list[tuple[Initiative, str | None]]:
    """Public initiatives the actor leads (role None) or takes part in (its role, or "")."""
    led = session.scalars(
        sa.select(Initiative)
        .where(Initiative.lead_actor_id == actor.id, public_initiative_clause())
        .order_by(Initiative.sort_name, Initiative.id)
    )
    partnered = session.execute(
        sa.select(Initiative, InitiativePartner.role)
        .join(InitiativePartner, InitiativePartner.initiative_id == Initiative.id)
        .where(InitiativePartner.actor_id == actor.id, public_initiative_clause())
        .order_by(Initiative.sort_name, Initiative.id)
    )
    return [(i, None) for i in led] + [(i, role or "") for i, role in partnered]


def programmes_of(session: so.Session, actor: Actor) -> list[LoanProgramme]:
    """Public loan programmes the actor lends for."""
    return list(
        session.scalars(
            sa.select(LoanProgramme)
            .where(LoanProgramme.lender_id == actor.id, public_programme_clause())
            .order_by(LoanProgramme.sort_name)
        )
    )


def public_programmes(session: so.Session) -> list[LoanProgramme]:
    """Every public loan programme: open ones first, then by name."""
    order = sa.case((LoanProgramme.status == "open", 0), (LoanProgramme.status == "planned", 1), else_=2)
    return list(
        session.scalars(
            sa.select(LoanProgramme)
            .where(public_programme_clause())
            .options(*programme_options())
            .order_by(order, LoanProgramme.sort_name)
        )
    )


def iterate(session: so.Session, statement) -> Iterator:
    """The records of ``statement`` by chunks of CHUNK, in id order (keyset pagination)."""
    offset_id = 0
    model = statement.column_descriptions[0]["entity"]
    while True:
        chunk = statement.where(model.id > offset_id).order_by(model.id).limit(CHUNK)
        rows = session.scalars(chunk.execution_options(populate_existing=True)).all()
        if not rows:
            return
        yield from rows
        offset_id = rows[-1].id
        # The identity map holds records weakly: the chunks already written are released as we go.


def iter_public_actors(session: so.Session, *, since=None) -> Iterator[Actor]:
    """Every public actor, by chunks (keyset pagination), for the downloads; with ``since`` (a UTC datetime),
    those changed since then."""
    statement = sa.select(Actor).where(public_actor_clause()).options(*actor_options())
    if since is not None:
        statement = statement.where(Actor.updated_at >= since)
    return iterate(session, statement)


def iter_public_initiatives(session: so.Session) -> Iterator[Initiative]:
    """Every public initiative, by chunks, with public partners only."""
    return iterate(session, sa.select(Initiative).where(public_initiative_clause()).options(*initiative_options()))


def iter_public_programmes(session: so.Session) -> Iterator[LoanProgramme]:
    """Every public loan programme."""
    return iterate(session, sa.select(LoanProgramme).where(public_programme_clause()).options(*programme_options()))


def public_slugs(session: so.Session) -> dict[str, list[tuple[str, object]]]:
    """(slug, last update) of every public actor, initiative and loan programme, by kind (the sitemap)."""
    statements = {
        "actors": sa.select(Actor.slug, Actor.updated_at).where(public_actor_clause()).order_by(Actor.slug),
        "initiatives": sa.select(Initiative.slug, Initiative.updated_at)
        .where(public_initiative_clause())
        .order_by(Initiative.slug),
        "programmes": sa.select(LoanProgramme.slug, LoanProgramme.updated_at)
        .where(public_programme_clause())
        .order_by(LoanProgramme.slug),
    }
    return {kind: [tuple(row) for row in session.execute(statement)] for kind, statement in statements.items()}
