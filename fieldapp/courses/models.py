"""Vocational courses, who is enrolled, and attendance per class session."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import datetime
from datetime import time

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.db import Model
from fieldapp.db import utcnow
from fieldapp.families.models import Member

#: Vocations the prevention programme teaches.
VOCATIONS = ("welding", "electrical_installation", "barbering", "tailoring", "cooking")
#: Attendance marks, as in the class_attendance form.
ATTENDANCE_STATUSES = ("present", "absent", "late", "excused")


class Course(Model):
    """A vocational course taught by one instructor."""

    __tablename__ = "course"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    vocation: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    instructor_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("user.id"), index=True
    )
    #: ISO weekdays the class meets, comma separated ("1,3" = Monday and Wednesday)
    weekdays: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    start_time: orm.Mapped[time | None]
    duration_minutes: orm.Mapped[int] = orm.mapped_column(default=120)
    location: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    starts_on: orm.Mapped[date | None]
    ends_on: orm.Mapped[date | None]
    is_active: orm.Mapped[bool] = orm.mapped_column(default=True)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    enrolments: orm.Mapped[list[Enrolment]] = orm.relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    def weekday_numbers(self) -> list[int]:
        """Return the ISO weekdays (1 = Monday) the class meets."""
        return [int(day) for day in self.weekdays.split(",") if day.strip().isdigit()]


class Enrolment(Model):
    """A student (a family member) enrolled in a course."""

    __tablename__ = "enrolment"
    __table_args__ = (sa.UniqueConstraint("course_id", "member_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    course_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("course.id"), index=True
    )
    member_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("member.id"), index=True
    )
    enrolled_on: orm.Mapped[date] = orm.mapped_column(default=date.today)
    ended_on: orm.Mapped[date | None]
    #: enrolled, completed or left_early; each change is an EnrolmentEvent too
    status: orm.Mapped[str] = orm.mapped_column(
        sa.String(16), default="enrolled", server_default="enrolled"
    )
    #: a coordinator's reason for enrolling a student outside the age range
    age_reason: orm.Mapped[str] = orm.mapped_column(
        sa.Text, default="", server_default=""
    )
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    course: orm.Mapped[Course] = orm.relationship(back_populates="enrolments")
    member: orm.Mapped[Member] = orm.relationship(lazy="joined")


class Attendance(Model):
    """One student's mark in one class session, written from a class_attendance submission."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("submission_id", "member_id"),
        sa.Index("ix_attendance_member_id_session_on", "member_id", "session_on"),
        # Attendance by quarter and month (donor report, dashboard).
        sa.Index("ix_attendance_session_on", "session_on"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    submission_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("submission.id"))
    course_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("course.id"), index=True
    )
    member_id: orm.Mapped[uuid.UUID] = orm.mapped_column(sa.ForeignKey("member.id"))
    session_on: orm.Mapped[date]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
