"""partnerships of another authority (an SCDL file imported explicitly), and the choices kept with an upload

``partnerships.attributor_name`` / ``attributor_siret``: the authority that granted the subsidy when it is not
the city (both empty for the city's own). ``import_batches.options``: the officer's choices made with the
upload (import an SCDL file of another authority), kept until the confirmation.

Revision ID: 0010_partnership_attributor
Revises: 0009_actor_merge
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_partnership_attributor"
down_revision = "0009_actor_merge"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attributor_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("attributor_siret", sa.String(length=14), nullable=True))
        batch_op.create_index(batch_op.f("ix_partnerships_attributor_siret"), ["attributor_siret"], unique=False)
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("options")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnerships_attributor_siret"))
        batch_op.drop_column("attributor_siret")
        batch_op.drop_column("attributor_name")
