"""The records one user may see, read for a pull (scoped through fieldapp.access)."""

from __future__ import annotations

from datetime import date
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
from fieldapp.submissions.models import Submission


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


#: the forms whose latest submission a family page names: (form, key in the pull)
LAST_DONE = (("home_visit", "last_visit_on"), ("psych_support", "last_session_on"))


def family_dict(
    family: Family, last: dict[str, date | None] | None = None
) -> dict[str, Any]:
    """Return a family as a device keeps it; ``last``: the last_*_on dates."""
    last = last or {}
    return {
        "id": str(family.id),
        "name": family.name,
        "municipality": family.municipality,
        "village": family.village,
        "programme": family.programme,
        "next_visit_on": _day(family.next_visit_on),
        "next_session_on": _day(family.next_session_on),
        **{key: _day(last.get(key)) for _, key in LAST_DONE},
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
            # A visit changes the family's last visit even when it moved no date.
            visited = sa.select(Submission.family_id).where(
                Submission.received_at > since,
                Submission.form_id.in_([form for form, _ in LAST_DONE]),
            )
            query = query.where(
                sa.or_(
                    Family.updated_at > since,
                    Family.id.in_(changed_member),
                    Family.id.in_(visited),
                )
            )
        families = list(db.session().scalars(query.order_by(Family.name, Family.id)))
        last = _last_done([family.id for family in families])
        return [family_dict(family, last.get(family.id)) for family in families]

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

    def due(self) -> list[dict[str, Any]]:
        """Return the user's due list, computed as the "My work" page computes it."""
        from fieldapp.cases.due import phone_items

        return phone_items(self.user)


def _last_done(family_ids: list[Any]) -> dict[Any, dict[str, date | None]]:
    """Return, per family, the day of its latest visit and support session."""
    keys = dict(LAST_DONE)
    out: dict[Any, dict[str, date | None]] = {}
    if not family_ids:
        return out
    when = sa.func.max(
        sa.func.coalesce(Submission.completed_at, Submission.received_at)
    )
    rows = db.session().execute(
        sa.select(Submission.family_id, Submission.form_id, when)
        .where(Submission.family_id.in_(family_ids), Submission.form_id.in_(keys))
        .group_by(Submission.family_id, Submission.form_id)
    )
    for family_id, form_id, at in rows:
        day = at.date() if isinstance(at, datetime) else _as_day(at)
        out.setdefault(family_id, {})[keys[form_id]] = day
    return out


def _as_day(value: Any) -> date | None:
    """SQLite hands back max() of a datetime column as text."""
    try:
        return datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None


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
