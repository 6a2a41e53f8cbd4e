"""SQLite done right: foreign keys on every connection, WAL, a busy timeout, and write transactions that
take the write lock up front, so that concurrent writers wait their turn instead of failing with
"database is locked"."""

from __future__ import annotations

import contextlib
import contextvars
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
