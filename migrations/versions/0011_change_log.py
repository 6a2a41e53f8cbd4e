"""dashboard facts read only what changed (issue 19): a change log kept by triggers on the tables the facts read

``change_log``: one entry per record touched by a statement (an actor for a row of ``actors``, ``actor_axes`` or
``actor_sectors``; a partnership; an initiative for a row of ``initiatives``, ``initiative_axes`` or
``initiative_quartiers``; the reference tables by their own name). SQLite: a row trigger per table and event.
PostgreSQL: a statement trigger per table and event over its transition tables, each entry with its transaction
(``xid``), and a ``TRUNCATE`` logs the kind « truncate » (the facts are then read again in full).
``change_log_state``: how far the log was pruned.

A later migration that copies one of these tables on SQLite (``batch_alter_table``) drops its triggers: it must
create them again (``sqlite_triggers`` below), as it must the full-text ones of ``0002_public_search``.

Revision ID: 0011_change_log
Revises: 0010_partnership_attributor
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_change_log"
down_revision = "0010_partnership_attributor"
branch_labels = None
depends_on = None

#: table → (the record kind logged, the column holding its id). Kept equal to
#: ``registry.services.reporting.changes.LOGGED`` (a test compares them with the database's triggers).
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

PG_FUNCTION = """
CREATE FUNCTION change_log_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO change_log (xid, table_name, row_id) VALUES (pg_current_xact_id()::text::bigint, 'truncate', 0);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(
            'INSERT INTO change_log (xid, table_name, row_id) '
            'SELECT DISTINCT pg_current_xact_id()::text::bigint, %L, %I FROM new_rows', TG_ARGV[0], TG_ARGV[1]);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND TG_ARGV[1] <> 'id') THEN
        EXECUTE format(
            'INSERT INTO change_log (xid, table_name, row_id) '
            'SELECT DISTINCT pg_current_xact_id()::text::bigint, %L, %I FROM old_rows', TG_ARGV[0], TG_ARGV[1]);
    END IF;
    RETURN NULL;
END
$$
"""


def sqlite_triggers(table: str) -> list[str]:
    """The row triggers of ``table`` on SQLite (an update of a link row logs its old and its new owner)."""
    kind, column = LOGGED[table]
    log = "INSERT INTO change_log (table_name, row_id) VALUES"
    updated = f"('{kind}', new.{column})" if column == "id" else f"('{kind}', old.{column}), ('{kind}', new.{column})"
    return [
        f"CREATE TRIGGER change_log_{table}_insert AFTER INSERT ON {table} BEGIN {log} ('{kind}', new.{column}); END",
        f"CREATE TRIGGER change_log_{table}_update AFTER UPDATE ON {table} BEGIN {log} {updated}; END",
        f"CREATE TRIGGER change_log_{table}_delete AFTER DELETE ON {table} BEGIN {log} ('{kind}', old.{column}); END",
    ]


def postgresql_triggers(table: str) -> list[str]:
    kind, column = LOGGED[table]
    run = f"FOR EACH STATEMENT EXECUTE FUNCTION change_log_record('{kind}', '{column}')"
    return [
        f"CREATE TRIGGER change_log_{table}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows {run}",
        f"CREATE TRIGGER change_log_{table}_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {run}",
        f"CREATE TRIGGER change_log_{table}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows {run}",
        f"CREATE TRIGGER change_log_{table}_truncate AFTER TRUNCATE ON {table} {run}",
    ]


def upgrade():
    op.create_table(
        "change_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_change_log_xid"), "change_log", ["xid"], unique=False)
    op.create_table(
        "change_log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pruned_below", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log_state")),
    )
    op.execute("INSERT INTO change_log_state (id, pruned_below) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for table in LOGGED:
        for statement in sqlite_triggers(table) if dialect == "sqlite" else postgresql_triggers(table):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in LOGGED:
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS change_log_{table}_{event}" + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS change_log_record()")
    op.drop_table("change_log_state")
    op.drop_index(op.f("ix_change_log_xid"), table_name="change_log")
    op.drop_table("change_log")
