"""The columns of the open-data files for people and for programs: French headers, Table Schema types, and the
cells of the « CSV pour Excel » and XLSX variants.

The machine CSV and JSON keep the stable English keys and the JSON conventions (ISO dates, decimal point, codes,
true/false); the Table Schema (frictionless) of each dataset describes that CSV. The files for people use the
French headers below, labels instead of codes, dates as JJ/MM/AAAA, « oui »/« non » and a decimal comma.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from registry.public.fields import Field, jsonable
from registry.services.outputs.spreadsheet import neutralise_formula

#: French column headers, by key (the same key means the same thing in every dataset).
HEADERS = {
    "slug": "Référence", "name": "Nom", "legal_form": "Forme juridique", "legal_family": "Famille de l'ESS",
    "siret": "SIRET", "rna": "RNA", "ape_code": "Code APE", "esus": "Agrément ESUS en cours",
    "esus_date": "Date de l'agrément ESUS", "siae_type": "Type de SIAE", "description": "Présentation",
    "website": "Site web", "address": "Adresse", "postcode": "Code postal", "commune": "Commune",
    "quartier": "Quartier", "latitude": "Latitude", "longitude": "Longitude", "employees": "Salariés",
    "volunteers": "Bénévoles", "founding_year": "Année de création", "status": "Statut", "axes": "Axes du plan ESS",
    "sectors": "Secteurs", "url": "Fiche publique", "updated_at": "Dernière mise à jour", "title": "Intitulé",
    "summary": "Résumé", "start_date": "Date de début", "end_date": "Date de fin", "lead_actor": "Porteur",
    "partners": "Partenaires", "city_wide": "Toute la ville", "quartiers": "Quartiers", "budget": "Budget (€)",
    "city_funding": "Financement de la Ville (€)", "jobs_created": "Emplois créés",
    "people_trained": "Personnes formées", "people_reached": "Personnes touchées", "lender": "Prêteur",
    "purposes": "Objets financés", "target_public": "Public visé", "min_amount": "Montant minimum (€)",
    "max_amount": "Montant maximum (€)", "max_duration_months": "Durée maximale (mois)",
    "nominal_rate": "Taux nominal (%)", "borrower_rate": "Taux emprunteur (%)",
    "yearly_envelope": "Enveloppe annuelle (€)", "eligibility": "Bénéficiaires", "how_to_apply": "Comment candidater",
    "email": "Courriel de la structure", "phone": "Téléphone de la structure",
}  # fmt: skip
INTEGERS = {"employees", "volunteers", "founding_year", "jobs_created", "people_trained", "people_reached",
            "max_duration_months"}  # fmt: skip
NUMBERS = {"latitude", "longitude", "budget", "city_funding", "min_amount", "max_amount", "nominal_rate",
           "borrower_rate", "yearly_envelope"}  # fmt: skip
DATES = {"esus_date", "start_date", "end_date"}
DATETIMES = {"updated_at"}
BOOLEANS = {"esus", "city_wide"}
#: Column widths of the XLSX files, by key (others: from the header, at least 12).
WIDTHS = {"name": 36, "title": 36, "description": 60, "summary": 50, "address": 30, "url": 40, "axes": 30,
          "sectors": 30, "partners": 30, "eligibility": 40, "how_to_apply": 40, "lead_actor": 30}  # fmt: skip


def header(field: Field) -> str:
    return HEADERS.get(field.key, field.key)


def width(field: Field) -> int:
    return WIDTHS.get(field.key, max(12, len(header(field)) + 2))


def field_type(key: str) -> dict:
    """The Table Schema type (and format) of a column of the machine CSV."""
    if key in INTEGERS:
        return {"type": "integer"}
    if key in NUMBERS:
        return {"type": "number"}
    if key in DATES:
        return {"type": "date"}
    if key in DATETIMES:
        return {"type": "datetime"}
    if key in BOOLEANS:
        return {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}
    if key in ("url", "website"):
        return {"type": "string", "format": "uri"}
    return {"type": "string"}


def table_schema(fields: list[Field], *, title: str) -> dict:
    """The Table Schema (https://specs.frictionlessdata.io/table-schema/) of a dataset's machine CSV."""
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": title,
        "fields": [
            {"name": f.key, "title": header(f), "description": f.description, **field_type(f.key)} for f in fields
        ],
        "missingValues": [""],
        "primaryKey": ["slug"],
    }


def _decimal_comma(value) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else repr(value) if isinstance(value, float) else str(value)
    return text.replace(".", ",")


def people_value(value):
    """A cell for people (XLSX): labels instead of codes, « oui »/« non », dates kept as dates."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    return value


def excel_csv_cell(value) -> str:
    """A cell of the « CSV pour Excel »: French conventions (JJ/MM/AAAA, decimal comma, oui/non, labels)."""
    value = people_value(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal | float):
        return _decimal_comma(value)
    if isinstance(value, int):
        return str(value)
    return neutralise_formula(str(jsonable(value)))
