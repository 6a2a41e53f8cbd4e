"""The directory of actors and initiatives: lists with search and filters, and one page per record."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models import Axis, InitiativeStatus, LegalFamily, Quartier, Sector
from registry.public.views import bp
from registry.services.public import directory
from registry.services.public import records as public_records
from registry.web import or_404


def filter_choices(session: so.Session) -> dict:
    """The options of the filter form, from the reference data (strategic sectors first)."""
    return {
        "axes": session.scalars(sa.select(Axis).order_by(Axis.position)).all(),
        "quartiers": session.scalars(sa.select(Quartier).order_by(*Quartier.in_order())).all(),
        "sectors": session.scalars(sa.select(Sector).order_by(Sector.strategic.desc(), Sector.label)).all(),
        "families": list(LegalFamily),
        "statuses": list(InitiativeStatus),
    }


def read_listing_request(kind: str) -> tuple[directory.Filters, int]:
    """Filters and page number of a directory page (values that name nothing are ignored; a bad page is 404)."""
    filters = directory.parse_filters(db.session, request.args, kind=kind)
    try:
        page = directory.parse_page(request.args.get("page"))
    except directory.InvalidFilter:
        abort(404)
    return filters, page


def filter_labels(filters: directory.Filters, choices: dict) -> list[tuple[str, str]]:
    """(parameter, French label) of each active filter, for the "remove this filter" links (labels read from the
    filter form's ``choices``: no query of their own)."""
    labels = []
    if filters.q:
        labels.append(("q", f"Recherche : « {filters.q} »"))
    for name, options, attr in (
        ("axe", "axes", "label"),
        ("quartier", "quartiers", "name"),
        ("secteur", "sectors", "label"),
    ):
        code = getattr(filters, name)
        if code:
            labels += [(name, getattr(obj, attr)) for obj in choices[options] if obj.code == code]
    if filters.famille:
        labels.append(("famille", LegalFamily(filters.famille).label))
    if filters.statut:
        labels.append(("statut", InitiativeStatus(filters.statut).label))
    if filters.esus:
        labels.append(("esus", "Agrément ESUS en cours"))
    return labels


def render_listing(kind: str, search, template: str):
    """A directory page: read the filters, search, render (404 past the last page)."""
    filters, page = read_listing_request(kind)
    results = search(db.session, filters, page)
    if page > 1 and page > results.pages:
        abort(404)
    choices = filter_choices(db.session)
    return render_template(
        template, filters=filters, results=results, choices=choices, active_filters=filter_labels(filters, choices)
    )


@bp.route("/acteurs/")
def actors():
    """Directory of the public actors: search, filters, pagination."""
    return render_listing("actors", directory.search_actors, "public/actors.html")


@bp.route("/acteurs/<slug>")
def actor(slug: str):
    """One public actor with its initiatives, loan programmes and the contacts who agreed to be shown."""
    record = or_404(public_records.public_actor(db.session, slug))
    return render_template(
        "public/actor.html",
        actor=record,
        contacts=public_records.public_contacts(db.session, record),
        initiatives=public_records.initiatives_of(db.session, record),
        programmes=public_records.programmes_of(db.session, record),
        esus_current=directory.esus_is_current(record.esus_date),
    )


@bp.route("/initiatives/")
def initiatives():
    """Directory of the public initiatives."""
    return render_listing("initiatives", directory.search_initiatives, "public/initiatives.html")


@bp.route("/initiatives/<slug>")
def initiative(slug: str):
    """One public initiative: its lead actor, public partners, quartiers, axes and results."""
    record = or_404(public_records.public_initiative(db.session, slug))
    return render_template("public/initiative.html", initiative=record)
