"""The Initiatives sheet."""

from __future__ import annotations

import sqlalchemy as sa

from registry.models import Initiative, InitiativePartner, InitiativeStatus
from registry.services.records.initiatives import clean_initiative
from registry.services.reference.normalize import fold
from registry.workbook import cells
from registry.workbook.spec import (
    YES_NO,
    Column,
    NaturalKey,
    RefIndex,
    SheetSpec,
    axes_column,
    enum_labels,
    record_column,
    ref_column,
    reference_items,
    target_id,
)

#: Other words for an initiative's status (``typed``), {text: member value}.
STATUS_SYNONYMS = {
    "en projet": "planned",
    "à venir": "planned",
    "réalisée": "completed",
    "achevée": "completed",
    "finie": "completed",
    "arrêtée": "abandoned",
    "annulée": "abandoned",
}


def _partners_get(initiative) -> tuple:
    return tuple(p.actor for p in initiative.partners)


def _partners_set(initiative, actors) -> None:
    kept = {id(p.actor): p for p in initiative.partners}
    initiative.partners = [kept.get(id(a)) or InitiativePartner(actor=a) for a in actors]


#: Rows without Réf.: the initiative with this title (case and accents aside) and this lead actor.
TITLE_AND_LEAD = NaturalKey(
    "même titre et même porteur",
    "Titre*",
    lambda p: (fold(p["title"]), target_id(p["lead_actor"])) if p.get("title") and p.get("lead_actor") else None,
    lambda session: (
        ((fold(title), lead), iid)
        for iid, title, lead in session.execute(sa.select(Initiative.id, Initiative.title, Initiative.lead_actor_id))
    ),
)


INITIATIVES = SheetSpec(
    "Initiatives",
    Initiative,
    clean_initiative,
    (
        ref_column("Réf.", "slug", "Vide : créée à partir du titre.", fields=("slug",)),
        Column("Titre*", "title", cells.text(200, width=36)),
        record_column("Porteur*", "lead_actor", "actor", "Réf., SIRET ou nom exact de l'acteur porteur."),
        record_column(
            "Partenaires",
            "partners",
            "actor",
            "Acteurs partenaires séparés par « ; ».",
            many=True,
            getter=_partners_get,
            setter=_partners_set,
        ),
        axes_column(),
        Column(
            "Secteurs", "sectors", cells.reference_kind("sectors", many=True), "", choices=reference_items("sectors")
        ),
        Column(
            "Quartiers",
            "quartiers",
            cells.reference_kind("quartiers", many=True),
            "Séparés par « ; ».",
            choices=reference_items("quartiers"),
        ),
        Column(
            "Statut",
            "status",
            cells.enum_kind(InitiativeStatus, "Statut", width=10, synonyms=STATUS_SYNONYMS),
            "Vide : inchangé.",
            choices=enum_labels(InitiativeStatus),
            keep_when_empty=True,
        ),
        Column("Date de début", "start_date", cells.DATE),
        Column("Date de fin", "end_date", cells.DATE),
        Column("Budget total (€)", "budget", cells.MONEY),
        Column("Financement Ville (€)", "city_funding", cells.MONEY),
        Column("Emplois créés", "jobs_created", cells.INT),
        Column("Personnes formées", "people_trained", cells.INT),
        Column("Personnes touchées", "people_reached", cells.INT),
        Column("Publié", "published", cells.BOOL, "Oui / Non.", choices=YES_NO),
        Column("Résumé", "summary", cells.text(500, width=40)),
        Column("Description", "description", cells.text(None, width=50)),
    ),
    matching=(
        "Réf., sinon le titre (sans tenir compte des majuscules ni des accents) et le porteur ; "
        "sinon nouvelle initiative."
    ),
    unique=True,
    ref_index=RefIndex("initiative", "initiative", "de l'initiative", name_attr="title", natural=(TITLE_AND_LEAD,)),
)
