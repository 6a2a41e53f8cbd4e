"""Rules for actors and their contacts, applied by every writer (admin, partner space, importer, CLI)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, ActorSlugRedirect, Contact
from registry.models.base import utcnow
from registry.services.records.checks import check_range, clean_field, require_text, without_autoflush
from registry.services.records.errors import Collector, Mention
from registry.services.records.places import fill_commune
from registry.services.records.slugs import clean_slug
from registry.services.reference import normalize as n

#: The message of a SIRET another actor has ({name}: that actor's name).
SIRET_TAKEN = "Ce SIRET est déjà celui de l'acteur « {name} »."
#: The shortest presentation an organisation may give of itself (what the public reads first).
MIN_PRESENTATION_LENGTH = 40


@without_autoflush
def clean_actor(session: so.Session, actor: Actor, *, check_unique: bool = True, own_profile: bool = False) -> None:
    """Normalise an actor in place and check it; raises ValidationErrors naming each wrong field.

    ``check_unique=False`` skips the uniqueness queries: the workbook importer checks them in batch.
    ``own_profile=True`` adds the rules of a profile its organisation keeps (the partner space): a presentation
    of at least MIN_PRESENTATION_LENGTH characters, and a commune with any postcode. Officers and the importer
    may keep a bare record (created from a list, its presentation still to come; see the README).
    """
    c = Collector()
    clean_field(c, actor, "name", require_text, 200, "Le nom")
    if actor.legal_form is None and actor.legal_form_id is None:
        c.add("legal_form", "La forme juridique est obligatoire.")
    clean_field(c, actor, "siret", n.normalize_siret)
    clean_field(c, actor, "rna", n.normalize_rna)
    clean_field(c, actor, "ape_code", n.normalize_ape)
    clean_field(c, actor, "postcode", n.normalize_postcode)
    clean_field(c, actor, "phone", n.normalize_phone)
    clean_field(c, actor, "email", n.normalize_email)
    clean_field(c, actor, "website", n.normalize_url)
    clean_field(c, actor, "latitude", n.parse_coordinate, kind="latitude")
    clean_field(c, actor, "longitude", n.parse_coordinate, kind="longitude")
    for field, length in (("address", 300), ("commune", 120)):
        clean_field(c, actor, field, n.clean_text, length)
    if "postcode" not in c.errors:
        fill_commune(actor)  # 59160 → Lomme: every writer (back office, partner space, importer)
    actor.description = n.clean_text(actor.description)
    if own_profile:
        _check_own_profile(c, actor)
    check_range(c, actor, "employees", 0, what="Le nombre de salariés")
    check_range(c, actor, "volunteers", 0, what="Le nombre de bénévoles")
    check_range(c, actor, "founding_year", 1800, date.today().year, what="L'année de création")
    if actor.esus_date and actor.esus_date > date.today():
        c.add("esus_date", "La date d'agrément ESUS ne peut pas être dans le futur.")
    if (actor.latitude is None) != (actor.longitude is None) and "latitude" not in c.errors:
        c.add("longitude" if actor.longitude is None else "latitude", "Indiquez la latitude et la longitude ensemble.")
    if check_unique and actor.siret and "siret" not in c.errors:
        other = session.scalar(sa.select(Actor).where(Actor.siret == actor.siret, Actor.id != (actor.id or 0)))
        if other is not None:
            c.add("siret", siret_taken(other))
    clean_slug(c, session, actor, "name", "de l'acteur", check_unique=check_unique)
    if check_unique and actor.slug and "slug" not in c.errors:
        alias = session.get(ActorSlugRedirect, actor.slug)
        if alias is not None and alias.actor_id != actor.id:
            c.add("slug", f"La référence « {actor.slug} » est l'ancienne adresse d'une fiche fusionnée dans "
                          f"« {alias.actor.name} » : choisissez-en une autre.")  # fmt: skip
    c.raise_if_any()


def siret_taken(other: Actor) -> Mention:
    """The message of a SIRET ``other`` already has: it names that actor, and a screen may link it."""
    return Mention(SIRET_TAKEN, other.name, entity="Actor", record_id=other.id)


def _check_own_profile(c: Collector, actor: Actor) -> None:
    length = len(actor.description or "")
    minimum = MIN_PRESENTATION_LENGTH
    if not length:
        message = f"Présentez votre structure en quelques phrases ({minimum} caractères au moins) : c'est ce que le "
        c.add("description", message + "public lit en premier.")
    elif length < minimum:
        chars = f"{length} caractère{'s' if length > 1 else ''}"
        c.add("description", f"La présentation est trop courte ({chars}) : {minimum} caractères au moins, pour dire "
                             "ce que fait la structure, pour qui et où.")  # fmt: skip
    if actor.postcode and not actor.commune and "postcode" not in c.errors:
        c.add("commune", f"Indiquez la commune du code postal {actor.postcode}.")


@without_autoflush
def clean_contact(session: so.Session, contact: Contact) -> None:
    """Normalise a contact person in place; a public contact records when consent was given."""
    c = Collector()
    clean_field(c, contact, "full_name", require_text, 200, "Le nom complet")
    clean_field(c, contact, "role", n.clean_text, 200)
    clean_field(c, contact, "email", n.normalize_email)
    clean_field(c, contact, "phone", n.normalize_phone)
    if contact.actor is None and contact.actor_id is None:
        c.add("actor", "L'acteur est obligatoire.")
    if contact.public and contact.consent_at is None:
        contact.consent_at = utcnow()
    elif not contact.public:
        contact.consent_at = None
    c.raise_if_any()
