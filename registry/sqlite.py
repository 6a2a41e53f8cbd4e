"""SQLite done right: foreign keys on every connection, WAL, a busy timeout, and write transactions that
take the write lock up front, so that concurrent writers wait their turn instead of failing with
"database is locked"."""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
import sqlite3

import sqlalchemy as sa

_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar("sqlite_begin_mode", default=None)


@contextlib.contextmanager
def _begin_mode(mode: str):
    token = _mode.set(mode)
    try:
        yield
    finally:
        _mode.reset(token)


def write_lock():
    """Transactions begun inside this block take SQLite's write lock at BEGIN (e.g. applying an import
    from the command line). Elsewhere than SQLite it changes nothing."""
    return _begin_mode("IMMEDIATE")


def reading():
    """Transactions begun inside this block only read (e.g. the preview of an upload, inside a POST): they do
    not take the write lock, so long reading work never makes other writers wait. End the transaction before
    writing anything. Elsewhere than SQLite it changes nothing."""
    return _begin_mode("DEFERRED")


def enter_mode(writes: bool) -> contextvars.Token:
    """For code that cannot use a ``with`` block (the application's request hooks): transactions begun from now on
    take the write lock (``writes``) or not, until ``leave_mode(token)``. The web layer calls it for each request,
    from its method: form posts write, GET requests only read."""
    return _mode.set("IMMEDIATE" if writes else None)


def leave_mode(token: contextvars.Token) -> None:
    _mode.reset(token)


def _begin_statement() -> str:
    # In WAL mode readers never block. A transaction that reads and then writes can however fail at
    # once with SQLITE_BUSY when another writer committed in between (its snapshot is stale): form
    # posts and explicit write blocks therefore take the write lock at BEGIN and wait in the busy
    # handler instead. Reads (GET requests, scripts) start deferred transactions and never hold the lock.
    return "BEGIN IMMEDIATE" if _mode.get() == "IMMEDIATE" else "BEGIN"


def configure_sqlite(engine: sa.Engine, busy_timeout_ms: int) -> None:
    """Attach the SQLite connection settings to ``engine`` (no-op for other engines)."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own handling breaks SAVEPOINT).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(_begin_statement())


#: The body of a row trigger that copies the new row into another table (the FTS5 triggers of migration
#: ``0002_public_search``, the change log's of ``0011_change_log``): ``INSERT INTO target(columns) VALUES (new.a,
#: 'literal', …);``.
_COPYING_TRIGGER = re.compile(
    r"^CREATE TRIGGER (?P<name>\w+) AFTER INSERT ON (?P<table>\w+) BEGIN "
    r"INSERT INTO (?P<target>\w+) ?\((?P<columns>[\w, ]+)\) "
    r"VALUES \((?P<values>(?:(?:new\.\w+|'\w+')(?:, )?)+)\); END$"
)


@contextlib.contextmanager
def insert_triggers_deferred(connection: sa.Connection, table: str, key: str = "id"):
    """Inserting many rows into ``table``: its copying insert triggers (the full-text index, the change log) run
    once for all of them instead of once per row — a third of the time of inserting 10,000 actors. The triggers are
    dropped, and once the block has inserted, their copy is made in one ``INSERT … SELECT`` over the rows whose
    ``key`` (``id``, or a link table's owner column) is one the block yields (``ids.extend(…)``), and they are
    created again, all inside the caller's transaction: SQLite's DDL is transactional, so a rollback leaves them
    as they were, and the write lock keeps every other writer out meanwhile. Elsewhere than SQLite, or for a
    trigger of another shape, nothing changes (the triggers run)."""
    ids: list[int] = []
    triggers = []
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).scalars()
        triggers = [(sql, m) for sql in rows if (m := _COPYING_TRIGGER.match(" ".join(sql.split())))]
    for _sql, trigger in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {trigger['name']}")
    yield ids
    for sql, trigger in triggers:
        if ids:
            values = trigger["values"].replace("new.", "")
            for start in range(0, len(ids), 50_000):
                chunk = ids[start : start + 50_000]
                # Names from the schema itself (matched as words), values bound.
                copy = (
                    f"INSERT INTO {trigger['target']}({trigger['columns']}) SELECT {values} FROM {table} "  # noqa: S608
                    f"WHERE {key} BETWEEN ? AND ? AND {key} IN (SELECT value FROM json_each(?))"
                )
                connection.exec_driver_sql(copy, (min(chunk), max(chunk), json.dumps(chunk)))
        connection.exec_driver_sql(sql)
