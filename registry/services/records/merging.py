"""Merging a duplicate actor into the one that stays (« Fusionner »): the fields shown side by side, the officer's
choice per field, what will follow the kept actor, and the write itself — ``editing.merge``, the one write, which
re-points partnerships, initiatives (lead and partner), contacts, loan programmes (and so their reports), partner
accounts, account requests, citizen reports, review items and earlier redirects, and keeps the duplicate's slug
as a 301 redirect to the kept actor."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorSlugRedirect
from registry.services.history.audit import snapshot
from registry.services.history.display import display_value
from registry.services.records import editing
from registry.services.records.actors import clean_actor
from registry.services.records.errors import ValidationError
from registry.services.reference.labels import ENTITY_NAMES, field_label
from registry.services.reference.matching import match_key

#: The fields chosen one by one, in the order of the actor form (the slug stays the kept actor's).
FIELDS = (
    "name", "legal_form", "status", "published", "description", "siret", "rna", "ape_code", "esus_date",
    "siae_type", "axes", "sectors", "quartier", "website", "email", "phone", "show_contact_details", "address",
    "postcode", "commune", "latitude", "longitude", "employees", "volunteers", "founding_year",
)  # fmt: skip
KEPT, MERGED = "kept", "merged"
SAME = "Choisissez deux fiches différentes : une fiche ne se fusionne pas avec elle-même."
BAD_CHOICE = "Choix de valeur inconnu pour « {field} » : choisissez la valeur de l'une des deux fiches."


@dataclass(frozen=True)
class FieldRow:
    """One line of the side-by-side page."""

    field: str
    label: str
    kept: str
    merged: str
    #: The value preselected: the kept actor's, unless it is empty and the duplicate's is not.
    default: str

    @property
    def same(self) -> bool:
        return self.kept == self.merged


def side_by_side(kept: Actor, merged: Actor) -> list[FieldRow]:
    """Every field of the two actors, in French, with the value preselected."""
    left, right = snapshot(kept), snapshot(merged)
    rows = []
    for field in FIELDS:
        a, b = display_value(Actor, field, left.get(field)), display_value(Actor, field, right.get(field))
        default = MERGED if a == "—" and b != "—" else KEPT
        rows.append(FieldRow(field, field_label("Actor", field), a, b, default))
    return rows


def read_choices(form) -> dict[str, str]:
    """The officer's choice per field from a submitted form (``choice-<field>`` = kept | merged); a field without
    an answer keeps the kept actor's value, an unknown answer is an error."""
    choices = {}
    for field in FIELDS:
        value = form.get(f"choice-{field}", KEPT)
        if value not in (KEPT, MERGED):
            raise ValidationError(BAD_CHOICE.format(field=field_label("Actor", field)), field)
        choices[field] = value
    return choices


#: What follows the kept actor, in French, per column pointing to actors (a new one is named from its model).
FOLLOWING = {
    ("partnerships", "actor_id"): "partenariats",
    ("initiatives", "lead_actor_id"): "initiatives portées",
    ("initiative_partners", "actor_id"): "participations à des initiatives",
    ("contacts", "actor_id"): "contacts",
    ("loan_programmes", "lender_id"): "programmes de prêt (et leurs bilans)",
    ("users", "actor_id"): "comptes partenaires",
    ("account_requests", "actor_id"): "demandes d'accès",
    ("citizen_reports", "actor_id"): "signalements du public",
    ("audit_events", "actor_id"): "modifications du journal (dont celles à relire)",
    ("actor_slug_redirects", "actor_id"): "anciennes adresses d'acteurs déjà fusionnés",
    ("reference_checks", "actor_id"): "dernières vérifications Sirene et géocodage du doublon (retirées : à refaire)",
}


def following(session: so.Session, merged: Actor) -> list[tuple[str, int]]:
    """(French description, count) of the records that will follow the kept actor."""
    out = []
    for cls, column in editing.references_to(Actor):
        n = session.scalar(sa.select(sa.func.count()).select_from(column.table).where(column == merged.id)) or 0
        if n:
            name = getattr(cls, "__name__", column.table.name)
            what = FOLLOWING.get((column.table.name, column.key))
            out.append((what or f"{ENTITY_NAMES.get(name, name)} ({field_label(name, column.key)})", n))
    return out


def candidates(session: so.Session, actor: Actor, limit: int = 10) -> list[Actor]:
    """Likely duplicates of ``actor``: the same normalised name and postcode, or the same SIREN."""
    found = []
    siren = (actor.siret or "")[:9]
    if len(siren) == 9:
        found += session.scalars(sa.select(Actor).where(Actor.siret.like(f"{siren}%"), Actor.id != actor.id))
    if actor.postcode:
        key = match_key(actor.name)
        same_place = session.scalars(sa.select(Actor).where(Actor.postcode == actor.postcode, Actor.id != actor.id))
        found += [other for other in same_place if match_key(other.name) == key]
    return list(dict.fromkeys(found))[:limit]


def find_actor(session: so.Session, text: str) -> Actor | None:
    """The actor a typed reference names: its number, slug or SIRET."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) < 10:
        return session.get(Actor, int(text))
    digits = text.replace(" ", "")
    return session.scalar(sa.select(Actor).where(sa.or_(Actor.slug == text.lower(), Actor.siret == digits)))


def merge_actors(session: so.Session, kept: Actor, merged: Actor, choices: dict[str, str], *, opened, opened_merged,
                 user, source: str = "admin") -> editing.Changes:  # fmt: skip
    """Merge ``merged`` into ``kept`` with the values ``choices`` says ({field: kept | merged}); raises
    ValidationError (same actor), ValidationErrors (the result is not a valid actor) or editing.Conflict (one of
    them changed since the page was opened). The caller commits."""
    if kept.id == merged.id:
        raise ValidationError(SAME)
    taken = {}
    for field, choice in choices.items():
        if field in FIELDS and choice == MERGED:
            value = getattr(merged, field)
            taken[field] = list(value) if isinstance(value, list) else value

    def apply(actor: Actor) -> None:
        for field, value in taken.items():
            setattr(actor, field, value)

    def aliases(actor: Actor, record: dict) -> list:
        return [ActorSlugRedirect(old_slug=record["row"]["slug"], actor_id=actor.id)]

    label = f"{kept} (fusion de « {merged} »)"
    return editing.merge(session, kept, merged, apply=apply, opened=opened, opened_merged=opened_merged, user=user,
                         source=source, cleaner=clean_actor, aliases=aliases, label=label)  # fmt: skip


def redirected_slug(session: so.Session, slug: str) -> ActorSlugRedirect | None:
    """The redirect an old slug of a merged actor left, or None."""
    return session.get(ActorSlugRedirect, slug)
