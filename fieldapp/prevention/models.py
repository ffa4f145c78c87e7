"""Students of the prevention programme and the history of their enrolments."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.crypto import SEALED
from fieldapp.db import Model
from fieldapp.db import utcnow
from fieldapp.families.models import Member

#: who referred the student
REFERRAL_SOURCES = ("school", "csw", "youth_probation", "other")
#: the risk the referral names (sealed at rest)
REFERRAL_RISKS = ("victim", "perpetrator", "both")
#: the languages a student may read forms in
FORM_LOCALES = ("sq", "sr_Latn", "sr_Cyrl", "en")
#: the ages the programme takes, on the course's first day
AGE_RANGE = (12, 16)
#: the states of an enrolment; completed and left_early are final
ENROLMENT_STATES = ("enrolled", "completed", "left_early")
#: why a student left a course early
LEAVING_REASONS = (
    "moved",
    "lost_interest",
    "family_decision",
    "school_conflict",
    "employment",
    "other",
)


class Student(Model):
    """A family member in the prevention programme (school and grade: on Member)."""

    __tablename__ = "student"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    member_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("member.id"), unique=True
    )
    #: exact birthday when known; otherwise the member's birth year is used
    birth_date: orm.Mapped[date | None]
    referral_source: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    referral_on: orm.Mapped[date | None]
    #: {"risk": victim|perpetrator|both}, encrypted (crypto.encrypt_json)
    referral_risk: orm.Mapped[str] = orm.mapped_column(
        sa.Text, default="", server_default="", info=SEALED
    )
    #: the language the student reads forms in
    form_locale: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="sq")
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    member: orm.Mapped[Member] = orm.relationship(lazy="joined")


class EnrolmentEvent(Model):
    """One step of an enrolment's life, never changed afterwards."""

    __tablename__ = "enrolment_event"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    enrolment_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("enrolment.id"), index=True
    )
    #: enrolled, completed or left_early
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    #: the day it happened (enrolment, completion or leaving)
    happened_on: orm.Mapped[date]
    certificate: orm.Mapped[bool] = orm.mapped_column(default=False)
    #: a leaving reason (LEAVING_REASONS)
    reason: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    recorded_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


class GroupActivity(Model):
    """A workshop, awareness session or parent meeting, from a group_activity form."""

    __tablename__ = "group_activity"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    submission_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("submission.id"), unique=True
    )
    held_on: orm.Mapped[date] = orm.mapped_column(index=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    topic: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    topic_other: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    facilitators: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    place: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    #: participants by band: {"girls_12_16": 7, ...}
    participants: orm.Mapped[dict[str, int]] = orm.mapped_column(sa.JSON, default=dict)
    total: orm.Mapped[int] = orm.mapped_column(default=0)


class ActivityStudent(Model):
    """An enrolled student who took part in a group activity."""

    __tablename__ = "activity_student"
    # One-column key: erasure names a family's rows by it (fieldapp/protection/erasure).
    __table_args__ = (sa.UniqueConstraint("activity_id", "member_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    activity_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("group_activity.id"))
    member_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("member.id"), index=True
    )
