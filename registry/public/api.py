"""Read-only JSON API of published data (``/api/v1``): paginated, filtered like the directory, cacheable.

Field names are stable (registry.public.fields); errors are JSON (registry.errors); every answer carries an
ETag (its content) and a Last-Modified (the last change to public data), and a conditional request gets a 304.
"""

from __future__ import annotations

import json
import math

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from sqlalchemy import select

from registry.errors import render_error
from registry.extensions import db
from registry.models import Axis, InitiativeStatus, LegalFamily, LoanPurpose, Quartier, Sector
from registry.public import exports
from registry.public.fields import (
    ACTOR_FIELDS,
    INITIATIVE_FIELDS,
    MAP_FIELD_KEYS,
    PROGRAMME_FIELDS,
    as_json,
    jsonable,
)
from registry.public.http import cache_data, last_change
from registry.public.limits import DEFAULT_LIMIT, GEOJSON_DEFAULT_LIMIT, GEOJSON_MAX_LIMIT, MAX_LIMIT
from registry.services.public import directory
from registry.services.public import records as public_records
from registry.services.public import simulator as loans_simulator
from registry.services.records.errors import ValidationError, ValidationErrors
from registry.web import or_404

api_bp = Blueprint("api", __name__)


class BadRequest(Exception):
    """A query parameter the API cannot honour; answered as a JSON 400."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@api_bp.errorhandler(BadRequest)
def bad_request(error: BadRequest):
    return render_error(400, error.message)


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not (low <= int(raw) <= high):
        raise BadRequest(f"Paramètre « {name} » invalide : attendu un entier entre {low} et {high}.")
    return int(raw)


def _filters(kind: str) -> directory.Filters:
    filters = directory.parse_filters(db.session, request.args, kind=kind)
    if filters.invalid:
        raise BadRequest(" ".join(filters.invalid.values()))
    return filters


def _json(payload: dict, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return cache_data(response, last_change(db.session))


def _listing(endpoint: str, filters: directory.Filters, page: directory.Page, fields) -> Response:
    limit = page.per_page
    pages = max(1, math.ceil(page.total / limit))

    def link(number: int) -> str:
        return url_for(endpoint, **filters.as_params(), page=number, limit=limit)

    links = {"self": link(page.page), "first": link(1), "last": link(pages)}
    if page.page > 1:
        links["prev"] = link(min(page.page - 1, pages))
    if page.page < pages:
        links["next"] = link(page.page + 1)
    return _json(
        {
            "data": [as_json(item, fields) for item in page.items],
            "meta": {"total": page.total, "page": page.page, "limit": limit, "pages": pages},
            "links": links,
        }
    )


@api_bp.route("/")
def index():
    """What the API offers."""
    return _json(
        {
            "name": "API du registre de l'ESS de Lille",
            "version": "1",
            "openapi": url_for("api.openapi"),
            "resources": {
                "actors": url_for("api.actors"),
                "actors_geojson": url_for("api.actors_geojson"),
                "actors_map_feed": url_for("api.actors_map_feed"),
                "initiatives": url_for("api.initiatives"),
                "loan_programmes": url_for("api.loan_programmes"),
                "reference": url_for("api.reference"),
            },
        }
    )


@api_bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from registry.public.openapi import build_document

    return _json(build_document())


@api_bp.route("/actors")
def actors():
    """Public actors, filtered like the directory (q, axe, quartier, secteur, famille, esus), paginated."""
    filters = _filters("actors")
    page = _int_param("page", 1, 1, 100_000)
    limit = _int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    return _listing("api.actors", filters, directory.search_actors(db.session, filters, page, limit), ACTOR_FIELDS)


@api_bp.route("/actors/<slug>")
def actor(slug: str):
    """One public actor, with the contact persons who agreed to be shown; 301 from the slug of a merged actor."""
    record = public_records.public_actor(db.session, slug)
    if record is None:
        moved = or_404(public_records.moved_actor_slug(db.session, slug))
        return redirect(url_for("api.actor", slug=moved), 301)
    payload = as_json(record, ACTOR_FIELDS)
    payload["contacts"] = [
        {"full_name": c.full_name, "role": c.role, "email": c.email, "phone": c.phone}
        for c in public_records.public_contacts(db.session, record)
    ]
    return _json({"data": payload})


@api_bp.route("/actors.geojson")
def actors_geojson():
    """Public actors with coordinates as GeoJSON (the map's layer), filtered like the directory."""
    filters = _filters("actors")
    page = _int_param("page", 1, 1, 100_000)
    limit = _int_param("limit", GEOJSON_DEFAULT_LIMIT, 1, GEOJSON_MAX_LIMIT)
    results = directory.search_actors(db.session, filters, page, limit, located=True)
    fields = [f for f in ACTOR_FIELDS if f.key in MAP_FIELD_KEYS]
    body = {
        "type": "FeatureCollection",
        "numberMatched": results.total,
        "numberReturned": len(results.items),
        "features": [exports.feature(actor, fields) for actor in results.items],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")
    return cache_data(response, last_change(db.session))


@api_bp.route("/actors.gogocarto.json")
def actors_map_feed():
    """Public actors in GoGoCarto's element format, the feed of the ESS maps (``depuis``: those changed since)."""
    from registry.public.ess_maps import map_feed_response

    return map_feed_response("json")


@api_bp.route("/initiatives")
def initiatives():
    """Public initiatives (q, axe, quartier, secteur, statut), paginated."""
    filters = _filters("initiatives")
    page = _int_param("page", 1, 1, 100_000)
    limit = _int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    results = directory.search_initiatives(db.session, filters, page, limit)
    return _listing("api.initiatives", filters, results, INITIATIVE_FIELDS)


@api_bp.route("/initiatives/<slug>")
def initiative(slug: str):
    """One public initiative."""
    record = or_404(public_records.public_initiative(db.session, slug))
    return _json({"data": as_json(record, INITIATIVE_FIELDS)})


@api_bp.route("/loan-programmes")
def loan_programmes():
    """Every public loan programme (few: not paginated)."""
    programmes = public_records.public_programmes(db.session)
    return _json({"data": [as_json(p, PROGRAMME_FIELDS) for p in programmes], "meta": {"total": len(programmes)}})


@api_bp.route("/loan-programmes/<slug>")
def loan_programme(slug: str):
    """One public loan programme."""
    programme = or_404(public_records.public_programme(db.session, slug))
    return _json({"data": as_json(programme, PROGRAMME_FIELDS)})


@api_bp.route("/loan-programmes/<slug>/simulation")
def loan_simulation(slug: str):
    """Monthly payment, total cost and the subsidy's saving for ``montant`` euros over ``duree`` months."""
    programme = or_404(public_records.public_programme(db.session, slug))
    try:
        amount, months = loans_simulator.parse_request(
            programme, request.args.get("montant"), request.args.get("duree")
        )
        simulation = loans_simulator.simulate(programme, amount, months)
    except ValidationErrors as exc:
        return _validation_error(exc.errors)
    except ValidationError as exc:
        return _validation_error({exc.field or "montant": exc.message})
    return _json({"data": simulation_json(simulation)})


def _validation_error(errors: dict[str, str]) -> Response:
    response, status = render_error(400, " ".join(errors.values()))
    payload = response.get_json()
    payload["error"]["fields"] = errors
    return jsonify(payload), status


def simulation_json(simulation: loans_simulator.Simulation) -> dict:
    """The JSON of a simulation (amounts as decimal strings)."""

    def repayment(r: loans_simulator.Repayment | None):
        if r is None:
            return None
        return jsonable(
            {
                "annual_rate": r.annual_rate,
                "monthly_payment": r.monthly_payment,
                "last_payment": r.last_payment,
                "total_paid": r.total_paid,
                "total_interest": r.total_interest,
            }
        )

    return {
        "amount": jsonable(simulation.amount),
        "months": simulation.months,
        "borrower": repayment(simulation.borrower),
        "nominal": repayment(simulation.nominal),
        "subsidy_saving": jsonable(simulation.subsidy_saving),
    }


@api_bp.route("/reference")
def reference():
    """The values the filters accept: axes, quartiers, sectors, legal families, statuses, loan purposes."""
    session = db.session
    return _json(
        {
            "axes": [
                {"code": a.code, "label": a.label, "description": a.description}
                for a in session.scalars(select(Axis).order_by(Axis.position))
            ],
            "quartiers": [
                {"code": q.code, "name": q.name, "commune": q.commune}
                for q in session.scalars(select(Quartier).order_by(*Quartier.in_order()))
            ],
            "sectors": [
                {"code": s.code, "label": s.label, "strategic": s.strategic}
                for s in session.scalars(select(Sector).order_by(Sector.sort_name))
            ],
            "legal_families": [{"code": f.value, "label": f.label} for f in LegalFamily],
            "initiative_statuses": [{"code": s.value, "label": s.label} for s in InitiativeStatus],
            "loan_purposes": [{"code": p.value, "label": p.label} for p in LoanPurpose],
        }
    )
