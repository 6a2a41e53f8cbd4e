"""The directory of actors and initiatives: lists with search and filters, and one page per record."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models import Axis, InitiativeStatus, LegalFamily, Quartier, Sector
from registry.public import exports
from registry.public.fields import ACTOR_FIELDS, INITIATIVE_FIELDS
from registry.public.structured_data import actor_json_ld, initiative_json_ld
from registry.public.views import bp
from registry.services.public import directory
from registry.services.public import records as public_records
from registry.services.public.facets import facets
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


def read_listing_request(kind: str) -> tuple[directory.Filters, int, str | None]:
    """Filters, page number and a notice of a directory page (values that name nothing are ignored; a page that
    is not a number shows the first page, with a word saying so)."""
    filters = directory.parse_filters(db.session, request.args, kind=kind)
    try:
        return filters, directory.parse_page(request.args.get("page")), None
    except directory.InvalidFilter:
        return (
            filters,
            1,
            f"Le numéro de page « {request.args.get('page', '')[:20]} » n'existe pas : voici la première page.",
        )


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
    """A directory page: read the filters, search, render (past the last page: the last page, with a notice)."""
    filters, page, notice = read_listing_request(kind)
    results = search(db.session, filters, page)
    if page > 1 and page > results.pages:
        notice = (
            f"Il n'y a que {results.pages} page{'s' if results.pages > 1 else ''} de résultats : voici la dernière."
        )
        results = search(db.session, filters, results.pages)
    choices = filter_choices(db.session)
    return render_template(
        template,
        filters=filters,
        results=results,
        choices=choices,
        active_filters=filter_labels(filters, choices),
        counts=facets(db.session, kind, filters),
        sorts=directory.SORTS,
        notice=notice,
    )


EXPORT_FIELDS = {"actors": ACTOR_FIELDS, "initiatives": INITIATIVE_FIELDS}
EXPORT_NAMES = {"actors": "acteurs", "initiatives": "initiatives"}


def export_selection(kind: str, fmt: str):
    """« Exporter cette sélection »: the records of the current filters and search, every page, as a file."""
    filters = directory.parse_filters(db.session, request.args, kind=kind)
    records = directory.iter_matching(db.session, kind, filters)
    name = f"{EXPORT_NAMES[kind]}-selection-ess-lille"
    filename = f"{name}-excel.csv" if fmt == "excel" else f"{name}.{fmt}"
    about = [("Sélection", ", ".join(f"{k} = {v}" for k, v in filters.as_params().items()) or "tout")]
    return exports.file_response(records, EXPORT_FIELDS[kind], fmt, filename, title="Sélection", about=about)


@bp.route("/acteurs/selection-excel.csv", endpoint="actors_export_excel", defaults={"fmt": "excel"})
@bp.route("/acteurs/selection.<any(csv, xlsx):fmt>")
def actors_export(fmt: str):
    return export_selection("actors", fmt)


@bp.route("/initiatives/selection-excel.csv", endpoint="initiatives_export_excel", defaults={"fmt": "excel"})
@bp.route("/initiatives/selection.<any(csv, xlsx):fmt>")
def initiatives_export(fmt: str):
    return export_selection("initiatives", fmt)


@bp.route("/acteurs/")
def actors():
    """Directory of the public actors: search, filters, pagination."""
    return render_listing("actors", directory.search_actors, "public/actors.html")


@bp.route("/acteurs/<slug>")
def actor(slug: str):
    """One public actor with its initiatives, loan programmes and the contacts who agreed to be shown; the old
    address of an actor merged into another answers 301 to the one that stayed."""
    record = public_records.public_actor(db.session, slug)
    if record is None:
        moved = or_404(public_records.moved_actor_slug(db.session, slug))
        return redirect(url_for("public.actor", slug=moved), 301)
    return render_template(
        "public/actor.html",
        actor=record,
        contacts=public_records.public_contacts(db.session, record),
        initiatives=public_records.initiatives_of(db.session, record),
        programmes=public_records.programmes_of(db.session, record),
        esus_current=directory.esus_is_current(record.esus_date),
        structured_data=actor_json_ld(record),
    )


@bp.route("/initiatives/")
def initiatives():
    """Directory of the public initiatives."""
    return render_listing("initiatives", directory.search_initiatives, "public/initiatives.html")


@bp.route("/initiatives/<slug>")
def initiative(slug: str):
    """One public initiative: its lead actor, public partners, quartiers, axes and results."""
    record = or_404(public_records.public_initiative(db.session, slug))
    return render_template("public/initiative.html", initiative=record, structured_data=initiative_json_ld(record))
