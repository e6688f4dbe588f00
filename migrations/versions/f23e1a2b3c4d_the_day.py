"""the day: check-in codes and check-ins, walk-ins, attestations, organisers' notices, settings

Revision ID: f23e1a2b3c4d
Revises: c24e8b3d7f03
Create Date: 2026-12-07 04:50:48.079842

"""

import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f23e1a2b3c4d"
down_revision = "c24e8b3d7f03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_attestations_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_attestations_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attestations")),
        sa.UniqueConstraint("code", name=op.f("uq_attestations_code")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_attestations_registration_id")),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attestations_event_id"), ["event_id"], unique=False)

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(length=100), nullable=True),
        sa.Column("scan_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["checked_by_id"], ["users.id"], name=op.f("fk_checkins_checked_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_checkins_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_checkins_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("registration_id", "day", name=op.f("uq_checkins_registration_id")),
        sa.UniqueConstraint("scan_id", name=op.f("uq_checkins_scan_id")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_event_id"), ["event_id"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_reopened_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attendance_closed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("send_attestations", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("walk_in", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Each stored registration gets its own unguessable check-in code.
    registrations = sa.table(
        "registrations", sa.column("id", sa.Integer), sa.column("checkin_code", sa.String)
    )
    connection = op.get_bind()
    for (registration_id,) in connection.execute(sa.select(registrations.c.id)).all():
        connection.execute(
            registrations.update()
            .where(registrations.c.id == registration_id)
            .values(checkin_code=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.alter_column("checkin_code", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_registrations_checkin_code"), ["checkin_code"])

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notifications", sa.String(length=10), nullable=False, server_default="none")
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notifications")

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_registrations_checkin_code"), type_="unique")
        batch_op.drop_column("walk_in")
        batch_op.drop_column("checkin_code")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("send_attestations")
        batch_op.drop_column("attendance_closed_at")
        batch_op.drop_column("checkin_reopened_until")

    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkins_event_id"))

    op.drop_table("checkins")
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attestations_event_id"))

    op.drop_table("attestations")
    op.drop_table("settings")
