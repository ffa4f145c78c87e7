"""Consents on a family's record: what the family agreed to, when, and who recorded it."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp.db import Model
from fieldapp.db import utcnow

#: store: keeping personal data; share: sharing with partners through referrals;
#: report: being counted in reports that leave the NGO; photos: being photographed.
CONSENT_KINDS = ("store", "share", "report", "photos")


class FamilyConsent(Model):
    """One consent decision; a withdrawal closes it from its date on, never deletes it."""

    __tablename__ = "family_consent"
    __table_args__ = (
        sa.Index("ix_family_consent_family_id_kind", "family_id", "kind"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    family_id: orm.Mapped[uuid.UUID] = orm.mapped_column(sa.ForeignKey("family.id"))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    given: orm.Mapped[bool]
    #: the day the family gave (or refused) it
    given_on: orm.Mapped[date]
    recorded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("user.id"))
    #: the form (and its version) it was asked with: "family_intake" v1, "family_form"
    form_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), server_default="")
    form_version: orm.Mapped[int] = orm.mapped_column(server_default="0")
    withdrawn_on: orm.Mapped[date | None]
    withdrawn_by_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("user.id")
    )
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
