"""public site (issue 15): an organisation chooses to show its own e-mail and phone publicly

Revision ID: i15b_public_site
Revises: 0003_initiative_partner_id
"""

import sqlalchemy as sa
from alembic import op

revision = "i15b_public_site"
down_revision = "0003_initiative_partner_id"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy of the table: on SQLite that would drop the full-text search triggers).
    op.add_column("actors", sa.Column("show_contact_details", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column("actors", "show_contact_details")
