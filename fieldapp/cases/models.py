"""Cases (a family's episode of support in a programme) and their append-only history."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.auth.models import User
from fieldapp.db import Model
from fieldapp.db import utcnow
from fieldapp.families.models import Family

#: A case's states; the only moves are in TRANSITIONS.
REFERRED, ACTIVE, CLOSED = "referred", "active", "closed"
STATUSES = (REFERRED, ACTIVE, CLOSED)
#: (from, to) -> the name of the move; anything else skips or reverses a state.
TRANSITIONS = {
    (REFERRED, ACTIVE): "activate",
    (ACTIVE, CLOSED): "close",
    (CLOSED, ACTIVE): "reopen",
}
#: Why a case was closed (the fixed list; "other" needs a text).
CLOSURE_REASONS = (
    "goals_met",
    "moved",
    "transferred",
    "declined_support",
    "lost_contact",
    "other",
)
#: Where an incoming referral came from (the family intake's choices, plus court and NGO).
REFERRAL_SOURCES = (
    "centre_for_social_work",
    "school",
    "police",
    "youth_probation",
    "court",
    "ngo",
    "self",
    "other",
)


class SupportCase(Model):
    """One episode of support of a family in a programme ("case" is an SQL keyword).

    A family may have several over time; closed ones are kept, never reused.
    """

    __tablename__ = "support_case"
    __table_args__ = (
        sa.Index("ix_support_case_status_planned_end", "status", "planned_end_on"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    family_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("family.id"), index=True
    )
    programme: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default=REFERRED)
    #: the incoming referral: who referred, which body exactly, and when
    referral_source: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    referring_body: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    referred_on: orm.Mapped[date | None]
    #: the family intake's consent answers (None: not recorded by an intake)
    consent_services: orm.Mapped[bool | None]
    consent_data: orm.Mapped[bool | None]
    #: whether the family agrees that its information is shared with partners to whom
    #: it is referred (None: not asked yet); recorded on the case file
    consent_share: orm.Mapped[bool | None]
    #: the intake that opened the case (None: opened on a screen)
    intake_uuid: orm.Mapped[uuid.UUID | None] = orm.mapped_column(unique=True)
    admitted_on: orm.Mapped[date | None]
    #: at most three years after admission
    planned_end_on: orm.Mapped[date | None]
    #: when the case plan is next reviewed (90 days after admission, then after each)
    next_review_on: orm.Mapped[date | None]
    closed_on: orm.Mapped[date | None]
    closure_reason: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    closure_other: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    closing_summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    opened_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    family: orm.Mapped[Family] = orm.relationship()


class CaseEvent(Model):
    """One entry of a case's history: never updated, never deleted.

    ``kind`` is "opened", a transition ("activate", "close", "reopen"), "change",
    "service_added" or "service_changed";
    ``changes`` maps each changed field to [before, after].
    """

    __tablename__ = "case_event"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    case_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("support_case.id"), index=True
    )
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    from_status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="")
    to_status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="")
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    changes: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON, default=dict)
    #: the service the entry is about (None: the case itself)
    service_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("case_service.id")
    )
    #: the plan goal the entry is about
    goal_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("case_goal.id"))
    #: the outgoing referral the entry is about
    referral_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("referral.id")
    )
    user_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    user: orm.Mapped[User | None] = orm.relationship(lazy="joined")


#: What a case's services can be.
SERVICE_TYPES = (
    "psychotherapy",
    "counselling",
    "literacy",
    "numeracy",
    "job_skills",
    "vocational_training",
    "life_skills",
    "medical",
    "legal",
    "accommodation",
    "material_support",
    "accompaniment",
    "other",
)
#: A service's states; planned and in progress ones are open.
SERVICE_STATUSES = ("planned", "in_progress", "completed", "not_completed", "cancelled")
OPEN_SERVICE_STATUSES = ("planned", "in_progress")


class CaseService(Model):
    """A service given within a case: by a staff member or a partner organisation."""

    __tablename__ = "case_service"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    case_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("support_case.id"), index=True
    )
    service_type: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    #: who provides it: a staff member's or a partner organisation's name
    provider: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    planned_on: orm.Mapped[date | None]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="planned")
    completed_on: orm.Mapped[date | None]
    outcome: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    #: the service record form that reported it from a phone (None: typed on a screen)
    submission_uuid: orm.Mapped[uuid.UUID | None] = orm.mapped_column(unique=True)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    def is_overdue(self, today: date) -> bool:
        """Tell whether the service is still open after its planned date."""
        return (
            self.status in OPEN_SERVICE_STATUSES
            and self.planned_on is not None
            and self.planned_on < today
        )


#: Kinds of partner organisations.
PARTNER_KINDS = (
    "csw",
    "iom",
    "police",
    "health_centre",
    "legal_aid",
    "school",
    "employment_office",
    "ngo",
    "other",
)
#: An outgoing referral's states and moves: sent -> accepted / declined, accepted -> done.
REFERRAL_MOVES = {
    "sent": ("accepted", "declined"),
    "accepted": ("done",),
    "declined": (),
    "done": (),
}
OPEN_REFERRAL_STATUSES = ("sent", "accepted")


class Partner(Model):
    """An organisation families are referred to; the coordinator keeps the list."""

    __tablename__ = "partner"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200), unique=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    is_active: orm.Mapped[bool] = orm.mapped_column(default=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


class Referral(Model):
    """An outgoing referral of a case's family to a partner."""

    __tablename__ = "referral"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    case_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("support_case.id"), index=True
    )
    partner_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("partner.id"))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="sent")
    sent_on: orm.Mapped[date]
    follow_up_on: orm.Mapped[date | None]
    note: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    #: a coordinator's reason to refer without the family's consent to share
    consent_override: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )

    partner: orm.Mapped[Partner] = orm.relationship(lazy="joined")

    def follow_up_due(self, today: date) -> bool:
        """Tell whether the referral is still open on or after its follow-up date."""
        return (
            self.status in OPEN_REFERRAL_STATUSES
            and self.follow_up_on is not None
            and self.follow_up_on <= today
        )


#: Areas of a case plan's goals (the seeds' areas of support).
GOAL_AREAS = (
    "safety",
    "health",
    "psychological_wellbeing",
    "housing",
    "education_literacy",
    "employment_job_skills",
    "legal",
    "family_relations",
)
GOAL_STATUSES = ("not_started", "in_progress", "achieved", "not_achieved")
#: Days between plan reviews, by default.
REVIEW_EVERY_DAYS = 90


class CaseGoal(Model):
    """A dated goal of a case plan, in one area."""

    __tablename__ = "case_goal"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    case_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("support_case.id"), index=True
    )
    area: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    description: orm.Mapped[str] = orm.mapped_column(sa.String(500))
    target_on: orm.Mapped[date | None]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="not_started")
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )


class PlanReview(Model):
    """A review of a case plan: progress on each goal, and when the next one is due."""

    __tablename__ = "plan_review"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    case_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("support_case.id"), index=True
    )
    reviewed_on: orm.Mapped[date]
    summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    #: goal id (as text) -> {"status": ..., "note": ...}
    progress: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON, default=dict)
    next_review_on: orm.Mapped[date]
    reviewed_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)


#: Months after closure at which a family is followed up.
FOLLOW_UP_MONTHS = (3, 6, 12)


class FollowUp(Model):
    """A follow-up of a family after its case closed: due, done, or cancelled (reopened)."""

    __tablename__ = "case_follow_up"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    case_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("support_case.id"), index=True
    )
    months: orm.Mapped[int]
    due_on: orm.Mapped[date]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="due")
    done_on: orm.Mapped[date | None]
    #: the case_follow_up form that recorded it
    submission_uuid: orm.Mapped[uuid.UUID | None] = orm.mapped_column(unique=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
