"""What the reporting figures share: the ``Table`` they return, the year of a date, the counted partnerships."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from registry.models import Partnership, PartnershipStatus

#: Partnerships that count in amounts: everything but drafts and cancelled ones.
COUNTED_STATUSES = (PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE, PartnershipStatus.ENDED)


class year_of(sa.sql.functions.FunctionElement):
    """The year of a date column, computed cheaply on each engine."""

    type = sa.Integer()
    inherit_cache = True


@compiles(year_of)
def _year_default(element, compiler, **kw):
    return f"EXTRACT(YEAR FROM {compiler.process(element.clauses, **kw)})"


@compiles(year_of, "sqlite")
def _year_sqlite(element, compiler, **kw):
    # SQLite stores dates as 'YYYY-MM-DD' text: the first four characters, no date parsing per row.
    return f"CAST(substr({compiler.process(element.clauses, **kw)}, 1, 4) AS INTEGER)"


class joined(sa.sql.functions.FunctionElement):
    """A column's values joined by commas into one text, by the database (NULLs are left out, so every column
    read this way is made non-null)."""

    type = sa.Text()
    inherit_cache = True


@compiles(joined)
def _joined_default(element, compiler, **kw):
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


@compiles(joined, "sqlite")
def _joined_sqlite(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


#: The date a partnership is counted at: its convention, else its start, else the council's decision.
PARTNERSHIP_DATE = sa.func.coalesce(Partnership.convention_date, Partnership.start_date, Partnership.decision_date)


@dataclass
class Table:
    """A titled table of figures: ``kinds`` says how to show each column (text, int, money, percent, date)."""

    key: str
    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    links: list[str | None] = field(default_factory=list)
    total: int | None = None


def share(part, whole) -> float:
    return float(part) / float(whole) if whole else 0.0
