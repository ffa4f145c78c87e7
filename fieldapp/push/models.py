"""Web Push subscriptions and the queue of notifications to send."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.db import Model
from fieldapp.db import utcnow


class PushSubscription(Model):
    """A browser's PushSubscription for one user."""

    __tablename__ = "push_subscription"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"), index=True)
    device_id: orm.Mapped[uuid.UUID | None]
    endpoint: orm.Mapped[str] = orm.mapped_column(sa.String(1024), unique=True)
    p256dh: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    auth: orm.Mapped[str] = orm.mapped_column(sa.String(100))
    expires_at: orm.Mapped[datetime | None]
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_success_at: orm.Mapped[datetime | None]
    failure_count: orm.Mapped[int] = orm.mapped_column(default=0)


class Notification(Model):
    """A notification for one user, queued: no web request waits on a push service."""

    __tablename__ = "notification"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"), index=True)
    #: assigned | visit_due | session_due | case_ending | class_soon | absences | stale_outbox
    #: | rejected | conflict | password_reset | password_changed | test
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    #: the same reminder is queued once: e.g. "visit_due:2026-11-22"
    dedupe_key: orm.Mapped[str] = orm.mapped_column(sa.String(200), unique=True)
    #: only a type, a count and a link: never a name or a case detail
    payload: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON, default=dict)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    sent_at: orm.Mapped[datetime | None] = orm.mapped_column(index=True)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    next_attempt_at: orm.Mapped[datetime | None]
    last_error: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
