"""The building blocks of the OpenAPI document (``openapi``): parameters, responses, schemas of the fields."""

from __future__ import annotations

from registry.public.fields import Field

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


def field_schema(field: Field) -> dict:
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


def object_schema(fields: list[Field], extra: dict | None = None) -> dict:
    properties = {f.key: field_schema(f) for f in fields}
    properties.update(extra or {})
    return {"type": "object", "properties": properties, "required": [f.key for f in fields]}


def query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path_parameter(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


COMMON_FILTERS = [
    query(
        "q",
        "Recherche sans tenir compte des accents ni de la casse (nom, description, secteurs).",
        {"type": "string", "maxLength": 200},
    ),
    query("axe", "Code d'un axe du plan (voir /reference)."),
    query("quartier", "Code d'un quartier (voir /reference)."),
    query("secteur", "Code d'un secteur (voir /reference)."),
]
ACTOR_FILTERS = [
    *COMMON_FILTERS,
    query(
        "famille",
        "Famille juridique de l'ESS.",
        {"type": "string", "enum": ["association", "cooperative", "mutuelle", "fondation", "societe_ess"]},
    ),
    query(
        "esus",
        "1 : seulement les acteurs ayant un agrément ESUS en cours de validité.",
        {"type": "string", "enum": ["0", "1"]},
    ),
]
INITIATIVE_FILTERS = [
    *COMMON_FILTERS,
    query(
        "statut",
        "Statut de l'initiative.",
        {"type": "string", "enum": ["planned", "ongoing", "completed", "abandoned"]},
    ),
]


def paging(max_limit: int, default: int) -> list[dict]:
    return [
        query(
            "page",
            "Numéro de page (à partir de 1).",
            {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
        ),
        query(
            "limit",
            f"Éléments par page (au plus {max_limit}).",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default},
        ),
    ]


def ok(schema: dict, description: str = "Réponse", media: str = "application/json") -> dict:
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


def listing(item_ref: str) -> dict:
    return {
        "type": "object",
        "required": ["data", "meta", "links"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": item_ref}},
            "meta": {"$ref": "#/components/schemas/PageMeta"},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }


def single(item_ref: str) -> dict:
    return data_document({"$ref": item_ref})


def data_document(schema: dict) -> dict:
    """A document whose ``data`` member follows ``schema``."""
    return {"type": "object", "required": ["data"], "properties": {"data": schema}}


def operation(operation_id: str, summary: str, parameters: list, response: dict, *, errors=("304", "400")) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": response, **{code: ERRORS[code] for code in errors}},
        }
    }


def repayment_schema() -> dict:
    money = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    return {
        "type": ["object", "null"],
        "properties": dict.fromkeys(
            ("annual_rate", "monthly_payment", "last_payment", "total_paid", "total_interest"), money
        ),
        "required": ["annual_rate", "monthly_payment", "last_payment", "total_paid", "total_interest"],
    }


def map_feed_schema() -> dict:
    """The feed of the ESS maps: GoGoCarto's elements (``registry.workbook.map_feed``)."""
    text = {"type": "string"}
    moment = {"type": "string", "format": "date-time"}
    category = {
        "type": "object",
        "required": ["id", "name", "group"],
        "properties": {"id": text, "name": text, "group": text},
    }
    element = {
        "type": "object",
        "required": ["id", "name", "url", "source", "createdAt", "updatedAt"],
        "properties": {
            "id": {"type": "string", "description": "Référence stable de l'acteur (celle de sa fiche)."},
            "name": text,
            "geo": {
                "type": "object",
                "required": ["latitude", "longitude"],
                "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}},
            },
            "address": {
                "type": "object",
                "properties": dict.fromkeys(("streetAddress", "postalCode", "addressLocality", "addressCountry"), text),
            },
            "categories": {"type": "array", "items": text, "description": "Axes puis secteurs, par libellé."},
            "categoriesFull": {"type": "array", "items": category},
            **dict.fromkeys(("description", "email", "telephone", "website", "legalForm", "siret", "rna"), text),
            "quartier": text,
            "url": {"type": "string", "format": "uri"},
            "source": text,
            "createdAt": moment,
            "updatedAt": moment,
        },
    }
    return {
        "type": "object",
        "required": ["source", "licence", "ontology", "updatedSince", "data"],
        "properties": {
            "source": text,
            "licence": {"type": "object", "properties": {"name": text, "url": text}, "required": ["name", "url"]},
            "ontology": {"const": "gogofull"},
            "updatedSince": {"type": ["string", "null"]},
            "data": {"type": "array", "items": element},
        },
    }
