"""quarter_story, and indexes for the dashboards and the donor report (issue 18)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 05:00:00

quarter_story: the short text coordinators write for a quarter's donor report.
Indexes: submissions by completion time (families reached in a quarter) and
attendance by session day (rates per quarter and per month).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarter_story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_quarter_story_updated_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_story")),
        sa.UniqueConstraint(
            "year", "quarter", name=op.f("uq_quarter_story_year_quarter")
        ),
    )
    op.create_index(
        "ix_submission_completed_at_family_id",
        "submission",
        ["completed_at", "family_id"],
        unique=False,
    )
    op.create_index(
        "ix_attendance_session_on", "attendance", ["session_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_attendance_session_on", table_name="attendance")
    op.drop_index("ix_submission_completed_at_family_id", table_name="submission")
    op.drop_table("quarter_story")
