"""public services (issue 17): what the company register and the geocoder last said about each actor

Revision ID: 0007_reference_checks
Revises: 0006_public_site
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_reference_checks"
down_revision = "0006_public_site"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reference_checks",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("sirene_state", sa.String(length=12), nullable=True),
        sa.Column("sirene_checked_at", sa.DateTime(), nullable=True),
        sa.Column("sirene_closed_on", sa.Date(), nullable=True),
        sa.Column("sirene_differences", sa.Text(), nullable=False),
        sa.Column("geocode_status", sa.String(length=12), nullable=True),
        sa.Column("geocode_checked_at", sa.DateTime(), nullable=True),
        sa.Column("geocode_score", sa.Float(), nullable=True),
        sa.Column("geocode_label", sa.String(length=300), nullable=True),
        sa.Column("geocode_latitude", sa.Float(), nullable=True),
        sa.Column("geocode_longitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_reference_checks_actor_id_actors"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_reference_checks")),
    )  # fmt: skip
    op.create_index(op.f("ix_reference_checks_sirene_state"), "reference_checks", ["sirene_state"], unique=False)
    op.create_index(op.f("ix_reference_checks_geocode_status"), "reference_checks", ["geocode_status"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_reference_checks_geocode_status"), table_name="reference_checks")
    op.drop_index(op.f("ix_reference_checks_sirene_state"), table_name="reference_checks")
    op.drop_table("reference_checks")
