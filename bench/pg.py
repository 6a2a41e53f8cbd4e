"""A PostgreSQL database of its own for a benchmark, on the server a ``--postgres URL`` names."""

from __future__ import annotations

import sqlalchemy as sa


def bench_database(server_url: str, name: str, *, fresh: bool) -> tuple[str, bool]:
    """The URL of database ``name`` on that server, created when missing (dropped first when ``fresh``), and
    whether it was created (so that the caller fills it)."""
    server = sa.engine.make_url(server_url)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and fresh:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), not exists
