"""French display of the values the audit keeps (``snapshot``'s JSON forms): the same text in a record's history,
the review queue, an event's page and the table of a conflict."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from registry.models.enums import LabelledEnum
from registry.services.reference.normalize import format_date, format_money, format_number

PARIS = ZoneInfo("Europe/Paris")

#: Columns holding money, shown as '25 000,00 €'.
MONEY_FIELDS = {
    "amount",
    "budget",
    "city_funding",
    "min_amount",
    "max_amount",
    "yearly_envelope",
    "amount_granted",
    "amount_repaid",
}


def format_datetime(value: datetime | None) -> str:
    """A stored naive-UTC timestamp as Paris time: '07/03/2025 à 14:05'."""
    if value is None:
        return ""
    local = value.replace(tzinfo=ZoneInfo("UTC")).astimezone(PARIS)
    return local.strftime("%d/%m/%Y à %H:%M")


def _enum_class(model, field: str):
    table = getattr(model, "__table__", None)
    if table is None or field not in table.c:
        return None
    column_type = table.c[field].type
    enum_class = getattr(column_type, "enum_class", None)
    return enum_class if isinstance(enum_class, type) and issubclass(enum_class, LabelledEnum) else None


def display_value(model, field: str, value) -> str:
    """A before/after value of ``model.field`` in French: labels, dates, amounts, Oui/Non."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Oui"
    if value is False:
        return "Non"
    if isinstance(value, list):
        return ", ".join(display_value(model, field, v) for v in value)
    enum_class = _enum_class(model, field) if model is not None else None
    if enum_class is not None:
        try:
            return enum_class(value).label
        except ValueError:
            return str(value)
    if field == "purposes":
        from registry.models import LoanPurpose

        try:
            return LoanPurpose(value).label
        except ValueError:
            return str(value)
    if isinstance(value, str) and len(value) in (10, 19) and value[4:5] == "-" and value[7:8] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_date(parsed.date()) if len(value) == 10 else format_datetime(parsed)
    if field in MONEY_FIELDS:
        try:
            return format_money(Decimal(str(value)))
        except (ArithmeticError, ValueError):
            return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if abs(value) < 10000 else format_number(value)  # years stay 2025, not 2 025
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def model_class(entity_type: str):
    """The model class of an audited entity type name, or None."""
    from registry.extensions import db

    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == entity_type:
            return mapper.class_
    return None
