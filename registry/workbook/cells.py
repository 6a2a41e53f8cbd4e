"""Kinds of workbook cells: how a value is parsed from a cell, compared, shown in a preview and written back.

Parsing goes through ``registry.services.reference.normalize`` and ``…reference.matching``, the same functions the
admin forms and the ``clean_*`` services use, so a value imported is the value an officer would type.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from registry.services.records.errors import ValidationError
from registry.services.reference import normalize as n
from registry.workbook.typed import accepted_forms, match_typed


class CellError:
    """A cell whose value cannot be used as it is (an Excel error, a formula without its computed value)."""

    def __init__(self, message: str, shown: str):
        self.message = message
        self.shown = shown

    def __str__(self) -> str:
        return self.shown


def is_blank(value) -> bool:
    """An empty cell, or one holding only spaces: read as absent."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value) -> str | None:
    """A cell as text: 59000.0 -> '59000', dates as dd/mm/yyyy, None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return n.format_date(value)
    return str(value)


def display(value) -> str:
    """A value as an officer reads it in the preview ('' when empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, enum.Enum):
        return getattr(value, "label", str(value.value))
    if isinstance(value, datetime | date):
        return n.format_date(value)
    if isinstance(value, Decimal | float | int):
        return n.format_number(value)
    if isinstance(value, tuple | list | frozenset | set):
        return "; ".join(sorted(display(v) for v in value))
    return str(value)


#: Types compared with ``==`` alone when both sides have them (the common case, tried first).
_PLAIN_TYPES = frozenset({str, int, bool, date, datetime, Decimal, type(None)})


def same(a, b) -> bool:
    """Equality of two column values; multi-valued cells compare as sets."""
    if type(a) is type(b) and type(a) in _PLAIN_TYPES:
        return a == b
    if isinstance(a, tuple | list | frozenset | set) or isinstance(b, tuple | list | frozenset | set):
        return frozenset(a or ()) == frozenset(b or ())
    if isinstance(a, float) or isinstance(b, float):
        return (a is not None and b is not None and abs(float(a) - float(b)) < 1e-9) or a is b
    return a == b


@dataclass(frozen=True, eq=False)
class Kind:
    """How one kind of cell is parsed (``parse(value, refdata)``), written (``to_cell``) and formatted."""

    name: str
    parse: Callable[[Any, Any], Any]
    to_cell: Callable[[Any], Any] = lambda v: v
    number_format: str | None = None
    width: int = 18
    #: For the Notice sheet: the forms accepted, when they go beyond the Listes sheet.
    accepted: str = ""


def _text(max_length: int | None):
    return lambda v, _r: n.clean_text(as_text(v), max_length)


def _normalized(func, **kwargs):
    return lambda v, _r: func(as_text(v) if isinstance(v, datetime | date) else v, **kwargs)


def text(max_length: int | None = None, width: int = 24) -> Kind:
    return Kind("text", _text(max_length), width=width)


def normalized(func, width: int = 18, **kwargs) -> Kind:
    """Text checked and normalised by one of the ``normalize_*`` functions (SIRET, e-mail, phone...)."""
    return Kind("text", _normalized(func, **kwargs), width=width)


def _join(values) -> str | None:
    return "; ".join(str(v) for v in values) if values else None


DATE = Kind("date", lambda v, _r: n.parse_date(v), number_format="DD/MM/YYYY", width=12)
MONEY = Kind("money", lambda v, _r: n.parse_decimal(v), number_format='#,##0.00\\ "€"', width=16)
RATE = Kind("rate", lambda v, _r: n.parse_decimal(v, places=3, minimum=0, maximum=100), number_format="0.000", width=12)
# Whole numbers and coordinates read well in the General format: no style, so they are written on openpyxl's
# fast path (a styled cell costs about twice as much to write).
INT = Kind("int", lambda v, _r: n.parse_int(v, minimum=None), width=10)
YEAR = Kind("int", lambda v, _r: n.parse_int(v, minimum=None), width=10)
BOOL = Kind("bool", lambda v, _r: n.parse_bool(v), to_cell=lambda v: "Oui" if v else "Non", width=10)
LATITUDE = Kind("float", lambda v, _r: n.parse_coordinate(v, kind="latitude"), width=12)
LONGITUDE = Kind("float", lambda v, _r: n.parse_coordinate(v, kind="longitude"), width=12)


def memo(refdata, key, compute):
    """``compute()`` once per distinct cell text and import (labels repeat on every row); errors too."""
    cache = refdata.__dict__.setdefault("_workbook_memo", {}) if refdata is not None else {}
    hit = cache.get(key)
    if hit is None:
        try:
            hit = (True, compute())
        except ValidationError as exc:
            hit = (False, exc.message)
        cache[key] = hit
    if hit[0]:
        return hit[1]
    raise ValidationError(hit[1])


def enum_kind(
    enum_cls, what: str, *, by_value: bool = False, width: int = 18, synonyms: dict[str, str] | None = None
) -> Kind:
    """An enumerated value, typed as its label (or its code when ``by_value``) or as people type it
    (``typed``: agreement, left-out words, ``synonyms`` {text: member value}); any case, any accents."""

    def to_cell(member):
        if member is None:
            return None
        return member.value if by_value else member.label

    def parse(value, refdata):
        text_value = as_text(value)
        return memo(refdata, (enum_cls, text_value), lambda: match_typed(enum_cls, text_value, what, synonyms))

    return Kind("enum", parse, to_cell=to_cell, width=width, accepted=accepted_forms(enum_cls, synonyms))


def enum_list_kind(enum_cls, what: str, width: int = 22, synonyms: dict[str, str] | None = None) -> Kind:
    """Several enumerated values in one cell, separated by ';' (or ',')."""

    def parse(value, _r):
        from registry.services.reference.matching import split_values

        text_value = as_text(value)
        if not text_value:
            return ()
        members = []
        for part in split_values(text_value):
            member = match_typed(enum_cls, part, what, synonyms)
            if member.value not in members:
                members.append(member.value)
        return tuple(members)

    return Kind(
        "enum_list",
        parse,
        to_cell=lambda v: _join(enum_cls(x).label for x in v or ()),
        width=width,
        accepted=accepted_forms(enum_cls, synonyms),
    )


def reference_kind(matcher: str, *, many: bool, width: int = 28) -> Kind:
    """Reference data (axes, quartiers, sectors, legal forms) matched tolerantly by code, label or alias."""

    def parse(value, refdata):
        found = getattr(refdata, matcher)
        text_value = as_text(value)
        if many:
            return memo(refdata, (matcher, True, text_value), lambda: tuple(found.get_many(text_value)))
        if not text_value or not text_value.strip():
            return None
        return memo(refdata, (matcher, False, text_value), lambda: found.get(text_value))

    def to_cell(value):
        if many:
            return _join(str(v) for v in value or ())
        return str(value) if value is not None else None

    return Kind("reference_many" if many else "reference", parse, to_cell=to_cell, width=width)


def record_kind(*, many: bool = False, width: int = 30) -> Kind:
    """A reference to another record (Réf., SIRET or exact name), resolved by the importer."""

    def parse(value, _r):
        return n.clean_text(as_text(value))

    def ref_of(record):
        return getattr(record, "ref", None) or str(record)

    def to_cell(value):
        if many:
            return _join(ref_of(r) for r in value or ())
        return ref_of(value) if value is not None else None

    return Kind("record_many" if many else "record", parse, to_cell=to_cell, width=width)


def parse_cell(kind: Kind, value, refdata):
    """``kind.parse`` with Excel error cells and formulas without a value refused."""
    if isinstance(value, CellError):
        raise ValidationError(value.message)
    if isinstance(value, str) and not value.strip():
        value = None
    return kind.parse(value, refdata)
