"""Stored submissions, and the ones kept aside for review (conflicts, rejections)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.crypto import SEALED
from fieldapp.db import Model
from fieldapp.db import utcnow

#: What a form is about, as in the form documents.
SUBJECT_TYPES = ("new_family", "family", "course_session", "programme")


class Submission(Model):
    """One completed form, keyed by the UUID the device made when the form opened."""

    __tablename__ = "submission"
    __table_args__ = (
        sa.Index("ix_submission_author_id_received_at", "author_id", "received_at"),
        sa.Index("ix_submission_family_id_form_id", "family_id", "form_id"),
        # The donor report's "families reached in the quarter" (fieldapp/reports).
        sa.Index("ix_submission_completed_at_family_id", "completed_at", "family_id"),
    )

    #: the server's id, shown on receipts
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    #: made by the device when the form opened: the idempotency key
    uuid: orm.Mapped[UUID] = orm.mapped_column(unique=True)
    form_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), index=True)
    form_version: orm.Mapped[int]
    subject_type: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    #: the family this is about; no foreign key because a family registered
    #: offline may arrive after the visits that refer to it
    family_id: orm.Mapped[UUID | None]
    course_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("course.id"), index=True
    )
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    device_id: orm.Mapped[UUID | None]
    started_at: orm.Mapped[datetime | None]
    completed_at: orm.Mapped[datetime | None]
    received_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    #: language the form was shown in (the family's, for intake)
    respondent_locale: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="sq")
    #: answers not marked sensitive
    answers: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON, default=dict)
    #: answers marked sensitive, encrypted with a key kept outside the database
    sensitive_answers: orm.Mapped[str] = orm.mapped_column(
        sa.Text, default="", info=SEALED
    )
    #: SHA-256 of the canonical payload: tells an identical replay from a conflict
    content_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))


class SubmissionConflict(Model):
    """A second, different payload under an already stored UUID, kept for review."""

    __tablename__ = "submission_conflict"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    submission_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("submission.id"), index=True
    )
    content_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    #: the whole incoming item, encrypted: it may hold sensitive answers
    payload: orm.Mapped[str] = orm.mapped_column(sa.Text, info=SEALED)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    device_id: orm.Mapped[UUID | None]
    received_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    resolved_at: orm.Mapped[datetime | None]
    resolved_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    #: kept_original | kept_incoming | kept_both
    resolution: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    #: with kept_both, the new UUID the incoming version was stored under
    new_submission_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("submission.id")
    )


class RejectedSubmission(Model):
    """An item that failed validation, kept so a coordinator can see what went wrong."""

    __tablename__ = "rejected_submission"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    submission_uuid: orm.Mapped[UUID] = orm.mapped_column(index=True)
    form_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    form_version: orm.Mapped[int | None]
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    device_id: orm.Mapped[UUID | None]
    received_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    #: error codes per field path (language-neutral; rendered per viewer)
    errors: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON, default=dict)
    payload: orm.Mapped[str] = orm.mapped_column(sa.Text, default="", info=SEALED)
    content_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    resolved_at: orm.Mapped[datetime | None]
