"""What stored submissions change in the rest of the data, in the same transaction.

Written for a group of submissions at once (the sync engine stores accepted items in
groups): one statement per table, not one per item. Core statements, not the ORM unit
of work: this is the hot path of every sync.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import db
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.courses.models import Attendance
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.families.services import family_search_key
from fieldapp.families.services import member_search_key
from fieldapp.submissions.models import Submission

#: which answer of which form schedules what on the family
SCHEDULES = {
    "home_visit": ("next_visit_date", "next_visit_on"),
    "psych_support": ("next_session_date", "next_session_on"),
}
#: roles whose caseload gets the families they register
_CASE_ROLES = {Role.SOCIAL_WORKER, Role.PSYCHOLOGIST}


@dataclass(frozen=True)
class Stored:
    """A submission just inserted: its row's values and its answers in full."""

    id: int
    uuid: UUID
    form_id: str
    family_id: UUID | None
    course_id: int | None
    received_at: datetime
    #: the clean answers, sensitive ones included
    answers: Mapping[str, Any]


def apply_effects(session: orm.Session, stored: Sequence[Stored], author: User) -> None:
    """Apply the effects of ``stored`` (in order), written by ``author``."""
    intakes = [s for s in stored if s.form_id == "family_intake" and s.family_id]
    if intakes:
        _register_families(session, intakes, author)
    # A visit moves only the next visit; a session only the next session; an intake
    # both (visits recorded offline before it arrived link now: they carry its id).
    wanted: dict[uuid.UUID, set[str]] = {}
    for submission in stored:
        if submission.family_id is None:
            continue
        if submission.form_id == "family_intake":
            wanted.setdefault(submission.family_id, set()).update(SCHEDULES)
        elif submission.form_id in SCHEDULES:
            wanted.setdefault(submission.family_id, set()).add(submission.form_id)
    if wanted:
        refresh_schedules(session, wanted)
    attendance = [
        s for s in stored if s.form_id == "class_attendance" and s.course_id is not None
    ]
    if attendance:
        _write_attendance(session, attendance)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _refresh_queries() -> tuple[sa.Select[Any], sa.Select[Any], sa.Update]:
    """Return the latest-answers query, the current-dates query and the update."""
    submission, family = db.table_of(Submission), db.table_of(Family)
    ranked = (
        sa.select(
            submission.c.id,
            sa.func.row_number()
            .over(
                partition_by=(submission.c.family_id, submission.c.form_id),
                order_by=(
                    submission.c.completed_at.desc().nulls_last(),
                    submission.c.received_at.desc(),
                    submission.c.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(
            submission.c.family_id.in_(sa.bindparam("families", expanding=True)),
            submission.c.form_id.in_(sa.bindparam("forms", expanding=True)),
        )
        .subquery()
    )
    # Only the one answer that schedules, and only from the latest rows (not the whole
    # answers document of every visit, decoded).
    latest_row = submission.alias("latest")
    scheduled = sa.case(
        *(
            (latest_row.c.form_id == form_id, latest_row.c.answers[answer].as_string())
            for form_id, (answer, _column) in SCHEDULES.items()
        ),
    )
    latest = (
        sa.select(
            latest_row.c.family_id, latest_row.c.form_id, scheduled.label("scheduled")
        )
        .join(ranked, ranked.c.id == latest_row.c.id)
        .where(ranked.c.rank == 1)
    )
    current = sa.select(
        family.c.id, family.c.next_visit_on, family.c.next_session_on
    ).where(family.c.id.in_(sa.bindparam("families", expanding=True)))
    update = (
        sa.update(family)
        .where(family.c.id == sa.bindparam("family"))
        .values(
            next_visit_on=sa.bindparam("next_visit_on"),
            next_session_on=sa.bindparam("next_session_on"),
        )
    )
    return latest, current, update


# Built once: on this hot path building a statement costs more than running it.
_LATEST, _CURRENT, _UPDATE = _refresh_queries()


def refresh_schedules(
    session: orm.Session, wanted: Mapping[UUID, Collection[str]]
) -> None:
    """Set families' next visit/session from their latest visit/session.

    ``wanted`` maps a family id to the forms (keys of SCHEDULES) whose date to refresh.
    A family whose dates do not change is not written (nor its ``updated_at`` bumped).
    """
    connection = session.connection()
    families = list(wanted)
    forms = sorted({form_id for form_ids in wanted.values() for form_id in form_ids})
    latest = {
        (row.family_id, row.form_id): row.scheduled
        for row in connection.execute(_LATEST, {"families": families, "forms": forms})
    }
    changes = []
    current = connection.execute(_CURRENT, {"families": families})
    for family_id, next_visit_on, next_session_on in current:
        before = {"next_visit_on": next_visit_on, "next_session_on": next_session_on}
        dates = dict(before)
        for form_id in wanted[family_id]:
            if (family_id, form_id) in latest:
                _answer, column = SCHEDULES[form_id]
                dates[column] = _as_date(latest[family_id, form_id])
        if dates != before:
            changes.append({"family": family_id, **dates})
    if changes:
        connection.execute(_UPDATE, changes)


def _member_id(submission: Stored, index: int, row: Mapping[str, Any]) -> uuid.UUID:
    """Return the row's own UUID, or one derived from the submission and row index."""
    try:
        return uuid.UUID(str(row.get("id")))
    except ValueError:
        return uuid.uuid5(submission.uuid, str(index))


_TAKEN = sa.select(db.table_of(Member).c.id).where(
    db.table_of(Member).c.id.in_(sa.bindparam("ids", expanding=True))
)
_INSERT_FAMILY = sa.insert(db.table_of(Family))
_INSERT_MEMBER = sa.insert(db.table_of(Member))
_INSERT_ASSIGNMENT = sa.insert(db.table_of(Assignment))
_INSERT_ATTENDANCE = sa.insert(db.table_of(Attendance))


def _register_families(
    session: orm.Session, intakes: Sequence[Stored], author: User
) -> None:
    """Insert the families, members and assignments the intakes register."""
    rows = {s.uuid: list(s.answers.get("members") or []) for s in intakes}
    wanted = {
        _member_id(s, index, row)
        for s in intakes
        for index, row in enumerate(rows[s.uuid])
    }
    # One query for all rows: an id that is already someone else's never takes that
    # person over (nor does one repeated within the group).
    connection = session.connection()
    taken = set(connection.execute(_TAKEN, {"ids": list(wanted)}).scalars())
    families, members, assignments = [], [], []
    for submission in intakes:
        answers = submission.answers
        name = str(answers.get("family_name", ""))[:200]
        names = [name]
        for index, row in enumerate(rows[submission.uuid]):
            member_id = _member_id(submission, index, row)
            if member_id in taken:
                member_id = uuid.uuid5(submission.uuid, str(index))
            taken.add(member_id)
            grade = row.get("grade")
            full_name = str(row.get("full_name", ""))[:200]
            names.append(full_name)
            members.append(
                {
                    "id": member_id,
                    "family_id": submission.family_id,
                    "full_name": full_name,
                    "search_key": member_search_key(full_name),
                    "birth_year": row.get("birth_year"),
                    "sex": str(row.get("sex", "")),
                    "relationship": str(row.get("relationship", "")),
                    "school": str(row.get("school_name", ""))[:200],
                    "grade": "" if grade is None else str(grade),
                }
            )
        families.append(
            {
                "id": submission.family_id,
                "name": name,
                "search_key": family_search_key(names),
                "municipality": str(answers.get("municipality", "")),
                "village": str(answers.get("village", ""))[:200],
                "programme": str(answers.get("programme") or "prevention"),
                "referral_source": str(answers.get("referral_source", "")),
                "created_by_id": author.id,
            }
        )
        if author.role in _CASE_ROLES:
            assignments.append(
                {
                    "family_id": submission.family_id,
                    "user_id": author.id,
                    "assigned_by_id": author.id,
                }
            )
    connection.execute(_INSERT_FAMILY, families)
    if members:
        connection.execute(_INSERT_MEMBER, members)
    if assignments:
        connection.execute(_INSERT_ASSIGNMENT, assignments)


def _write_attendance(session: orm.Session, stored: Sequence[Stored]) -> None:
    rows = []
    for submission in stored:
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
