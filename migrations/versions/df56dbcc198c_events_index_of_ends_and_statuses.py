"""events: index of ends and statuses

Revision ID: df56dbcc198c
Revises: 1cdc9ec6b3e7
Create Date: 2026-11-26 02:05:09.415947

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "df56dbcc198c"
down_revision = "1cdc9ec6b3e7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_ends_at"))
        batch_op.create_index("ix_events_ends_at_status", ["ends_at", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ends_at_status")
        batch_op.create_index(batch_op.f("ix_events_ends_at"), ["ends_at"], unique=False)
