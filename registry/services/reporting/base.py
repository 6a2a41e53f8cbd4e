"""What the reporting figures share: the ``Table`` they return, the year of a date, the counted partnerships."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from registry.models import Partnership, PartnershipStatus

#: Partnerships that count in amounts: everything but drafts and cancelled ones.
COUNTED_STATUSES = (PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE, PartnershipStatus.ENDED)


def _engine_function(name: str, type_: sa.types.TypeEngine, doc: str, *, default: str, sqlite: str) -> type:
    """A one-argument SQL function written per engine (``{}`` stands for the argument), as a SQLAlchemy element."""
    element = type(name, (sa.sql.functions.FunctionElement,), {"type": type_, "inherit_cache": True, "__doc__": doc})

    def render(template: str):
        return lambda fn, compiler, **kw: template.format(compiler.process(fn.clauses, **kw))

    compiles(element)(render(default))
    compiles(element, "sqlite")(render(sqlite))
    return element


#: The year of a date column, computed cheaply on each engine: SQLite stores dates as 'YYYY-MM-DD' text, so its
#: first four characters, no date parsing per row.
year_of = _engine_function(
    "year_of",
    sa.Integer(),
    "The year of a date column.",
    default="EXTRACT(YEAR FROM {})",
    sqlite="CAST(substr({}, 1, 4) AS INTEGER)",
)
#: A column's values joined by commas into one text, by the database (NULLs are left out, so every column read
#: this way is made non-null).
joined = _engine_function(
    "joined",
    sa.Text(),
    "A column's values joined by commas into one text.",
    default="string_agg(CAST({} AS TEXT), ',')",
    sqlite="group_concat({}, ',')",
)


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
