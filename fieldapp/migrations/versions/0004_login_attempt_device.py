"""login_attempt.device_id: which known device a login attempt came from

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00

Login throttling no longer locks an account (strangers could lock anyone out). Failed
attempts slow down their (username, address) pair, or, for an attempt from a device
registered to that user, their (username, device) pair: this column says which.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        # Nullable with no default: SQLite adds it in place.
        batch_op.add_column(sa.Column("device_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_column("device_id")
