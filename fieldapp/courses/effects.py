"""What stored class registers change: one attendance row per student and session.

Registered with the dispatcher in fieldapp/submissions/effects.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import db
from fieldapp.courses.models import Attendance
from fieldapp.submissions.effects import Context
from fieldapp.submissions.effects import Stored

_INSERT_ATTENDANCE = sa.insert(db.table_of(Attendance))


def on_stored(
    session: orm.Session, stored: Sequence[Stored], _context: Context
) -> None:
    """Write the attendance rows of the class registers among ``stored``."""
    rows = []
    for submission in stored:
        if submission.form_id != "class_attendance" or submission.course_id is None:
            continue
        answers = submission.answers
        session_on = _as_date(answers.get("session_date"))
        for member_id, row in (answers.get("attendance") or {}).items():
            rows.append(
                {
                    "submission_id": submission.id,
                    "course_id": submission.course_id,
                    "member_id": uuid.UUID(member_id),
                    "session_on": session_on or submission.received_at.date(),
                    "status": str(row.get("status", "present")),
                    "note": str(row.get("note", "")),
                }
            )
    if rows:
        session.connection().execute(_INSERT_ATTENDANCE, rows)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
