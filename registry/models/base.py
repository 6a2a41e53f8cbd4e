"""Column helpers and mixins shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy import orm as so

#: Money: exact decimal with cents.
Money = sa.Numeric(14, 2, asdecimal=True)
#: Percentage rates such as 4.500 (%).
Rate = sa.Numeric(6, 3, asdecimal=True)


def attribute_value(obj, attr: str):
    """``getattr(obj, attr)``, read straight from the instance's dict when the attribute is loaded: the descriptor
    costs a third more, which counts where every attribute of thousands of records is read (an import's snapshots
    and comparisons). An attribute not loaded goes through the descriptor, which loads it."""
    loaded = so.attributes.instance_dict(obj)
    return loaded[attr] if attr in loaded else getattr(obj, attr)


def utcnow() -> datetime:
    """Naive UTC timestamp, stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_type(enum_cls, length: int = 30) -> sa.Enum:
    """A portable enum column: VARCHAR of the member values with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        name=enum_cls.__name__.lower(),
    )


class Timestamped:
    """Creation and last-change times."""

    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, nullable=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


#: Characters of a name its folded sort key keeps (longer names then sort by their beginning, then by id).
SORT_NAME_LENGTH = 80


class SortedByName:
    """French alphabetical order of lists: ``sort_name`` is the record's name folded (accents, case and
    punctuation: « Économie » files under E, between « Eau » and « Fabrique », on SQLite and PostgreSQL alike),
    indexed, kept by ``registry.services.records.search`` on every flush (and by the importer's bulk insert).
    Lists sort on it instead of the name (admin lists, public directory)."""

    #: The attribute ``sort_name`` folds.
    sorted_by: ClassVar[str] = "name"

    sort_name: so.Mapped[str] = so.mapped_column(
        sa.String(SORT_NAME_LENGTH), default="", server_default="", nullable=False, index=True
    )


class Versioned:
    """Optimistic concurrency: every UPDATE checks and increments ``version``."""

    version: so.Mapped[int] = so.mapped_column(sa.Integer, nullable=False, default=1)

    @so.declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


def non_negative(*columns: str) -> list[sa.CheckConstraint]:
    """CHECK constraints ``col >= 0`` (NULL allowed), named after the column."""
    return [sa.CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c}_non_negative") for c in columns]


def ordered_dates(start: str, end: str) -> sa.CheckConstraint:
    """CHECK constraint: the end date is not before the start date."""
    return sa.CheckConstraint(f"{start} IS NULL OR {end} IS NULL OR {end} >= {start}", name=f"{end}_after_{start}")


__all__ = [
    "Decimal",
    "Money",
    "Rate",
    "Timestamped",
    "Versioned",
    "enum_type",
    "non_negative",
    "ordered_dates",
    "utcnow",
]
