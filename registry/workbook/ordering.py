"""The order of an export's rows: each sheet by the name people look for, in French alphabetical order.

Neither engine sorts French the same way out of the box (SQLite compares bytes, PostgreSQL follows the
server's collation), so the ids are read with their sort columns and sorted in Python with
``french_sort_key``; the rows are then read by chunks of ids in that order. Reading (id, name) of
100,000 actors costs a few megabytes and a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Contact, Initiative, LoanProgramme, LoanReport, Partnership, Quartier
from registry.services.reference.normalize import french_sort_key


def _sort_columns(model) -> tuple[list, list]:
    """(columns to sort by, outer joins they need) for a sheet's model."""
    if model is Actor:
        return [Actor.name, Actor.slug], []
    if model is Contact:
        return [Actor.name, Contact.full_name], [(Actor, Contact.actor_id == Actor.id)]
    if model is Initiative:
        return [Initiative.title, Initiative.slug], []
    if model is LoanProgramme:
        return [LoanProgramme.name, LoanProgramme.slug], []
    if model is LoanReport:
        columns = [LoanProgramme.name, LoanReport.period_start, LoanReport.period_end, Quartier.name]
        joins = [(LoanProgramme, LoanReport.programme_id == LoanProgramme.id),
                 (Quartier, LoanReport.quartier_id == Quartier.id)]  # fmt: skip
        return columns, joins
    if model is Partnership:
        return [Actor.name, Partnership.start_date, Partnership.ref], [(Actor, Partnership.actor_id == Actor.id)]
    raise LookupError(f"no export order for {model.__name__}")


def _value_key(value) -> tuple:
    """One column's part of the key: empty values first, text in French order, dates and numbers as they are."""
    if value is None:
        return (0,)
    if isinstance(value, str):
        return (1, *french_sort_key(value))
    if isinstance(value, date | int | float):
        return (1, value)
    return (1, str(value))


def sorted_ids(session: so.Session, model, query: sa.Select | None = None) -> list[int]:
    """The ids of the records ``query`` selects (every record when None), in the sheet's French order."""
    columns, joins = _sort_columns(model)
    statement = sa.select(model.id, *columns).select_from(model)
    for target, on in joins:
        statement = statement.outerjoin(target, on)
    if query is not None:
        statement = statement.where(model.id.in_(query.with_only_columns(model.id).order_by(None)))
    rows = session.execute(statement).all()
    rows.sort(key=lambda row: (*(_value_key(v) for v in row[1:]), row[0]))
    return [row[0] for row in rows]


def in_order(session: so.Session, model, ids: list[int], options=(), chunk: int = 1000) -> Iterator:
    """ORM records (with ``options``' relationships) read by chunks of ids, yielded in the order of ``ids``."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        found = {r.id: r for r in session.scalars(sa.select(model).where(model.id.in_(part)).options(*options))}
        yield from (found[i] for i in part)
