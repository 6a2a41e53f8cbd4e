"""Which records changed since the dashboard's facts were read, from the change log the database keeps.

Migration ``0011_change_log`` puts triggers on every table the facts read (``LOGGED``): each statement that
writes one logs the records it touched, in its own transaction, whoever runs it (this app on any server, the
importer's bulk insert, a script). A server holding the facts keeps the *position* they were read at and, at the
next request, reads the records logged since — a few rows after an officer's save — instead of every table
again (``facts.facts_for``).

The position is what makes « since » exact on each engine:

- **SQLite**: the last entry id seen. Writers take turns (a write transaction holds the database's write lock
  until it commits), so ids follow commit order: every entry above the position was committed later.
- **PostgreSQL**: the snapshot (``pg_current_snapshot()``) taken before the facts were read. Ids come from a
  sequence before commit, so a transaction that began first may commit after a later one: an id position would
  skip it. Instead each entry carries its transaction (``xid``), and « since » is every entry whose transaction
  the snapshot does not see (``pg_visible_in_snapshot``); the index on ``xid`` bounds the scan from the
  snapshot's oldest running transaction (``xmin``).

In both cases a record committed between the position and the read of the data is read twice, which is harmless;
none is missed. The log is pruned to its last ``KEEP`` entries once it holds twice that (``prune``);
``change_log_state.pruned_below`` says how far, and facts read before that point are read again in full. So are
they when a reference table changed (the axes', quartiers', sectors' or legal forms' order and families shape
every matrix), or when more than ``MERGE_LIMIT`` records of a kind changed (an import: reading everything is then
cheaper than merging).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import sqlalchemy as sa

log = logging.getLogger(__name__)

#: table → (the record kind logged, the column holding its id); the triggers of migration 0011.
LOGGED = {
    "actors": ("actors", "id"),
    "actor_axes": ("actors", "actor_id"),
    "actor_sectors": ("actors", "actor_id"),
    "partnerships": ("partnerships", "id"),
    "initiatives": ("initiatives", "id"),
    "initiative_axes": ("initiatives", "initiative_id"),
    "initiative_quartiers": ("initiatives", "initiative_id"),
    "axes": ("axes", "id"),
    "quartiers": ("quartiers", "id"),
    "sectors": ("sectors", "id"),
    "legal_forms": ("legal_forms", "id"),
}
#: The record kinds the facts merge; a change of any other (a reference table) means reading them all again.
MERGED = ("actors", "partnerships", "initiatives")
#: Beyond this many changed records of one kind, the facts are read again rather than merged.
MERGE_LIMIT = 5_000
#: Entries kept when the log is pruned (it is, once it holds twice as many).
KEEP = 50_000

_armed: dict[str, bool] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Position:
    """Where the log stood when the facts were read: the last entry id seen (SQLite) or a snapshot (PostgreSQL)."""

    value: int | str

    @property
    def horizon(self) -> int:
        """What ``change_log_state.pruned_below`` is compared with: the id, or the snapshot's ``xmin``."""
        return self.value if isinstance(self.value, int) else int(self.value.split(":", 1)[0])


def armed(connection: sa.Connection) -> bool:
    """Whether this database keeps the change log (migrated to 0011; a database made by ``create_all``, such as
    the in-memory registry as of a date, does not). Asked once per database and process."""
    url = str(connection.engine.url)
    with _lock:
        known = _armed.get(url)
    if known is None:
        known = sa.inspect(connection).has_table("change_log_state") and bool(
            connection.execute(sa.text("SELECT count(*) FROM change_log_state")).scalar()
        )
        with _lock:
            _armed[url] = known
    return known


def position(connection: sa.Connection) -> Position:
    """The log's position now (read it before the data it stands for)."""
    if connection.dialect.name == "postgresql":
        return Position(connection.execute(sa.text("SELECT pg_current_snapshot()::text")).scalar_one())
    return Position(int(connection.execute(sa.text("SELECT coalesce(max(id), 0) FROM change_log")).scalar_one()))


@dataclass(frozen=True)
class Changes:
    """What changed between two positions: the ids of each record kind touched, or ``everything``."""

    position: Position
    ids: dict[str, list[int]]
    everything: bool = False
    #: The log holds more than twice ``KEEP`` entries: time to prune it.
    long: bool = False

    def __bool__(self) -> bool:
        return self.everything or any(self.ids.values())


def since(connection: sa.Connection, old: Position) -> Changes:
    """The records logged after ``old``, read with the position they bring the facts to."""
    new = position(connection)
    pruned, lowest, highest = connection.execute(
        sa.text(
            "SELECT (SELECT pruned_below FROM change_log_state WHERE id = 1), "
            "(SELECT min(id) FROM change_log), (SELECT max(id) FROM change_log)"
        )
    ).one()
    long = highest is not None and highest - lowest > 2 * KEEP
    if pruned is None or old.horizon < pruned:
        return Changes(new, {}, everything=True, long=long)
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            sa.text(
                "SELECT DISTINCT table_name, row_id FROM change_log WHERE xid >= :xmin "
                "AND NOT pg_visible_in_snapshot(xid::text::xid8, CAST(:snapshot AS pg_snapshot)) LIMIT :limit"
            ),
            {"xmin": old.horizon, "snapshot": old.value, "limit": 3 * MERGE_LIMIT + 1},
        )
    else:
        rows = connection.execute(
            sa.text("SELECT DISTINCT table_name, row_id FROM change_log WHERE id > :old AND id <= :new LIMIT :limit"),
            {"old": old.value, "new": new.value, "limit": 3 * MERGE_LIMIT + 1},
        )
    ids: dict[str, list[int]] = {kind: [] for kind in MERGED}
    count = 0
    for kind, row_id in rows:
        count += 1
        if kind not in ids:
            return Changes(new, {}, everything=True, long=long)  # a reference table
        ids[kind].append(int(row_id))
    if count > 3 * MERGE_LIMIT or any(len(v) > MERGE_LIMIT for v in ids.values()):
        return Changes(new, {}, everything=True, long=long)
    return Changes(new, ids, long=long)


def prune(engine: sa.Engine) -> None:
    """Keep the last ``KEEP`` entries, in a transaction of its own; best effort (another writer holding the lock
    only delays it to a later read)."""
    try:
        with engine.begin() as connection:
            highest = connection.execute(sa.text("SELECT max(id) FROM change_log")).scalar()
            if highest is None:
                return
            cut = highest - KEEP
            if connection.dialect.name == "postgresql":
                # Only entries of transactions over before this one's snapshot began: every reader whose snapshot's
                # xmin is at least the boundary saw them.
                boundary = connection.execute(
                    sa.text(
                        "SELECT max(xid) + 1 FROM change_log WHERE id < :cut "
                        "AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
                    ),
                    {"cut": cut},
                ).scalar()
                if boundary is None:
                    return
                connection.execute(sa.text("DELETE FROM change_log WHERE xid < :b"), {"b": boundary})
                bump = "UPDATE change_log_state SET pruned_below = greatest(pruned_below, :b) WHERE id = 1"
            else:
                boundary = cut
                connection.execute(sa.text("DELETE FROM change_log WHERE id < :b"), {"b": boundary})
                bump = "UPDATE change_log_state SET pruned_below = max(pruned_below, :b) WHERE id = 1"
            connection.execute(sa.text(bump), {"b": boundary})
    except sa.exc.OperationalError as exc:
        log.info("Change log not pruned this time: %s", exc)
