"""The public data dictionary: one list of fields per dataset, shared by the API, the downloads and /donnees/.

Each field has a stable English key, a French description (shown on the open-data page), a flat value for
CSV and XLSX cells, and optionally a structured value for JSON (lists of codes and labels). Contacts (people) are
never part of a dataset; the organisation's own e-mail and phone are, only when it chose to show them
(``Actor.show_contact_details``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import current_app, url_for

from registry.models import Initiative, LoanProgramme, LoanPurpose
from registry.services.public.directory import esus_is_current

LIST_SEPARATOR = " ; "


@dataclass(frozen=True)
class Field:
    """One column of a dataset."""

    key: str
    description: str
    flat: Callable[[object], object]
    structured: Callable[[object], object] | None = None
    #: JSON Schema of the structured value (for the OpenAPI document).
    schema: dict | None = None

    def json_value(self, obj):
        return jsonable(self.structured(obj) if self.structured else self.flat(obj))


def jsonable(value):
    """A JSON-safe value: dates in ISO 8601, money and rates as exact decimal strings, enums as their code."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def public_url(endpoint: str, **values) -> str:
    """Absolute address of a public page, built on the configured BASE_URL (never the request's Host)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _labels(items) -> str:
    return LIST_SEPARATOR.join(item.label for item in items)


def _ref_list(items, *extra: str) -> list[dict]:
    return [{"code": i.code, "label": i.label, **{name: getattr(i, name) for name in extra}} for i in items]


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
REF_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": STRING, "label": STRING, "strategic": {"type": "boolean"}},
        "required": ["code", "label"],
    },
}
QUARTIER = {
    "type": ["object", "null"],
    "properties": {"code": STRING, "name": STRING, "commune": STRING},
    "required": ["code", "name"],
}


def _quartier(q) -> dict | None:
    return {"code": q.code, "name": q.name, "commune": q.commune} if q else None


ACTOR_FIELDS: list[Field] = [
    Field("slug", "Référence stable de l'acteur, utilisée dans l'adresse de sa fiche.", lambda a: a.slug),
    Field("name", "Nom de l'organisation.", lambda a: a.name),
    Field("legal_form", "Forme juridique.", lambda a: a.legal_form.label),
    Field(
        "legal_family",
        "Famille de l'ESS : association, cooperative, mutuelle, fondation ou societe_ess.",
        lambda a: a.legal_form.family,
    ),
    Field("siret", "Numéro SIRET (14 chiffres), s'il est connu.", lambda a: a.siret),
    Field("rna", "Numéro au répertoire national des associations (RNA), s'il est connu.", lambda a: a.rna),
    Field("ape_code", "Code APE / NAF de l'activité principale.", lambda a: a.ape_code),
    Field(
        "esus",
        "Agrément ESUS en cours de validité ce jour (valable 5 ans) : true ou false.",
        lambda a: esus_is_current(a.esus_date),
    ),
    Field("esus_date", "Date d'obtention de l'agrément ESUS (AAAA-MM-JJ).", lambda a: a.esus_date),
    Field(
        "siae_type", "Type de structure d'insertion (EI, AI, ACI, ETTI, EITI, GEIQ, EA, ESAT).", lambda a: a.siae_type
    ),
    Field("description", "Présentation de l'activité.", lambda a: a.description),
    Field("website", "Site web.", lambda a: a.website),
    Field(
        "email",
        "Courriel de la structure, si elle a choisi de l'afficher publiquement.",
        lambda a: a.email if a.show_contact_details else None,
    ),
    Field(
        "phone",
        "Téléphone de la structure, si elle a choisi de l'afficher publiquement.",
        lambda a: a.phone if a.show_contact_details else None,
    ),
    Field("address", "Adresse postale.", lambda a: a.address),
    Field("postcode", "Code postal.", lambda a: a.postcode),
    Field("commune", "Commune.", lambda a: a.commune),
    Field(
        "quartier",
        "Quartier de Lille, ou commune associée (Hellemmes, Lomme).",
        lambda a: a.quartier.name if a.quartier else None,
        lambda a: _quartier(a.quartier),
        QUARTIER,
    ),
    Field("latitude", "Latitude (degrés décimaux, WGS 84).", lambda a: a.latitude),
    Field("longitude", "Longitude (degrés décimaux, WGS 84).", lambda a: a.longitude),
    Field("employees", "Nombre de salariés.", lambda a: a.employees),
    Field("volunteers", "Nombre de bénévoles.", lambda a: a.volunteers),
    Field("founding_year", "Année de création.", lambda a: a.founding_year),
    Field("status", "Situation : active (en activité) ou inactive.", lambda a: a.status),
    Field(
        "axes",
        "Axes du plan ESS de la Ville (séparés par « ; » dans les fichiers).",
        lambda a: _labels(a.axes),
        lambda a: _ref_list(a.axes),
        REF_LIST,
    ),
    Field(
        "sectors",
        "Secteurs d'activité (séparés par « ; »); le JSON indique les secteurs stratégiques.",
        lambda a: _labels(a.sectors),
        lambda a: _ref_list(a.sectors, "strategic"),
        REF_LIST,
    ),
    Field("url", "Adresse de la fiche publique.", lambda a: public_url("public.actor", slug=a.slug)),
    Field("updated_at", "Date et heure de la dernière mise à jour (UTC).", lambda a: a.updated_at),
]


def _public_partners(initiative: Initiative) -> list:
    # Loaded with the visibility rule as loader criteria (registry.services.public.records).
    return list(initiative.partners)


INITIATIVE_FIELDS: list[Field] = [
    Field("slug", "Référence stable de l'initiative.", lambda i: i.slug),
    Field("title", "Intitulé.", lambda i: i.title),
    Field("summary", "Résumé.", lambda i: i.summary),
    Field("description", "Description.", lambda i: i.description),
    Field(
        "status", "Statut : planned (prévue), ongoing (en cours), completed (terminée), abandoned.", lambda i: i.status
    ),
    Field("start_date", "Date de début (AAAA-MM-JJ).", lambda i: i.start_date),
    Field("end_date", "Date de fin (AAAA-MM-JJ).", lambda i: i.end_date),
    Field(
        "lead_actor",
        "Acteur porteur (nom dans les fichiers ; référence et nom dans le JSON).",
        lambda i: i.lead_actor.name,
        lambda i: {"slug": i.lead_actor.slug, "name": i.lead_actor.name},
        {"type": "object", "properties": {"slug": STRING, "name": STRING}, "required": ["slug", "name"]},
    ),
    Field(
        "partners",
        "Acteurs partenaires publiés (séparés par « ; »), avec leur rôle dans le JSON.",
        lambda i: LIST_SEPARATOR.join(p.actor.name for p in _public_partners(i)),
        lambda i: [{"slug": p.actor.slug, "name": p.actor.name, "role": p.role} for p in _public_partners(i)],
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"slug": STRING, "name": STRING, "role": NULLABLE_STRING},
                "required": ["slug", "name"],
            },
        },
    ),
    Field("city_wide", "Initiative à l'échelle de toute la ville : true ou false.", lambda i: i.city_wide),
    Field(
        "quartiers",
        "Quartiers concernés (séparés par « ; »).",
        lambda i: LIST_SEPARATOR.join(q.name for q in i.quartiers),
        lambda i: [_quartier(q) for q in i.quartiers],
        {"type": "array", "items": QUARTIER},
    ),
    Field("axes", "Axes du plan ESS.", lambda i: _labels(i.axes), lambda i: _ref_list(i.axes), REF_LIST),
    Field(
        "sectors",
        "Secteurs d'activité.",
        lambda i: _labels(i.sectors),
        lambda i: _ref_list(i.sectors, "strategic"),
        REF_LIST,
    ),
    Field("budget", "Budget total en euros.", lambda i: i.budget),
    Field("city_funding", "Financement de la Ville en euros.", lambda i: i.city_funding),
    Field("jobs_created", "Emplois créés.", lambda i: i.jobs_created),
    Field("people_trained", "Personnes formées.", lambda i: i.people_trained),
    Field("people_reached", "Personnes touchées.", lambda i: i.people_reached),
    Field("url", "Adresse de la fiche publique.", lambda i: public_url("public.initiative", slug=i.slug)),
    Field("updated_at", "Date et heure de la dernière mise à jour (UTC).", lambda i: i.updated_at),
]


def _purposes(p: LoanProgramme) -> list[LoanPurpose]:
    return p.purpose_members


PROGRAMME_FIELDS: list[Field] = [
    Field("slug", "Référence stable du programme.", lambda p: p.slug),
    Field("name", "Nom du programme de prêt bonifié.", lambda p: p.name),
    Field("lender", "Organisme prêteur.", lambda p: p.lender.name),
    Field(
        "purposes",
        "Objets financés : mobility (mobilité), training (formation), business_creation (création d'entreprise).",
        lambda p: LIST_SEPARATOR.join(m.label for m in _purposes(p)),
        lambda p: [m.value for m in _purposes(p)],
        {"type": "array", "items": STRING},
    ),
    Field("target_public", "Public visé (par exemple : demandeurs d'emploi).", lambda p: p.target_public),
    Field("min_amount", "Montant minimum en euros.", lambda p: p.min_amount),
    Field("max_amount", "Montant maximum en euros.", lambda p: p.max_amount),
    Field("max_duration_months", "Durée maximale en mois.", lambda p: p.max_duration_months),
    Field("nominal_rate", "Taux nominal annuel du prêteur, en %.", lambda p: p.nominal_rate),
    Field(
        "borrower_rate",
        "Taux annuel payé par l'emprunteur après la bonification de la Ville, en %.",
        lambda p: p.borrower_rate,
    ),
    Field("yearly_envelope", "Enveloppe annuelle en euros.", lambda p: p.yearly_envelope),
    Field("start_date", "Date d'ouverture (AAAA-MM-JJ).", lambda p: p.start_date),
    Field("end_date", "Date de fin (AAAA-MM-JJ).", lambda p: p.end_date),
    Field("status", "Statut : planned (prévu), open (ouvert), closed (clos).", lambda p: p.status),
    Field("eligibility", "Qui peut en bénéficier.", lambda p: p.eligibility),
    Field("how_to_apply", "Comment faire la demande.", lambda p: p.how_to_apply),
    Field("axes", "Axes du plan ESS.", lambda p: _labels(p.axes), lambda p: _ref_list(p.axes), REF_LIST),
    Field("url", "Adresse de la page du programme.", lambda p: public_url("public.loan", slug=p.slug)),
    Field("updated_at", "Date et heure de la dernière mise à jour (UTC).", lambda p: p.updated_at),
]

#: Fields of the features of the map layer (kept small: the map may show thousands of points).
MAP_FIELD_KEYS = ("slug", "name", "legal_form", "quartier", "address", "postcode", "commune", "axes", "url")


def as_json(obj, fields: list[Field]) -> dict:
    """The JSON object of a record."""
    return {f.key: f.json_value(obj) for f in fields}
