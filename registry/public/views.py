"""The public blueprint, its home page ("À découvrir") and what every public page shares."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, render_template
from markupsafe import Markup, escape

from registry.extensions import db
from registry.models import Axis
from registry.public.http import cache_page
from registry.public.text import audience_sentence, linkify
from registry.services.public import cache as public_cache
from registry.services.public import directory
from registry.services.public.stats import (
    latest_actors_by_axis,
    latest_initiatives,
    latest_initiatives_by_axis,
    public_figures,
)
from registry.services.reporting.aggregates import public_counts_by_axis

bp = Blueprint("public", __name__)
bp.after_request(cache_page)


@bp.app_template_filter("paragraphs")
def paragraphs(text: str | None, links: bool = False) -> Markup:
    """Plain text as escaped HTML paragraphs (blank lines separate paragraphs, single newlines become <br>);
    with ``links``, e-mail addresses, phone numbers and web addresses become links."""
    if not text:
        return Markup("")
    line_html = linkify if links else escape
    blocks = [b.strip() for b in str(text).replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(line_html(line) for line in block.split("\n")))
        for block in blocks
    )


@bp.app_template_filter("audience_sentence")
def audience(programme) -> str:
    """Who a loan programme is for and what it finances, as one sentence."""
    return audience_sentence(programme.target_public, programme.purpose_members)


@bp.app_template_filter("excerpt")
def excerpt(text: str | None, length: int = 180) -> str:
    """The start of a text, cut at a word boundary."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


@bp.app_template_filter("esus_current")
def esus_current(esus_date) -> bool:
    """True when an ESUS agrément granted on ``esus_date`` is still valid today."""
    return directory.esus_is_current(esus_date)


@bp.route("/")
def home():
    """À découvrir: the five axes with their actors and initiatives, key figures, latest initiatives."""
    session = db.session

    def axis_counts():
        return {axis.id: (n_actors, n_initiatives) for axis, n_actors, n_initiatives in public_counts_by_axis(session)}

    def links(records_by_axis, label):
        return {axis_id: [(r.slug, getattr(r, label)) for r in records] for axis_id, records in records_by_axis.items()}

    return render_template(
        "public/home.html",
        axes=session.scalars(sa.select(Axis).order_by(Axis.position)).all(),
        counts=public_cache.remember(session, ("home", "axis-counts"), axis_counts),
        figures=public_cache.remember(session, ("home", "figures", date.today()), lambda: public_figures(session)),
        actors_by_axis=public_cache.remember(
            session, ("home", "actors"), lambda: links(latest_actors_by_axis(session), "name")
        ),
        initiatives_by_axis=public_cache.remember(
            session, ("home", "initiatives"), lambda: links(latest_initiatives_by_axis(session), "title")
        ),
        latest=latest_initiatives(session),
    )
