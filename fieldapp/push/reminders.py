"""Time-based reminders, queued by `flask push remind` from cron.

Each reminder is a count for one worker, queued at most once per day (per week for
absences) through its dedupe key; only users with a push subscription get one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from fieldapp import db
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.db import utcnow
from fieldapp.devices.models import Device
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.push.models import PushSubscription
from fieldapp.push.services import queue_notification

#: How far back attendance is read to find a run of absences.
ABSENCE_LOOKBACK = timedelta(days=180)
#: A run of absences older than this no longer raises a reminder.
ABSENCE_RECENT = timedelta(days=14)


def local_now(now: datetime | None = None) -> datetime:
    """Return ``now`` (default: the current time) in the NGOs' time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or utcnow()).astimezone(zone)


def _subscribed_users(role: Role | None = None) -> sa.Select[User]:
    query = sa.select(User).where(
        User.is_active.is_(True), User.id.in_(sa.select(PushSubscription.user_id))
    )
    return query if role is None else query.where(User.role == role)


def due_counts(
    column: orm.InstrumentedAttribute[date | None], role: Role, today: date
) -> dict[int, int]:
    """Count, per worker of ``role``, assigned families due by ``today``."""
    users = _subscribed_users(role).with_only_columns(User.id)
    query = (
        sa.select(Assignment.user_id, sa.func.count(sa.distinct(Family.id)))
        .join(Family, Family.id == Assignment.family_id)
        .where(
            Assignment.ended_at.is_(None),
            Assignment.user_id.in_(users),
            Family.is_active.is_(True),
            column.is_not(None),
            column <= today,
        )
        .group_by(Assignment.user_id)
    )
    return {user_id: count for user_id, count in db.session().execute(query)}


def class_soon_counts(now: datetime, minutes: int) -> dict[tuple[int, str], int]:
    """Count, per instructor and start time, classes starting within ``minutes``."""
    local = local_now(now)
    today, weekday = local.date(), local.isoweekday()
    users = _subscribed_users(Role.INSTRUCTOR).with_only_columns(User.id)
    courses = db.session().scalars(
        sa.select(Course).where(
            Course.is_active.is_(True),
            Course.start_time.is_not(None),
            Course.instructor_id.in_(users),
            sa.or_(Course.starts_on.is_(None), Course.starts_on <= today),
            sa.or_(Course.ends_on.is_(None), Course.ends_on >= today),
        )
    )
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for course in courses:
        if weekday not in course.weekday_numbers() or course.start_time is None:
            continue
        starts = datetime.combine(today, course.start_time, tzinfo=local.tzinfo)
        if local < starts <= local + timedelta(minutes=minutes):
            counts[
                (course.instructor_id or 0, course.start_time.strftime("%H:%M"))
            ] += 1
    return dict(counts)


def absent_streak_members(today: date, streak: int) -> set[uuid.UUID]:
    """Return enrolled students whose last ``streak`` marks in a course are absences."""
    enrolled = sa.select(Enrolment.course_id, Enrolment.member_id).where(
        Enrolment.ended_on.is_(None)
    )
    rows = db.session().execute(
        sa.select(
            Attendance.course_id,
            Attendance.member_id,
            Attendance.session_on,
            Attendance.status,
        )
        .where(
            sa.tuple_(Attendance.course_id, Attendance.member_id).in_(enrolled),
            Attendance.session_on >= today - ABSENCE_LOOKBACK,
            Attendance.session_on <= today,
        )
        # Newest first; for a session marked twice the later submission wins.
        .order_by(
            Attendance.course_id,
            Attendance.member_id,
            Attendance.session_on.desc(),
            Attendance.id.desc(),
        )
    )
    history: dict[tuple[int, uuid.UUID], list[tuple[date, str]]] = defaultdict(list)
    for course_id, member_id, session_on, status in rows:
        marks = history[(course_id, member_id)]
        if not marks or marks[-1][0] != session_on:
            marks.append((session_on, status))
    found: set[uuid.UUID] = set()
    for (_course_id, member_id), marks in history.items():
        recent = marks[:streak]
        if (
            len(recent) == streak
            and all(status == "absent" for _, status in recent)
            and recent[0][0] >= today - ABSENCE_RECENT
        ):
            found.add(member_id)
    return found


def absence_counts(today: date, streak: int) -> dict[int, int]:
    """Count, per social worker, students of their families with a run of absences."""
    members = absent_streak_members(today, streak)
    if not members:
        return {}
    users = _subscribed_users(Role.SOCIAL_WORKER).with_only_columns(User.id)
    query = (
        sa.select(Assignment.user_id, sa.func.count(sa.distinct(Member.id)))
        .join(Member, Member.family_id == Assignment.family_id)
        .where(
            Assignment.ended_at.is_(None),
            Assignment.user_id.in_(users),
            Member.id.in_(members),
        )
        .group_by(Assignment.user_id)
    )
    return {user_id: count for user_id, count in db.session().execute(query)}


def ending_counts(today: date) -> dict[int, int]:
    """Count, per case worker, active cases of their families ending within 90 days."""
    from fieldapp.cases.due import ENDING_WITHIN_DAYS
    from fieldapp.cases.models import SupportCase

    users = _subscribed_users().with_only_columns(User.id)
    query = (
        sa.select(Assignment.user_id, sa.func.count(sa.distinct(SupportCase.id)))
        .join(SupportCase, SupportCase.family_id == Assignment.family_id)
        .where(
            Assignment.ended_at.is_(None),
            Assignment.user_id.in_(users),
            SupportCase.status == "active",
            SupportCase.planned_end_on <= today + timedelta(days=ENDING_WITHIN_DAYS),
        )
        .group_by(Assignment.user_id)
    )
    return {user_id: count for user_id, count in db.session().execute(query)}


def stale_outbox_counts(now: datetime, hours: int) -> dict[int, int]:
    """Count, per user, items pending on devices with an item older than ``hours``."""
    users = _subscribed_users().with_only_columns(User.id)
    query = (
        sa.select(Device.user_id, sa.func.sum(Device.pending_count))
        .where(
            Device.revoked_at.is_(None),
            Device.pending_count > 0,
            Device.oldest_pending_at.is_not(None),
            Device.oldest_pending_at < now - timedelta(hours=hours),
            Device.user_id.in_(users),
        )
        .group_by(Device.user_id)
    )
    return {user_id: int(total) for user_id, total in db.session().execute(query)}


def queue_reminders(now: datetime | None = None) -> dict[str, int]:
    """Queue the reminders due now; return how many of each kind. The caller commits."""
    now = now or utcnow()
    config = current_app.config
    local = local_now(now)
    today = local.date()
    year, week, _day = today.isocalendar()
    planned: list[tuple[int, str, int, str]] = []
    for user_id, count in due_counts(
        Family.next_visit_on, Role.SOCIAL_WORKER, today
    ).items():
        planned.append((user_id, "visit_due", count, f"visit_due:{today}"))
    for user_id, count in due_counts(
        Family.next_session_on, Role.PSYCHOLOGIST, today
    ).items():
        planned.append((user_id, "session_due", count, f"session_due:{today}"))
    soon = class_soon_counts(now, int(config["PUSH_CLASS_SOON_MINUTES"]))
    for (user_id, start), count in soon.items():
        planned.append((user_id, "class_soon", count, f"class_soon:{today}:{start}"))
    for user_id, count in absence_counts(
        today, int(config["PUSH_ABSENCE_STREAK"])
    ).items():
        planned.append((user_id, "absences", count, f"absences:{year}-W{week:02d}"))
    for user_id, count in ending_counts(today).items():
        planned.append(
            (user_id, "case_ending", count, f"case_ending:{year}-W{week:02d}")
        )
    stale = stale_outbox_counts(now, int(config["PUSH_STALE_HOURS"]))
    for user_id, count in stale.items():
        planned.append((user_id, "stale_outbox", count, f"stale_outbox:{today}"))

    queued: dict[str, int] = defaultdict(int)
    dbs = db.session()
    for user_id, kind, count, dedupe in planned:
        user = dbs.get(User, user_id)
        if user is not None and queue_notification(
            user, kind, count=count, dedupe=dedupe
        ):
            queued[kind] += 1
    dbs.flush()
    return dict(queued)
