"""What stored intakes change in consents: each intake records the family's consents;
one without consent to store personal data keeps no identifying answer either.

Registered after the families' effect (the family row must exist first).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import crypto
from fieldapp.protection import consents
from fieldapp.submissions.effects import Context
from fieldapp.submissions.effects import Stored
from fieldapp.submissions.models import Submission


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return date.today()


def on_stored(session: orm.Session, stored: Sequence[Stored], context: Context) -> None:
    """Record the consents of the intakes; strip identities the family keeps back."""
    intakes = [s for s in stored if s.form_id == "family_intake" and s.family_id]
    if not intakes:
        return
    connection = session.connection()
    table = Submission.__table__
    assert isinstance(table, sa.Table)  # noqa: S101
    rows = {
        row.id: row
        for row in connection.execute(
            sa.select(
                table.c.id,
                table.c.form_version,
                table.c.answers,
                table.c.sensitive_answers,
            ).where(table.c.id.in_([s.id for s in intakes]))
        )
    }
    for submission in intakes:
        answers = dict(submission.answers)
        row = rows[submission.id]
        assert submission.family_id is not None  # noqa: S101
        consents.record(
            submission.family_id,
            consents.from_intake(answers),
            on=_day(answers.get("consent_date")),
            by=context.author.id,
            form_id=submission.form_id,
            form_version=row.form_version,
        )
        if answers.get("consent_data") is not True:
            sensitive = crypto.decrypt_json(row.sensitive_answers)
            connection.execute(
                sa.update(table)
                .where(table.c.id == submission.id)
                .values(
                    answers=consents.strip_identity(row.answers),
                    sensitive_answers=crypto.encrypt_json(
                        consents.strip_identity(sensitive)
                    ),
                )
            )
