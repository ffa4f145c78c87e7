"""family_consent: the consents on a family's record (issue 20)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 05:00:00

One row per consent decision (store, share, report, photos) with its date, who recorded
it and the form version; a withdrawal sets withdrawn_on. Refers to family by a foreign
key, so erasing the family erases its consents.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "family_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("form_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["family.id"],
            name=op.f("fk_family_consent_family_id_family"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
            name=op.f("fk_family_consent_recorded_by_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user.id"],
            name=op.f("fk_family_consent_withdrawn_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_consent")),
    )
    op.create_index(
        "ix_family_consent_family_id_kind",
        "family_consent",
        ["family_id", "kind"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_family_consent_family_id_kind", table_name="family_consent")
    op.drop_table("family_consent")
