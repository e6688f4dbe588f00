"""calendar sources: followed iCalendar feeds, and the relay columns of their events

Revision ID: c24e8b3d7f03
Revises: b25f1e2a6c02
Create Date: 2026-12-07 03:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c24e8b3d7f03"
down_revision = "b25f1e2a6c02"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("member_organisation_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("succeeded_at", sa.DateTime(), nullable=True),
        sa.Column("next_check_at", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_calendar_sources_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_organisation_id"],
            ["member_organisations.id"],
            name=op.f("fk_calendar_sources_member_organisation_id_member_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_calendar_sources_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_calendar_sources_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_sources")),
        sa.UniqueConstraint("url", name=op.f("uq_calendar_sources_url")),
    )
    with op.batch_alter_table("calendar_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_sources_next_check_at"), ["next_check_at"], unique=False
        )

    op.create_table(
        "calendar_source_themes",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["calendar_sources.id"],
            name=op.f("fk_calendar_source_themes_source_id_calendar_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_calendar_source_themes_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "theme_id", name=op.f("pk_calendar_source_themes")),
    )

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_source_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("relay_uid", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("relay_recurrence_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("relay_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("relay_fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("relay_region_code", sa.String(length=8), nullable=True))
        for name in ("relay_hidden", "relay_themes_chosen", "relay_region_chosen", "relay_stopped"):
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(
            batch_op.f("ix_events_calendar_source_id"), ["calendar_source_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_events_calendar_source_id"),
            ["calendar_source_id", "relay_uid", "relay_recurrence_id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_events_calendar_source_id_calendar_sources"),
            "calendar_sources",
            ["calendar_source_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_events_relay_region_code_regions"), "regions", ["relay_region_code"], ["code"]
        )

    with op.batch_alter_table("event_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_source_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_event_proposals_calendar_source_id"), ["calendar_source_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_proposals_calendar_source_id_calendar_sources"),
            "calendar_sources",
            ["calendar_source_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("event_proposals", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_event_proposals_calendar_source_id_calendar_sources"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_event_proposals_calendar_source_id"))
        batch_op.drop_column("calendar_source_id")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_relay_region_code_regions"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_events_calendar_source_id_calendar_sources"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_events_calendar_source_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_events_calendar_source_id"))
        for name in (
            "relay_stopped",
            "relay_region_chosen",
            "relay_themes_chosen",
            "relay_hidden",
            "relay_region_code",
            "relay_fingerprint",
            "relay_url",
            "relay_recurrence_id",
            "relay_uid",
            "calendar_source_id",
        ):
            batch_op.drop_column(name)

    op.drop_table("calendar_source_themes")
    with op.batch_alter_table("calendar_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_sources_next_check_at"))
    op.drop_table("calendar_sources")
