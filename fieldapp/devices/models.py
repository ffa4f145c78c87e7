"""Browsers that work offline for a user, with what they last reported."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.crypto import SEALED
from fieldapp.db import Model
from fieldapp.db import utcnow


class Device(Model):
    """A browser profile registered at login; an admin may revoke it."""

    __tablename__ = "device"

    #: made by the browser and kept in its IndexedDB
    id: orm.Mapped[uuid.UUID] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"), index=True)
    user_agent: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    registered_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_seen_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_sync_at: orm.Mapped[datetime | None]
    #: figures the device reported at its last sync
    pending_count: orm.Mapped[int] = orm.mapped_column(default=0)
    oldest_pending_at: orm.Mapped[datetime | None]
    app_version: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    revoked_at: orm.Mapped[datetime | None]
    revoked_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    #: the key that wraps the phone's data key for recovery (fieldapp/vault), sealed;
    #: "" before the phone asked for it and after revocation
    vault_key: orm.Mapped[str] = orm.mapped_column(
        sa.Text, default="", server_default="", info=SEALED
    )
