"""Small field checks shared by the record services."""

from __future__ import annotations

import functools
from datetime import date

from registry.services.records.errors import Collector, ValidationError
from registry.services.reference.normalize import format_exact


def require_text(value, max_length: int, what: str) -> str:
    """Text that must be present; ``what`` names the field in the French message."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValidationError(f"{what} est obligatoire.")
    if len(text) > max_length:
        raise ValidationError(f"{what} est trop long : {len(text)} caractères pour {max_length} au plus.")
    return text


def clean_field(c: Collector, obj, field: str, func, *args, **kwargs) -> None:
    """Replace ``obj.field`` by ``func(obj.field)``; on error keep the value and record the message."""
    try:
        value = getattr(obj, field)
        cleaned = func(value, *args, **kwargs)
        if cleaned is not value:  # already clean: no write (and no change tracking) for nothing
            setattr(obj, field, cleaned)
    except ValidationError as exc:
        c.add(field, exc.message)


def check_date_order(
    c: Collector, start: date | None, end: date | None, end_field: str, what: str = "La date de fin"
) -> None:
    """``end`` must not be before ``start``."""
    if start and end and end < start:
        c.add(end_field, f"{what} ({end:%d/%m/%Y}) est antérieure à la date de début ({start:%d/%m/%Y}).")


def check_range(c: Collector, obj, field: str, minimum=None, maximum=None, what: str = "La valeur") -> None:
    """Numeric field within [minimum, maximum] when set."""
    value = getattr(obj, field)
    if value is None or field in c.errors or isinstance(value, str | bool):
        return

    def shown(number) -> str:  # as typed: « 45 », not « 45.0000 »; a year without a thousands space
        return str(number) if isinstance(number, int) else format_exact(number)

    if minimum is not None and value < minimum:
        c.add(field, f"{what} : « {shown(value)} » est en dessous du minimum ({shown(minimum)}).")
    elif maximum is not None and value > maximum:
        c.add(field, f"{what} : « {shown(value)} » est au-dessus du maximum ({shown(maximum)}).")


def without_autoflush(func):
    """Run a ``clean_*(session, obj)`` function without autoflush: its lookups must not flush the
    half-cleaned record."""

    @functools.wraps(func)
    def wrapper(session, obj, *args, **kwargs):
        with session.no_autoflush:
            return func(session, obj, *args, **kwargs)

    return wrapper
