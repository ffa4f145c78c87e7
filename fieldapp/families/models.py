"""Families, their members and which worker follows which family."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.auth.models import User
from fieldapp.db import Model
from fieldapp.db import utcnow

#: Programmes a family can be in.
PROGRAMMES = ("prevention", "rehabilitation_residential", "rehabilitation_daily")


class Family(Model):
    """A household served by one of the programmes; may be created offline."""

    __tablename__ = "family"

    #: made by the device that registered the family, so offline work can refer to it
    id: orm.Mapped[uuid.UUID] = orm.mapped_column(primary_key=True, default=uuid.uuid4)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    #: name folded for search: no diacritics, Latin script, lower case
    search_key: orm.Mapped[str] = orm.mapped_column(
        sa.String(400), index=True, default=""
    )
    municipality: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    village: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    programme: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="prevention")
    referral_source: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    is_active: orm.Mapped[bool] = orm.mapped_column(default=True)
    next_visit_on: orm.Mapped[date | None]
    next_session_on: orm.Mapped[date | None]
    #: when the visit that set next_visit_on was completed (None: no visit did, or
    #: one without a time): a visit synced late, completed earlier, changes nothing
    next_visit_from: orm.Mapped[datetime | None]
    #: the same for next_session_on and the latest support session
    next_session_from: orm.Mapped[datetime | None]
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    #: bumped on every change; devices pull what changed since their cursor
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow, index=True
    )

    members: orm.Mapped[list[Member]] = orm.relationship(
        back_populates="family",
        order_by="Member.birth_year",
        cascade="all, delete-orphan",
    )


class Member(Model):
    """A person in a family; students in courses are members too."""

    __tablename__ = "member"

    id: orm.Mapped[uuid.UUID] = orm.mapped_column(primary_key=True, default=uuid.uuid4)
    family_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("family.id"), index=True
    )
    full_name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    search_key: orm.Mapped[str] = orm.mapped_column(
        sa.String(400), index=True, default=""
    )
    birth_year: orm.Mapped[int | None]
    sex: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="")
    relationship: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    school: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    grade: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    family: orm.Mapped[Family] = orm.relationship(back_populates="members")


class Assignment(Model):
    """A worker following a family; ended assignments are kept for history."""

    __tablename__ = "assignment"
    __table_args__ = (
        sa.Index("ix_assignment_user_id_ended_at", "user_id", "ended_at"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    family_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("family.id"), index=True
    )
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    assigned_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    assigned_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    ended_at: orm.Mapped[datetime | None]

    family: orm.Mapped[Family] = orm.relationship()
    user: orm.Mapped[User] = orm.relationship(foreign_keys=[user_id], lazy="joined")
