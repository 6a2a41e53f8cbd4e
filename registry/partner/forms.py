"""Partner space forms (Flask-WTF: CSRF token on every POST). Only the fields a partner may change exist here;
their values are checked by the shared services, which give the French messages."""

from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from registry.models import Axis, Quartier, Sector
from registry.services.records.actors import MIN_PRESENTATION_LENGTH


class CheckboxList(SelectMultipleField):
    """Several choices as a list of check boxes (usable without JavaScript, readable on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown ids are dropped by the service; no English message from WTForms."""


class VersionedForm(FlaskForm):
    """A form that carries the signed state (version inside) its record had when the form was opened."""

    opened_state = HiddenField()


class ProfileForm(VersionedForm):
    description = TextAreaField(
        "Présentation de la structure (obligatoire)",
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 7, "required": True, "minlength": MIN_PRESENTATION_LENGTH},
    )
    axes = CheckboxList("Axes du plan ESS", coerce=str)
    sectors = CheckboxList("Secteurs d'activité", coerce=str)
    website = StringField("Site web", validators=[Optional(), Length(max=300)])
    email = StringField("Courriel de la structure", validators=[Optional(), Length(max=254)])
    phone = StringField("Téléphone", validators=[Optional(), Length(max=40)])
    show_contact_details = BooleanField(
        "Afficher ces coordonnées sur la fiche publique",
        description="Le courriel et le téléphone de la structure (pas ceux d'une personne) figureront alors sur sa "
        "page publique, dans l'API et dans les données ouvertes.",
    )
    address = StringField("Adresse", validators=[Optional(), Length(max=300)])
    postcode = StringField("Code postal", validators=[Optional(), Length(max=10)])
    commune = StringField("Commune", validators=[Optional(), Length(max=120)])
    quartier = SelectField("Quartier", coerce=str, validate_choice=False)
    latitude = StringField("Latitude", validators=[Optional(), Length(max=30)])
    longitude = StringField("Longitude", validators=[Optional(), Length(max=30)])
    employees = StringField("Salariés", validators=[Optional(), Length(max=12)])
    volunteers = StringField("Bénévoles", validators=[Optional(), Length(max=12)])
    founding_year = StringField("Année de création", validators=[Optional(), Length(max=8)])

    def load_choices(self, session) -> None:
        """Choices from the reference data (axes in the plan's order, strategic sectors first)."""
        self.axes.choices = [(str(a.id), a.label) for a in session.scalars(sa.select(Axis).order_by(Axis.position))]
        sectors = session.scalars(sa.select(Sector).order_by(Sector.strategic.desc(), Sector.label))
        self.sectors.choices = [(str(s.id), f"{s.label} (secteur stratégique)" if s.strategic else s.label)
                                for s in sectors]  # fmt: skip
        quartiers = session.scalars(sa.select(Quartier).order_by(*Quartier.in_order()))
        self.quartier.choices = [("", "— Choisir —")] + [(str(q.id), q.name) for q in quartiers]

    def fill_from(self, actor) -> None:
        """The actor's current values (GET, or after a conflict)."""
        for name in ("description", "website", "email", "phone", "address", "postcode", "commune"):
            getattr(self, name).data = getattr(actor, name) or ""
        for name in ("latitude", "longitude", "employees", "volunteers", "founding_year"):
            value = getattr(actor, name)
            getattr(self, name).data = "" if value is None else str(value)
        self.axes.data = [str(a.id) for a in actor.axes]
        self.sectors.data = [str(s.id) for s in actor.sectors]
        self.quartier.data = str(actor.quartier_id) if actor.quartier_id else ""
        self.show_contact_details.data = actor.show_contact_details

    def values(self) -> dict:
        """What the service receives: text as typed, ids for quartier, axes and sectors."""
        data = {field.name: field.data for field in self if field.name not in NON_DATA}
        for name in ("axes", "sectors"):
            data[name] = data.get(name) or []
        return data


class ContactForm(VersionedForm):
    full_name = StringField(
        "Nom et prénom", validators=[DataRequired("Indiquez le nom et le prénom."), Length(max=200)]
    )
    role = StringField("Fonction", validators=[Optional(), Length(max=200)])
    email = StringField("Courriel", validators=[Optional(), Length(max=254)])
    phone = StringField("Téléphone", validators=[Optional(), Length(max=40)])
    public = BooleanField("Visible publiquement : cette personne accepte que son nom, sa fonction, son courriel "
                          "et son téléphone figurent sur la page publique de la structure")  # fmt: skip

    def values(self) -> dict:
        return {field.name: field.data for field in self if field.name not in NON_DATA}


class DeleteForm(VersionedForm):
    """Removal of a contact: the CSRF token and the state it was shown at."""


NON_DATA = {"csrf_token", "opened_state", "submit"}
