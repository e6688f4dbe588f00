"""reached organisations: how many of their registrants came, kept when the registrations are erased

Revision ID: 3f6c2b9d1e47
Revises: e5a1c0d7b2f4
Create Date: 2026-11-29 15:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3f6c2b9d1e47"
down_revision = "e5a1c0d7b2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reached_organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("people", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("reached_organisations", schema=None) as batch_op:
        batch_op.drop_column("people")
