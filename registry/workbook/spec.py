"""The types of the workbook's column specs (a sheet, its columns) and the builders the sheets share.

The sheets themselves are in ``registry.workbook.sheets``; ``registry.workbook.columns`` lists them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from stdnum.fr import siret as stdnum_siret

from registry.models.base import attribute_value
from registry.services.records.errors import ValidationError
from registry.services.records.slugs import check_slug
from registry.services.reference import normalize as n
from registry.workbook import cells
from registry.workbook.cells import Kind


def header_key(text: str | None) -> str:
    """The form under which headers match: case, accents, spaces, a trailing '*' and a '(unit)' ignored."""
    raw = re.sub(r"\([^)]*\)", " ", str(text or "")).replace("*", " ")
    return n.fold(raw)


@dataclass(frozen=True, eq=False)
class Column:
    """One column of a sheet: its contract header, the model attribute it fills and how its cells read."""

    header: str
    attr: str
    kind: Kind
    note: str = ""
    #: Field names of ``clean_*`` errors reported under this column (the attribute by default).
    fields: tuple[str, ...] = ()
    #: For references to other records: "actor", "initiative" or "programme".
    target: str | None = None
    #: The allowed values (Listes sheet, drop-downs), from the reference data.
    choices: Callable[[Any], list[str]] | None = None
    #: A required field with a default (status, nature): an empty cell keeps the current value.
    keep_when_empty: bool = False
    getter: Callable[[Any], Any] | None = None
    setter: Callable[[Any, Any], None] | None = None

    @property
    def required(self) -> bool:
        return self.header.endswith("*")

    @property
    def key(self) -> str:
        return header_key(self.header)

    @property
    def error_fields(self) -> tuple[str, ...]:
        return self.fields or (self.attr,)

    def get(self, obj):
        """The record's current value, in the form ``parse`` returns (sequences as tuples)."""
        if self.getter is not None:
            return self.getter(obj)
        value = attribute_value(obj, self.attr)
        return tuple(value) if isinstance(value, list) else value

    def set(self, obj, value) -> None:
        if self.setter is not None:
            self.setter(obj, value)
        else:
            setattr(obj, self.attr, self.stored(value))

    @staticmethod
    def stored(value):
        """A parsed value as the model keeps it (sequences as lists)."""
        return list(value) if isinstance(value, tuple) else value

    def to_cell(self, obj):
        """The value written in an exported cell."""
        return self.kind.to_cell(self.get(obj))


def slug_from_name(obj, index, _counters: dict) -> None:
    """A new record without Réf. gets a slug made from its name, unique across the registry and the workbook."""
    name = getattr(obj, index.name_attr)
    if not getattr(obj, index.key_attr) and name:
        setattr(obj, index.key_attr, index.unique_key(name))


@dataclass(frozen=True)
class NaturalKey:
    """How a row without Réf. finds its record: one of a sheet's natural keys, tried in order."""

    #: In messages: « même nom et même code postal ».
    what: str
    #: The column an ambiguous match is reported under.
    header: str
    #: The key of a row from its parsed values by attribute (references already resolved: an id for an
    #: existing record); None when the row lacks a part of it.
    row_key: Callable[[dict], tuple | None]
    #: The existing records by key: ``(session) -> iterable of (key, id)``.
    keys: Callable[[Any], Any]


def target_id(target):
    """An existing record's id in a key (a record the workbook creates matches nothing yet)."""
    return target if isinstance(target, int) else ("new", id(target))


@dataclass(frozen=True)
class RefIndex:
    """How the importer indexes the records of a sheet with a Réf. column (``index.RecordIndex``)."""

    #: The name other sheets' reference columns use for these records (``Column.target``).
    target: str
    #: In messages: "acteur"; "de l'acteur".
    what: str
    the: str = ""
    #: The attribute exact-name references match, and new Réf. are made from.
    name_attr: str = "name"
    #: Unique attributes besides Réf. that also match a row to its record, with the message when another
    #: record has the value ({value}, {other}).
    also_by: tuple[tuple[str, str], ...] = ()
    #: The message when another record has the Réf. ({value}, {the}, {other}).
    taken: str = "La référence « {value} » est déjà celle {the} « {other} »."
    #: Gives a new record without Réf. one: ``(record, index, counters)``; counters persist for the workbook.
    new_reference: Callable[[Any, Any, dict], None] = slug_from_name
    #: How a row whose Réf. is empty (or whose sheet has no Réf. column) finds its record, after ``also_by``.
    natural: tuple[NaturalKey, ...] = ()


@dataclass(frozen=True, eq=False)
class SheetSpec:
    """A sheet of the workbook and the record type its rows describe."""

    name: str
    model: type
    clean: Callable
    columns: tuple[Column, ...]
    #: Personal data (the Contacts sheet): officers only.
    personal: bool = False
    #: How rows without Réf. find their record, in French, for the Notice sheet.
    matching: str = ""
    #: ``clean`` takes ``check_unique`` (the importer checks Réf. and SIRET uniqueness in batch).
    unique: bool = False
    #: Sheets with a Réf. column: how the importer indexes, matches and names their records.
    ref_index: RefIndex | None = None
    #: Sheets without Réf.: a row's natural key from its parsed values by attribute (None while incomplete;
    #: its first part is the owning record), and the existing records by that key (``(session) -> {key: id}``).
    natural_key: Callable[[dict], tuple | None] | None = None
    natural_keys: Callable[[Any], dict] | None = None
    #: A warning for a new record that looks like an existing one: ``(record, index) -> (header, value,
    #: message)`` or None.
    duplicate_warning: Callable[[Any, Any], tuple[str, str, str] | None] | None = None
    #: Rules of a sheet read from an outside source (``map_import``): ``(record, new, {header: raw cell},
    #: refdata) -> [(header, value, warning)]``, called once the row's values are set; it may set defaults.
    review: Callable[[Any, bool, dict, Any], list[tuple[str, Any, str]]] | None = None
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})

    @functools.cached_property
    def direct_columns(self) -> dict[Column, bool]:
        """Columns whose value a new record can take without SQLAlchemy's change tracking (a new record is
        inserted in bulk from its values): table columns, and links without a back-reference to keep in step;
        True for a collection of links."""
        mapper = sa.inspect(self.model)
        direct = {}
        for col in self.columns:
            if col.setter is not None:
                continue
            if col.attr in mapper.column_attrs:
                direct[col] = False
                continue
            rel = mapper.relationships.get(col.attr)
            if rel is not None and not rel.back_populates and not rel.backref:
                direct[col] = rel.uselist
        return direct

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column_for_field(self, field_name: str) -> Column | None:
        """The column under which a ``clean_*`` error about ``field_name`` is reported."""
        return next((c for c in self.columns if field_name in c.error_fields), None)


def enum_labels(enum_cls) -> Callable[[Any], list[str]]:
    return lambda _r: [m.label for m in enum_cls]


def enum_values(enum_cls) -> Callable[[Any], list[str]]:
    return lambda _r: [m.value for m in enum_cls]


def reference_items(matcher: str) -> Callable[[Any], list[str]]:
    return lambda refdata: [str(item) for item in getattr(refdata, matcher).items]


YES_NO = lambda _r: ["Oui", "Non"]  # noqa: E731


def _slug(value) -> str | None:
    text = cells.as_text(value)
    return check_slug(text) if text and text.strip() else None


def ref_column(header: str, attr: str, note: str = "", **kw) -> Column:
    return Column(header, attr, cells.normalized(_slug, width=30), note, keep_when_empty=True, **kw)


def record_column(header: str, attr: str, target: str, note: str, many: bool = False, **kw) -> Column:
    return Column(header, attr, cells.record_kind(many=many), note, target=target, **kw)


_SCIENTIFIC = re.compile(r"^(\d)(?:[.,](\d+))?[eE]\+?(\d+)$")
_DECIMAL_ZERO = re.compile(r"^(\d+)[.,]0+$")


def recover_siret(value) -> str | None:
    """A SIRET a spreadsheet mangled (a number, ``7.3282932000074E+13``, ``73282932000074.0``, leading zeros
    lost) read back when all its digits are there and it passes the check; refused, saying so, when digits
    were lost."""
    if value is None or isinstance(value, bool):
        return n.normalize_siret(value)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else repr(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if m := _DECIMAL_ZERO.match(text):
        text = m[1]
    elif m := _SCIENTIFIC.match(text):
        digits, length = m[1] + (m[2] or ""), int(m[3]) + 1
        if len(digits) < length:
            raise ValidationError(
                f"SIRET « {value} » : des chiffres ont été perdus (le tableur l'a écrit en notation "
                "scientifique). Mettez la colonne au format Texte et saisissez les 14 chiffres."
            )
        text = digits
    if text.isdigit() and 12 <= len(text) < 14:  # one or two leading zeros lost; fewer digits: not a SIRET
        padded = text.rjust(14, "0")
        if stdnum_siret.is_valid(padded):
            return padded
        raise ValidationError(
            f"SIRET « {value} » : {14 - len(text)} chiffre(s) manquant(s) (des zéros de tête perdus par le "
            "tableur ?), et les compléter ne donne pas un SIRET valide. Saisissez les 14 chiffres, colonne au "
            "format Texte."
        )
    return n.normalize_siret(text)


def siret_column() -> Column:
    return Column(
        "SIRET",
        "siret",
        cells.normalized(recover_siret),
        "14 chiffres, espaces acceptés ; un SIRET écrit comme un nombre (zéros de tête perdus, notation "
        "scientifique) est relu quand tous ses chiffres sont là.",
    )


def axes_column(header: str = "Axes") -> Column:
    return Column(
        header,
        "axes",
        cells.reference_kind("axes", many=True),
        "Axes du plan, séparés par « ; » (code ou libellé).",
        choices=reference_items("axes"),
    )
