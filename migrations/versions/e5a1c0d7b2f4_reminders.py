"""reminders: per-event setting, reminders sent, stops, organisers' day-before e-mails

Revision ID: e5a1c0d7b2f4
Revises: 7b49038aa3ff
Create Date: 2026-11-29 15:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5a1c0d7b2f4"
down_revision = "7b49038aa3ff"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminders", sa.String(length=60), nullable=True))

    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_reminders_sent_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "registration_id",
            "offset_minutes",
            "starts_at",
            name=op.f("uq_reminders_sent_registration_id"),
        ),
    )
    op.create_table(
        "reminder_stops",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_reminder_stops_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_reminder_stops")),
    )
    op.create_table(
        "organiser_reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_organiser_reminders_sent_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organiser_reminders_sent")),
        sa.UniqueConstraint("event_id", "starts_at", name=op.f("uq_organiser_reminders_sent_event_id")),
    )


def downgrade():
    op.drop_table("organiser_reminders_sent")
    op.drop_table("reminder_stops")
    op.drop_table("reminders_sent")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("reminders")
