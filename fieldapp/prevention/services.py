"""Rules of the prevention programme: the age check and the enrolment lifecycle."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldapp import db
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.families.models import Member
from fieldapp.prevention.models import AGE_RANGE
from fieldapp.prevention.models import LEAVING_REASONS
from fieldapp.prevention.models import EnrolmentEvent
from fieldapp.prevention.models import Student


class RuleBroken(Exception):
    """An action the programme's rules refuse; ``field`` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def age_on(member: Member, student: Student | None, day: date) -> int | None:
    """Return the age on ``day``: exact from a birthday, else from the birth year."""
    birthday = student.birth_date if student is not None else None
    if birthday is not None:
        before = (day.month, day.day) < (birthday.month, birthday.day)
        return day.year - birthday.year - before
    if member.birth_year is not None:
        # Only the year is known: the age the student reaches in that year.
        return day.year - member.birth_year
    return None


def age_ok(age: int | None) -> bool:
    """Return whether ``age`` is within the programme's range."""
    return age is not None and AGE_RANGE[0] <= age <= AGE_RANGE[1]


def student_of(member_id: object) -> Student | None:
    """Return the student record of a member, or None."""
    return db.session().scalar(sa.select(Student).where(Student.member_id == member_id))


def enrol(
    course: Course, member: Member, *, reason: str, by_id: int, on: date
) -> Enrolment:
    """Enrol a student; outside the age range a reason is required and recorded.

    :raise RuleBroken: if the member is not a student, is enrolled already, or is
        outside the age range with no reason.
    """
    student = student_of(member.id)
    if student is None:
        raise RuleBroken("member_id", _("Register this person as a student first."))
    existing = db.session().scalar(
        sa.select(Enrolment).where(
            Enrolment.course_id == course.id, Enrolment.member_id == member.id
        )
    )
    if existing is not None:
        raise RuleBroken(
            "member_id", _("This student has already been enrolled in this course.")
        )
    start = course.starts_on or on
    age = age_on(member, student, start)
    reason = reason.strip()
    if not age_ok(age) and not reason:
        low, high = AGE_RANGE
        if age is None:
            message = _(
                "The age is not known. Enter the birth date, or give the reason "
                "for enrolling anyway."
            )
        else:
            message = _(
                "On the first day of the course the student is %(age)s years old, "
                "outside %(low)s–%(high)s. Give the reason for enrolling anyway.",
                age=age,
                low=low,
                high=high,
            )
        raise RuleBroken("age_reason", message)
    enrolment = Enrolment(
        course_id=course.id,
        member_id=member.id,
        enrolled_on=on,
        status="enrolled",
        age_reason="" if age_ok(age) else reason,
    )
    db.session().add(enrolment)
    db.session().flush()
    _event(enrolment, "enrolled", on, by_id, note=enrolment.age_reason)
    return enrolment


def _event(
    enrolment: Enrolment,
    kind: str,
    on: date,
    by_id: int,
    *,
    certificate: bool = False,
    reason: str = "",
    note: str = "",
) -> EnrolmentEvent:
    event = EnrolmentEvent(
        enrolment_id=enrolment.id,
        kind=kind,
        happened_on=on,
        certificate=certificate,
        reason=reason,
        note=note,
        by_id=by_id,
    )
    db.session().add(event)
    return event


def _check_open(enrolment: Enrolment, on: date, field: str) -> None:
    if enrolment.status != "enrolled":
        raise RuleBroken("status", _("This enrolment has already ended."))
    start = enrolment.course.starts_on or enrolment.enrolled_on
    if on < start:
        raise RuleBroken(
            field,
            _(
                "The date cannot be before the course started (%(start)s).",
                start=start.strftime("%d.%m.%Y"),
            ),
        )
    if on > date.today():
        raise RuleBroken(field, _("The date cannot be in the future."))


def complete(
    enrolment: Enrolment, *, on: date, certificate: bool, by_id: int
) -> EnrolmentEvent:
    """Record that the student completed the course.

    :raise RuleBroken: if the enrolment has ended or the date is before the start.
    """
    _check_open(enrolment, on, "completed_on")
    enrolment.status = "completed"
    enrolment.ended_on = on
    return _event(enrolment, "completed", on, by_id, certificate=certificate)


def leave_early(
    enrolment: Enrolment, *, on: date, reason: str, note: str, by_id: int
) -> EnrolmentEvent:
    """Record that the student left the course early, and why.

    :raise RuleBroken: if the enrolment has ended, the date is before the start or
        the reason is not one of LEAVING_REASONS.
    """
    if reason not in LEAVING_REASONS:
        raise RuleBroken("reason", _("Choose why the student left."))
    _check_open(enrolment, on, "left_on")
    enrolment.status = "left_early"
    enrolment.ended_on = on
    return _event(enrolment, "left_early", on, by_id, reason=reason, note=note.strip())


def history(member_id: object) -> list[tuple[Enrolment, list[EnrolmentEvent]]]:
    """Return the member's enrolments, newest first, each with its events in order."""
    enrolments = list(
        db.session().scalars(
            sa.select(Enrolment)
            .where(Enrolment.member_id == member_id)
            .order_by(Enrolment.enrolled_on.desc(), Enrolment.id.desc())
        )
    )
    events: dict[int, list[EnrolmentEvent]] = {e.id: [] for e in enrolments}
    if events:
        for event in db.session().scalars(
            sa.select(EnrolmentEvent)
            .where(EnrolmentEvent.enrolment_id.in_(events))
            .order_by(EnrolmentEvent.happened_on, EnrolmentEvent.id)
        ):
            events[event.enrolment_id].append(event)
    return [(e, events[e.id]) for e in enrolments]
