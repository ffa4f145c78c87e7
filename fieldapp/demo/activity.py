"""Demo consents and day-to-day activity, so every dashboard figure has something in it.

- Consents (store, share, report) for the demo families that have none yet, dated at
  their registration: the day before their first child's referral to the prevention
  programme. One family refuses reporting, so the donor report shows the exclusion.
- Visits and sessions due (some overdue), two phones (one silent for five days with
  items waiting), a home visit replayed with different answers (a conflict to review)
  and an item the server refused (a reject to review), through the real ingest path.

Safe to run again: consents are recorded once per family, the phones and items have
fixed ids, and ingest answers a replay as a duplicate.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.devices.models import Device
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.prevention.models import Student
from fieldapp.protection import consents
from fieldapp.protection.models import FamilyConsent
from fieldapp.submissions.ingest import ingest_item

_NS = uuid.UUID("0b7c43f8-1f55-4d5e-9a3e-7c1d7f5d2a40")
#: the demo family that agreed to everything but being counted in reports
REFUSES_REPORTING = "Stojanović"
#: family -> (next visit, next session) in days from today (negative: overdue)
_DUE = {
    "Gashi": (-4, None),
    "Hoxha": (-1, None),
    "Kelmendi": (6, None),
    "Shala": (None, -2),
    "Nikolić": (12, 3),
}


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NS, ":".join(str(p) for p in parts))


def record_consents(coordinator: User, today: date) -> int:
    """Record consents for the demo families without any; return how many families."""
    session = db.session()
    asked = set(session.scalars(sa.select(FamilyConsent.family_id).distinct()))
    referred: dict[uuid.UUID, date] = {}
    for family_id, first in session.execute(
        sa.select(Member.family_id, sa.func.min(Student.referral_on))
        .join(Student, Student.member_id == Member.id)
        .group_by(Member.family_id)
    ):
        if first is not None:
            referred[family_id] = first
    done = 0
    for family in session.scalars(sa.select(Family).order_by(Family.name)):
        if family.id in asked:
            continue
        first = referred.get(family.id)
        registered = first - timedelta(days=1) if first else today
        consents.record(
            family.id,
            {
                "store": True,
                "share": True,
                "report": family.name != REFUSES_REPORTING,
            },
            on=registered,
            by=coordinator.id,
            form_id="family_intake",
            form_version=2,
        )
        done += 1
    return done


def load_activity(users: dict[str, User], today: date) -> None:
    """Load the dues, phones, conflict and reject; commits (ingest does)."""
    session = db.session()
    families = {f.name: f for f in session.scalars(sa.select(Family))}
    for name, (visit_in, session_in) in _DUE.items():
        family = families.get(name)
        if family is None:
            continue
        if visit_in is not None and family.next_visit_on is None:
            family.next_visit_on = today + timedelta(days=visit_in)
        if session_in is not None and family.next_session_on is None:
            family.next_session_on = today + timedelta(days=session_in)
    now = datetime.now(UTC)
    for key, user, days_silent, pending in (
        ("social-phone", users["social"], 5, 2),
        ("instructor-phone", users["instructor"], 0, 0),
    ):
        device_id = _id("device", key)
        if session.get(Device, device_id) is None:
            last = now - timedelta(days=days_silent, hours=2)
            session.add(
                Device(
                    id=device_id,
                    user_id=user.id,
                    user_agent="Mozilla/5.0 (Linux; Android 11) Chrome/120 Mobile",
                    registered_at=now - timedelta(days=60),
                    last_seen_at=last,
                    last_sync_at=last,
                    pending_count=pending,
                    oldest_pending_at=last if pending else None,
                    app_version="demo",
                )
            )
    session.flush()
    gashi = families.get("Gashi")
    if gashi is None or not gashi.members:
        return
    social = users["social"]
    visit: dict[str, Any] = {
        "uuid": str(_id("visit", "Gashi")),
        "form_id": "home_visit",
        "form_version": 1,
        "subject_id": str(gashi.id),
        "course_id": None,
        "respondent_locale": "sq",
        "answers": {
            "visit_date": (today - timedelta(days=18)).isoformat(),
            "present_members": [str(gashi.members[0].id)],
            "living_conditions": 3,
            "risk_level": "low",
        },
    }
    replay = visit | {"answers": visit["answers"] | {"living_conditions": 2}}
    refused = visit | {"uuid": str(_id("visit", "Gashi", "refused")), "answers": {}}
    session.commit()
    device = _id("device", "social-phone")
    with current_app.test_request_context():
        for item, keep in ((visit, False), (replay, False), (refused, True)):
            ingest_item(
                item,
                user=session.merge(social),
                device_id=device,
                locale="sq",
                keep_rejected=keep,
                today=today,
            )
