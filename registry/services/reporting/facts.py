"""The dashboard's facts: one compact, columnar copy of what its figures count, from which any filter
combination is answered in milliseconds.

Each figure of the dashboard used to be a handful of aggregate queries joining 100,000 actors, their axes and
sectors and 200,000 partnerships: 1.3 to 2.5 s for every new filter combination, since a filter (a year, an
axis, a quartier, a family…) makes the cached figures useless. Instead, what the figures count is read once
into NumPy arrays — for each actor its quartier, family, day of registration, archived flag and a row of its
axes and strategic sectors; for each partnership its actor, counted status, day and amount in cents; for each
initiative its lead, days and rows of axes and quartiers — and every figure is a few vector operations on
them (``dashboard``). The arrays are kept until the data version moves (``public.versions``: a write through
any app server), so a new filter costs no query; reading them again after a write costs a few hundred
milliseconds (``bench/admin.py`` prints both).

Days are integers ``YYYYMMDD`` (0: no date), amounts integer cents: sums are exact.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    ActorStatus,
    Axis,
    Initiative,
    LegalFamily,
    LegalForm,
    Partnership,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
)
from registry.services.reporting.base import COUNTED_STATUSES, PARTNERSHIP_DATE, day_number

#: The day « no end » stands for (an initiative without end date runs on).
NO_END = 99_999_999
FAMILIES = list(LegalFamily)


def day_int(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


@dataclass(frozen=True)
class Facts:
    """Columnar facts; ``*_ids`` give the order of matrix columns (axes by position, quartiers by name, strategic
    sectors by label)."""

    axis_ids: list[int]
    quartier_ids: list[int]
    sector_ids: list[int]
    # actors (one row each, by id)
    actor_ids: np.ndarray
    actor_quartier: np.ndarray  # index in quartier_ids, -1 without quartier
    actor_family: np.ndarray  # index in FAMILIES
    actor_day: np.ndarray  # day of registration
    actor_archived: np.ndarray  # bool
    actor_axes: np.ndarray  # bool, actors × axes
    actor_sectors: np.ndarray  # bool, actors × strategic sectors
    # partnerships
    partnership_actor: np.ndarray  # actor row
    partnership_counted: np.ndarray  # bool: signed, running or ended
    partnership_day: np.ndarray  # convention, else start, else decision; 0 without any
    partnership_cents: np.ndarray  # int64, 0 without amount
    # initiatives
    initiative_archived: np.ndarray
    initiative_lead: np.ndarray  # actor row, -1 without lead
    initiative_start: np.ndarray  # 0 without start
    initiative_end: np.ndarray  # NO_END without end
    initiative_axes: np.ndarray  # bool, initiatives × axes
    initiative_quartiers: np.ndarray  # bool, initiatives × quartiers

    def axis_index(self, axis_id: int | None) -> int | None:
        return None if axis_id is None else self.axis_ids.index(axis_id)

    def quartier_index(self, quartier_id: int | None) -> int | None:
        return None if quartier_id is None else self.quartier_ids.index(quartier_id)

    def sector_index(self, sector_id: int | None) -> int | None:
        return None if sector_id is None else self.sector_ids.index(sector_id)

    def in_mask(self, actor_ids, mask: np.ndarray) -> np.ndarray:
        """For each actor id, whether it is in the actors ``mask`` (an unknown id is not)."""
        return rows_in(_indexer(self.actor_ids)(np.asarray(actor_ids, dtype=np.int64)), mask)


def _rows(connection, statement, columns: int) -> np.ndarray:
    """The integer rows of ``statement`` as a matrix. The driver's tuples are read as they come (all columns are
    integers, so no type processing is skipped): building 600,000 row objects would cost more than the query."""
    result = connection.execute(statement)
    try:
        data = result.cursor.fetchall()
    finally:
        result.close()
    flat = np.fromiter(itertools.chain.from_iterable(data), dtype=np.int64, count=len(data) * columns)
    return flat.reshape(len(data), columns)


def _membership(pairs: np.ndarray, rows_of, n_rows: int, column_ids: list[int]) -> np.ndarray:
    """A bool matrix rows × columns from (row id, column id) pairs; pairs of unknown rows are left out."""
    matrix = np.zeros((n_rows, len(column_ids)), dtype=bool)
    if len(pairs):
        rows = rows_of(pairs[:, 0])
        lookup = {c: i for i, c in enumerate(column_ids)}
        columns = np.array([lookup.get(int(c), -1) for c in pairs[:, 1]], dtype=np.int64)
        keep = (rows >= 0) & (columns >= 0)
        matrix[rows[keep], columns[keep]] = True
    return matrix


def rows_in(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each row number (-1: none), whether that row is in ``mask``."""
    known = rows >= 0
    return known & mask[np.where(known, rows, 0)]


def _indexer(ids: np.ndarray):
    """ids (sorted) → a function giving the row of each id, -1 for an unknown one."""

    def rows_of(values: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.full(len(values), -1, dtype=np.int64)
        at = np.searchsorted(ids, values)
        at = np.minimum(at, len(ids) - 1)
        return np.where(ids[at] == values, at, -1)

    return rows_of


def load(session: so.Session) -> Facts:
    """Read the facts from the database (about 600,000 small rows for 100,000 actors)."""
    connection = session.connection()
    axis_ids = list(session.scalars(sa.select(Axis.id).order_by(Axis.position)))
    quartier_ids = list(session.scalars(sa.select(Quartier.id).order_by(Quartier.name)))
    sector_ids = list(session.scalars(sa.select(Sector.id).where(Sector.strategic.is_(True)).order_by(Sector.label)))
    family_of = {
        form_id: FAMILIES.index(family) if family is not None else -1
        for form_id, family in session.execute(sa.select(LegalForm.id, LegalForm.family))
    }
    quartier_row = {q: i for i, q in enumerate(quartier_ids)}

    actors = _rows(
        connection,
        sa.select(
            Actor.id,
            sa.case((Actor.status == ActorStatus.ARCHIVED, 1), else_=0),
            sa.func.coalesce(Actor.quartier_id, -1),
            Actor.legal_form_id,
            sa.func.coalesce(day_number(Actor.created_at), 0),
        ).order_by(Actor.id),
        5,
    )
    actor_rows = _indexer(actors[:, 0])
    unique_quartiers, quartier_inverse = np.unique(actors[:, 2], return_inverse=True)
    quartier_map = np.array([quartier_row.get(int(q), -1) for q in unique_quartiers], dtype=np.int64)
    unique_forms, form_inverse = np.unique(actors[:, 3], return_inverse=True)
    form_map = np.array([family_of.get(int(f), -1) for f in unique_forms], dtype=np.int64)
    n_actors = len(actors)

    axes_pairs = _rows(connection, sa.select(actor_axes.c.actor_id, actor_axes.c.axis_id), 2)
    sector_pairs = _rows(
        connection,
        sa.select(actor_sectors.c.actor_id, actor_sectors.c.sector_id).where(
            actor_sectors.c.sector_id.in_(sector_ids or [-1])
        ),
        2,
    )
    partnerships = _rows(
        connection,
        sa.select(
            Partnership.actor_id,
            sa.case((Partnership.status.in_(COUNTED_STATUSES), 1), else_=0),
            sa.func.coalesce(day_number(PARTNERSHIP_DATE), 0),
            sa.func.coalesce(sa.cast(sa.func.round(Partnership.amount * 100), sa.BigInteger), 0),
        ),
        4,
    )
    initiatives = _rows(
        connection,
        sa.select(
            Initiative.id,
            sa.case((Initiative.archived_at.is_(None), 0), else_=1),
            sa.func.coalesce(Initiative.lead_actor_id, 0),
            sa.func.coalesce(day_number(Initiative.start_date), 0),
            sa.func.coalesce(day_number(Initiative.end_date), NO_END),
        ).order_by(Initiative.id),
        5,
    )
    initiative_rows = _indexer(initiatives[:, 0])
    n_initiatives = len(initiatives)
    initiative_axis_pairs = _rows(connection, sa.select(initiative_axes.c.initiative_id, initiative_axes.c.axis_id), 2)
    initiative_quartier_pairs = _rows(
        connection, sa.select(initiative_quartiers.c.initiative_id, initiative_quartiers.c.quartier_id), 2
    )
    return Facts(
        axis_ids=axis_ids,
        quartier_ids=quartier_ids,
        sector_ids=sector_ids,
        actor_ids=actors[:, 0],
        actor_quartier=quartier_map[quartier_inverse] if n_actors else np.zeros(0, dtype=np.int64),
        actor_family=form_map[form_inverse] if n_actors else np.zeros(0, dtype=np.int64),
        actor_day=actors[:, 4],
        actor_archived=actors[:, 1].astype(bool),
        actor_axes=_membership(axes_pairs, actor_rows, n_actors, axis_ids),
        actor_sectors=_membership(sector_pairs, actor_rows, n_actors, sector_ids),
        partnership_actor=actor_rows(partnerships[:, 0]),
        partnership_counted=partnerships[:, 1].astype(bool),
        partnership_day=partnerships[:, 2],
        partnership_cents=partnerships[:, 3],
        initiative_archived=initiatives[:, 1].astype(bool),
        initiative_lead=actor_rows(initiatives[:, 2]),
        initiative_start=initiatives[:, 3],
        initiative_end=initiatives[:, 4],
        initiative_axes=_membership(initiative_axis_pairs, initiative_rows, n_initiatives, axis_ids),
        initiative_quartiers=_membership(initiative_quartier_pairs, initiative_rows, n_initiatives, quartier_ids),
    )


# --- Kept until the data changes ------------------------------------------------------------------------------

_INFO_KEY = "reporting_facts"
_kept: dict = {}
_lock = threading.Lock()
#: Moved by every flush in this process, so this process's own writes are seen at once.
_generation = [0]


@sa.event.listens_for(so.Session, "after_flush")
def _flushed(session, flush_context) -> None:
    _generation[0] += 1
    session.info.pop(_INFO_KEY, None)


def generation() -> int:
    """A number that moves whenever this process flushes a write."""
    return _generation[0]


def _shared(session: so.Session) -> bool:
    """Whether the session's database outlives it (not an in-memory one, such as the registry as of a date)."""
    database = session.get_bind().url.database
    return bool(database) and database != ":memory:"


def facts_for(session: so.Session) -> Facts:
    """The facts of the session's database: kept per process until the data version moves (a write through any
    server), and for an in-memory database (the registry as of a date) with its session until it writes."""
    if not _shared(session):
        if _INFO_KEY not in session.info:
            session.info[_INFO_KEY] = load(session)
        return session.info[_INFO_KEY]
    from registry.services.public.versions import data_version

    version = data_version(session)
    if version is None:
        return load(session)  # the shared version is unreadable: no cache rather than a stale one
    key = (str(session.get_bind().url), version, generation())
    with _lock:
        kept = _kept.get(key)
    if kept is not None:
        return kept
    facts = load(session)
    with _lock:
        _kept.clear()  # one version per database is enough: older ones are dead
        _kept[key] = facts
    return facts


def forget() -> None:
    """Drop the kept facts (benchmarks measure reading them again)."""
    with _lock:
        _kept.clear()


# --- The filters as masks (the same rules as ``Filters``' SQL clauses) -----------------------------------------


def actor_mask(facts: Facts, filters, *, current: bool = False) -> np.ndarray:
    """Actors matching the axis, quartier, sector and family filters; ``current``: also not archived and
    registered by the end of the period (``Filters.actor_registered_clauses``)."""
    mask = np.ones(len(facts.actor_day), dtype=bool)
    if filters.quartier_id is not None:
        mask &= facts.actor_quartier == facts.quartier_index(filters.quartier_id)
    if filters.axis_id is not None:
        mask &= facts.actor_axes[:, facts.axis_index(filters.axis_id)]
    if filters.sector_id is not None:
        mask &= facts.actor_sectors[:, facts.sector_index(filters.sector_id)]
    if filters.family is not None:
        mask &= facts.actor_family == FAMILIES.index(filters.family)
    if current:
        mask &= ~facts.actor_archived
        if filters.end is not None:
            mask &= facts.actor_day <= day_int(filters.end)
    return mask


def dated(days: np.ndarray, filters) -> np.ndarray:
    """Days within the period (a missing day, 0, is outside any period)."""
    mask = np.ones(len(days), dtype=bool)
    if filters.start is not None or filters.end is not None:
        mask &= days > 0
    if filters.start is not None:
        mask &= days >= day_int(filters.start)
    if filters.end is not None:
        mask &= days <= day_int(filters.end)
    return mask


def counted_partnerships(facts: Facts, filters) -> np.ndarray:
    """Partnerships counted in amounts: signed, running or ended, dated within the period, of a matching actor."""
    mask = facts.partnership_counted & dated(facts.partnership_day, filters)
    if filters.has_actor_filter:
        actors = actor_mask(facts, filters)
        mask &= rows_in(facts.partnership_actor, actors)
    return mask


def current_initiatives(facts: Facts, filters) -> np.ndarray:
    """Non-archived initiatives of the axis and quartier, led by an actor of the sector and family, running
    during the period (``Filters.initiative_clauses``)."""
    mask = ~facts.initiative_archived
    if filters.axis_id is not None:
        mask &= facts.initiative_axes[:, facts.axis_index(filters.axis_id)]
    if filters.quartier_id is not None:
        mask &= facts.initiative_quartiers[:, facts.quartier_index(filters.quartier_id)]
    if filters.sector_id is not None or filters.family is not None:
        lead = actor_mask(facts, type(filters)(sector_id=filters.sector_id, family=filters.family))
        mask &= rows_in(facts.initiative_lead, lead)
    if filters.end is not None:
        mask &= facts.initiative_start <= day_int(filters.end)
    if filters.start is not None:
        mask &= facts.initiative_end >= day_int(filters.start)
    return mask
