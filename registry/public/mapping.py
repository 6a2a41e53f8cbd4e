"""The map of actors (/carte/): Leaflet with OpenStreetMap tiles, and a list that works without them."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from registry.extensions import db
from registry.public.directory import filter_choices, filter_labels, read_listing_request
from registry.public.views import bp
from registry.services.public import directory

#: Actors listed under the map (the fallback when the tiles or JavaScript are unavailable).
LIST_SIZE = 50


@bp.route("/carte/")
def map():
    """Actors on a map, filtered like the directory; the data comes from /api/v1/actors.geojson."""
    filters, _page, _notice = read_listing_request("actors")
    results = directory.search_actors(db.session, filters, 1, per_page=LIST_SIZE)
    choices = filter_choices(db.session)
    return render_template(
        "public/map.html",
        filters=filters,
        results=results,
        choices=choices,
        active_filters=filter_labels(filters, choices),
        geojson_url=url_for("api.actors_geojson", **filters.as_params()),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )
