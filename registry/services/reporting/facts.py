"""The dashboard's facts: one compact, columnar copy of what its figures count, from which any filter
combination is answered in milliseconds.

Each figure of the dashboard used to be a handful of aggregate queries joining 100,000 actors, their axes and
sectors and 200,000 partnerships: 1.3 to 2.5 s for every new filter combination, since a filter (a year, an
axis, a quartier, a family…) makes the cached figures useless. Instead, what the figures count is read once
into NumPy arrays — for each actor its quartier, family, day of registration, archived flag and a row of its
axes and strategic sectors; for each partnership its actor, counted status, day and amount in cents; for each
initiative its lead, days and rows of axes and quartiers — and every figure is a few vector operations on
them (``dashboard``). The arrays are kept by each process, so a new filter costs no query (``bench/admin.py``
prints both cases).

After a write the facts are not read again: the database's change log (``changes``, kept by triggers on every
table read here) names the records changed since they were read, by any server or script, and only those are
read and merged into the arrays (``merge``: a few statements, a few milliseconds). The first read, and one after
a reference table changed or after a large import, reads everything — made cheap rather than avoided (issue
19). Where its time went, measured at 100,000 actors: building a Python tuple per row (600,000 of them) and
formatting dates in SQL per row (``to_char``, ``replace``/``CAST``: more than the rest of the partnership columns
together). So each table is one statement returning one row — its count and each column joined into one text
(``group_concat`` / ``string_agg``), parsed by ``np.fromstring`` — dates come in each engine's cheapest form
(SQLite's stored text, PostgreSQL's days since 1970) and amounts as stored, turned into days and cents by NumPy
(``Day``, ``Cents``), and ids become rows through a lookup table: 0.6–0.7 s became 0.23–0.28 s. Rejected: COPY
in binary on PostgreSQL (psycopg hands over one block per row: 2 s, measured), refreshing ahead of the request
(another server's write is still seen late). A database without the change log (made by ``create_all``, such as
the in-memory registry as of a date) reads the facts in full once per data version.

Days are integers ``YYYYMMDD`` (0: no date), amounts integer cents: sums are exact.
"""

from __future__ import annotations

import dataclasses
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
from registry.services.reporting import changes
from registry.services.reporting.base import COUNTED_STATUSES, PARTNERSHIP_DATE, joined

#: The day « no end » stands for (an initiative without end date runs on).
NO_END = 99_999_999
FAMILIES = list(LegalFamily)


def day_int(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


@dataclass(frozen=True)
class Reference:
    """The reference data that shapes the facts' matrices: the order of their columns, the families of forms."""

    axis_ids: list[int]
    quartier_ids: list[int]
    sector_ids: list[int]
    form_ids: np.ndarray
    form_families: np.ndarray  # the family of each form, and -1 last: an unknown form (position -1) reads it


@dataclass(frozen=True)
class Facts:
    """Columnar facts; ``axis_ids``, ``quartier_ids`` and ``sector_ids`` give the order of matrix columns (axes
    by position, quartiers by name, strategic sectors by label). Each table's rows are in no particular order:
    ``*_ids`` say whose they are, and references between tables are rows (``partnership_actor``)."""

    axis_ids: list[int]
    quartier_ids: list[int]
    sector_ids: list[int]
    # actors (one row each, by id)
    actor_ids: np.ndarray  # (rows in no particular order)
    actor_quartier: np.ndarray  # index in quartier_ids, -1 without quartier
    actor_family: np.ndarray  # index in FAMILIES
    actor_day: np.ndarray  # day of registration
    actor_archived: np.ndarray  # bool
    actor_axes: np.ndarray  # bool, actors × axes
    actor_sectors: np.ndarray  # bool, actors × strategic sectors
    # partnerships (in no particular order)
    partnership_ids: np.ndarray
    partnership_actor_ids: np.ndarray
    partnership_actor: np.ndarray  # actor row
    partnership_counted: np.ndarray  # bool: signed, running or ended
    partnership_day: np.ndarray  # convention, else start, else decision; 0 without any
    partnership_cents: np.ndarray  # int64, 0 without amount
    # initiatives
    initiative_ids: np.ndarray
    initiative_archived: np.ndarray
    initiative_lead_ids: np.ndarray  # 0 without lead
    initiative_lead: np.ndarray  # actor row, -1 without lead
    initiative_start: np.ndarray  # 0 without start
    initiative_end: np.ndarray  # NO_END without end
    initiative_axes: np.ndarray  # bool, initiatives × axes
    initiative_quartiers: np.ndarray  # bool, initiatives × quartiers
    # how they were read: the reference data, and the change log's position (None: the database keeps none)
    reference: Reference
    position: changes.Position | None

    def axis_index(self, axis_id: int | None) -> int | None:
        return None if axis_id is None else self.axis_ids.index(axis_id)

    def quartier_index(self, quartier_id: int | None) -> int | None:
        return None if quartier_id is None else self.quartier_ids.index(quartier_id)

    def sector_index(self, sector_id: int | None) -> int | None:
        return None if sector_id is None else self.sector_ids.index(sector_id)

    def in_mask(self, actor_ids, mask: np.ndarray) -> np.ndarray:
        """For each actor id, whether it is in the actors ``mask`` (an unknown id is not)."""
        return rows_in(_indexer(self.actor_ids)(np.asarray(actor_ids, dtype=np.int64)), mask)


#: Each table's fields, its ids first (``merge`` replaces rows by them); the row references
#: (``partnership_actor``, ``initiative_lead``) are derived from the ids.
ACTOR_FIELDS = tuple(f.name for f in dataclasses.fields(Facts) if f.name.startswith("actor_"))
PARTNERSHIP_FIELDS = tuple(
    f.name for f in dataclasses.fields(Facts) if f.name.startswith("partnership_") and f.name != "partnership_actor"
)
INITIATIVE_FIELDS = tuple(
    f.name for f in dataclasses.fields(Facts) if f.name.startswith("initiative_") and f.name != "initiative_lead"
)


#: Epoch days (PostgreSQL) standing for « no date »: before the year 1.
_NO_DAY = -999_999_999


@dataclass(frozen=True)
class Day:
    """A date (or timestamp) column read as days ``YYYYMMDD``, ``missing`` without one.

    Formatting a date per row is most of the cost of reading the facts (``to_char``, ``replace`` and ``CAST`` on
    200,000 partnerships cost more than the rest of their columns together), so each engine sends its cheapest
    form and NumPy turns it into days: SQLite its stored text ``YYYY-MM-DD…`` (the first ten characters),
    PostgreSQL the days since 1970-01-01 (a subtraction)."""

    column: sa.ColumnElement
    missing: int = 0

    def expression(self, dialect: str) -> sa.ColumnElement:
        if dialect == "sqlite":
            text = self.column
            if isinstance(self.column.type, sa.DateTime):
                text = sa.func.substr(self.column, 1, 10)
            return sa.func.coalesce(text, "0")
        return sa.func.coalesce(sa.cast(self.column, sa.Date) - sa.literal_column("DATE '1970-01-01'"), _NO_DAY)

    def parse(self, text: str, dialect: str) -> np.ndarray:
        if dialect == "sqlite":
            days = np.fromstring(text.replace("-", ""), dtype=np.int64, sep=",")
            return np.where(days == 0, self.missing, days)
        epoch = np.fromstring(text, dtype=np.int64, sep=",")
        return np.where(epoch == _NO_DAY, self.missing, _civil_days(epoch))


def _civil_days(epoch: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 → ``YYYYMMDD`` (proleptic Gregorian; H. Hinnant's ``civil_from_days``, in integer
    vector operations: several times faster than NumPy's calendar through ``datetime64``)."""
    z = epoch + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year * 10_000 + month * 100 + day


@dataclass(frozen=True)
class Cents:
    """An amount column (``Money``: at most 12 digits and 2 decimals) read as integer cents, 0 without one.

    The engine sends the amount as it stores it (rounding it in SQL costs as much as the rest of the row); NumPy
    reads it as a float and rounds ``amount × 100``: below 10¹⁴ cents a float's error is far under half a cent,
    so the cents are exact."""

    column: sa.ColumnElement

    def expression(self, dialect: str) -> sa.ColumnElement:
        return sa.func.coalesce(self.column, 0)

    def parse(self, text: str, dialect: str) -> np.ndarray:
        return np.rint(np.fromstring(text, dtype=np.float64, sep=",") * 100).astype(np.int64)


def _columns(connection, table, *columns, where=None) -> list[np.ndarray]:
    """The integer ``columns`` (expressions, ``Day`` or ``Cents``) over the rows of ``table`` (``where``), as
    arrays in the same row order.

    One statement, one row: the count and each column joined into one text by the database, parsed by NumPy —
    building a Python tuple per row would cost more than the query. All aggregates of a statement step over the
    same rows in the same order (a parallel plan combines each worker's partial texts together), so the arrays
    line up; a NULL (left out by the aggregate) or a value that does not
    parse makes a column shorter than the count, which is an error rather than shifted figures."""
    dialect = connection.dialect.name
    expressions = [c.expression(dialect) if isinstance(c, Day | Cents) else c for c in columns]
    statement = sa.select(sa.func.count(), *(joined(e) for e in expressions)).select_from(table)
    if where is not None:
        statement = statement.where(where)
    count, *texts = connection.execute(statement).one()
    arrays = []
    for column, text in zip(columns, texts, strict=True):
        if isinstance(column, Day | Cents):
            array = column.parse(text or "", dialect)
        else:
            array = np.fromstring(text or "", dtype=np.int64, sep=",")
        if len(array) != count:
            raise ValueError(f"facts: {len(array)} values of {column} for {count} rows of {table}")
        arrays.append(array)
    return arrays


def _membership(row_ids: np.ndarray, column_ids: np.ndarray, rows_of, n_rows: int, columns: list[int]):
    """A bool matrix rows × ``columns`` from the pairs (``row_ids[i]``, ``column_ids[i]``); pairs of unknown rows
    or columns are left out."""
    matrix = np.zeros((n_rows, len(columns)), dtype=bool)
    rows, at = rows_of(row_ids), _indexer(np.asarray(columns, dtype=np.int64))(column_ids)
    keep = (rows >= 0) & (at >= 0)
    matrix[rows[keep], at[keep]] = True
    return matrix


def rows_in(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each row number (-1: none), whether that row is in ``mask``."""
    known = rows >= 0
    return known & mask[np.where(known, rows, 0)]


def _indexer(ids: np.ndarray):
    """ids (distinct, in any order) → a function giving the position of each value in ``ids``, -1 for an
    unknown one. Database ids are dense, so a table from id to position (at most a few times the ids' count) is
    looked up directly, several times faster than a binary search; sparse ids fall back to one."""
    if len(ids) and ids.min() >= 0 and ids.max() < 4 * len(ids) + 1024:
        table = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
        table[ids] = np.arange(len(ids))

        def rows_of(values: np.ndarray) -> np.ndarray:
            inside = (values >= 0) & (values < len(table))
            return np.where(inside, table[np.where(inside, values, 0)], -1)

        return rows_of
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]

    def rows_of(values: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.full(len(values), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(ordered, values), len(ids) - 1)
        return np.where(ordered[at] == values, order[at], -1)

    return rows_of


def _reference(session: so.Session) -> Reference:
    forms = session.execute(sa.select(LegalForm.id, LegalForm.family)).all()
    return Reference(
        axis_ids=list(session.scalars(sa.select(Axis.id).order_by(Axis.position))),
        quartier_ids=list(session.scalars(sa.select(Quartier.id).order_by(Quartier.name))),
        sector_ids=list(session.scalars(sa.select(Sector.id).where(Sector.strategic.is_(True)).order_by(Sector.label))),
        form_ids=np.array([f for f, _family in forms], dtype=np.int64),
        form_families=np.array([FAMILIES.index(f) if f is not None else -1 for _id, f in forms] + [-1], np.int64),
    )


def _of(column: sa.ColumnElement, ids: list[int] | None):
    """``column IN ids``, or no condition for every row."""
    return None if ids is None else column.in_(ids)


def _and(*conditions):
    kept = [c for c in conditions if c is not None]
    return sa.and_(*kept) if kept else None


def _links(connection, owner: sa.Column, other: sa.Column, ids: list[int] | None, where=None) -> list[np.ndarray]:
    """The (owner, other) pairs of a link table, of every owner or of those of ``ids``."""
    return _columns(connection, owner.table, owner, other, where=_and(where, _of(owner, ids)))


def _actors(connection, ref: Reference, ids: list[int] | None = None) -> dict[str, np.ndarray]:
    """The actors' facts (every actor, or those of ``ids`` that exist), by field of ``Facts``."""
    actor_ids, archived, quartier, form, day = _columns(
        connection,
        Actor.__table__,
        Actor.id,
        sa.case((Actor.status == ActorStatus.ARCHIVED, 1), else_=0),
        sa.func.coalesce(Actor.quartier_id, -1),
        sa.func.coalesce(Actor.legal_form_id, -1),
        Day(Actor.created_at),
        where=_of(Actor.id, ids),
    )
    rows_of = _indexer(actor_ids)
    axes = _links(connection, actor_axes.c.actor_id, actor_axes.c.axis_id, ids)
    sectors = _links(
        connection,
        actor_sectors.c.actor_id,
        actor_sectors.c.sector_id,
        ids,
        actor_sectors.c.sector_id.in_(ref.sector_ids or [-1]),
    )
    return {
        "actor_ids": actor_ids,
        "actor_quartier": _indexer(np.asarray(ref.quartier_ids, dtype=np.int64))(quartier),
        "actor_family": ref.form_families[_indexer(ref.form_ids)(form)],
        "actor_day": day,
        "actor_archived": archived.astype(bool),
        "actor_axes": _membership(*axes, rows_of, len(actor_ids), ref.axis_ids),
        "actor_sectors": _membership(*sectors, rows_of, len(actor_ids), ref.sector_ids),
    }


def _partnerships(connection, ids: list[int] | None = None) -> dict[str, np.ndarray]:
    partnership_ids, actor, counted, day, cents = _columns(
        connection,
        Partnership.__table__,
        Partnership.id,
        Partnership.actor_id,
        sa.case((Partnership.status.in_(COUNTED_STATUSES), 1), else_=0),
        Day(PARTNERSHIP_DATE),
        Cents(Partnership.amount),
        where=_of(Partnership.id, ids),
    )
    return {
        "partnership_ids": partnership_ids,
        "partnership_actor_ids": actor,
        "partnership_counted": counted.astype(bool),
        "partnership_day": day,
        "partnership_cents": cents,
    }


def _initiatives(connection, ref: Reference, ids: list[int] | None = None) -> dict[str, np.ndarray]:
    initiative_ids, archived, lead, start, end = _columns(
        connection,
        Initiative.__table__,
        Initiative.id,
        sa.case((Initiative.archived_at.is_(None), 0), else_=1),
        sa.func.coalesce(Initiative.lead_actor_id, 0),
        Day(Initiative.start_date),
        Day(Initiative.end_date, NO_END),
        where=_of(Initiative.id, ids),
    )
    rows_of = _indexer(initiative_ids)
    axes = _links(connection, initiative_axes.c.initiative_id, initiative_axes.c.axis_id, ids)
    quartiers = _links(connection, initiative_quartiers.c.initiative_id, initiative_quartiers.c.quartier_id, ids)
    return {
        "initiative_ids": initiative_ids,
        "initiative_archived": archived.astype(bool),
        "initiative_lead_ids": lead,
        "initiative_start": start,
        "initiative_end": end,
        "initiative_axes": _membership(*axes, rows_of, len(initiative_ids), ref.axis_ids),
        "initiative_quartiers": _membership(*quartiers, rows_of, len(initiative_ids), ref.quartier_ids),
    }


def _facts(ref: Reference, position, actors: dict, partnerships: dict, initiatives: dict) -> Facts:
    """The facts from each table's fields; rows refer to actors by their row, looked up from their ids."""
    actor_rows = _indexer(actors["actor_ids"])
    return Facts(
        axis_ids=ref.axis_ids,
        quartier_ids=ref.quartier_ids,
        sector_ids=ref.sector_ids,
        **actors,
        **partnerships,
        partnership_actor=actor_rows(partnerships["partnership_actor_ids"]),
        **initiatives,
        initiative_lead=actor_rows(initiatives["initiative_lead_ids"]),
        reference=ref,
        position=position,
    )


def load(session: so.Session) -> Facts:
    """Read the facts from the database: one statement per table, about 600,000 small values per column for
    100,000 actors. The change log's position is read first: whatever commits meanwhile is read again later."""
    connection = session.connection()
    position = changes.position(connection) if changes.armed(connection) else None
    ref = _reference(session)
    return _facts(ref, position, _actors(connection, ref), _partnerships(connection), _initiatives(connection, ref))


def _merged(kept: dict[str, np.ndarray], key: str, changed: list[int], fresh: dict[str, np.ndarray]) -> dict:
    """The rows of ``kept`` but those whose ``key`` changed, then the ``fresh`` rows of the changed ids that
    still exist (order does not matter: rows are found by id)."""
    stays = ~np.isin(kept[key], np.asarray(changed, dtype=np.int64))
    return {name: np.concatenate([column[stays], fresh[name]]) for name, column in kept.items()}


def merge(session: so.Session, kept: Facts, changed: changes.Changes) -> Facts:
    """``kept`` brought to ``changed.position``: the changed records read again, the others kept."""
    connection = session.connection()
    ref, ids = kept.reference, changed.ids
    tables = []
    for kind, fields, read in (
        ("actors", ACTOR_FIELDS, lambda i: _actors(connection, ref, i)),
        ("partnerships", PARTNERSHIP_FIELDS, lambda i: _partnerships(connection, i)),
        ("initiatives", INITIATIVE_FIELDS, lambda i: _initiatives(connection, ref, i)),
    ):
        table = {name: getattr(kept, name) for name in fields}
        if ids[kind]:
            table = _merged(table, fields[0], ids[kind], read(sorted(set(ids[kind]))))
        tables.append(table)
    return _facts(ref, changed.position, *tables)


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


@sa.event.listens_for(so.Session, "after_commit")
@sa.event.listens_for(so.Session, "after_soft_rollback")
def _transaction_over(session, *args) -> None:
    session.info.pop(_INFO_KEY, None)


def generation() -> int:
    """A number that moves whenever this process flushes a write."""
    return _generation[0]


def _shared(session: so.Session) -> bool:
    """Whether the session's database outlives it (not an in-memory one, such as the registry as of a date)."""
    database = session.get_bind().url.database
    return bool(database) and database != ":memory:"


def facts_for(session: so.Session) -> Facts:
    """The facts of the session's database, as of its current transaction (kept with the session until it
    commits, rolls back or flushes).

    A database with the change log (``changes``) keeps one copy per process, brought up to date at each new
    transaction by reading only the records changed since — whoever changed them. Without it, the copy is kept
    until the data version moves (a write through any server). A session that wrote and has not committed reads
    its own facts and keeps them to itself; an in-memory database (the registry as of a date) keeps them with its
    session too."""
    if _INFO_KEY in session.info:
        return session.info[_INFO_KEY]
    from registry.services.public.versions import has_written

    if not _shared(session) or has_written(session):
        facts = load(session)
    elif changes.armed(session.connection()):
        facts = _brought_up_to_date(session)
    else:
        facts = _kept_for_version(session)
    session.info[_INFO_KEY] = facts
    return facts


def _brought_up_to_date(session: so.Session) -> Facts:
    url = str(session.get_bind().url)
    with _lock:
        kept = _kept.get(url)
    if kept is None or kept.position is None:
        facts, long = load(session), False
    else:
        changed = changes.since(session.connection(), kept.position)
        long = changed.long
        if changed.everything:
            facts = load(session)
        elif changed:
            facts = merge(session, kept, changed)
        else:
            facts = dataclasses.replace(kept, position=changed.position)  # the arrays are shared
    with _lock:
        _kept[url] = facts
    if long:
        changes.prune(session.get_bind())
    return facts


def _kept_for_version(session: so.Session) -> Facts:
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
