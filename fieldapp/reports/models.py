"""The NGO's own words for a quarter's donor report."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.db import Model
from fieldapp.db import utcnow

#: the longest story kept (a short text; the report is printed on a few A4 pages)
STORY_MAX = 2000


class QuarterStory(Model):
    """The short story coordinators write for one quarter's report (one per quarter)."""

    __tablename__ = "quarter_story"
    __table_args__ = (sa.UniqueConstraint("year", "quarter"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    year: orm.Mapped[int]
    quarter: orm.Mapped[int]
    text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        default=utcnow, onupdate=utcnow
    )
