"""import batches keep their file and report in the database

The uploaded workbook and its preview report were kept on disk (``instance/imports/``), which only the app
server that took the upload could read. They move into three columns of ``import_batches``: the file, the
report as JSON, and the time until which both are kept. Files of previews in progress are not carried over:
such a preview says its file is no longer kept, as it would after the delay.

Revision ID: 0004_import_staging
Revises: 0003_initiative_partner_id
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_import_staging"
down_revision = "0003_initiative_partner_id"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kept_file", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("report_json", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("kept_until", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_import_batches_kept_until"), ["kept_until"], unique=False)


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_kept_until"))
        batch_op.drop_column("kept_until")
        batch_op.drop_column("report_json")
        batch_op.drop_column("kept_file")
