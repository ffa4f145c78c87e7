"""rejected_submission.errors: no answer quoted in the clear

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00

Issues of choice questions quoted the value chosen ("value" among their parameters),
and rejected items keep their issues in the clear beside the encrypted payload: an
invalid risk code sent to a sensitive question stood there in plain text. The engine
no longer quotes answers of sensitive questions; this removes the quotes already kept.
It removes every "value", sensitive or not: which questions were sensitive in the form
version of each row is not for a migration to know, no message prints the value, and
the encrypted payload keeps it for the reviewers allowed to read it. Nothing to undo.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_QUOTES = ("value",)


def scrubbed(errors: Any) -> Any:
    """Return ``errors`` ({"code", "fields": {path: [{code, params}]}}) quoting nothing."""
    if not isinstance(errors, dict) or not isinstance(errors.get("fields"), dict):
        return errors
    fields = {
        path: [
            {
                **issue,
                "params": {
                    k: v for k, v in issue["params"].items() if k not in _QUOTES
                },
            }
            if isinstance(issue, dict) and isinstance(issue.get("params"), dict)
            else issue
            for issue in issues
        ]
        if isinstance(issues, list)
        else issues
        for path, issues in errors["fields"].items()
    }
    return {**errors, "fields": fields}


def upgrade() -> None:
    rejected = sa.table(
        "rejected_submission", sa.column("id", sa.Integer), sa.column("errors", sa.JSON)
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(rejected.c.id, rejected.c.errors)).all()
    for row_id, errors in rows:
        clean = scrubbed(errors)
        if clean != errors:
            connection.execute(
                sa.update(rejected).where(rejected.c.id == row_id).values(errors=clean)
            )


def downgrade() -> None:
    """Nothing to restore: the values are in each row's encrypted payload."""
