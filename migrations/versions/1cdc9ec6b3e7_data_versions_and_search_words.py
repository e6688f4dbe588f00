"""data versions, search words, filter indexes

Revision ID: 1cdc9ec6b3e7
Revises: ba328384e6ab
Create Date: 2026-11-26 01:57:39.008817

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1cdc9ec6b3e7"
down_revision = "ba328384e6ab"
branch_labels = None
depends_on = None

SCOPES = ("events", "shared", "registrations")
WORD_LENGTH = 40


def upgrade():
    versions = op.create_table(
        "data_versions",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_data_versions")),
    )
    op.bulk_insert(versions, [{"scope": scope, "version": 0} for scope in SCOPES])
    words = op.create_table(
        "event_words",
        sa.Column("word", sa.String(length=WORD_LENGTH), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_words_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("word", "event_id", name=op.f("pk_event_words")),
    )
    with op.batch_alter_table("event_words", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_words_event_id"), ["event_id"], unique=False)
    events = sa.table("events", sa.column("id", sa.Integer), sa.column("search_text", sa.Text))
    rows = [
        {"word": word, "event_id": event_id}
        for event_id, text in op.get_bind().execute(sa.select(events.c.id, events.c.search_text))
        for word in sorted({w[:WORD_LENGTH] for w in (text or "").split()})
    ]
    if rows:
        op.bulk_insert(words, rows)

    with op.batch_alter_table("event_partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_partners_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("event_themes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_themes_theme_id"), ["theme_id"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_registration_closes_at"), ["registration_closes_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_events_registration_opens_at"), ["registration_opens_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_registration_opens_at"))
        batch_op.drop_index(batch_op.f("ix_events_registration_closes_at"))

    with op.batch_alter_table("event_themes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_themes_theme_id"))

    with op.batch_alter_table("event_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_partners_partner_id"))

    with op.batch_alter_table("event_words", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_words_event_id"))

    op.drop_table("event_words")
    op.drop_table("data_versions")
