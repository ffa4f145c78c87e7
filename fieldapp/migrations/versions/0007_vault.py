"""device.vault_key: the server-held wrapping key of the phone's data key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 04:00:00

The phone keeps its caseload, drafts and outbox encrypted under a data key that is
wrapped by the user's PIN and by this key (sealed with the data keys kept outside the
database), so an online password sign-in recovers a forgotten PIN. Revocation empties it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vault_key", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("vault_key")
