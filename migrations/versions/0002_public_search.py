"""public search indexes

Search and sort indexes for the public directory, outside the models (see registry/schema_extras.py):

- both engines: an index on the sort key (the first 80 characters of the accent-folded ``search_text``, which
  starts with the folded name or title) and on ``updated_at`` (Last-Modified of the API);
- SQLite: FTS5 tables over name/title and ``search_text``, kept in sync by triggers;
- PostgreSQL: GIN full-text indexes over ``search_text`` ('simple' configuration: the text is already folded)
  and over the unaccented name or title (the ``unaccent`` extension), used to rank name matches first.

Revision ID: 0002_public_search
Revises: 0001
"""

from alembic import op

revision = "0002_public_search"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (table, name column, full-text table)
SEARCHED = (("actors", "name", "actors_fts"), ("initiatives", "title", "initiatives_fts"))


def _sqlite_fts(table: str, label: str, fts: str) -> list[str]:
    columns = f"{label}, search_text"
    new_values = f"new.id, new.{label}, new.search_text"
    old_values = f"'delete', old.id, old.{label}, old.search_text"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES ({new_values}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ({old_values}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {label}, search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ({old_values}); "
        f"INSERT INTO {fts}(rowid, {columns}) VALUES ({new_values}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    # SQLite walks the sort index for the first page only when ``published`` leads it (``published IS 1`` is an
    # index equality there); PostgreSQL cannot use ``published IS true`` as an index condition, so it sorts on
    # the key alone.
    sort_prefix = "published, " if dialect == "sqlite" else ""
    for table, _label, _fts in SEARCHED:
        op.execute(f"CREATE INDEX ix_{table}_sort_key ON {table} ({sort_prefix}substr(search_text, 1, 80), id)")
        op.execute(f"CREATE INDEX ix_{table}_updated_at ON {table} (updated_at)")
    # Counting the public actors reads this index only; the ESUS filter has its own.
    op.execute("CREATE INDEX ix_actors_public_status ON actors (published, status)")
    op.execute("CREATE INDEX ix_actors_esus_date ON actors (esus_date)")
    if dialect == "sqlite":
        for table, label, fts in SEARCHED:
            for statement in _sqlite_fts(table, label, fts):
                op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        # unaccent() is only STABLE (its dictionary could change); indexes need an IMMUTABLE wrapper.
        op.execute(
            "CREATE OR REPLACE FUNCTION registry_unaccent(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
            "AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$"
        )
        for table, label, _fts in SEARCHED:
            op.execute(
                f"CREATE INDEX ix_{table}_search_vector ON {table} "
                "USING gin (to_tsvector('simple'::regconfig, search_text))"
            )
            op.execute(
                f"CREATE INDEX ix_{table}_{label}_vector ON {table} "
                f"USING gin (to_tsvector('simple'::regconfig, lower(registry_unaccent({label}))))"
            )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for _table, _label, fts in SEARCHED:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif dialect == "postgresql":
        for table, label, _fts in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{label}_vector")
        op.execute("DROP FUNCTION IF EXISTS registry_unaccent(text)")
    op.execute("DROP INDEX IF EXISTS ix_actors_esus_date")
    op.execute("DROP INDEX IF EXISTS ix_actors_public_status")
    for table, _label, _fts in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_updated_at")
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_sort_key")
