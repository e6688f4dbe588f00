"""hybrid events: their one capacity becomes their on-site places

A hybrid event's on-site and remote places (capacity_onsite, capacity_remote) replace its capacity.
The capacity of an existing hybrid event counted its room: it becomes its on-site places, the
remote places unlimited.

Revision ID: e22c5f7a2b08
Revises: f23e1a2b3c4d
Create Date: 2026-12-07 04:05:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "e22c5f7a2b08"
down_revision = "f23e1a2b3c4d"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE events SET capacity_onsite = capacity, capacity = NULL "
        "WHERE mode = 'hybrid' AND capacity IS NOT NULL AND capacity_onsite IS NULL"
    )


def downgrade():
    op.execute(
        "UPDATE events SET capacity = capacity_onsite "
        "WHERE mode = 'hybrid' AND capacity IS NULL AND capacity_onsite IS NOT NULL"
    )
