"""outbox: the registration a message is about, and its purpose

Revision ID: 4461bef9d43e
Revises: 7a7a6600b2f0
Create Date: 2026-11-29 15:06:14.594717

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4461bef9d43e"
down_revision = "7a7a6600b2f0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("purpose", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_registration_id"), ["registration_id"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_registration_id"))
        batch_op.drop_column("purpose")
        batch_op.drop_column("registration_id")
