"""Actors for an export, read with SQLAlchemy Core instead of the ORM: a large export reads 100,000 actors,
and building an ORM object (with its axes, sectors and quartier) for each costs more than writing its cells.

Each record is a plain namespace with the attributes the column specs read (the table's columns, ``ref``,
``legal_form``, ``quartier``, ``axes``, ``sectors``), the reference objects being the same ORM objects as
elsewhere, so every cell comes out exactly as from an ORM ``Actor``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, Axis, LegalForm, Quartier, Sector, actor_axes, actor_sectors

CHUNK = 1000


def _chunks(values, size: int) -> Iterator[tuple]:
    iterator = iter(values)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def _links(session: so.Session, table: sa.Table, column: str, ids, objects: dict) -> dict[int, list]:
    linked = defaultdict(list)
    for actor_id, target_id in session.execute(
        sa.select(table.c.actor_id, table.c[column]).where(table.c.actor_id.in_(ids))
    ):
        linked[actor_id].append(objects[target_id])
    return linked


def actor_rows(session: so.Session, source: sa.Select | Iterable[int]) -> Iterator[SimpleNamespace]:
    """The actors ``source`` selects (a query, or their ids), in its order, as light records (see the module's
    docstring)."""
    forms = {f.id: f for f in session.scalars(sa.select(LegalForm))}
    quartiers = {q.id: q for q in session.scalars(sa.select(Quartier))}
    axes = {a.id: a for a in session.scalars(sa.select(Axis))}
    sectors = {s.id: s for s in session.scalars(sa.select(Sector))}
    table = Actor.__table__
    if isinstance(source, sa.Select):
        ids = session.scalars(source.with_only_columns(Actor.id).execution_options(yield_per=CHUNK))
    else:
        ids = source
    for chunk in _chunks(ids, CHUNK):
        rows = {row.id: row for row in session.execute(sa.select(table).where(table.c.id.in_(chunk)))}
        actor_axes_of = _links(session, actor_axes, "axis_id", chunk, axes)
        actor_sectors_of = _links(session, actor_sectors, "sector_id", chunk, sectors)
        for actor_id in chunk:
            row = rows[actor_id]
            yield SimpleNamespace(
                **row._mapping,
                ref=row.slug,
                legal_form=forms[row.legal_form_id],
                quartier=quartiers.get(row.quartier_id),
                axes=sorted(actor_axes_of[actor_id], key=lambda a: a.position),
                sectors=sorted(actor_sectors_of[actor_id], key=lambda s: s.label),
            )
