"""event plugin data

Revision ID: c4d1a9e2f7b3
Revises: 82b2fb45727a
Create Date: 2026-11-24 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4d1a9e2f7b3"
down_revision = "82b2fb45727a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plugin_data", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("plugin_data")
