"""public site (issue 15): an organisation chooses to show its own e-mail and phone publicly; visitors' error
reports (« Signaler une erreur »)

Revision ID: 0006_public_site
Revises: 0005_renewal_digest
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_public_site"
down_revision = "0005_renewal_digest"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy of the table: on SQLite that would drop the full-text search triggers).
    op.add_column("actors", sa.Column("show_contact_details", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "citizen_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("record_label", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_citizen_reports_actor_id_actors"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"], name=op.f("fk_citizen_reports_handled_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_reports")),
    )  # fmt: skip
    op.create_index(op.f("ix_citizen_reports_created_at"), "citizen_reports", ["created_at"], unique=False)
    op.create_index(op.f("ix_citizen_reports_actor_id"), "citizen_reports", ["actor_id"], unique=False)
    op.create_index(op.f("ix_citizen_reports_handled_at"), "citizen_reports", ["handled_at"], unique=False)


def downgrade():
    op.drop_table("citizen_reports")
    op.drop_column("actors", "show_contact_details")
