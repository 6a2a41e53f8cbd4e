"""Back office: partnerships between the city and the actors (subsidies, conventions, premises...)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup
from sqlalchemy import orm as so
from wtforms.validators import Optional

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.admin.formatting import money, record_link
from registry.admin.lookups import actor_lookup, escape_like, initiative_lookup, programme_lookup
from registry.models import (
    Actor,
    Axis,
    Partnership,
    PartnershipKind,
    PartnershipNature,
    PartnershipStatus,
    Quartier,
    actor_axes,
)
from registry.services.records.partnerships import clean_partnership
from registry.services.reference.normalize import format_siret

#: A searched word that looks like a reference: letters, then a dash or digits (PART-2025, bench-00123).
REFERENCE_LIKE = re.compile(r"^[A-Za-z]+[-/][A-Za-z0-9/._-]*$|^[A-Za-z]*\d[A-Za-z0-9/._-]*-[A-Za-z0-9/._-]*$")

#: The year a partnership counts for (as ``Partnership.year``): convention, start or decision date.
PARTNERSHIP_DATE = sa.func.coalesce(Partnership.convention_date, Partnership.start_date, Partnership.decision_date)


def _actor(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(url_for("actor.details_view", id=model.actor_id), model.actor.name)


def _attributor(view, context, model, name):
    """« Ville » for the city's own; the authority's name and SIRET for an SCDL file of another one."""
    if not model.attributor_siret:
        return "Ville"
    return f"{model.attributor_name or ''} (SIRET {format_siret(model.attributor_siret)})".strip()


def _axis_clause(value):
    return Partnership.actor_id.in_(sa.select(actor_axes.c.actor_id).where(actor_axes.c.axis_id == value))


def _quartier_clause(value):
    return Partnership.actor_id.in_(sa.select(Actor.id).where(Actor.quartier_id == value))


def _ending_clause(value):
    from datetime import date, timedelta

    from flask import current_app

    horizon = date.today() + timedelta(days=current_app.config["RENEWAL_WINDOW_DAYS"])
    ending = sa.and_(
        Partnership.end_date >= date.today(),
        Partnership.end_date <= horizon,
        Partnership.status.in_([PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE]),
    )
    return ending if value == "1" else sa.not_(ending)


class PartnershipView(SecureModelView):
    """Partnerships: newest conventions first, filters by kind, status, year, amount, axis and quartier."""

    allow_export = True
    workbook_sheet = "Partenariats"
    export_types = ["xlsx"]

    cleaner = clean_partnership
    query_options = (so.selectinload(Partnership.actor),)

    column_list = (
        "ref",
        "actor",
        "kind",
        "object",
        "convention_date",
        "end_date",
        "amount",
        "status",
        "attributor_name",
    )
    column_default_sort = [("convention_date", True), ("id", True)]
    column_sortable_list = ("ref", "kind", "convention_date", "end_date", "amount", "status")
    column_searchable_list = ("ref", "object", "decision_reference")
    column_formatters = {"ref": record_link("ref"), "actor": _actor, "amount": money, "attributor_name": _attributor}
    column_formatters_detail = {"actor": _actor, "amount": money, "attributor_name": _attributor}
    column_details_list = (
        "ref", "actor", "kind", "object", "initiative", "loan_programme", "decision_reference", "decision_date",
        "convention_date", "start_date", "end_date", "amount", "nature", "payment_terms", "status", "officer_name",
        "notes", "eu_notification", "subsidy_share", "attributor_name", "created_at", "updated_at",
    )  # fmt: skip
    column_filters = (
        f.equals(Partnership.kind, "Type", PartnershipKind.choices(), parse=PartnershipKind),
        f.equals(Partnership.status, "Statut", PartnershipStatus.choices(), parse=PartnershipStatus),
        f.equals(Partnership.nature, "Nature", PartnershipNature.choices(), parse=PartnershipNature),
        *f.year_of(PARTNERSHIP_DATE, "Année"),
        *f.amount_range(Partnership.amount, "Montant"),
        f.ClauseFilter(Partnership.actor_id, "Axe de l'acteur", _axis_clause,
                       options=f.reference_choices(Axis, "label", "position"), parse=f.parse_id),
        f.ClauseFilter(Partnership.actor_id, "Quartier de l'acteur", _quartier_clause,
                       options=f.reference_choices(Quartier, "name"), parse=f.parse_id),
        f.ClauseFilter(Partnership.end_date, "À renouveler (fin prochaine)", _ending_clause, "", options=f.YES_NO),
        f.equals(Partnership.actor_id, "Acteur (numéro)", None),
    )  # fmt: skip

    form_columns = (
        "actor", "kind", "object", "initiative", "loan_programme", "decision_reference", "decision_date",
        "convention_date", "start_date", "end_date", "amount", "nature", "payment_terms", "status", "officer_name",
        "notes", "eu_notification", "subsidy_share", "ref",
    )  # fmt: skip
    form_ajax_refs = {
        "actor": actor_lookup("actor"),
        "initiative": initiative_lookup("initiative"),
        "loan_programme": programme_lookup("loan_programme"),
    }
    form_args = {
        "ref": {"description": "Laissez vide pour en attribuer une (PART-année-numéro).", "validators": [Optional()]},
        "subsidy_share": {"description": "Part du coût financée, entre 0 et 1 (1 = 100 %)."},
    }
    form_widget_args = {"notes": {"rows": 3}}

    def search_placeholder(self):
        return "Référence (PART-2025-…) ou mots de l'intitulé"

    def search_clause(self, word: str):
        # A reference (PART-2025-001) is found by its beginning, through the unique index on ref; other words
        # are looked for in the object.
        if REFERENCE_LIKE.match(word):
            prefix = word.upper()
            return sa.and_(Partnership.ref >= prefix, Partnership.ref < prefix + "\uffff")
        return Partnership.object.ilike(f"%{escape_like(word)}%", escape="\\")
