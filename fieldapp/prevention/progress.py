"""Each student's progress: class attendance by month and outcome measures over time."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

import sqlalchemy as sa

from fieldapp import db
from fieldapp.courses.models import Attendance
from fieldapp.prevention.models import ActivityStudent
from fieldapp.prevention.models import GroupActivity
from fieldapp.submissions.models import Submission

#: timepoints of the outcome measures, in order
TIMEPOINTS = ("baseline", "mid", "completion")
#: forms about one student named in the "student" answer
STUDENT_FORMS = ("self_esteem", "school_attendance", "school_behaviour")
#: attendance marks that count as attending; excused sessions are left out
ATTENDED = ("present", "late")
COUNTED = ("present", "late", "absent")


@dataclass
class MonthRate:
    """Class attendance in one month."""

    month: str  # YYYY-MM
    attended: int
    counted: int

    @property
    def percent(self) -> int:
        """Return the rate in whole percent (rounded half up)."""
        return (200 * self.attended + self.counted) // (2 * self.counted)


def attendance_by_month(
    member_id: uuid.UUID, course_ids: list[int] | None = None
) -> list[MonthRate]:
    """Return the member's class attendance rate by month (excused not counted).

    ``course_ids``: only these courses (an instructor's own); None for all.
    """
    query = sa.select(Attendance.session_on, Attendance.status).where(
        Attendance.member_id == member_id
    )
    if course_ids is not None:
        query = query.where(Attendance.course_id.in_(course_ids))
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for day, status in db.session().execute(query):
        if status not in COUNTED:
            continue
        tally = months[day.strftime("%Y-%m")]
        tally[1] += 1
        tally[0] += status in ATTENDED
    return [MonthRate(m, a, c) for m, (a, c) in sorted(months.items())]


@dataclass
class Measures:
    """The outcome measures at one timepoint (None where not taken)."""

    timepoint: str
    self_esteem: int | None = None
    school_attended: int | None = None
    school_possible: int | None = None
    incidents: int | None = None
    teacher_rating: int | None = None
    life_skills: int | None = None
    reading: int | None = None
    writing: int | None = None
    dates: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def school_rate(self) -> int | None:
        """Return school attendance in whole percent (rounded half up)."""
        if self.school_attended is None or not self.school_possible:
            return None
        return (200 * self.school_attended + self.school_possible) // (
            2 * self.school_possible
        )


def _student_submissions(
    member_id: uuid.UUID, family_id: uuid.UUID, forms: tuple[str, ...]
) -> list[Submission]:
    return list(
        db.session().scalars(
            sa.select(Submission)
            .where(Submission.family_id == family_id, Submission.form_id.in_(forms))
            .order_by(Submission.completed_at, Submission.id)
        )
    )


def _life_skills(
    member_id: uuid.UUID, course_ids: list[int] | None
) -> list[tuple[Submission, dict[str, Any]]]:
    query = sa.select(Submission).where(Submission.form_id == "life_skills")
    if course_ids is not None:
        query = query.where(Submission.course_id.in_(course_ids))
    out = []
    key = str(member_id)
    for submission in db.session().scalars(query.order_by(Submission.id)):
        row = (submission.answers.get("students") or {}).get(key)
        if row is not None:
            out.append((submission, row))
    return out


def measures(
    member_id: uuid.UUID,
    family_id: uuid.UUID,
    *,
    case: bool,
    course_ids: list[int] | None = None,
) -> list[Measures]:
    """Return the measures at each timepoint; later records of a timepoint win.

    ``case``: whether the viewer may see the family's case records (the student
    forms); otherwise only the life-skills checklist of ``course_ids``.
    """
    student = _student_submissions(member_id, family_id, STUDENT_FORMS) if case else []
    skills = [sub for sub, _row in _life_skills(member_id, course_ids)]
    return fold_measures(member_id, student, skills)


def measures_of_many(
    students: list[tuple[uuid.UUID, uuid.UUID]], course_ids: list[int]
) -> dict[uuid.UUID, list[Measures]]:
    """Return the measures of many (member, family) at once: two queries in all.

    Student forms of their families, and life-skills checklists of ``course_ids``
    (reports and dashboards; never one query per student).
    """
    families = {family_id for _member, family_id in students}
    by_family: dict[uuid.UUID, list[Submission]] = defaultdict(list)
    if families:
        for sub in db.session().scalars(
            sa.select(Submission)
            .where(
                Submission.family_id.in_(families),
                Submission.form_id.in_(STUDENT_FORMS),
            )
            .order_by(Submission.completed_at, Submission.id)
        ):
            if sub.family_id is not None:
                by_family[sub.family_id].append(sub)
    skills = []
    if course_ids:
        skills = list(
            db.session().scalars(
                sa.select(Submission)
                .where(
                    Submission.form_id == "life_skills",
                    Submission.course_id.in_(course_ids),
                )
                .order_by(Submission.id)
            )
        )
    return {
        member_id: fold_measures(member_id, by_family.get(family_id, []), skills)
        for member_id, family_id in students
    }


def fold_measures(
    member_id: uuid.UUID,
    student_submissions: list[Submission],
    life_skills: list[Submission],
) -> list[Measures]:
    """Fold a student's records into one Measures per timepoint (later records win)."""
    found = {tp: Measures(tp) for tp in TIMEPOINTS}

    def at(answers: dict[str, Any], form_id: str, version: int) -> Measures | None:
        slot = found.get(str(answers.get("timepoint")))
        if slot is None:
            return None
        day = str(answers.get("measure_date", ""))
        if day < slot.dates.get(form_id, ""):
            return None  # an older record of the same timepoint
        slot.dates[form_id] = day
        slot.versions[form_id] = version
        return slot

    for sub in student_submissions:
        answers = sub.answers
        if answers.get("student") != str(member_id):
            continue
        slot = at(answers, sub.form_id, sub.form_version)
        if slot is None:
            continue
        if sub.form_id == "self_esteem":
            slot.self_esteem = (answers.get("_scores") or {}).get("self_esteem")
        elif sub.form_id == "school_attendance":
            slot.school_attended = answers.get("days_attended")
            slot.school_possible = answers.get("days_possible")
        else:
            slot.incidents = answers.get("incidents")
            slot.teacher_rating = answers.get("teacher_rating")
    key = str(member_id)
    for sub in life_skills:
        row = (sub.answers.get("students") or {}).get(key)
        if row is None:
            continue
        slot = at(sub.answers, "life_skills", sub.form_version)
        if slot is None:
            continue
        slot.life_skills = len(row.get("skills") or [])
        slot.reading = row.get("reading")
        slot.writing = row.get("writing")
    return [found[tp] for tp in TIMEPOINTS]


def today() -> date:
    """Return today's date (a seam for tests)."""
    return date.today()


def activities_of(member_id: uuid.UUID) -> list[GroupActivity]:
    """Return the group activities the student took part in, newest first."""
    return list(
        db.session().scalars(
            sa.select(GroupActivity)
            .join(ActivityStudent, ActivityStudent.activity_id == GroupActivity.id)
            .where(ActivityStudent.member_id == member_id)
            .order_by(GroupActivity.held_on.desc(), GroupActivity.id.desc())
        )
    )


@dataclass
class RosterFigures:
    """One student's class attendance in one course."""

    attended: int = 0
    counted: int = 0
    #: absences in a row up to the latest session (excused sessions are skipped)
    absent_run: int = 0

    @property
    def percent(self) -> int | None:
        """Return the rate in whole percent (rounded half up), None before any mark."""
        if not self.counted:
            return None
        return (200 * self.attended + self.counted) // (2 * self.counted)


#: absences in a row from which the course page highlights a student
ABSENT_RUN = 3


def course_figures(course_id: int) -> dict[uuid.UUID, RosterFigures]:
    """Return each student's attendance rate and current run of absences."""
    figures: dict[uuid.UUID, RosterFigures] = defaultdict(RosterFigures)
    rows = db.session().execute(
        sa.select(Attendance.member_id, Attendance.status)
        .where(Attendance.course_id == course_id)
        .order_by(Attendance.session_on, Attendance.id)
    )
    for member_id, status in rows:
        if status not in COUNTED:
            continue
        one = figures[member_id]
        one.counted += 1
        if status in ATTENDED:
            one.attended += 1
            one.absent_run = 0
        else:
            one.absent_run += 1
    return dict(figures)
