"""One search box for the whole registry (the home page's): the first actors and initiatives that match, each
with a link to its full list in the directory."""

from __future__ import annotations

from flask import render_template, request

from registry.extensions import db
from registry.public.views import bp
from registry.services.public import directory

#: Records of each kind shown here; the directory lists them all.
FIRST = 5


@bp.route("/recherche")
def search():
    """Actors and initiatives matching ``q`` (accent-insensitive), a few of each."""
    filters = directory.Filters(q=(request.args.get("q") or "").strip()[: directory.MAX_QUERY_LENGTH])
    actors = initiatives = None
    if filters.q:
        actors = directory.search_actors(db.session, filters, 1, per_page=FIRST)
        initiatives = directory.search_initiatives(db.session, filters, 1, per_page=FIRST)
    return render_template("public/search.html", filters=filters, actors=actors, initiatives=initiatives)
