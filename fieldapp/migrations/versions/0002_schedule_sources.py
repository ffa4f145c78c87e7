"""family: when the visit or session that set each next date was completed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:30:00

With it the sync engine moves a family's next visit by one conditional update (only a
visit completed later than the one that set the date moves it) instead of ranking all
of the family's visits on every sync. Filled from the visits already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fieldapp.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: source column -> the form whose latest submission set the date beside it
_SOURCES = {"next_visit_from": "home_visit", "next_session_from": "psych_support"}


def upgrade() -> None:
    with op.batch_alter_table("family", schema=None) as batch_op:
        for column in _SOURCES:
            batch_op.add_column(
                sa.Column(column, fieldapp.db.UTCDateTime(), nullable=True)
            )
    family = sa.table("family", sa.column("id"), *map(sa.column, _SOURCES))
    submission = sa.table(
        "submission",
        sa.column("family_id"),
        sa.column("form_id"),
        sa.column("completed_at"),
    )
    for column, form_id in _SOURCES.items():
        # The ranking that set the date puts missing times last: the latest time wins.
        latest = (
            sa.select(sa.func.max(submission.c.completed_at))
            .where(
                submission.c.family_id == family.c.id,
                submission.c.form_id == form_id,
            )
            .scalar_subquery()
        )
        op.execute(sa.update(family).values({column: latest}))


def downgrade() -> None:
    with op.batch_alter_table("family", schema=None) as batch_op:
        for column in reversed(list(_SOURCES)):
            batch_op.drop_column(column)
