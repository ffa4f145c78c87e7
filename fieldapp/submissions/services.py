"""Queries over stored submissions, scoped to what the viewer may see."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import sqlalchemy as sa

from fieldapp import db
from fieldapp.access import FORM_READERS
from fieldapp.access import courses_visible_to
from fieldapp.access import family_visible
from fieldapp.access import is_manager
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.families.models import Family
from fieldapp.submissions.models import Submission


def readable_form_ids(user: User) -> list[str]:
    """Return the form ids whose submissions ``user``'s role may read."""
    return [form_id for form_id, roles in FORM_READERS.items() if user.role in roles]


def recent_for_family(
    user: User, family_id: uuid.UUID, limit: int = 20
) -> list[Submission]:
    """Return the latest submissions about a family that ``user`` may read."""
    query = (
        sa.select(Submission)
        .where(
            Submission.family_id == family_id,
            Submission.form_id.in_(readable_form_ids(user)),
        )
        .order_by(Submission.received_at.desc())
        .limit(limit)
    )
    return list(db.session().scalars(query))


def subject_names(user: User, submissions: list[Submission]) -> dict[object, str]:
    """Return the name of each family and course ``submissions`` are about, by id,
    for those ``user`` may see (a list of sent forms names whom each was about)."""
    family_ids = {s.family_id for s in submissions if s.family_id}
    course_ids = {s.course_id for s in submissions if s.course_id}
    names: dict[object, str] = {}
    session = db.session()
    if family_ids:
        rows = session.execute(
            sa.select(Family.id, Family.name).where(
                Family.id.in_(family_ids), family_visible(user)
            )
        )
        names.update((family_id, name) for family_id, name in rows)
    if course_ids:
        visible = courses_visible_to(user).where(Course.id.in_(course_ids))
        names.update((course.id, course.name) for course in session.scalars(visible))
    return names


def recent_for_user(user: User, limit: int = 20) -> list[Submission]:
    """Return ``user``'s own latest submissions, or everyone's for coordinators."""
    query = sa.select(Submission).order_by(Submission.received_at.desc()).limit(limit)
    if not is_manager(user):
        query = query.where(Submission.author_id == user.id)
    return list(db.session().scalars(query))


def may_read(user: User, submission: Submission) -> bool:
    """Tell whether ``user`` may open ``submission`` (role, then record scope)."""
    from fieldapp.access import can_see_family
    from fieldapp.access import may_read_form

    if not may_read_form(user, submission.form_id):
        return False
    if is_manager(user) or submission.author_id == user.id:
        return True
    if submission.course_id is not None:
        from fieldapp.courses.models import Course

        course = db.session().get(Course, submission.course_id)
        return course is not None and course.instructor_id == user.id
    if submission.family_id is not None:
        return can_see_family(user, submission.family_id)
    return False


def member_names(answers: dict[str, Any]) -> dict[str, str]:
    """Return {member id: name} for every member id an answer mentions."""
    from fieldapp.families.models import Member

    ids: set[uuid.UUID] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                ids.add(uuid.UUID(value))
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)

    collect(answers)
    if not ids:
        return {}
    rows = db.session().execute(
        sa.select(Member.id, Member.full_name).where(Member.id.in_(ids))
    )
    return {str(member_id): name for member_id, name in rows}
