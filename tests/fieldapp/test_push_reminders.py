"""Time-based reminders: who gets which count, and each only once per period."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.devices.models import Device
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.push import reminders
from fieldapp.push.models import Notification
from fieldapp.push.models import PushSubscription
from fieldapp.submissions.models import Submission

#: Monday 23 November 2026, 08:40 in Prishtina (UTC+1).
NOW = datetime(2026, 11, 23, 7, 40, tzinfo=UTC)
TODAY = date(2026, 11, 23)


@pytest.fixture
def subscribed(app: Flask) -> Callable[[User], None]:
    """Give a user a push subscription: only they get reminders."""

    def make(user: User) -> None:
        with app.app_context():
            db.session().add(
                PushSubscription(
                    user_id=user.id,
                    endpoint=f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4()}",
                    p256dh="k",
                    auth="a",
                )
            )
            db.session().commit()

    return make


def remind(app: Flask, now: datetime = NOW) -> dict[str, int]:
    with app.app_context():
        queued = reminders.queue_reminders(now)
        db.session().commit()
        return queued


def queued_for(app: Flask, user: User) -> dict[str, dict[str, Any]]:
    with app.app_context():
        rows = db.session().scalars(
            sa.select(Notification).where(Notification.user_id == user.id)
        )
        return {row.kind: row.payload for row in rows}


def set_family(app: Flask, family: Family, **values: Any) -> None:
    with app.app_context():
        stored = db.session().get(Family, family.id)
        for name, value in values.items():
            setattr(stored, name, value)
        db.session().commit()


def test_due_and_overdue_visits_and_sessions_are_counted_per_worker(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    subscribed: Callable[[User], None],
) -> None:
    social = make_user("sara", "social_worker")
    psych = make_user("petrit", "psychologist")
    subscribed(social)
    subscribed(psych)
    due = {
        "today": TODAY,
        "overdue": TODAY - timedelta(days=3),
        "future": TODAY + timedelta(days=1),
        "none": None,
    }
    families = {}
    for label, visit_on in due.items():
        families[label] = make_family(f"F-{label}", assigned_to=(social, psych))
        set_family(
            app, families[label], next_visit_on=visit_on, next_session_on=visit_on
        )
    inactive = make_family("F-inactive", assigned_to=(social,))
    set_family(app, inactive, next_visit_on=TODAY, is_active=False)
    ended = make_family("F-ended", assigned_to=(social,))
    set_family(app, ended, next_visit_on=TODAY)
    with app.app_context():
        assignment = db.session().scalar(
            sa.select(Assignment).where(Assignment.family_id == ended.id)
        )
        assert assignment is not None
        assignment.ended_at = NOW - timedelta(days=1)
        db.session().commit()

    assert remind(app) == {"visit_due": 1, "session_due": 1}

    assert queued_for(app, social) == {
        "visit_due": {"type": "visit_due", "count": 2, "url": "/cases/my-work"}
    }
    assert queued_for(app, psych) == {
        "session_due": {"type": "session_due", "count": 2, "url": "/cases/my-work"}
    }


def test_workers_without_a_subscription_get_no_reminder(
    app: Flask, make_user: Callable[..., User], make_family: Callable[..., Family]
) -> None:
    social = make_user("sara", "social_worker")
    family = make_family(assigned_to=(social,))
    set_family(app, family, next_visit_on=TODAY)
    assert remind(app) == {}
    assert queued_for(app, social) == {}


def test_a_reminder_is_queued_once_a_day(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    subscribed: Callable[[User], None],
) -> None:
    social = make_user("sara", "social_worker")
    subscribed(social)
    set_family(app, make_family(assigned_to=(social,)), next_visit_on=TODAY)

    assert remind(app) == {"visit_due": 1}
    assert remind(app, NOW + timedelta(hours=3)) == {}
    assert remind(app, NOW + timedelta(days=1)) == {"visit_due": 1}


def _course(app: Flask, course: Course, **values: Any) -> None:
    with app.app_context():
        stored = db.session().get(Course, course.id)
        for name, value in values.items():
            setattr(stored, name, value)
        db.session().commit()


def test_class_starting_soon_reminds_its_instructor_once(
    app: Flask,
    make_user: Callable[..., User],
    make_course: Callable[..., Course],
    subscribed: Callable[[User], None],
) -> None:
    teacher = make_user("ilir", "instructor")
    other = make_user("vesa", "instructor")
    subscribed(teacher)
    subscribed(other)
    _course(app, make_course(teacher, name="A"), weekdays="1,3", start_time=time(9, 0))
    _course(app, make_course(teacher, name="B"), weekdays="1", start_time=time(11, 0))
    _course(app, make_course(other, name="C"), weekdays="2,4", start_time=time(9, 0))
    ended = make_course(other, name="D")
    _course(
        app, ended, weekdays="1", start_time=time(9, 0), ends_on=TODAY - timedelta(1)
    )

    assert remind(app) == {"class_soon": 1}
    assert queued_for(app, teacher)["class_soon"] == {
        "type": "class_soon",
        "count": 1,
        "url": "/courses/",
    }
    assert queued_for(app, other) == {}
    assert remind(app, NOW + timedelta(minutes=10)) == {}  # same class, same day
    assert remind(app, NOW + timedelta(minutes=30)) == {}  # it has started


def _attendance(
    app: Flask, course: Course, author: User, marks: dict[uuid.UUID, list[str]]
) -> None:
    """Store one submission per session, newest last, ending today."""
    sessions = max(len(m) for m in marks.values())
    with app.app_context():
        for index in range(sessions):
            session_on = TODAY - timedelta(days=7 * (sessions - 1 - index))
            submission = Submission(
                uuid=uuid.uuid4(),
                form_id="class_attendance",
                form_version=1,
                subject_type="course",
                course_id=course.id,
                author_id=author.id,
                content_hash=uuid.uuid4().hex,
            )
            db.session().add(submission)
            db.session().flush()
            for member_id, statuses in marks.items():
                offset = sessions - len(statuses)
                if index >= offset:
                    db.session().add(
                        Attendance(
                            submission_id=submission.id,
                            course_id=course.id,
                            member_id=member_id,
                            session_on=session_on,
                            status=statuses[index - offset],
                        )
                    )
        db.session().commit()


def test_students_absent_several_sessions_in_a_row_alert_their_social_worker(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    make_course: Callable[..., Course],
    subscribed: Callable[[User], None],
) -> None:
    social = make_user("sara", "social_worker")
    teacher = make_user("ilir", "instructor")
    subscribed(social)
    subscribed(teacher)
    families = [
        make_family(f"F{i}", members=(f"Student{i}",), assigned_to=(social,))
        for i in range(4)
    ]
    away, back, short, left = (family.members[0] for family in families)
    course = make_course(teacher, students=(away, back, short, left))
    _attendance(
        app,
        course,
        teacher,
        {
            away.id: ["present", "absent", "absent", "absent"],
            back.id: ["absent", "absent", "absent", "present"],
            short.id: ["absent", "absent"],
            left.id: ["absent", "absent", "absent", "absent"],
        },
    )
    with app.app_context():
        enrolment = db.session().scalar(
            sa.select(Enrolment).where(Enrolment.member_id == left.id)
        )
        assert enrolment is not None
        enrolment.ended_on = TODAY
        db.session().commit()

    assert remind(app) == {"absences": 1}
    assert queued_for(app, social)["absences"] == {
        "type": "absences",
        "count": 1,
        "url": "/families/",
    }
    assert "absences" not in queued_for(app, teacher)
    # Once a week: the same run of absences is not repeated tomorrow.
    assert remind(app, NOW + timedelta(days=1)) == {}


def test_old_runs_of_absences_do_not_alert(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    make_course: Callable[..., Course],
    subscribed: Callable[[User], None],
) -> None:
    social = make_user("sara", "social_worker")
    teacher = make_user("ilir", "instructor")
    subscribed(social)
    student = make_family(assigned_to=(social,)).members[0]
    course = make_course(teacher, students=(student,))
    _attendance(app, course, teacher, {student.id: ["absent", "absent", "absent"]})
    assert remind(app, NOW + timedelta(days=30)) == {}


def test_items_waiting_over_72_hours_on_a_device_remind_its_user(
    app: Flask, make_user: Callable[..., User], subscribed: Callable[[User], None]
) -> None:
    worker = make_user("sara", "social_worker")
    fresh = make_user("besa", "social_worker")
    revoked = make_user("dua", "instructor")
    for user in (worker, fresh, revoked):
        subscribed(user)
    with app.app_context():
        for user, hours, pending, revoked_at in (
            (worker, 80, 4, None),
            (worker, 100, 1, None),
            (fresh, 10, 9, None),
            (revoked, 200, 2, NOW),
        ):
            db.session().add(
                Device(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    pending_count=pending,
                    oldest_pending_at=NOW - timedelta(hours=hours),
                    revoked_at=revoked_at,
                )
            )
        db.session().commit()

    assert remind(app) == {"stale_outbox": 1}
    assert queued_for(app, worker)["stale_outbox"]["count"] == 5
    assert queued_for(app, fresh) == {}
    assert queued_for(app, revoked) == {}


def test_workers_are_reminded_weekly_of_cases_ending_within_90_days(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    subscribed: Callable[[User], None],
) -> None:
    from fieldapp.cases.models import SupportCase

    social = make_user("sara", "social_worker")
    subscribed(social)
    ending = make_family("F-ending", assigned_to=(social,))
    later = make_family("F-later", assigned_to=(social,))
    with app.app_context():
        for family, days in ((ending, 89), (later, 91)):
            db.session().add(
                SupportCase(
                    family_id=family.id,
                    programme="rehabilitation_daily",
                    status="active",
                    planned_end_on=TODAY + timedelta(days=days),
                )
            )
        db.session().commit()
    assert remind(app) == {"case_ending": 1}
    assert queued_for(app, social)["case_ending"] == {
        "type": "case_ending",
        "count": 1,
        "url": "/cases/my-work",
    }
    assert remind(app, NOW + timedelta(days=1)) == {}  # once a week
