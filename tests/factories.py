"""Factory functions: valid records with sensible defaults, through the same services as the app."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from registry.models import (
    Actor,
    Axis,
    Contact,
    Initiative,
    LegalForm,
    LoanProgramme,
    Partnership,
    PartnershipKind,
    Quartier,
    Role,
    Sector,
    User,
)
from registry.services.accounts.passwords import hash_password
from registry.services.records.actors import clean_actor, clean_contact
from registry.services.records.initiatives import clean_initiative
from registry.services.records.loans import clean_programme
from registry.services.records.partnerships import clean_partnership

DEFAULT_PASSWORD = "girafe-tramway-cerise-piano"
_HASH = None
_counter = itertools.count(1)


def _password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(DEFAULT_PASSWORD)
    return _HASH


def _luhn_complete(digits: str) -> str:
    """``digits`` followed by the check digit that makes the whole pass the Luhn test."""
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


_siret_counter = itertools.count(1)


def luhn_siret(prefix: str | None = None) -> str:
    """A valid SIRET (its SIREN and the whole number pass Luhn), unique within a test run by default."""
    siren = _luhn_complete((prefix or f"9{next(_siret_counter):07d}")[:8].ljust(8, "0"))
    return _luhn_complete(siren + "0001")


def ref(session, model, code: str):
    """A reference row (Axis, Quartier, Sector, LegalForm) by code."""
    return session.scalar(sa.select(model).where(model.code == code))


def make_actor(session, **fields) -> Actor:
    n = next(_counter)
    fields.setdefault("name", f"Association Test {n}")
    fields.setdefault("legal_form", ref(session, LegalForm, "association"))
    axes = fields.pop("axes", ["entreprendre"])
    sectors = fields.pop("sectors", [])
    quartier = fields.pop("quartier", "fives")
    actor = Actor(**fields)
    actor.axes = [ref(session, Axis, c) for c in axes]
    actor.sectors = [ref(session, Sector, c) for c in sectors]
    actor.quartier = ref(session, Quartier, quartier) if quartier else None
    session.add(actor)
    clean_actor(session, actor)
    session.flush()
    return actor


def make_contact(session, actor: Actor, **fields) -> Contact:
    n = next(_counter)
    fields.setdefault("full_name", f"Camille Exemple {n}")
    fields.setdefault("email", f"camille.exemple{n}@example.org")
    contact = Contact(actor=actor, **fields)
    session.add(contact)
    clean_contact(session, contact)
    session.flush()
    return contact


def make_initiative(session, lead: Actor | None = None, **fields) -> Initiative:
    n = next(_counter)
    fields.setdefault("title", f"Initiative Test {n}")
    axes = fields.pop("axes", ["echanger"])
    quartiers = fields.pop("quartiers", ["fives"])
    initiative = Initiative(lead_actor=lead or make_actor(session), **fields)
    initiative.axes = [ref(session, Axis, c) for c in axes]
    initiative.quartiers = [ref(session, Quartier, c) for c in quartiers]
    session.add(initiative)
    clean_initiative(session, initiative)
    session.flush()
    return initiative


def make_programme(session, lender: Actor | None = None, **fields) -> LoanProgramme:
    n = next(_counter)
    fields.setdefault("name", f"Prêt Test {n}")
    fields.setdefault("purposes", ["mobility"])
    fields.setdefault("min_amount", Decimal("300"))
    fields.setdefault("max_amount", Decimal("5000"))
    fields.setdefault("max_duration_months", 36)
    fields.setdefault("nominal_rate", Decimal("4.5"))
    fields.setdefault("borrower_rate", Decimal("0"))
    programme = LoanProgramme(lender=lender or make_actor(session), **fields)
    session.add(programme)
    clean_programme(session, programme)
    session.flush()
    return programme


def make_partnership(session, actor: Actor | None = None, **fields) -> Partnership:
    fields.setdefault("kind", PartnershipKind.PROJECT_SUBSIDY)
    fields.setdefault("object", "Soutien au projet de test")
    fields.setdefault("amount", Decimal("25000"))
    fields.setdefault("convention_date", date(2025, 3, 1))
    partnership = Partnership(actor=actor or make_actor(session), **fields)
    session.add(partnership)
    clean_partnership(session, partnership)
    session.flush()
    return partnership


def make_user(session, role: str = "officer", actor: Actor | None = None, **fields) -> User:
    n = next(_counter)
    fields.setdefault("email", f"{role}{n}@example.org")
    fields.setdefault("full_name", f"{role.capitalize()} Test {n}")
    if role == "partner" and actor is None:
        actor = make_actor(session)
    fields.setdefault("password_hash", _password_hash())
    fields.setdefault("active", True)
    user = User(role=Role(role), actor=actor, **fields)
    session.add(user)
    session.flush()
    return user
