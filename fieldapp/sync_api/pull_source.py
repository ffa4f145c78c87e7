"""The records one user may see, read for a pull (scoped through fieldapp.access)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import db
from fieldapp.access import courses_visible_to
from fieldapp.access import families_visible_to
from fieldapp.access import roster_of
from fieldapp.auth.models import User
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.submissions.forms_registry import forms_for


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def family_dict(family: Family) -> dict[str, Any]:
    """Return a family as a device keeps it."""
    return {
        "id": str(family.id),
        "name": family.name,
        "municipality": family.municipality,
        "village": family.village,
        "programme": family.programme,
        "next_visit_on": _day(family.next_visit_on),
        "next_session_on": _day(family.next_session_on),
        "members": [
            {
                "id": str(m.id),
                "full_name": m.full_name,
                "birth_year": m.birth_year,
                "sex": m.sex,
                "relationship": m.relationship,
            }
            for m in family.members
        ],
    }


class SqlPullSource:
    """PullSource for ``user``, on the current request's session."""

    def __init__(self, user: User) -> None:
        self.user = user

    def forms(self) -> list[dict[str, Any]]:
        """Return the client definitions of the forms the user may fill."""
        return [definition.client_dict() for definition in forms_for(self.user)]

    def _visible(self) -> sa.Select[Family]:
        return families_visible_to(self.user).where(Family.is_active.is_(True))

    def families(self, since: datetime | None) -> list[dict[str, Any]]:
        """Return the visible families changed after ``since`` (all when None)."""
        query = self._visible().options(orm.selectinload(Family.members))
        if since is not None:
            changed_member = sa.select(Member.family_id).where(
                Member.updated_at > since
            )
            query = query.where(
                sa.or_(Family.updated_at > since, Family.id.in_(changed_member))
            )
        families = db.session().scalars(query.order_by(Family.name, Family.id))
        return [family_dict(family) for family in families]

    def family_ids(self) -> list[str]:
        """Return the ids of every family the user may see now."""
        query = self._visible().with_only_columns(Family.id)
        return [str(family_id) for family_id in db.session().scalars(query)]

    def courses(self) -> list[dict[str, Any]]:
        """Return the visible active courses with their current rosters."""
        from fieldapp.courses.models import Course

        query = courses_visible_to(self.user).where(Course.is_active.is_(True))
        return [
            {
                "id": course.id,
                "name": course.name,
                "vocation": course.vocation,
                "weekdays": course.weekday_numbers(),
                "start_time": course.start_time.strftime("%H:%M")
                if course.start_time
                else None,
                "location": course.location,
                "roster": _roster(course),
            }
            for course in db.session().scalars(query.order_by(Course.name))
        ]


def _roster(course: Any) -> list[dict[str, Any]]:
    """The course's students with their attendance rate and run of absences."""
    from fieldapp.prevention.progress import RosterFigures
    from fieldapp.prevention.progress import course_figures

    figures = course_figures(course.id)
    out = []
    for member in roster_of(course):
        one = figures.get(member.id) or RosterFigures()
        out.append(
            {
                "id": str(member.id),
                "full_name": member.full_name,
                "rate": one.percent,
                "attended": one.attended,
                "counted": one.counted,
                "absent_run": one.absent_run,
            }
        )
    return out
