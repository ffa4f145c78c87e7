"""The figures of the dashboards, each with where its records are listed.

Counts come from plain columns only (dates, statuses, attendance marks): no sealed
value is decrypted for a dashboard (docs/architecture.md, "Figures and sealed answers").
The conditions match the lists the figures link to: My work (cases/due.py), the case
list's filters, the devices page and the review queue.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from fieldapp import db
from fieldapp.access import CASE_WORKERS
from fieldapp.access import courses_visible_to
from fieldapp.access import family_visible
from fieldapp.auth.models import User
from fieldapp.cases.due import ENDING_WITHIN_DAYS
from fieldapp.cases.models import ACTIVE
from fieldapp.cases.models import CLOSED
from fieldapp.cases.models import OPEN_REFERRAL_STATUSES
from fieldapp.cases.models import OPEN_SERVICE_STATUSES
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.cases.services import REFERRAL_AGES
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.devices.models import Device
from fieldapp.devices.services import SILENT_DAYS
from fieldapp.devices.services import silent_since
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.prevention import progress
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import SubmissionConflict

#: months shown in the attendance-by-month chart
MONTHS = 6


def overdue(user: User, today: date) -> dict[str, int]:
    """Return what is due by today, by kind, for the families ``user`` may see."""
    session = db.session()
    visible = family_visible(user)
    out = {}
    for kind, column in (
        ("visit", Family.next_visit_on),
        ("session", Family.next_session_on),
    ):
        out[kind] = (
            session.scalar(
                sa.select(sa.func.count(Family.id)).where(
                    visible, Family.is_active.is_(True), column <= today
                )
            )
            or 0
        )
    base = (
        sa.select(sa.func.count())
        .select_from(SupportCase)
        .join(Family, Family.id == SupportCase.family_id)
        .where(visible)
    )
    out["service"] = (
        session.scalar(
            base.join(CaseService, CaseService.case_id == SupportCase.id).where(
                SupportCase.status != CLOSED,
                CaseService.status.in_(OPEN_SERVICE_STATUSES),
                CaseService.planned_on <= today,
            )
        )
        or 0
    )
    out["review"] = (
        session.scalar(
            base.where(
                SupportCase.status == ACTIVE, SupportCase.next_review_on <= today
            )
        )
        or 0
    )
    return out


def caseload(today: date) -> list[tuple[int, str, int, int]]:
    """Return (worker id, name, open cases, families) per active case worker."""
    rows = db.session().execute(
        sa.select(
            User.id,
            User.full_name,
            sa.func.count(sa.distinct(SupportCase.id)),
            sa.func.count(sa.distinct(Assignment.family_id)),
        )
        .join(
            Assignment,
            sa.and_(Assignment.user_id == User.id, Assignment.ended_at.is_(None)),
        )
        .outerjoin(
            SupportCase,
            sa.and_(
                SupportCase.family_id == Assignment.family_id,
                SupportCase.status != CLOSED,
            ),
        )
        .where(User.role.in_([str(r) for r in CASE_WORKERS]), User.is_active.is_(True))
        .group_by(User.id, User.full_name)
        .order_by(User.full_name)
    )
    return [(uid, name, cases, families) for uid, name, cases, families in rows]


def own_caseload(user: User) -> tuple[int, int]:
    """Return (open cases, families) of a case worker."""
    one = [row for row in caseload(date.today()) if row[0] == user.id]
    return (one[0][2], one[0][3]) if one else (0, 0)


def referral_ages(user: User, today: date) -> dict[str, int]:
    """Return how many open cases have an open referral, by the referral's age."""
    out = {}
    for name, (low, high) in REFERRAL_AGES.items():
        sent = sa.select(Referral.case_id).where(
            Referral.status.in_(OPEN_REFERRAL_STATUSES),
            Referral.sent_on <= today - timedelta(days=low),
        )
        if high is not None:
            sent = sent.where(Referral.sent_on >= today - timedelta(days=high))
        out[name] = (
            db.session().scalar(
                sa.select(sa.func.count(SupportCase.id))
                .join(Family, Family.id == SupportCase.family_id)
                .where(
                    family_visible(user),
                    SupportCase.status != CLOSED,
                    SupportCase.id.in_(sent),
                )
            )
            or 0
        )
    return out


def open_referrals(user: User, today: date) -> list[tuple[uuid.UUID, str, str, int]]:
    """Return (family id, family name, partner, days since sent) of open referrals."""
    from fieldapp.cases.models import Partner

    rows = db.session().execute(
        sa.select(Family.id, Family.name, Partner.name, Referral.sent_on)
        .join(SupportCase, SupportCase.family_id == Family.id)
        .join(Referral, Referral.case_id == SupportCase.id)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(family_visible(user), Referral.status.in_(OPEN_REFERRAL_STATUSES))
        .order_by(Referral.sent_on)
        .limit(50)
    )
    return [
        (fid, name, partner, (today - sent).days) for fid, name, partner, sent in rows
    ]


def cases_by_status_programme() -> dict[tuple[str, str], int]:
    """Return the number of cases per (status, programme)."""
    rows = db.session().execute(
        sa.select(SupportCase.status, SupportCase.programme, sa.func.count()).group_by(
            SupportCase.status, SupportCase.programme
        )
    )
    return {(status, programme): n for status, programme, n in rows}


def ending_soon(today: date) -> int:
    """Return the active cases within 90 days of their planned end (or past it)."""
    return (
        db.session().scalar(
            sa.select(sa.func.count(SupportCase.id)).where(
                SupportCase.status == ACTIVE,
                SupportCase.planned_end_on
                <= today + timedelta(days=ENDING_WITHIN_DAYS),
            )
        )
        or 0
    )


@dataclass
class CourseFigures:
    """A course's attendance and its students at risk of dropping out."""

    course: Course
    attended: int = 0
    counted: int = 0
    #: (member id, name, absences in a row)
    at_risk: list[tuple[uuid.UUID, str, int]] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        """Return the rate in whole percent, None before any mark."""
        if not self.counted:
            return None
        return (200 * self.attended + self.counted) // (2 * self.counted)


def courses(user: User) -> list[CourseFigures]:
    """Return the active courses ``user`` may see, with attendance and students at risk.

    At risk: a student still enrolled whose absences in a row reach
    progress.ABSENT_RUN (the course page's rule).
    """
    session = db.session()
    found = list(
        session.scalars(
            courses_visible_to(user)
            .where(Course.is_active.is_(True))
            .order_by(Course.name)
        )
    )
    if not found:
        return []
    by_id = {c.id: CourseFigures(c) for c in found}
    enrolled: dict[int, dict[uuid.UUID, str]] = defaultdict(dict)
    for course_id, member_id, name in session.execute(
        sa.select(Enrolment.course_id, Member.id, Member.full_name)
        .join(Member, Member.id == Enrolment.member_id)
        .where(Enrolment.course_id.in_(by_id), Enrolment.status == "enrolled")
    ):
        enrolled[course_id][member_id] = name
    runs: dict[tuple[int, uuid.UUID], int] = defaultdict(int)
    for course_id, member_id, status in session.execute(
        sa.select(Attendance.course_id, Attendance.member_id, Attendance.status)
        .where(Attendance.course_id.in_(by_id))
        .order_by(Attendance.session_on, Attendance.id)
    ):
        if status not in progress.COUNTED:
            continue
        one = by_id[course_id]
        one.counted += 1
        if status in progress.ATTENDED:
            one.attended += 1
            runs[(course_id, member_id)] = 0
        else:
            runs[(course_id, member_id)] += 1
    for (course_id, member_id), run in runs.items():
        student_name = enrolled[course_id].get(member_id)
        if student_name is not None and run >= progress.ABSENT_RUN:
            by_id[course_id].at_risk.append((member_id, student_name, run))
    for one in by_id.values():
        one.at_risk.sort(key=lambda r: (-r[2], r[1]))
    return list(by_id.values())


def attendance_by_month(user: User, today: date) -> list[tuple[str, int | None]]:
    """Return the class attendance rate of ``user``'s courses in each recent month."""
    first = (today.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    course_ids = sa.select(
        courses_visible_to(user).with_only_columns(Course.id).subquery()
    )
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for day, status in db.session().execute(
        sa.select(Attendance.session_on, Attendance.status).where(
            Attendance.session_on >= first,
            Attendance.session_on <= today,
            Attendance.course_id.in_(course_ids),
        )
    ):
        if status not in progress.COUNTED:
            continue
        tally = months[day.strftime("%Y-%m")]
        tally[1] += 1
        tally[0] += status in progress.ATTENDED
    out = []
    day = first
    while day <= today:
        key = day.strftime("%Y-%m")
        attended, counted = months.get(key, (0, 0))
        out.append(
            (key, (200 * attended + counted) // (2 * counted) if counted else None)
        )
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def sync_health() -> dict[str, int]:
    """Return devices silent for 3 days, items waiting, conflicts and rejects to review."""
    session = db.session()
    return {
        "silent": session.scalar(
            sa.select(sa.func.count(Device.id)).where(silent_since(SILENT_DAYS))
        )
        or 0,
        "waiting": session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Device.pending_count), 0)).where(
                Device.revoked_at.is_(None)
            )
        )
        or 0,
        "conflicts": session.scalar(
            sa.select(sa.func.count(SubmissionConflict.id)).where(
                SubmissionConflict.resolved_at.is_(None)
            )
        )
        or 0,
        "rejected": session.scalar(
            sa.select(sa.func.count(RejectedSubmission.id)).where(
                RejectedSubmission.resolved_at.is_(None)
            )
        )
        or 0,
    }
