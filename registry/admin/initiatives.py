"""Back office: initiatives, with their lead actor, partner actors and quartiers."""

from __future__ import annotations

from flask import url_for
from flask_admin.form import BaseForm, rules
from flask_admin.model.form import InlineFormAdmin
from markupsafe import Markup
from sqlalchemy import orm as so
from wtforms.validators import Optional

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.admin.formatting import money, record_link
from registry.admin.lookups import actor_lookup
from registry.models import (
    Axis,
    Initiative,
    InitiativePartner,
    InitiativeStatus,
    Quartier,
    Sector,
    initiative_axes,
    initiative_quartiers,
    initiative_sectors,
)
from registry.services.public import directory
from registry.services.records.initiatives import clean_initiative
from registry.services.reference.labels import field_labels


class PartnerInline(InlineFormAdmin):
    """An actor taking part in the initiative, with its role."""

    form_base_class = BaseForm  # the record's form carries the CSRF token
    form_columns = ("id", "actor", "role")  # the hidden id pairs each row with its record
    form_label = "Acteur partenaire"
    column_labels = field_labels("InitiativePartner")
    form_ajax_refs = {"actor": actor_lookup("actor")}


def _lead(view, context, model, name):
    actor = model.lead_actor
    return Markup('<a href="{}">{}</a>').format(url_for("actor.details_view", id=actor.id), actor.name)


class InitiativeView(SecureModelView):
    """Initiatives: folded search, filters by axis, quartier, sector, status, year and amounts."""

    allow_export = True
    workbook_sheet = "Initiatives"
    export_types = ["xlsx"]

    cleaner = clean_initiative
    archived_clause = Initiative.archived_at.is_not(None)
    query_options = (
        so.selectinload(Initiative.lead_actor),
        so.selectinload(Initiative.quartiers),
        so.selectinload(Initiative.axes),
    )

    column_list = ("title", "lead_actor", "status", "quartiers", "axes", "start_date", "city_funding", "published")
    column_default_sort = ("title", False)
    column_sortable_list = ("title", "status", "start_date", "city_funding", "published")
    column_searchable_list = ("search_text",)
    fulltext_target = directory.INITIATIVES
    column_formatters = {
        "title": record_link("title", "archivée"),
        "lead_actor": _lead,
        "city_funding": money,
        "budget": money,
    }
    column_formatters_detail = {"lead_actor": _lead, "city_funding": money, "budget": money}
    column_details_list = (
        "title", "slug", "summary", "description", "status", "start_date", "end_date", "lead_actor", "partners",
        "city_wide", "quartiers", "axes", "sectors", "budget", "city_funding", "jobs_created", "people_trained",
        "people_reached", "published", "archived_at", "created_at", "updated_at",
    )  # fmt: skip
    column_filters = (
        f.many_to_many(Initiative.id, "Axe", initiative_axes, "initiative_id", "axis_id",
                       f.reference_choices(Axis, "label", "position")),
        f.many_to_many(Initiative.id, "Quartier", initiative_quartiers, "initiative_id", "quartier_id",
                       f.reference_choices(Quartier, "name")),
        f.many_to_many(Initiative.id, "Secteur", initiative_sectors, "initiative_id", "sector_id",
                       f.reference_choices(Sector)),
        f.equals(Initiative.status, "Statut", InitiativeStatus.choices(), parse=InitiativeStatus),
        f.yes_no(Initiative.published, "Publiée"),
        f.yes_no(Initiative.city_wide, "Toute la ville"),
        *f.year_of(Initiative.start_date, "Année de début"),
        *f.amount_range(Initiative.budget, "Budget"),
        *f.amount_range(Initiative.city_funding, "Financement de la Ville"),
        f.equals(Initiative.lead_actor_id, "Porteur (numéro)", None),
    )  # fmt: skip

    form_columns = (
        "title", "slug", "summary", "description", "status", "published", "start_date", "end_date", "lead_actor",
        "partners", "city_wide", "quartiers", "axes", "sectors", "budget", "city_funding", "jobs_created",
        "people_trained", "people_reached",
    )  # fmt: skip
    form_rules = (
        rules.FieldSet(("title", "slug", "summary", "description", "status", "published"), "Description"),
        rules.FieldSet(("start_date", "end_date"), "Calendrier"),
        rules.FieldSet(("lead_actor", "partners"), "Acteurs"),
        rules.FieldSet(("city_wide", "quartiers", "axes", "sectors"), "Place dans le plan ESS"),
        rules.FieldSet(("budget", "city_funding", "jobs_created", "people_trained", "people_reached"),
                       "Budget et résultats"),
    )  # fmt: skip
    form_ajax_refs = {"lead_actor": actor_lookup("lead_actor")}
    form_args = {
        "slug": {"description": "Laissez vide pour la calculer à partir du titre.", "validators": [Optional()]}
    }
    form_widget_args = {"description": {"rows": 4}}
    inline_models = (PartnerInline(InitiativePartner),)
