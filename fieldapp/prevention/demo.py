"""Demo data of the prevention programme: two cohorts over six months, fictional.

Students with referrals, class attendance twice a week, outcome measures at baseline,
mid-course and completion with a realistic mix of change, and some who left early.
The first cohort ends in the middle of the previous quarter and the second in the
current one, so both quarters' donor reports have students who enrolled and completed;
their students then go on to the demo's current classes, which have attendance up to
yesterday (and one student absent three times in a row, at risk of dropping out).
Safe to run again: every row has a fixed id and is skipped when present.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import crypto
from fieldapp.auth.models import User
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.prevention.models import LEAVING_REASONS
from fieldapp.prevention.models import REFERRAL_RISKS
from fieldapp.prevention.models import REFERRAL_SOURCES
from fieldapp.prevention.models import ActivityStudent
from fieldapp.prevention.models import EnrolmentEvent
from fieldapp.prevention.models import GroupActivity
from fieldapp.prevention.models import Student
from fieldapp.prevention.progress import ABSENT_RUN
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.models import Submission
from forms import ValidationContext
from forms import validate_answers

_NS = uuid.UUID("5d1f7c2e-9a4b-4c53-8f0e-17aa0b6b2f11")
#: weeks each cohort runs; cohorts start this many weeks apart
WEEKS = 26
#: index in the roster of who leaves early, with the week and reason
LEAVERS = {3: (9, "lost_interest"), 6: (15, "employment"), 8: (5, "moved")}
#: the names of the two earlier cohorts (of the demo's two current classes)
COHORTS = ("Saldim – kohorta e pranverës", "Rrobaqepësi – kohorta e pranverës")


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NS, ":".join(str(p) for p in parts))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)


def _submission(
    session: orm.Session,
    key: str,
    form_id: str,
    answers: dict[str, Any],
    *,
    author: User,
    day: date,
    family_id: uuid.UUID | None = None,
    course_id: int | None = None,
) -> Submission | None:
    """Store a valid submission (clean answers, score included) unless it exists."""
    sub_id = _id("submission", key)
    if session.scalar(sa.select(Submission.id).where(Submission.uuid == sub_id)):
        return None
    definition = registry().get(form_id)
    verdict = validate_answers(definition, answers, ValidationContext(today=day))
    assert verdict.ok, (form_id, verdict.errors)  # noqa: S101 - demo data is fixed
    text = json.dumps(verdict.clean, sort_keys=True)
    submission = Submission(
        uuid=sub_id,
        form_id=form_id,
        form_version=definition.version,
        subject_type=definition.subject,
        family_id=family_id,
        course_id=course_id,
        author_id=author.id,
        started_at=_at(day),
        completed_at=_at(day),
        received_at=_at(day),
        respondent_locale="sq",
        answers=verdict.clean,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    session.add(submission)
    session.flush()
    return submission


def _rses_items(level: float, rng: random.Random) -> dict[str, int]:
    """Answers to the ten statements of someone whose self-esteem is ``level`` (0-3)."""
    answers = {}
    for n in range(1, 11):
        score = max(0, min(3, round(level + rng.uniform(-0.8, 0.8))))
        reverse = n in (2, 5, 6, 8, 9)
        answers[f"rses_{n}"] = 3 - score if reverse else score
    return answers


def load(session: orm.Session, users: dict[str, User], today: date) -> int:
    """Load the programme's demo rows for every demo course; return students added."""
    rng = random.Random(17)
    current = list(
        session.scalars(
            sa.select(Course).where(Course.starts_on.is_(None)).order_by(Course.id)
        )
    )
    added = 0
    for cohort, (name, course_now) in enumerate(zip(COHORTS, current, strict=False)):
        course = session.scalar(sa.select(Course).where(Course.name == name))
        if course is not None and course.starts_on and course.ends_on:
            start, end = course.starts_on, course.ends_on
        else:
            start, end = cohort_dates(cohort, today)
        if course is None:
            # An earlier cohort of the same class: its students go on to the current one.
            course = Course(
                name=name,
                vocation=course_now.vocation,
                instructor_id=course_now.instructor_id,
                weekdays=course_now.weekdays,
                start_time=course_now.start_time,
                location=course_now.location,
                starts_on=start,
                ends_on=end,
                is_active=False,
            )
            session.add(course)
            session.flush()
            for enrolment in list(course_now.enrolments):
                session.add(
                    Enrolment(
                        course_id=course.id,
                        member_id=enrolment.member_id,
                        enrolled_on=start,
                    )
                )
            session.flush()
        enrolments = list(
            session.scalars(
                sa.select(Enrolment)
                .where(Enrolment.course_id == course.id)
                .order_by(Enrolment.id)
            )
        )
        days = class_days(course, start, end)
        mid = start + timedelta(weeks=WEEKS // 2)
        for index, enrolment in enumerate(enrolments):
            member = enrolment.member
            if session.scalar(sa.select(Student).where(Student.member_id == member.id)):
                continue
            added += 1
            session.add(
                Student(
                    member_id=member.id,
                    referral_source=REFERRAL_SOURCES[index % 3],
                    referral_on=start - timedelta(days=20 + index),
                    referral_risk=crypto.encrypt_json(
                        {"risk": REFERRAL_RISKS[index % 3]}
                    ),
                    form_locale="sr_Latn" if "ć" in member.full_name else "sq",
                )
            )
            enrolment.enrolled_on = start
            session.flush()
            session.add(
                EnrolmentEvent(
                    enrolment_id=enrolment.id,
                    kind="enrolled",
                    happened_on=start,
                    by_id=users["coordinator"].id,
                )
            )
            leaving = LEAVERS.get(index)
            if leaving is not None:
                left = start + timedelta(weeks=leaving[0])
                enrolment.status, enrolment.ended_on = "left_early", left
                reason = leaving[1] if leaving[1] in LEAVING_REASONS else "other"
                session.add(
                    EnrolmentEvent(
                        enrolment_id=enrolment.id,
                        kind="left_early",
                        happened_on=left,
                        reason=reason,
                        by_id=users["coordinator"].id,
                    )
                )
            else:
                enrolment.status, enrolment.ended_on = "completed", end
                session.add(
                    EnrolmentEvent(
                        enrolment_id=enrolment.id,
                        kind="completed",
                        happened_on=end,
                        certificate=index % 5 != 4,
                        by_id=users["coordinator"].id,
                    )
                )
        session.flush()
        _attendance(session, course, enrolments, days, users["instructor"], rng)
        _measures(session, course, enrolments, (start, mid, end), users, rng)
        _activities(session, course, enrolments, start, users, rng)
        _current_class(session, course_now, end, today, users["instructor"], rng)
    return added


def quarter_start(day: date) -> date:
    """Return the first day of the calendar quarter of ``day``."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def cohort_dates(cohort: int, today: date) -> tuple[date, date]:
    """Return (first Monday, last day) of demo cohort 0 or 1.

    Cohort 0 ends in the middle of the previous quarter, cohort 1 in the current
    quarter, two weeks ago (or on the quarter's first day, early in a quarter).
    """
    this_quarter = quarter_start(today)
    previous_end = this_quarter - timedelta(days=1)
    previous_start = quarter_start(previous_end)
    if cohort == 0:
        end = previous_start + (previous_end - previous_start) / 2
    else:
        end = min(today, max(this_quarter, today - timedelta(weeks=2)))
    start = end - timedelta(weeks=WEEKS) + timedelta(days=3)
    start -= timedelta(days=start.weekday())  # a Monday
    return start, end


def class_days(course: Course, first: date, last: date) -> list[date]:
    """Return the days from ``first`` to ``last`` on which ``course`` meets."""
    weekdays = set(course.weekday_numbers())
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).isoweekday() in weekdays
    ]


def _current_class(
    session: orm.Session,
    course: Course,
    cohort_end: date,
    today: date,
    author: User,
    rng: random.Random,
) -> None:
    """Start the current class the Monday after the cohort ended; mark attendance.

    Its enrolments get that day once (while the class has no attendance yet), and one
    student misses the last ABSENT_RUN classes, so the dashboards show a student at
    risk of dropping out.
    """
    has_marks = session.scalar(
        sa.select(Attendance.id).where(Attendance.course_id == course.id).limit(1)
    )
    enrolments = list(
        session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.course_id == course.id, Enrolment.status == "enrolled")
            .order_by(Enrolment.id)
        )
    )
    if not has_marks:
        first = cohort_end + timedelta(days=7 - cohort_end.weekday())
        for enrolment in enrolments:
            enrolment.enrolled_on = min(first, today)
        session.flush()
    if not enrolments:
        return
    first = min(e.enrolled_on for e in enrolments)
    days = class_days(course, first, today - timedelta(days=1))
    drifting = {enrolments[2 % len(enrolments)].member_id: set(days[-ABSENT_RUN:])}
    _attendance(session, course, enrolments, days, author, rng, drifting)


def _last_day(enrolment: Enrolment) -> date:
    return enrolment.ended_on or date.max


def _attendance(
    session: orm.Session,
    course: Course,
    enrolments: list[Enrolment],
    days: list[date],
    author: User,
    rng: random.Random,
    absent: dict[uuid.UUID, set[date]] | None = None,
) -> None:
    """Mark each class day; ``absent``: days a student is absent, whatever the habit."""
    absent = absent or {}
    # Each student's habit: most attend well; a few drift, some improve.
    habit = {e.member_id: rng.choice((0.95, 0.9, 0.85, 0.75, 0.6)) for e in enrolments}
    for day in days:
        present = [e for e in enrolments if e.enrolled_on <= day <= _last_day(e)]
        if not present:
            continue
        rows = {}
        for enrolment in present:
            roll = rng.random()
            chance = habit[enrolment.member_id]
            status = (
                "present"
                if roll < chance
                else "late"
                if roll < chance + 0.04
                else "excused"
                if roll < chance + 0.08
                else "absent"
            )
            if day in absent.get(enrolment.member_id, ()):
                status = "absent"
            rows[str(enrolment.member_id)] = {"status": status}
        submission = _submission(
            session,
            f"attendance:{course.id}:{day}",
            "class_attendance",
            {"session_date": day.isoformat(), "attendance": rows},
            author=author,
            day=day,
            course_id=course.id,
        )
        if submission is None:
            continue
        for member_id, row in rows.items():
            session.add(
                Attendance(
                    submission_id=submission.id,
                    course_id=course.id,
                    member_id=uuid.UUID(member_id),
                    session_on=day,
                    status=row["status"],
                )
            )


def _measures(
    session: orm.Session,
    course: Course,
    enrolments: list[Enrolment],
    dates: tuple[date, date, date],
    users: dict[str, User],
    rng: random.Random,
) -> None:
    skills = ("communication", "anger", "teamwork", "problem_solving", "asks_help")
    timepoints = ("baseline", "mid", "completion")
    # Each student's course: most improve, some stay level, a few slip back.
    change = {
        e.member_id: rng.choice((1.0, 0.8, 0.5, 0.3, 0.0, -0.3)) for e in enrolments
    }
    start_level = {e.member_id: rng.uniform(0.9, 1.9) for e in enrolments}
    checklists: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in timepoints}
    for enrolment in enrolments:
        member = enrolment.member
        mid_id = str(member.id)
        for step, (timepoint, day) in enumerate(zip(timepoints, dates, strict=True)):
            if day > _last_day(enrolment):
                break
            gain = change[member.id] * step / 2
            level = start_level[member.id] + gain
            about = {"student": mid_id, "timepoint": timepoint}
            about["measure_date"] = day.isoformat()
            key = f"{member.id}:{timepoint}"
            social = users["social"]
            _submission(
                session,
                f"self_esteem:{key}",
                "self_esteem",
                about | _rses_items(level, rng),
                author=social,
                day=day,
                family_id=member.family_id,
            )
            possible = rng.randint(85, 95)
            rate = min(
                1.0, 0.62 + 0.1 * step * (change[member.id] > 0) + rng.uniform(0, 0.2)
            )
            _submission(
                session,
                f"school_attendance:{key}",
                "school_attendance",
                about
                | {"days_possible": possible, "days_attended": round(possible * rate)},
                author=social,
                day=day,
                family_id=member.family_id,
            )
            incidents = max(0, round(4 - 2.5 * gain + rng.uniform(-1, 1)))
            rating = max(1, min(4, round(1.8 + gain + rng.uniform(-0.4, 0.4))))
            _submission(
                session,
                f"school_behaviour:{key}",
                "school_behaviour",
                about | {"incidents": incidents, "teacher_rating": rating},
                author=social,
                day=day,
                family_id=member.family_id,
            )
            shown = max(
                0, min(len(skills), round(1 + 2 * step * max(level - 0.8, 0.2)))
            )
            checklists[timepoint][mid_id] = {
                "skills": list(skills[:shown]),
                "reading": max(1, min(4, round(2 + gain))),
                "writing": max(1, min(4, round(1.5 + gain))),
            }
    for timepoint, day in zip(timepoints, dates, strict=True):
        enrolled = {
            str(e.member_id) for e in enrolments if e.enrolled_on <= day <= _last_day(e)
        }
        rows = {m: checklists[timepoint].get(m, {}) for m in sorted(enrolled)}
        if rows:
            _submission(
                session,
                f"life_skills:{course.id}:{timepoint}",
                "life_skills",
                {
                    "timepoint": timepoint,
                    "measure_date": day.isoformat(),
                    "students": rows,
                },
                author=users["instructor"],
                day=day,
                course_id=course.id,
            )


#: (week of the cohort, kind, topic, facilitators, place)
ACTIVITIES = (
    (
        3,
        "workshop",
        "communication",
        "Arta Hoxha, Besnik Krasniqi",
        "Qendra, Prishtinë",
    ),
    (7, "awareness", "trafficking", "Arta Hoxha", "Shkolla 'Naim Frashëri'"),
    (11, "parents", "parenting", "Besnik Krasniqi", "Qendra, Prishtinë"),
    (16, "workshop", "conflict", "Arta Hoxha", "Punëtoria"),
    (21, "awareness", "online_safety", "Vesna Petrović", "Shkolla 'Vuk Karadžić'"),
)


def _activities(
    session: orm.Session,
    course: Course,
    enrolments: list[Enrolment],
    start: date,
    users: dict[str, User],
    rng: random.Random,
) -> None:
    for week, kind, topic, facilitators, place in ACTIVITIES:
        day = start + timedelta(weeks=week, days=2)
        there = [
            str(e.member_id)
            for e in enrolments
            if e.enrolled_on <= day <= _last_day(e) and rng.random() < 0.7
        ]
        counts = {"girls_12_16": rng.randint(3, 12), "boys_12_16": rng.randint(3, 12)}
        if kind == "parents":
            counts = {
                "women_17_plus": rng.randint(4, 10),
                "men_17_plus": rng.randint(1, 5),
            }
        elif kind == "awareness":
            counts |= {
                "girls_under_12": rng.randint(0, 6),
                "boys_under_12": rng.randint(0, 6),
            }
        answers: dict[str, Any] = {
            "activity_date": day.isoformat(),
            "kind": kind,
            "topic": topic,
            "facilitators": facilitators,
            "place": place,
            **counts,
        }
        if kind != "parents":
            answers["students"] = there
        submission = _submission(
            session,
            f"activity:{course.id}:{week}",
            "group_activity",
            answers,
            author=users["instructor"] if kind == "workshop" else users["social"],
            day=day,
        )
        if submission is None:
            continue
        activity = GroupActivity(
            submission_id=submission.id,
            held_on=day,
            kind=kind,
            topic=topic,
            facilitators=facilitators,
            place=place,
            participants=counts,
            total=sum(counts.values()),
        )
        session.add(activity)
        session.flush()
        for member_id in answers.get("students", ()):
            session.add(
                ActivityStudent(activity_id=activity.id, member_id=uuid.UUID(member_id))
            )
