"""French order of lists (issue 13 item 7): a folded, indexed ``sort_name`` on the records lists sort by name
(actors, initiatives, loan programmes, quartiers, sectors, legal forms), backfilled here with the application's
own folding; the public directory's sort index moves from the first 80 characters of ``search_text`` (name and
description run together) to ``sort_name``.

Revision ID: 0008_sort_name
Revises: 0007_reference_checks
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from unidecode import unidecode

revision = "0008_sort_name"
down_revision = "0007_reference_checks"
branch_labels = None
depends_on = None

#: (table, the column folded into sort_name).
SORTED = (
    ("actors", "name"),
    ("initiatives", "title"),
    ("loan_programmes", "name"),
    ("quartiers", "name"),
    ("sectors", "label"),
    ("legal_forms", "label"),
)
#: The public directory's tables (their sort index of 0002_public_search is replaced).
PUBLIC = ("actors", "initiatives")
LENGTH = 80
BATCH = 5000


def fold(text):
    """``registry.services.reference.normalize.fold`` as of this migration (a migration never imports the app)."""
    if not text:
        return ""
    text = re.sub(r"[\u0300-\u036f]", "", unicodedata.normalize("NFKD", str(text)))
    if not text.isascii():
        text = unidecode(text)
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    for table, label in SORTED:
        # A plain ADD COLUMN (no batch copy of the table: on SQLite that would drop the full-text search triggers).
        op.add_column(table, sa.Column("sort_name", sa.String(length=LENGTH), server_default="", nullable=False))
        rows = sa.table(table, sa.column("id"), sa.column(label), sa.column("sort_name"))
        update = sa.update(rows).where(rows.c.id == sa.bindparam("row_id")).values(sort_name=sa.bindparam("key"))
        result = bind.execute(sa.select(rows.c.id, rows.c[label]))
        while chunk := result.fetchmany(BATCH):
            params = [{"row_id": ident, "key": fold(name)[:LENGTH]} for ident, name in chunk]
            bind.execute(update, params)
        op.create_index(op.f(f"ix_{table}_sort_name"), table, ["sort_name"], unique=False)
    # SQLite walks the index for the first page only when ``published`` leads it (see 0002_public_search).
    prefix = "published, " if dialect == "sqlite" else ""
    for table in PUBLIC:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_sort_key")
        op.execute(f"CREATE INDEX ix_{table}_public_sort_name ON {table} ({prefix}sort_name, id)")


def downgrade():
    dialect = op.get_bind().dialect.name
    prefix = "published, " if dialect == "sqlite" else ""
    for table in PUBLIC:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_public_sort_name")
        op.execute(f"CREATE INDEX ix_{table}_sort_key ON {table} ({prefix}substr(search_text, 1, 80), id)")
    for table, _label in SORTED:
        op.drop_index(op.f(f"ix_{table}_sort_name"), table_name=table)
        op.drop_column(table, "sort_name")
