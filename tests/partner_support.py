"""Helpers for partner-space tests: two organisations, each with its partner account, contacts, a partnership
and an initiative, and sign-in as one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from registry.models import PartnershipStatus
from tests.admin_support import database
from tests.conftest import AuthActions
from tests.factories import (
    DEFAULT_PASSWORD,
    luhn_siret,
    make_actor,
    make_contact,
    make_initiative,
    make_partnership,
    make_user,
)


@dataclass
class Organisation:
    actor_id: int
    slug: str
    siret: str
    user_email: str
    contact_id: int
    partnership_id: int
    initiative_id: int
    name: str


def make_organisation(session, name: str, contact_name: str, amount: int = 25000) -> Organisation:
    """An organisation with its partner account, one contact, one partnership and one initiative."""
    siret = luhn_siret()
    actor = make_actor(session, name=name, siret=siret, description=f"{name} : présentation courte.")
    contact = make_contact(session, actor, full_name=contact_name, role="Directrice", phone="03 20 49 50 00")
    partnership = make_partnership(
        session,
        actor=actor,
        object=f"Soutien de {name}",
        amount=Decimal(amount),
        start_date=date(2025, 3, 1),
        end_date=date(2026, 2, 28),
        status=PartnershipStatus.ACTIVE,
    )
    initiative = make_initiative(session, lead=actor, title=f"Chantier de {name}")
    user = make_user(session, role="partner", actor=actor)
    session.flush()
    return Organisation(actor.id, actor.slug, siret, user.email, contact.id, partnership.id, initiative.id, name)


def two_organisations(app) -> tuple[Organisation, Organisation]:
    with database(app) as session:
        first = make_organisation(session, "Régie de quartier de Fives", "Camille Fivoise")
        second = make_organisation(session, "Épicerie Solidaire de Moulins", "Dominique Moulinoise", 48000)
    return first, second


def sign_in(app, client, organisation: Organisation) -> None:
    response = AuthActions(client, app).login(organisation.user_email, DEFAULT_PASSWORD)
    assert response.status_code == 302
