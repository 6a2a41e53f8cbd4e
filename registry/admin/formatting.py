"""French display of values in back-office lists and details, and form fields that read French input."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import typefmt
from flask_admin.model.form import converts
from markupsafe import Markup
from wtforms import fields, validators
from wtforms.fields.choices import SelectChoice

from registry.extensions import db
from registry.models.enums import LabelledEnum
from registry.services.history.display import format_datetime
from registry.services.records.errors import ValidationError
from registry.services.reference.normalize import (
    format_date,
    format_exact,
    format_money,
    format_number,
    parse_date,
    parse_decimal,
)


def _bool(view, value, name):
    return "Oui" if value else "Non"


def _enum(view, value, name):
    return getattr(value, "label", None) or str(value.value if isinstance(value, enum.Enum) else value)


def _list(view, values, name):
    return ", ".join(str(_enum(view, v, name)) if isinstance(v, enum.Enum) else str(v) for v in values)


#: How an empty value shows in lists and details (never « NULL » or « None »).
EMPTY = "—"

#: Type formatters shared by every view: French booleans, enum labels, numbers and dates.
TYPE_FORMATTERS = {
    type(None): lambda view, value, name: EMPTY,
    LabelledEnum: _enum,
    bool: _bool,
    list: _list,
    dict: typefmt.dict_formatter,
    Decimal: lambda view, value, name: format_number(value),
    datetime: lambda view, value, name: format_datetime(value),
    date: lambda view, value, name: format_date(value),
}


#: The same for exported files: an empty value is an empty cell.
EXPORT_FORMATTERS = {**TYPE_FORMATTERS, type(None): lambda view, value, name: ""}


#: Inline lists' wording {relation: (a row's legend, a new row's legend, the add button)}.
INLINE_WORDING = {
    "contacts": ("Contact", "Nouveau contact", "Ajouter un contact", "Retirer ce contact du formulaire ?"),
    "partners": ("Partenaire", "Nouveau partenaire", "Ajouter un partenaire", "Retirer ce partenaire du formulaire ?"),
}


def inline_wording(relation: str, label: str) -> tuple[str, str, str, str]:
    """The French words of an inline list: row title, new row, add button, remove question (template global:
    macros imported without context read it)."""
    return INLINE_WORDING.get(relation) or (label, f"Nouvelle ligne « {label} »", f"Ajouter une ligne « {label} »",
                                            f"Retirer cette ligne « {label} » du formulaire ?")  # fmt: skip


def money(view, context, model, name):
    """Column formatter: an amount in French format ('25 000,00 €')."""
    return format_money(getattr(model, name))


def percent(view, context, model, name):
    """Column formatter: a rate stored in percent ('4,5 %')."""
    value = getattr(model, name)
    return "" if value is None else f"{format_number(value)} %"


def record_link(label_attr: str, archived: str | None = None, extra=None):
    """Column formatter: the record's label linking to its form (its details for read-only users), with an
    "archived" badge when ``archived`` (an attribute or a predicate) says so, and ``extra(view, context, model)``
    badges (``context``: the list template's, where a view's ``render`` may have put what they need)."""
    from flask import url_for

    def formatter(view, context, model, name):
        target = "edit_view" if view.can_edit else "details_view"
        html = Markup('<a href="{}">{}</a>').format(url_for(f".{target}", id=model.id), getattr(model, label_attr))
        if extra is not None:
            html += extra(view, context, model)
        if archived is not None and view.is_archived(model):
            html += Markup(' <span class="badge badge-secondary">{}</span>').format(archived)
        return html

    return formatter


def labels(*pairs: tuple[str, str]) -> dict[str, str]:
    """Column labels from (name, French label) pairs."""
    return dict(pairs)


class FrenchDecimalField(fields.StringField):
    """An amount typed the French way ('1 234,56', '1234.56 €'), parsed by the shared normaliser."""

    def __init__(self, label=None, validators=None, places: int = 2, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.places = places

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # Every digit the record holds: a form shown rounded would save the rounding back.
        return format_exact(self.data).replace("\u202f", " ").replace("\u00a0", " ")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0], places=self.places, minimum=None)
        except ValidationError as exc:
            self.data = None
            raise ValueError(exc.message) from None


class FrenchFloatField(FrenchDecimalField):
    """A coordinate or other float typed the French way ('50,6292')."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=7, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = float(self.data)


class FrenchDateField(fields.StringField):
    """A date typed jj/mm/aaaa (ISO accepted too), whatever the browser's language, read by the shared parser."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"placeholder": "jj/mm/aaaa", "inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_date(self.data) if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_date(valuelist[0])
        except ValidationError as exc:
            self.data = None
            raise ValueError(exc.message) from None


class EnumSelectField(fields.SelectField):
    """A select of a LabelledEnum showing French labels and holding enum members."""

    def __init__(self, label=None, validators=None, enum_class=None, allow_blank=False, blank_text="—", **kwargs):
        choices = ([SelectChoice("", blank_text)] if allow_blank else []) + [
            SelectChoice(m.value, m.label) for m in enum_class
        ]
        super().__init__(label, validators, choices=choices, coerce=self._coerce_to(enum_class), **kwargs)

    @staticmethod
    def _coerce_to(enum_class):
        def coerce(value):
            if value in ("", None):
                return None
            return value if isinstance(value, enum_class) else enum_class(value)

        return coerce

    def pre_validate(self, form):
        if self.data is None and self.choices and self.choices[0].value == "":
            return
        super().pre_validate(form)


#: The first option of every select: nothing is chosen until someone chooses.
CHOOSE = "— Choisir —"


class RegistryModelConverter(AdminModelConverter):
    """Form fields for French users: enum labels, French amounts, native date pickers; HTML rules that say what
    the server does (a field the server fills when empty is not ``required``; a field it normalises accepts the
    length people type, spaces included, as given by the view's ``form_typed_lengths``)."""

    def convert(self, model, mapper, name, prop, field_args, hidden_pk):
        field = super().convert(model, mapper, name, prop, field_args, hidden_pk)
        kwargs = getattr(field, "kwargs", {})
        picker = getattr(field, "field_class", None)
        if (
            picker is not None
            and issubclass(picker, QuerySelectField)
            and not issubclass(picker, QuerySelectMultipleField)
        ):  # a record picker: « — Choisir — » first, never a record chosen for you
            kwargs["allow_blank"] = True
            kwargs.setdefault("blank_text", CHOOSE)
        remote = getattr(getattr(prop, "mapper", None), "class_", None)
        if picker is not None and issubclass(picker, QuerySelectField) and hasattr(remote, "in_order"):
            order = remote.in_order()  # quartiers: the one order of every list
            kwargs["query_factory"] = lambda: db.session.scalars(sa.select(remote).order_by(*order)).all()
        chain = kwargs.get("validators")
        if not chain:
            return field
        if any(isinstance(v, validators.Optional) for v in chain):  # declared optional by the view
            chain[:] = [v for v in chain if not isinstance(v, validators.InputRequired)]
        typed = (getattr(self.view, "form_typed_lengths", None) or {}).get(name)
        if typed is not None:
            message = f"{typed} caractères au plus."
            chain[:] = [v for v in chain if not isinstance(v, validators.Length)] + [
                validators.Length(max=typed, message=message)
            ]
        return field

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column, field_args, **extra):
        enum_class = column.type.enum_class
        if enum_class is None or not issubclass(enum_class, LabelledEnum):
            return super().convert_enum(column=column, field_args=field_args, **extra)
        field_args.pop("filters", None)
        if column.nullable:
            return EnumSelectField(enum_class=enum_class, allow_blank=True, **field_args)
        if column.default is None:  # required, no sensible default: nobody's choice is made for them
            return EnumSelectField(enum_class=enum_class, allow_blank=True, blank_text=CHOOSE, **field_args)
        return EnumSelectField(enum_class=enum_class, **field_args)

    @converts("Float")  # SQLAlchemy 2.1's Float is no longer a Numeric: Flask-Admin has no field for it
    def convert_float(self, column, field_args, **extra):
        return FrenchFloatField(**field_args)

    @converts("Numeric")
    def handle_decimal_types(self, column, field_args, **extra):
        places = column.type.scale if column.type.scale is not None else 2
        return FrenchDecimalField(places=places, **field_args)

    @converts("Date")
    def convert_date(self, field_args, **extra):
        field_args.pop("widget", None)
        return FrenchDateField(**field_args)
