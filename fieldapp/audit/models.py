"""The access log: who viewed, created, changed or exported which record, when, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.db import Model
from fieldapp.db import utcnow


class AccessLogEntry(Model):
    """One access to a record; the app offers no way to edit or delete these."""

    __tablename__ = "access_log"
    __table_args__ = (sa.Index("ix_access_log_record", "record_type", "record_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    user_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("user.id"), index=True
    )
    #: the name typed at a failed login, or the user's name
    username: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    #: view | create | update | export | delete | login | login_failed | logout | ...
    action: orm.Mapped[str] = orm.mapped_column(sa.String(32), index=True)
    record_type: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    record_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    user_agent: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    detail: orm.Mapped[dict[str, Any]] = orm.mapped_column(sa.JSON, default=dict)
