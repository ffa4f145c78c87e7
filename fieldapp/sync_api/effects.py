"""What a stored submission changes in the rest of the data, in the same transaction."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.courses.models import Attendance
from fieldapp.families import services as family_services
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.submissions.models import Submission

#: which answer of which form schedules what on the family
SCHEDULES = {
    "home_visit": ("next_visit_date", "next_visit_on"),
    "psych_support": ("next_session_date", "next_session_on"),
}
#: roles whose caseload gets the families they register
_CASE_ROLES = {Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}


def apply_effects(
    session: orm.Session, submission: Submission, answers: dict[str, Any], author: User
) -> None:
    """Apply the effects of ``submission`` (answers include the sensitive ones)."""
    if submission.form_id == "family_intake":
        _register_family(session, submission, answers, author)
    elif submission.form_id in SCHEDULES and submission.family_id is not None:
        family = session.get(Family, submission.family_id)
        if family is not None:
            # A visit moves only the next visit; a session only the next session.
            refresh_schedule(session, family, (submission.form_id,))
    elif submission.form_id == "class_attendance" and submission.course_id is not None:
        _write_attendance(session, submission, answers)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def refresh_schedule(
    session: orm.Session, family: Family, form_ids: tuple[str, ...] = tuple(SCHEDULES)
) -> None:
    """Set the family's next visit and session from its latest visit and session."""
    for form_id in form_ids:
        answer, column = SCHEDULES[form_id]
        # Only the answers column: this runs for every stored visit (the hot path).
        latest = session.scalar(
            sa.select(Submission.answers)
            .where(Submission.family_id == family.id, Submission.form_id == form_id)
            .order_by(
                Submission.completed_at.desc().nulls_last(),
                Submission.received_at.desc(),
                Submission.id.desc(),
            )
            .limit(1)
        )
        if latest is not None:
            setattr(family, column, _as_date(latest.get(answer)))


def _member_id(submission: Submission, index: int, row: dict[str, Any]) -> uuid.UUID:
    """Return the row's own UUID, or one derived from the submission and row index."""
    try:
        return uuid.UUID(str(row.get("id")))
    except ValueError:
        return uuid.uuid5(submission.uuid, str(index))


def _register_family(
    session: orm.Session, submission: Submission, answers: dict[str, Any], author: User
) -> None:
    assert submission.family_id is not None  # noqa: S101 - the engine checked the subject
    family = Family(
        id=submission.family_id,
        name=str(answers.get("family_name", ""))[:200],
        municipality=str(answers.get("municipality", "")),
        village=str(answers.get("village", ""))[:200],
        programme=str(answers.get("programme") or "prevention"),
        referral_source=str(answers.get("referral_source", "")),
        created_by_id=author.id,
    )
    rows = list(answers.get("members") or [])
    wanted = [_member_id(submission, index, row) for index, row in enumerate(rows)]
    # One query for all rows, before anything new is pending (no autoflush).
    taken = set(session.scalars(sa.select(Member.id).where(Member.id.in_(wanted))))
    session.add(family)
    for index, (row, member_id) in enumerate(zip(rows, wanted, strict=True)):
        if member_id in taken:
            # A row id that is already someone else's never takes that person over.
            member_id = uuid.uuid5(submission.uuid, str(index))
        grade = row.get("grade")
        family.members.append(
            Member(
                id=member_id,
                full_name=str(row.get("full_name", ""))[:200],
                birth_year=row.get("birth_year"),
                sex=str(row.get("sex", "")),
                relationship=str(row.get("relationship", "")),
                school=str(row.get("school_name", ""))[:200],
                grade="" if grade is None else str(grade),
            )
        )
    family_services.index_family(family)
    session.flush()
    if author.role in _CASE_ROLES:
        family_services.assign(family, author, author)
    # Visits recorded offline before this intake arrived link now: they carry its id.
    refresh_schedule(session, family)


def _write_attendance(
    session: orm.Session, submission: Submission, answers: dict[str, Any]
) -> None:
    session_on = _as_date(answers.get("session_date")) or submission.received_at.date()
    for member_id, row in (answers.get("attendance") or {}).items():
        session.add(
            Attendance(
                submission_id=submission.id,
                course_id=submission.course_id,
                member_id=uuid.UUID(member_id),
                session_on=session_on,
                status=str(row.get("status", "present")),
                note=str(row.get("note", "")),
            )
        )
