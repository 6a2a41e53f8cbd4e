"""The OpenAPI 3.1 document of the API, built from the data dictionary so the two cannot drift apart (its
building blocks: ``openapi_parts``)."""

from __future__ import annotations

from flask import current_app

from registry.public.fields import ACTOR_FIELDS, INITIATIVE_FIELDS, PROGRAMME_FIELDS
from registry.public.limits import DEFAULT_LIMIT, GEOJSON_MAX_LIMIT, MAX_LIMIT
from registry.public.openapi_parts import (
    ACTOR_FILTERS,
    INITIATIVE_FILTERS,
    data_document,
    listing,
    map_feed_schema,
    object_schema,
    ok,
    operation,
    paging,
    path_parameter,
    query,
    repayment_schema,
    single,
)


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
            "/actors": operation(
                "listActors",
                "Acteurs publiés",
                [*ACTOR_FILTERS, *paging(MAX_LIMIT, DEFAULT_LIMIT)],
                ok(listing("#/components/schemas/Actor")),
            ),
            "/actors/{slug}": operation(
                "getActor",
                "Un acteur publié",
                [path_parameter("slug", "Référence de l'acteur.")],
                ok(
                    data_document(
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
            "/actors.geojson": operation(
                "actorsGeoJSON",
                "Acteurs localisés (GeoJSON)",
                [*ACTOR_FILTERS, *paging(GEOJSON_MAX_LIMIT, GEOJSON_MAX_LIMIT)],
                ok(feature_collection, media="application/geo+json"),
            ),
            "/actors.gogocarto.json": operation(
                "actorsMapFeed",
                "Acteurs publiés au format des cartes GoGoCarto (Carteco)",
                [
                    query(
                        "depuis",
                        "Seulement les acteurs modifiés depuis cette date (AAAA-MM-JJ, ou date et heure ISO 8601).",
                        {"type": "string", "maxLength": 40},
                    )
                ],
                ok(map_feed_schema()),
            ),
            "/initiatives": operation(
                "listInitiatives",
                "Initiatives publiées",
                [*INITIATIVE_FILTERS, *paging(MAX_LIMIT, DEFAULT_LIMIT)],
                ok(listing("#/components/schemas/Initiative")),
            ),
            "/initiatives/{slug}": operation(
                "getInitiative",
                "Une initiative publiée",
                [path_parameter("slug", "Référence de l'initiative.")],
                ok(single("#/components/schemas/Initiative")),
                errors=("304", "404"),
            ),
            "/loan-programmes": operation(
                "listLoanProgrammes",
                "Programmes de prêts bonifiés",
                [],
                ok(
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
            "/loan-programmes/{slug}": operation(
                "getLoanProgramme",
                "Un programme de prêt",
                [path_parameter("slug", "Référence du programme.")],
                ok(single("#/components/schemas/LoanProgramme")),
                errors=("304", "404"),
            ),
            "/loan-programmes/{slug}/simulation": operation(
                "simulateLoan",
                "Simulation de remboursement",
                [
                    path_parameter("slug", "Référence du programme."),
                    {
                        **query("montant", "Montant emprunté en euros (1500 ou 1 500,50).", {"type": "string"}),
                        "required": True,
                    },
                    {**query("duree", "Durée en mois.", {"type": "string"}), "required": True},
                ],
                ok(
                    data_document(
                        {
                            "type": "object",
                            "required": ["amount", "months", "borrower", "nominal", "subsidy_saving"],
                            "properties": {
                                "amount": {"type": "string"},
                                "months": {"type": "integer"},
                                "borrower": repayment_schema(),
                                "nominal": repayment_schema(),
                                "subsidy_saving": {"type": ["string", "null"]},
                            },
                        }
                    )
                ),
                errors=("304", "400", "404"),
            ),
            "/reference": operation("getReference", "Valeurs des filtres", [], ok({"type": "object"}), errors=("304",)),
            "/": operation("getIndex", "Ressources de l'API", [], ok({"type": "object"}), errors=("304",)),
            "/openapi.json": operation("getOpenAPI", "Ce document", [], ok({"type": "object"}), errors=("304",)),
        },
        "components": {
            "schemas": {
                "Actor": object_schema(ACTOR_FIELDS),
                "Initiative": object_schema(INITIATIVE_FIELDS),
                "LoanProgramme": object_schema(PROGRAMME_FIELDS),
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
