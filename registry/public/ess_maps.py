"""The feed of the ESS maps (Carteco, Transiscope, any GoGoCarto map): the published actors in the element format
GoGoCarto imports (``registry.workbook.map_feed``), listed on /donnees/ with the licence.

Route layout::

    /donnees/acteurs-gogocarto.json     public.map_feed      {"data": [elements], "licence": …}
    /donnees/acteurs-gogocarto.csv      public.map_feed_csv  the same, one flat row per element
    /api/v1/actors.gogocarto.json       api.actors_map_feed  the JSON feed, in the API and its OpenAPI document

``?depuis=AAAA-MM-JJ`` (or a full ISO 8601 UTC date and time) keeps the actors changed since then, for an
aggregator that refreshes incrementally; the full feed stays the list of what is published (an actor withdrawn
from the directory leaves it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Response, current_app, jsonify, request

from registry.extensions import db
from registry.public.fields import public_url
from registry.public.http import cache_data, last_change
from registry.public.open_data import licence
from registry.public.views import bp
from registry.services.public import records as public_records
from registry.workbook import map_feed

FORMATS = {"json": "application/json", "csv": "text/csv"}


class BadSince(ValueError):
    """A ``depuis`` that is not a date."""


def parse_since(raw: str | None) -> datetime | None:
    """The ``depuis`` parameter as a naive UTC datetime (the way update dates are stored)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadSince(
            f"Paramètre « depuis » invalide « {text[:40]} » : attendu une date AAAA-MM-JJ (par exemple 2025-01-31), "
            "ou une date et une heure ISO 8601."
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def source_name() -> str:
    return f"Registre de l'ESS — {current_app.config['ORGANISATION_NAME']}"


@bp.route("/donnees/acteurs-gogocarto.csv", endpoint="map_feed_csv", defaults={"fmt": "csv"})
@bp.route("/donnees/acteurs-gogocarto.json", endpoint="map_feed", defaults={"fmt": "json"})
def map_feed_view(fmt: str):
    """The published actors for the ESS maps, all of them or those changed since ``depuis``."""
    return map_feed_response(fmt)


def map_feed_response(fmt: str) -> Response:
    """The feed as JSON or CSV (also served by the API: ``/api/v1/actors.gogocarto.json``)."""
    try:
        since = parse_since(request.args.get("depuis"))
    except BadSince as exc:
        response = jsonify(error={"code": 400, "title": "Requête invalide", "message": str(exc)})
        response.status_code = 400
        return response
    session = db.session
    actors = public_records.iter_public_actors(session, since=since)
    document = map_feed.feed(
        actors,
        lambda actor: public_url("public.actor", slug=actor.slug),
        source=source_name(),
        licence=licence(),
        since=since,
    )
    if fmt == "csv":
        response = Response(map_feed.write_csv(document["data"]), mimetype=FORMATS["csv"])
        response.headers["Content-Disposition"] = 'attachment; filename="acteurs-ess-lille-gogocarto.csv"'
    else:
        response = Response(json.dumps(document, ensure_ascii=False), mimetype=FORMATS["json"])
    return cache_data(response, last_change(session))
