"""What stored class registers change: one attendance row per student and session.

A course has one register per session (course and day). A second register for the same
session, from the same phone or another, is a new version of the first: the version
completed last (then received last) gives the session's attendance rows, and the
earlier version's rows are deleted, so every report and rate (prevention/progress.py,
push/reminders.py, the pulled roster) counts each session once. Every version stays
stored as a submission.

Registered with the dispatcher in fieldapp/submissions/effects.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import db
from fieldapp.courses.models import Attendance
from fieldapp.submissions.effects import Context
from fieldapp.submissions.effects import Stored
from fieldapp.submissions.models import Submission

_INSERT_ATTENDANCE = sa.insert(db.table_of(Attendance))
#: (completed or else received, in UTC without zone; submission id): later is newer
VersionKey = tuple[datetime, int]


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def version_key(
    completed_at: datetime | None, received_at: datetime, submission_id: int
) -> VersionKey:
    """Return the order of a register among the versions of its session."""
    return (_naive_utc(completed_at or received_at), submission_id)


def session_of(submission: Stored) -> date:
    """Return the day a register is about (its session date, else when it arrived)."""
    return (
        _as_date(submission.answers.get("session_date"))
        or submission.received_at.date()
    )


def current_register(
    session: orm.Session, course_id: int, on: date
) -> Submission | None:
    """Return the register whose rows count for the session, or None."""
    # Not SELECT DISTINCT over the rows: PostgreSQL cannot compare json columns.
    registers = sa.select(Attendance.submission_id).where(
        Attendance.course_id == course_id, Attendance.session_on == on
    )
    query = sa.select(Submission).where(Submission.id.in_(registers))
    found = list(session.scalars(query))
    if not found:
        return None
    return max(found, key=lambda s: version_key(s.completed_at, s.received_at, s.id))


def on_stored(
    session: orm.Session, stored: Sequence[Stored], _context: Context
) -> None:
    """Write the attendance rows of the newest register of each session in ``stored``."""
    newest: dict[tuple[int, date], Stored] = {}
    for submission in stored:
        if submission.form_id != "class_attendance" or submission.course_id is None:
            continue
        key = (submission.course_id, session_of(submission))
        other = newest.get(key)
        if other is None or _key(submission) > _key(other):
            newest[key] = submission
    rows = []
    for (course_id, on), submission in newest.items():
        earlier = current_register(session, course_id, on)
        if earlier is not None:
            if version_key(earlier.completed_at, earlier.received_at, earlier.id) > (
                _key(submission)
            ):
                continue  # an older version arriving late: the newer one stays
            session.execute(
                sa.delete(Attendance).where(
                    Attendance.course_id == course_id, Attendance.session_on == on
                )
            )
        for member_id, row in (submission.answers.get("attendance") or {}).items():
            rows.append(
                {
                    "submission_id": submission.id,
                    "course_id": course_id,
                    "member_id": uuid.UUID(member_id),
                    "session_on": on,
                    "status": str(row.get("status", "present")),
                    "note": str(row.get("note", "")),
                }
            )
    if rows:
        session.connection().execute(_INSERT_ATTENDANCE, rows)


def _key(submission: Stored) -> VersionKey:
    return version_key(submission.completed_at, submission.received_at, submission.id)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
