"""initiative partners get a key of their own

``initiative_partners`` had the composite primary key (initiative_id, actor_id). Flask-Admin's inline lists pair
each row of a form with its record by a single primary key, so the initiative form could not be opened once an
initiative had a partner. The table gets an ``id``; the pair stays unique. Rows are kept: copied out, the table
rebuilt (the same way on SQLite and PostgreSQL, constraint names from the naming convention), copied back.

Revision ID: 0003_initiative_partner_id
Revises: 0002_public_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_initiative_partner_id"
down_revision = "0002_public_search"
branch_labels = None
depends_on = None

KEPT = "initiative_partners_kept"


def _keep_rows() -> None:
    op.execute(f"CREATE TABLE {KEPT} AS SELECT initiative_id, actor_id, role FROM initiative_partners")
    with op.batch_alter_table("initiative_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_partners_actor_id"))
    op.drop_table("initiative_partners")


def _restore_rows() -> None:
    op.execute(
        f"INSERT INTO initiative_partners (initiative_id, actor_id, role) "
        f"SELECT initiative_id, actor_id, role FROM {KEPT} ORDER BY initiative_id, actor_id"
    )
    op.drop_table(KEPT)
    with op.batch_alter_table("initiative_partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_partners_actor_id"), ["actor_id"], unique=False)


def _foreign_keys() -> list:
    return [
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_initiative_partners_actor_id_actors"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"],
                                name=op.f("fk_initiative_partners_initiative_id_initiatives"), ondelete="CASCADE"),
    ]  # fmt: skip


def upgrade():
    _keep_rows()
    op.create_table(
        "initiative_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        *_foreign_keys(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_partners")),
        sa.UniqueConstraint("initiative_id", "actor_id", name=op.f("uq_initiative_partners_initiative_id_actor_id")),
    )
    _restore_rows()


def downgrade():
    _keep_rows()
    op.create_table(
        "initiative_partners",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        *_foreign_keys(),
        sa.PrimaryKeyConstraint("initiative_id", "actor_id", name=op.f("pk_initiative_partners")),
    )
    _restore_rows()
