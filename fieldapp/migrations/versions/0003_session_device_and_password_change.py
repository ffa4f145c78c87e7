"""auth_session.device_id and user.must_change_password

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 03:30:00

A login session is bound to the device it registered from (revoking the device ends
it), and an account whose password someone else issued must choose its own at the next
sign-in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_auth_session_device_id"), ["device_id"], unique=False
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                # A constant, not sa.false(): SQLite then adds the column in place
                # instead of copying the table (which its foreign keys refuse).
                server_default="0",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_device_id"))
        batch_op.drop_column("device_id")
