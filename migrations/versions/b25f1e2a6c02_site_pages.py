"""site pages: the admins' texts of the legal notice, personal data and accessibility pages

Revision ID: b25f1e2a6c02
Revises: a22d0c1b5e01
Create Date: 2026-12-07 03:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b25f1e2a6c02"
down_revision = "a22d0c1b5e01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_pages",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("declared_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade():
    op.drop_table("site_pages")
