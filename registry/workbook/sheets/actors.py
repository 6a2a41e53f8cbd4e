"""The Acteurs and Contacts sheets."""

from __future__ import annotations

import sqlalchemy as sa

from registry.models import Actor, ActorStatus, Contact, SiaeType
from registry.services.records.actors import SIRET_TAKEN, clean_actor, clean_contact
from registry.services.reference import normalize as n
from registry.services.reference.matching import match_key
from registry.workbook import cells
from registry.workbook.spec import (
    YES_NO,
    Column,
    NaturalKey,
    RefIndex,
    SheetSpec,
    axes_column,
    enum_labels,
    enum_values,
    record_column,
    ref_column,
    reference_items,
    siret_column,
)

#: Other words for an actor's status (``typed``), {text: member value}.
STATUS_SYNONYMS = {"en activité": "active", "fermé": "inactive", "cessé": "inactive", "radié": "archived"}


def possible_duplicate(actor, index) -> tuple[str, str, str] | None:
    """A new actor with the normalised name and the postcode of an existing one."""
    if not actor.name or not actor.postcode:
        return None
    other = index.by_name_postcode.get((match_key(actor.name), actor.postcode))
    if other is None:
        return None
    shown = index.obj(other)
    return (
        "Nom*",
        actor.name,
        f"Doublon possible : l'acteur « {shown.name} » (réf. {shown.slug}) a le même nom et le même "
        "code postal. Indiquez sa Réf. ou son SIRET pour le mettre à jour plutôt que d'en créer un autre.",
    )


def _name_postcode(name, postcode) -> tuple | None:
    return (match_key(name), postcode or "") if name else None


#: Rows without Réf. nor a known SIRET: the actor with this RNA, else the one actor with this name and postcode.
ACTOR_KEYS = (
    NaturalKey(
        "même RNA",
        "RNA",
        lambda p: (p["rna"],) if p.get("rna") else None,
        lambda session: (
            ((rna,), i) for i, rna in session.execute(sa.select(Actor.id, Actor.rna).where(Actor.rna.is_not(None)))
        ),
    ),
    NaturalKey(
        "même nom et même code postal",
        "Nom*",
        lambda p: _name_postcode(p.get("name"), p.get("postcode")),
        lambda session: (
            (_name_postcode(name, postcode), actor_id)
            for actor_id, name, postcode in session.execute(sa.select(Actor.id, Actor.name, Actor.postcode))
        ),
    ),
)


def contact_key(p: dict) -> tuple | None:
    """A contact is its actor's and its full name's, case and accents aside."""
    actor = p.get("actor")
    return (actor, n.fold(p.get("full_name"))) if actor is not None and p.get("full_name") else None


def contact_keys(session) -> dict[tuple[int, str], int]:
    """Contacts by (actor id, folded full name)."""
    return {
        (actor_id, n.fold(name)): cid
        for cid, actor_id, name in session.execute(sa.select(Contact.id, Contact.actor_id, Contact.full_name))
    }


ACTORS = SheetSpec(
    "Acteurs",
    Actor,
    clean_actor,
    (
        ref_column(
            "Réf.",
            "slug",
            "Référence de la fiche (minuscules, chiffres, tirets). Vide : créée à partir du nom.",
            fields=("slug",),
        ),
        Column("Nom*", "name", cells.text(200, width=36)),
        Column(
            "Forme juridique*",
            "legal_form",
            cells.reference_kind("legal_forms", many=False),
            "",
            choices=reference_items("legal_forms"),
        ),
        siret_column(),
        Column("RNA", "rna", cells.normalized(n.normalize_rna), "W suivi de 9 chiffres."),
        Column("Code APE", "ape_code", cells.normalized(n.normalize_ape, width=10), "Par exemple 88.10A."),
        Column("Agrément ESUS", "esus_date", cells.DATE, "Date de l'agrément."),
        Column(
            "Type SIAE",
            "siae_type",
            cells.enum_kind(SiaeType, "Type SIAE", by_value=True, width=10),
            "",
            choices=enum_values(SiaeType),
        ),
        axes_column(),
        Column(
            "Secteurs",
            "sectors",
            cells.reference_kind("sectors", many=True),
            "Séparés par « ; ».",
            choices=reference_items("sectors"),
        ),
        Column(
            "Quartier",
            "quartier",
            cells.reference_kind("quartiers", many=False),
            "",
            choices=reference_items("quartiers"),
        ),
        Column("Adresse", "address", cells.text(300, width=30)),
        Column("Code postal", "postcode", cells.normalized(n.normalize_postcode, width=10)),
        Column("Commune", "commune", cells.text(120, width=14)),
        Column("Latitude", "latitude", cells.LATITUDE, "Degrés décimaux (50.63)."),
        Column("Longitude", "longitude", cells.LONGITUDE, "Degrés décimaux (3.06)."),
        Column("Site web", "website", cells.normalized(n.normalize_url, width=30)),
        Column("Courriel", "email", cells.normalized(n.normalize_email, width=30)),
        Column("Téléphone", "phone", cells.normalized(n.normalize_phone, width=16)),
        Column("Salariés", "employees", cells.INT),
        Column("Bénévoles", "volunteers", cells.INT),
        Column("Année de création", "founding_year", cells.YEAR),
        Column(
            "Statut",
            "status",
            cells.enum_kind(ActorStatus, "Statut", width=10, synonyms=STATUS_SYNONYMS),
            "Vide : inchangé (Actif).",
            choices=enum_labels(ActorStatus),
            keep_when_empty=True,
        ),
        Column("Publié", "published", cells.BOOL, "Oui / Non.", choices=YES_NO),
        Column("Description", "description", cells.text(None, width=50)),
    ),
    matching=(
        "Réf., sinon SIRET, sinon RNA, sinon le nom (sans tenir compte des majuscules, des accents ni de la "
        "ponctuation) et le code postal quand un seul acteur les a ; sinon nouvel acteur."
    ),
    unique=True,
    ref_index=RefIndex(
        "actor",
        "acteur",
        "de l'acteur",
        also_by=(("siret", SIRET_TAKEN.replace("{name}", "{other.name}")),),  # the back office's words
        natural=ACTOR_KEYS,
    ),
    duplicate_warning=possible_duplicate,
)


CONTACTS = SheetSpec(
    "Contacts",
    Contact,
    clean_contact,
    (
        record_column("Acteur*", "actor", "actor", "Réf., SIRET ou nom exact de l'acteur."),
        Column("Nom complet*", "full_name", cells.text(200, width=26)),
        Column("Fonction", "role", cells.text(200)),
        Column("Courriel", "email", cells.normalized(n.normalize_email, width=30)),
        Column("Téléphone", "phone", cells.normalized(n.normalize_phone, width=16)),
        Column(
            "Visible publiquement", "public", cells.BOOL, "Oui seulement avec l'accord de la personne.", choices=YES_NO
        ),
    ),
    personal=True,
    natural_key=contact_key,
    natural_keys=contact_keys,
    matching="Acteur et nom complet (sans tenir compte des majuscules ni des accents).",
)
