"""Back office: ESS actors, with their contact persons edited inline."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, render_template, request, url_for
from flask_admin.contrib.sqla.form import InlineModelConverter
from flask_admin.form import BaseForm, rules
from flask_admin.model.form import InlineFormAdmin
from markupsafe import Markup
from sqlalchemy import orm as so
from wtforms import BooleanField
from wtforms.validators import Optional

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.admin.formatting import format_date, record_link
from registry.admin.lookups_services import ServiceLookups
from registry.admin.merge import MergeMixin
from registry.extensions import db
from registry.models import (
    Actor,
    ActorStatus,
    AuditEvent,
    Axis,
    Contact,
    LegalFamily,
    LegalForm,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
)
from registry.models.actors import ESUS_VALIDITY
from registry.services.history.review import actors_with_pending_changes, pending_clause
from registry.services.public import directory
from registry.services.public.publication import actor_has_unpublishable_subsidy
from registry.services.records.actors import clean_actor, clean_contact
from registry.services.records.errors import ValidationErrors
from registry.services.records.places import place_warnings
from registry.services.reference.labels import field_labels

#: The check box confirming a place outside the territory (a form field, never a column).
CONFIRM_PLACE = "confirm_place"


class LocationPicker(rules.BaseRule):
    """Form rule: the partner space's map picker under Latitude / Longitude (its scripts: ActorView.extra_js)."""

    def __call__(self, form, form_opts=None, field_args=None):
        # An autoescaped template's output: safe HTML already.
        return Markup(render_template("admin/registry/location_picker.html"))  # noqa: S704


class ContactInline(InlineFormAdmin):
    """A contact person in the actor form; checked by ``clean_contact`` and audited as its own record by the one
    write (``audited_children`` of ActorView), its messages shown on its row."""

    form_base_class = BaseForm  # the record's form carries the CSRF token
    form_columns = ("id", "full_name", "role", "email", "phone", "public")
    form_label = "Contact"
    column_labels = field_labels("Contact")


class ContactNotice(rules.BaseRule):
    """The personal-data notice above the contact rows, as the partner space shows it (SECURITY.md item 34)."""

    def __call__(self, form, form_opts=None, field_args=None):
        config = current_app.config
        return Markup(  # noqa: S704 (an autoescaped template's output)
            render_template(
                "admin/_contact_notice.html",
                organisation=config["ORGANISATION_NAME"],
                dpo_contact=config["DPO_CONTACT"],
            )
        )


def _review_badge(view, context, model):
    if model.id in (context.get("partner_changed") or ()):
        return Markup(' <span class="badge badge-warning" title="Modifié par le partenaire, à relire">à relire</span>')
    return Markup("")


def _esus(view, context, model, name):
    if not model.esus_date:
        return ""
    return f"{format_date(model.esus_date)} (jusqu'au {format_date(model.esus_expiry)})"


def _partnerships_link(view, context, model, name):
    url = view.filtered_list_url("partnership", "Acteur (numéro)", model.id)
    return Markup('<a href="{}">Voir les partenariats de cet acteur</a>').format(url) if url else ""


def _family_clause(value):
    return Actor.legal_form_id.in_(sa.select(LegalForm.id).where(LegalForm.family == LegalFamily(value)))


def _esus_expiring_clause():
    from datetime import date, timedelta

    from flask import current_app

    window = timedelta(days=current_app.config["RENEWAL_WINDOW_DAYS"])
    limit = date.today() + window - ESUS_VALIDITY
    return sa.and_(Actor.esus_date.is_not(None), Actor.esus_date <= limit)


class ActorView(MergeMixin, ServiceLookups, SecureModelView):
    """Actors: the columns an officer scans, folded search, the filters of the plan."""

    allow_export = True
    workbook_sheet = "Acteurs"
    export_types = ["xlsx"]

    cleaner = clean_actor
    audited_children = {"contacts": clean_contact}
    archived_clause = Actor.status == ActorStatus.ARCHIVED
    personal_columns = frozenset({"contacts"})
    query_options = (so.selectinload(Actor.axes), so.joinedload(Actor.quartier))

    column_list = ("name", "legal_form", "quartier", "axes", "status", "published", "esus_date", "updated_at")
    column_default_sort = ("name", False)
    column_sortable_list = ("name", ("quartier", "quartier.name"), "status", "published", "esus_date", "updated_at")
    column_searchable_list = ("search_text",)
    fulltext_target = directory.ACTORS
    column_formatters = {"name": record_link("name", "archivé", _review_badge), "esus_date": _esus}
    column_formatters_detail = {"esus_date": _esus, "partnerships": _partnerships_link}
    column_details_list = (
        "name", "slug", "legal_form", "siret", "rna", "ape_code", "esus_date", "siae_type", "status", "published",
        "description", "website", "email", "phone", "address", "postcode", "commune", "quartier", "latitude",
        "longitude", "employees", "volunteers", "founding_year", "axes", "sectors", "contacts", "partnerships",
        "created_at", "updated_at",
    )  # fmt: skip
    column_filters = (
        f.many_to_many(Actor.id, "Axe", actor_axes, "actor_id", "axis_id",
                       f.reference_choices(Axis, "label", "position")),
        f.equals(Actor.quartier_id, "Quartier", f.reference_choices(Quartier, "name")),
        f.many_to_many(Actor.id, "Secteur", actor_sectors, "actor_id", "sector_id", f.reference_choices(Sector)),
        f.ClauseFilter(Actor.legal_form_id, "Famille juridique", _family_clause, options=LegalFamily.choices()),
        f.equals(Actor.status, "Statut", ActorStatus.choices(), parse=ActorStatus),
        f.yes_no(Actor.published, "Publié"),
        f.yes_no(Actor.esus_date, "Agrément ESUS", Actor.esus_date.is_not(None)),
        f.yes_no(Actor.esus_date, "ESUS à renouveler", _esus_expiring_clause),
        f.yes_no(Actor.id, "Modifié par le partenaire (à relire)",
                 Actor.id.in_(sa.select(AuditEvent.actor_id).where(pending_clause()))),
    )  # fmt: skip
    column_descriptions = {"esus_date": "Date d'obtention de l'agrément ; il vaut cinq ans."}

    form_columns = (
        "name", "slug", "legal_form", "status", "published", "siret", "rna", "ape_code", "esus_date", "siae_type",
        "description", "website", "email", "phone", "show_contact_details", "address", "postcode", "commune",
        "quartier", "latitude", "longitude", CONFIRM_PLACE, "employees", "volunteers", "founding_year", "axes",
        "sectors", "contacts",
    )  # fmt: skip
    form_extra_fields = {CONFIRM_PLACE: BooleanField(
        "Lieu hors de Lille, Hellemmes et Lomme confirmé",
        description="À cocher quand la structure est bien située hors du territoire (le registre l'accepte alors).",
    )}  # fmt: skip
    form_rules = (
        rules.FieldSet(("name", "slug", "legal_form", "status", "published", "description"), "Identité"),
        rules.FieldSet(("siret", "rna", "ape_code", "esus_date", "siae_type"), "Identifiants et agréments"),
        rules.FieldSet(("axes", "sectors", "quartier"), "Place dans le plan ESS"),
        rules.FieldSet(("website", "email", "phone", "show_contact_details", "address", "postcode", "commune",
                        "latitude", "longitude", LocationPicker(), CONFIRM_PLACE), "Coordonnées de la structure"),
        rules.FieldSet(("employees", "volunteers", "founding_year"), "Chiffres clés"),
        rules.FieldSet((ContactNotice(), "contacts"), "Personnes à contacter (données personnelles)"),
    )  # fmt: skip
    form_args = {
        "slug": {"description": "Laissez vide pour la calculer à partir du nom.", "validators": [Optional()]},
        "postcode": {"description": "5 chiffres (59000)."},
        "commune": {
            "description": "Laissez vide pour Lille (59000, 59800, 59777), Lomme (59160) ou Hellemmes "
            "(59260) : elle est déduite du code postal."
        },
        "phone": {"description": "10 chiffres, espaces ou points acceptés (03 20 49 50 00)."},
        "siret": {"description": "14 chiffres, espaces acceptés."},
        "published": {
            "description": "Une nouvelle fiche reste hors du site public tant qu'un agent ne l'a pas publiée."
        },
        "legal_form": {"query_factory": lambda: db.session.scalars(sa.select(LegalForm).order_by(LegalForm.sort_name))},
    }
    form_typed_lengths = {"siret": 20, "rna": 12, "ape_code": 8, "postcode": 8, "phone": 25}
    form_widget_args = {"description": {"rows": 4}}
    inline_models = (ContactInline(Contact),)
    inline_model_form_converter = InlineModelConverter

    @property
    def extra_css(self) -> list[str]:
        return [url_for("static", filename="vendor/leaflet/leaflet.css")] if self._picks_location() else []

    @property
    def extra_js(self) -> list[str]:
        scripts = list(super().extra_js or [])  # the register and geocoder lookups (ServiceLookups)
        if self._picks_location():
            scripts += [url_for("static", filename=f) for f in ("vendor/leaflet/leaflet.js", "js/location-picker.js")]
        return scripts

    @staticmethod
    def _picks_location() -> bool:
        """The page is the actor form (creation or edit): the map picker's scripts are loaded there only."""
        return (request.endpoint or "").rpartition(".")[2] in ("create_view", "edit_view")

    def on_model_change(self, form, model, is_created):
        """A place outside the territory, typed now, is a warning to confirm with the form's check box."""
        super().on_model_change(form, model, is_created)
        state = sa.inspect(model)
        moved = is_created or any(state.attrs[n].history.has_changes() for n in ("postcode", "latitude", "longitude"))
        confirmed = CONFIRM_PLACE in form and form[CONFIRM_PLACE].data
        warnings = place_warnings(model.postcode, model.latitude, model.longitude) if moved and not confirmed else {}
        if warnings:
            hint = " Vérifiez-le, ou cochez « Lieu hors de Lille, Hellemmes et Lomme confirmé »."
            raise ValidationErrors({name: message + hint for name, message in warnings.items()})

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            form.published.data = False  # unpublished until an officer publishes it
        return form

    def render(self, template, **kwargs):
        # The list's "à relire" badges: the actors of this page a partner changed since the last review, in one
        # query, handed to the list template's context (read by _review_badge).
        if template == self.list_template and "data" in kwargs:
            ids = [actor.id for actor in kwargs["data"]]
            kwargs["partner_changed"] = actors_with_pending_changes(self.db_session, ids)
        model = kwargs.get("model")
        editing = template == self.edit_template and model is not None
        if editing:
            self.flash_closed_establishment(model)
        if editing and actor_has_unpublishable_subsidy(self.db_session, model):
            flash(
                "Cet acteur a une subvention à publier (décret n° 2017-779) mais ni SIRET ni numéro RNA : "
                "elle manque au fichier SCDL tant que l'un des deux n'est pas saisi.",
                "warning",
            )
        return super().render(template, **kwargs)
