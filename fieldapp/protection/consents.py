"""Consent that is enforced: what a family agreed to, on a given day.

Case management and reports call ``allows``::

    from fieldapp.protection import consents
    if not consents.allows(family, "share", at=referral_date): refuse the referral

A consent allows from the day it was given; a withdrawal stops it from the withdrawal
day on (everything before stays as it was). No consent recorded means no: a family
registered before consents were asked, or by a form that did not ask, allows nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from fieldapp import db
from fieldapp.families.models import Family
from fieldapp.protection.models import CONSENT_KINDS
from fieldapp.protection.models import FamilyConsent

#: Answers of the intake that identify people: dropped (with the names on the family
#: and its members) when the family does not consent to its data being stored.
IDENTITY_ANSWERS = frozenset(
    {
        "family_name",
        "village",
        "address",
        "phone",
        "full_name",
        "birth_year",
        "school_name",
    }
)


def _family_id(family: Family | uuid.UUID | str) -> uuid.UUID:
    if isinstance(family, Family):
        return family.id
    return family if isinstance(family, uuid.UUID) else uuid.UUID(str(family))


def allows(family: Family | uuid.UUID | str, kind: str, at: date | None = None) -> bool:
    """Return whether ``family`` consented to ``kind`` on the day ``at`` (today).

    :raise ValueError: for a kind that is not one of CONSENT_KINDS.
    """
    if kind not in CONSENT_KINDS:
        raise ValueError(f"unknown consent {kind!r}: one of {', '.join(CONSENT_KINDS)}")
    day = at or date.today()
    latest = (
        db.session()
        .scalars(
            sa.select(FamilyConsent)
            .where(
                FamilyConsent.family_id == _family_id(family),
                FamilyConsent.kind == kind,
                FamilyConsent.given_on <= day,
            )
            .order_by(FamilyConsent.given_on.desc(), FamilyConsent.id.desc())
            .limit(1)
        )
        .first()
    )
    if latest is None or not latest.given:
        return False
    return latest.withdrawn_on is None or latest.withdrawn_on > day


def refused(family: Family | uuid.UUID | str, kind: str) -> bool:
    """Return whether the family refused or withdrew ``kind`` (asked, and not in force).

    Unlike ``not allows()``, a family never asked (registered before consents were
    recorded) is not "refused": screens keep its names until someone asks.
    """
    return current(family).get(kind) is not None and not allows(family, kind)


def current(family: Family | uuid.UUID | str) -> dict[str, FamilyConsent | None]:
    """Return the latest decision of each kind (None: never asked)."""
    rows = db.session().scalars(
        sa.select(FamilyConsent)
        .where(FamilyConsent.family_id == _family_id(family))
        .order_by(FamilyConsent.given_on, FamilyConsent.id)
    )
    found: dict[str, FamilyConsent | None] = dict.fromkeys(CONSENT_KINDS)
    for row in rows:
        found[row.kind] = row
    return found


def record(
    family_id: uuid.UUID,
    decisions: dict[str, bool],
    *,
    on: date,
    by: int | None,
    form_id: str,
    form_version: int,
) -> None:
    """Add one decision per kind in ``decisions``; the caller commits."""
    rows = [
        {
            "family_id": family_id,
            "kind": kind,
            "given": bool(given),
            "given_on": on,
            "recorded_by_id": by,
            "form_id": form_id,
            "form_version": form_version,
            "created_at": db.utcnow(),
        }
        for kind, given in decisions.items()
        if kind in CONSENT_KINDS
    ]
    if rows:
        db.session().connection().execute(sa.insert(db.table_of(FamilyConsent)), rows)


def withdraw(
    family: Family, kind: str, *, on: date, by: int | None
) -> FamilyConsent | None:
    """Record the withdrawal of ``kind`` from ``on``; None when nothing was given."""
    row = current(family).get(kind)
    if row is None or not row.given or row.withdrawn_on is not None:
        return None
    row.withdrawn_on = on
    row.withdrawn_by_id = by
    return row


def strip_identity(value: Any) -> Any:
    """Return ``value`` (answers) without the answers that identify people."""
    if isinstance(value, dict):
        return {
            key: strip_identity(item)
            for key, item in value.items()
            if key not in IDENTITY_ANSWERS
        }
    if isinstance(value, list):
        return [strip_identity(item) for item in value]
    return value


def code_for(family_id: uuid.UUID) -> str:
    """Return the code a family is registered under when it keeps its names."""
    return f"F-{str(family_id)[:8].upper()}"


def from_intake(answers: dict[str, Any]) -> dict[str, bool]:
    """Return the decisions an intake records (kinds it did not ask are left out)."""
    asked = {
        "store": "consent_data",
        "share": "consent_share",
        "report": "consent_report",
        "photos": "consent_photos",
    }
    return {
        kind: answers.get(question) is True
        for kind, question in asked.items()
        if question in answers or kind == "store"
    }


def stored_consents(family_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Return which of ``family_ids`` may keep personal data (store consent given)."""
    return {f for f in family_ids if allows(f, "store")}


def anonymise(family: Family) -> None:
    """Keep ``family`` under its code: no names, village, birth years or schools.

    What reports count stays: municipality, programme, dates, members' sex and
    relationship. The caller commits.
    """
    code = code_for(family.id)
    family.name = code
    family.village = ""
    for index, member in enumerate(family.members, start=1):
        member.full_name = f"{code}-{index}"
        member.birth_year = None
        member.school = ""
    from fieldapp.families import services

    services.index_family(family)


def record_changes(
    family: Family, decisions: dict[str, bool], *, by: int | None
) -> None:
    """Record, dated today, each decision that differs from what is in force."""
    today = date.today()
    changed = {
        kind: given
        for kind, given in decisions.items()
        if allows(family, kind, at=today) != given or current(family).get(kind) is None
    }
    record(family.id, changed, on=today, by=by, form_id="family_form", form_version=1)


def allowing(kind: str, at: date) -> set[uuid.UUID]:
    """Return every family that consented to ``kind`` on the day ``at`` (one query).

    The same rule as ``allows`` for all families at once: the latest decision given
    on or before ``at`` counts, and a withdrawal from ``at`` or earlier stops it.
    Reports use it to leave out families without reporting consent.
    """
    if kind not in CONSENT_KINDS:
        raise ValueError(f"unknown consent {kind!r}: one of {', '.join(CONSENT_KINDS)}")
    rows = db.session().execute(
        sa.select(
            FamilyConsent.family_id, FamilyConsent.given, FamilyConsent.withdrawn_on
        )
        .where(FamilyConsent.kind == kind, FamilyConsent.given_on <= at)
        .order_by(FamilyConsent.given_on, FamilyConsent.id)
    )
    latest: dict[uuid.UUID, bool] = {}
    for family_id, given, withdrawn_on in rows:
        latest[family_id] = bool(given) and (withdrawn_on is None or withdrawn_on > at)
    return {family_id for family_id, ok in latest.items() if ok}
