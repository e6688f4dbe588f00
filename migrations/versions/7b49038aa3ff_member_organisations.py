"""member authorities and their domains; the member authority of accounts, registrations, reach

Revision ID: 7b49038aa3ff
Revises: 5b0e7d3c9a21
Create Date: 2026-11-29 14:50:34.080977

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7b49038aa3ff"
down_revision = "5b0e7d3c9a21"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "member_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("since", sa.Integer(), nullable=True),
        sa.Column("until", sa.Integer(), nullable=True),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_member_organisations_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_member_organisations_name")),
        sa.UniqueConstraint("siren", name=op.f("uq_member_organisations_siren")),
    )
    with op.batch_alter_table("member_organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_organisations_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_member_organisations_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "member_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["member_organisations.id"],
            name=op.f("fk_member_domains_organisation_id_member_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_member_domains")),
    )
    with op.batch_alter_table("member_domains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_domains_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("reached_organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_reached_organisations_member_organisation_id"),
            ["member_organisation_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reached_organisations_member_organisation_id_member_organisations"),
            "member_organisations",
            ["member_organisation_id"],
            ["id"],
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_registrations_member_organisation_id"), ["member_organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_registrations_member_organisation_id_member_organisations"),
            "member_organisations",
            ["member_organisation_id"],
            ["id"],
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_users_member_organisation_id"), ["member_organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_member_organisation_id_member_organisations"),
            "member_organisations",
            ["member_organisation_id"],
            ["id"],
        )


def downgrade():

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_member_organisation_id_member_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_users_member_organisation_id"))
        batch_op.drop_column("member_organisation_id")

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_registrations_member_organisation_id_member_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_registrations_member_organisation_id"))
        batch_op.drop_column("member_organisation_id")

    with op.batch_alter_table("reached_organisations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reached_organisations_member_organisation_id_member_organisations"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_reached_organisations_member_organisation_id"))
        batch_op.drop_column("member_organisation_id")

    with op.batch_alter_table("member_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_domains_organisation_id"))

    op.drop_table("member_domains")
    with op.batch_alter_table("member_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_organisations_region_code"))
        batch_op.drop_index(batch_op.f("ix_member_organisations_kind"))

    op.drop_table("member_organisations")
