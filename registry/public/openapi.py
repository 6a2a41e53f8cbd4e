"""The OpenAPI 3.1 document of the API, built from the data dictionary so the two cannot drift apart."""

from __future__ import annotations

from flask import current_app

from registry.public.fields import ACTOR_FIELDS, INITIATIVE_FIELDS, PROGRAMME_FIELDS, Field
from registry.public.limits import DEFAULT_LIMIT, GEOJSON_MAX_LIMIT, MAX_LIMIT

#: JSON Schema of the flat values, per field key (anything else is a nullable string).
FLAT_TYPES = {
    "esus": {"type": "boolean"},
    "city_wide": {"type": "boolean"},
    "latitude": {"type": ["number", "null"]},
    "longitude": {"type": ["number", "null"]},
    "employees": {"type": ["integer", "null"]},
    "volunteers": {"type": ["integer", "null"]},
    "founding_year": {"type": ["integer", "null"]},
    "max_duration_months": {"type": ["integer", "null"]},
    "jobs_created": {"type": ["integer", "null"]},
    "people_trained": {"type": ["integer", "null"]},
    "people_reached": {"type": ["integer", "null"]},
    "slug": {"type": "string"},
    "name": {"type": "string"},
    "title": {"type": "string"},
    "url": {"type": "string", "format": "uri"},
    "updated_at": {"type": "string", "format": "date-time"},
}
DECIMALS = {"budget", "city_funding", "min_amount", "max_amount", "nominal_rate", "borrower_rate", "yearly_envelope"}


def _field_schema(field: Field) -> dict:
    if field.schema:
        schema = dict(field.schema)
    elif field.key in FLAT_TYPES:
        schema = dict(FLAT_TYPES[field.key])
    elif field.key in DECIMALS:
        schema = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}
    else:
        schema = {"type": ["string", "null"]}
    schema["description"] = field.description
    return schema


def _object(fields: list[Field], extra: dict | None = None) -> dict:
    properties = {f.key: _field_schema(f) for f in fields}
    properties.update(extra or {})
    return {"type": "object", "properties": properties, "required": [f.key for f in fields]}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


COMMON_FILTERS = [
    _query(
        "q",
        "Recherche sans tenir compte des accents ni de la casse (nom, description, secteurs).",
        {"type": "string", "maxLength": 200},
    ),
    _query("axe", "Code d'un axe du plan (voir /reference)."),
    _query("quartier", "Code d'un quartier (voir /reference)."),
    _query("secteur", "Code d'un secteur (voir /reference)."),
]
ACTOR_FILTERS = [
    *COMMON_FILTERS,
    _query(
        "famille",
        "Famille juridique de l'ESS.",
        {"type": "string", "enum": ["association", "cooperative", "mutuelle", "fondation", "societe_ess"]},
    ),
    _query(
        "esus",
        "1 : seulement les acteurs ayant un agrément ESUS en cours de validité.",
        {"type": "string", "enum": ["0", "1"]},
    ),
]
INITIATIVE_FILTERS = [
    *COMMON_FILTERS,
    _query(
        "statut",
        "Statut de l'initiative.",
        {"type": "string", "enum": ["planned", "ongoing", "completed", "abandoned"]},
    ),
]


def _paging(max_limit: int, default: int) -> list[dict]:
    return [
        _query(
            "page",
            "Numéro de page (à partir de 1).",
            {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
        ),
        _query(
            "limit",
            f"Éléments par page (au plus {max_limit}).",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default},
        ),
    ]


def _ok(schema: dict, description: str = "Réponse", media: str = "application/json") -> dict:
    return {
        "description": description,
        "headers": {
            "ETag": {
                "description": "Étiquette du contenu (requêtes conditionnelles If-None-Match).",
                "schema": {"type": "string"},
            },
            "Last-Modified": {
                "description": "Dernière modification des données publiques.",
                "schema": {"type": "string"},
            },
        },
        "content": {media: {"schema": schema}},
    }


ERRORS = {
    "304": {"description": "Non modifié depuis la version que le client possède."},
    "400": {
        "description": "Paramètre invalide.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "404": {
        "description": "Introuvable ou non publié.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}


def _listing(item_ref: str) -> dict:
    return {
        "type": "object",
        "required": ["data", "meta", "links"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": item_ref}},
            "meta": {"$ref": "#/components/schemas/PageMeta"},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }


def _single(item_ref: str) -> dict:
    return _data({"$ref": item_ref})


def _data(schema: dict) -> dict:
    """A document whose ``data`` member follows ``schema``."""
    return {"type": "object", "required": ["data"], "properties": {"data": schema}}


def _operation(operation_id: str, summary: str, parameters: list, response: dict, *, errors=("304", "400")) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": response, **{code: ERRORS[code] for code in errors}},
        }
    }


def _repayment_schema() -> dict:
    money = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    return {
        "type": ["object", "null"],
        "properties": dict.fromkeys(
            ("annual_rate", "monthly_payment", "last_payment", "total_paid", "total_interest"), money
        ),
        "required": ["annual_rate", "monthly_payment", "last_payment", "total_paid", "total_interest"],
    }


def build_document() -> dict:
    """The OpenAPI document."""
    contact = {"name": current_app.config["ORGANISATION_NAME"]}
    licence = {"name": current_app.config["OPEN_DATA_LICENCE"], "url": current_app.config["OPEN_DATA_LICENCE_URL"]}
    contacts = {
        "type": "array",
        "description": "Personnes à contacter ayant accepté d'être affichées publiquement.",
        "items": {
            "type": "object",
            "properties": {k: {"type": ["string", "null"]} for k in ("full_name", "role", "email", "phone")},
            "required": ["full_name", "role", "email", "phone"],
        },
    }
    feature_collection = {
        "type": "object",
        "required": ["type", "features", "numberMatched", "numberReturned"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "numberMatched": {"type": "integer"},
            "numberReturned": {"type": "integer"},
            "features": {"type": "array", "items": {"type": "object"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API du registre de l'ESS de Lille",
            "version": "1.0.0",
            "description": (
                "Données publiées du registre de l'économie sociale et solidaire de Lille, Hellemmes et Lomme, "
                "en lecture seule."
            ),
            "contact": contact,
            "license": licence,
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/actors": _operation(
                "listActors",
                "Acteurs publiés",
                [*ACTOR_FILTERS, *_paging(MAX_LIMIT, DEFAULT_LIMIT)],
                _ok(_listing("#/components/schemas/Actor")),
            ),
            "/actors/{slug}": _operation(
                "getActor",
                "Un acteur publié",
                [_path("slug", "Référence de l'acteur.")],
                _ok(
                    _data(
                        {
                            "allOf": [
                                {"$ref": "#/components/schemas/Actor"},
                                {"type": "object", "properties": {"contacts": contacts}, "required": ["contacts"]},
                            ]
                        }
                    )
                ),
                errors=("304", "404"),
            ),
            "/actors.geojson": _operation(
                "actorsGeoJSON",
                "Acteurs localisés (GeoJSON)",
                [*ACTOR_FILTERS, *_paging(GEOJSON_MAX_LIMIT, GEOJSON_MAX_LIMIT)],
                _ok(feature_collection, media="application/geo+json"),
            ),
            "/initiatives": _operation(
                "listInitiatives",
                "Initiatives publiées",
                [*INITIATIVE_FILTERS, *_paging(MAX_LIMIT, DEFAULT_LIMIT)],
                _ok(_listing("#/components/schemas/Initiative")),
            ),
            "/initiatives/{slug}": _operation(
                "getInitiative",
                "Une initiative publiée",
                [_path("slug", "Référence de l'initiative.")],
                _ok(_single("#/components/schemas/Initiative")),
                errors=("304", "404"),
            ),
            "/loan-programmes": _operation(
                "listLoanProgrammes",
                "Programmes de prêts bonifiés",
                [],
                _ok(
                    {
                        "type": "object",
                        "required": ["data", "meta"],
                        "properties": {
                            "data": {"type": "array", "items": {"$ref": "#/components/schemas/LoanProgramme"}},
                            "meta": {"type": "object"},
                        },
                    }
                ),
                errors=("304",),
            ),
            "/loan-programmes/{slug}": _operation(
                "getLoanProgramme",
                "Un programme de prêt",
                [_path("slug", "Référence du programme.")],
                _ok(_single("#/components/schemas/LoanProgramme")),
                errors=("304", "404"),
            ),
            "/loan-programmes/{slug}/simulation": _operation(
                "simulateLoan",
                "Simulation de remboursement",
                [
                    _path("slug", "Référence du programme."),
                    {
                        **_query("montant", "Montant emprunté en euros (1500 ou 1 500,50).", {"type": "string"}),
                        "required": True,
                    },
                    {**_query("duree", "Durée en mois.", {"type": "string"}), "required": True},
                ],
                _ok(
                    _data(
                        {
                            "type": "object",
                            "required": ["amount", "months", "borrower", "nominal", "subsidy_saving"],
                            "properties": {
                                "amount": {"type": "string"},
                                "months": {"type": "integer"},
                                "borrower": _repayment_schema(),
                                "nominal": _repayment_schema(),
                                "subsidy_saving": {"type": ["string", "null"]},
                            },
                        }
                    )
                ),
                errors=("304", "400", "404"),
            ),
            "/reference": _operation(
                "getReference", "Valeurs des filtres", [], _ok({"type": "object"}), errors=("304",)
            ),
            "/": _operation("getIndex", "Ressources de l'API", [], _ok({"type": "object"}), errors=("304",)),
            "/openapi.json": _operation("getOpenAPI", "Ce document", [], _ok({"type": "object"}), errors=("304",)),
        },
        "components": {
            "schemas": {
                "Actor": _object(ACTOR_FIELDS),
                "Initiative": _object(INITIATIVE_FIELDS),
                "LoanProgramme": _object(PROGRAMME_FIELDS),
                "PageMeta": {
                    "type": "object",
                    "required": ["total", "page", "limit", "pages"],
                    "properties": {k: {"type": "integer"} for k in ("total", "page", "limit", "pages")},
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "title", "message"],
                            "properties": {
                                "code": {"type": "integer"},
                                "title": {"type": "string"},
                                "message": {"type": "string"},
                                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                            },
                        }
                    },
                },
            }
        },
    }
