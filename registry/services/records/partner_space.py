"""What a partner may change of its own organisation, and how: the profile fields, its contact persons.

Every change is the one write of ``registry.services.records.editing``: the shared ``clean_*`` services, the
state the partner's form was opened at (a stale save changes nothing and raises ``Conflict``), and an audit event
with ``source="partner"`` (the officers' review queue). Fields a partner may not change are never read from its
input; a request that carries them anyway is logged and noted in the audit (SECURITY.md 5).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditAction, Axis, Contact, Quartier, Sector
from registry.services.history.audit import record_event
from registry.services.history.review import PARTNER_SOURCE
from registry.services.records import editing
from registry.services.records.actors import MIN_PRESENTATION_LENGTH, clean_actor, clean_contact
from registry.services.records.errors import Collector
from registry.services.reference import normalize as n
from registry.services.reference.labels import field_label

log = logging.getLogger("registry.partner")

#: The actor's fields a partner keeps up to date; every other field is the city's.
PROFILE_FIELDS = (
    "description", "website", "email", "phone", "address", "postcode", "commune", "quartier",
    "latitude", "longitude", "axes", "sectors", "employees", "volunteers", "founding_year", "show_contact_details",
)  # fmt: skip
#: Fields shown read-only to the partner; a POST carrying them is refused silently, logged and audited.
LOCKED_FIELDS = (
    "name", "slug", "legal_form", "legal_form_id", "siret", "rna", "ape_code", "esus_date", "siae_type", "status",
    "published", "partnerships", "actor", "actor_id", "id", "quartier_id", "version", "created_at", "updated_at",
)  # fmt: skip
#: A contact's fields a partner fills in.
CONTACT_FIELDS = ("full_name", "role", "email", "phone", "public")
INTEGER_FIELDS = ("employees", "volunteers", "founding_year")


def note_forged_fields(session: so.Session, actor: Actor, names: Iterable[str], *, user, what: str) -> list[str]:
    """Log and audit fields a partner's request carried but may not change (they were not applied)."""
    forged = sorted({name for name in names if name in LOCKED_FIELDS})
    if forged:
        log.warning(
            "Partner user %s sent fields it may not change for actor %s (%s): %s; ignored",
            getattr(user, "id", None),
            actor.id,
            what,
            ", ".join(forged),
        )
        record_event(
            session,
            action=AuditAction.UPDATE,
            source=PARTNER_SOURCE,
            user=user,
            obj=actor,
            entity_label=f"{actor.name} — champs non modifiables envoyés et ignorés : {_labels(forged)}",
            changes={},
        )
    return forged


def _labels(fields: list[str]) -> str:

    return ", ".join(field_label("Actor", f.removesuffix("_id")) for f in fields)


def _reference_rows(session: so.Session, model, ids) -> list:
    wanted = {int(i) for i in ids or () if str(i).strip().isdigit()}
    if not wanted:
        return []
    return list(session.scalars(sa.select(model).where(model.id.in_(wanted))))


def apply_profile(session: so.Session, actor: Actor, values: Mapping) -> None:
    """Copy the profile fields of ``values`` (form strings, ids of quartier, axes and sectors) onto ``actor``;
    raises ValidationErrors for values that cannot be read (``clean_actor`` checks the rest). Keys outside
    PROFILE_FIELDS are ignored."""
    c = Collector()
    for field in PROFILE_FIELDS:
        if field not in values:
            continue
        raw = values[field]
        if field in INTEGER_FIELDS:
            setattr(actor, field, c.check(field, n.parse_int, raw, minimum=None))
        elif field == "quartier":
            rows = _reference_rows(session, Quartier, [raw])
            actor.quartier = rows[0] if rows else None
        elif field == "axes":
            actor.axes = sorted(_reference_rows(session, Axis, raw), key=lambda a: a.position)
        elif field == "sectors":
            actor.sectors = _reference_rows(session, Sector, raw)
        elif field == "show_contact_details":
            actor.show_contact_details = bool(raw)
        else:
            setattr(actor, field, raw if raw not in ("",) else None)
    c.raise_if_any()


def update_profile(session: so.Session, actor: Actor, values: Mapping, *, user, opened) -> editing.Changes:
    """The partner's profile form (``opened``: its sealed state): shared validation, audit. Returns the changes
    (possibly none). Raises Conflict or ValidationErrors; the caller commits (or rolls back)."""
    return editing.save(
        session,
        actor,
        apply=lambda record: apply_profile(session, record, values),
        opened=opened,
        user=user,
        source=PARTNER_SOURCE,
        cleaner=clean_own_profile,
    )


def clean_own_profile(session: so.Session, actor: Actor) -> None:
    """``clean_actor`` with the rules of a partner's own profile (a presentation, a commune with the postcode)."""
    clean_actor(session, actor, own_profile=True)


def _contact_input(values: Mapping):
    def apply(contact: Contact) -> None:
        for field in CONTACT_FIELDS:
            if field in values:
                value = values[field]
                setattr(contact, field, bool(value) if field == "public" else (value or None))

    return apply


def add_contact(session: so.Session, actor: Actor, values: Mapping, *, user) -> Contact:
    """A new contact person of the partner's organisation; audited as personal data."""
    contact = Contact(actor=actor)
    editing.create(
        session, contact, apply=_contact_input(values), user=user, source=PARTNER_SOURCE, cleaner=clean_contact
    )
    return contact


def update_contact(session: so.Session, contact: Contact, values: Mapping, *, user, opened) -> editing.Changes:
    """Change a contact person (``opened``: the form's sealed state; audited); returns the changes."""
    return editing.save(
        session,
        contact,
        apply=_contact_input(values),
        opened=opened,
        user=user,
        source=PARTNER_SOURCE,
        cleaner=clean_contact,
    )


def remove_contact(session: so.Session, contact: Contact, *, user, opened) -> None:
    """Delete a contact person still as the list showed it (``opened``); the audit keeps what was removed, for
    officers only."""
    editing.delete(session, contact, opened=opened, user=user, source=PARTNER_SOURCE)


def own_contact(session: so.Session, actor: Actor, contact_id) -> Contact | None:
    """The contact ``contact_id`` if it belongs to ``actor`` (None for another organisation's contact)."""
    try:
        ident = int(contact_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(sa.select(Contact).where(Contact.id == ident, Contact.actor_id == actor.id))


@dataclass(frozen=True)
class Check:
    """One item of the completeness indicator."""

    key: str
    label: str
    done: bool
    hint: str
    #: Where to fix it: "profile" (with ``key`` as anchor) or "contacts".
    page: str = "profile"


def completeness(actor: Actor, contact_count: int) -> list[Check]:
    """What the public finds on the organisation's page, and what is missing from it."""
    has_address = bool(actor.address and actor.postcode and actor.commune)
    located = actor.latitude is not None and actor.longitude is not None
    return [
        Check("description", "Présentation", len(actor.description or "") >= MIN_PRESENTATION_LENGTH,
              f"Décrivez vos activités en quelques phrases ({MIN_PRESENTATION_LENGTH} caractères au moins)."),
        Check("axes", "Axes du plan ESS", bool(actor.axes), "Choisissez le ou les axes de votre action."),
        Check("sectors", "Secteurs d'activité", bool(actor.sectors), "Indiquez vos secteurs d'activité."),
        Check("address", "Adresse", has_address, "Indiquez l'adresse, le code postal et la commune."),
        Check("quartier", "Quartier", actor.quartier is not None, "Choisissez votre quartier."),
        Check("location", "Position sur la carte", located, "Placez votre structure sur la carte."),
        Check("website", "Site web", bool(actor.website), "Indiquez votre site web."),
        Check("email", "Courriel ou téléphone", bool(actor.email or actor.phone),
              "Indiquez un courriel ou un téléphone de la structure."),
        Check("figures", "Chiffres clés", actor.founding_year is not None and actor.employees is not None,
              "Indiquez l'année de création et le nombre de salariés."),
        Check("contacts", "Personne à contacter", contact_count > 0, "Ajoutez au moins une personne à contacter.",
              "contacts"),
    ]  # fmt: skip
