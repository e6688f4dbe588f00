"""events: index of upcoming events (ends, statuses, starts, ids)

The agenda finds, counts and sorts upcoming events from this index alone (an index-only scan on
PostgreSQL, a covering index on SQLite); it replaces the index of ends and statuses.

Revision ID: 5b0e7d3c9a21
Revises: a3aaffb08cd7
Create Date: 2026-11-26 02:56:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5b0e7d3c9a21"
down_revision = "a3aaffb08cd7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ends_at_status")
        batch_op.create_index(
            "ix_events_ends_at_status_starts_at_id", ["ends_at", "status", "starts_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ends_at_status_starts_at_id")
        batch_op.create_index("ix_events_ends_at_status", ["ends_at", "status"], unique=False)
