"""Demo submissions of the family forms: each family's intake, home visits and, for
families a psychologist follows, support sessions. Fictional; safe to run again.

Stored as the server stores them (sensitive answers sealed), so every form has records
to read, review and export. They change no other table: the families, members and
next dates they would have set are made by the demo itself.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import crypto
from fieldapp.auth.models import User
from fieldapp.families.models import Family
from fieldapp.submissions import effects
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import split_sensitive
from forms import ValidationContext
from forms import validate_answers

_NS = uuid.UUID("0b3c7a52-51d8-4d0e-9c1e-4b7d2a6f8e21")


def _store(
    session: orm.Session,
    key: str,
    form_id: str,
    answers: dict[str, Any],
    *,
    author: User,
    family: Family,
    day: date,
    with_effects: bool = False,
) -> None:
    """Store a valid submission unless it exists (its id comes from ``key``).

    ``with_effects``: also write what it changes elsewhere, as a synced one does (a
    service recorded on the phone lands in the case, a follow-up is marked done).
    """
    sub_id = uuid.uuid5(_NS, key)
    if session.scalar(sa.select(Submission.id).where(Submission.uuid == sub_id)):
        return
    definition = registry().get(form_id)
    members = frozenset(str(m.id) for m in family.members)
    verdict = validate_answers(
        definition, answers, ValidationContext(today=day, members=members)
    )
    assert verdict.ok, (form_id, verdict.errors)  # noqa: S101 - demo data is fixed
    plain, secret = split_sensitive(definition, verdict.clean)
    moment = datetime(day.year, day.month, day.day, 10, 30, tzinfo=UTC)
    text = json.dumps(verdict.clean, sort_keys=True)
    submission = Submission(
        uuid=sub_id,
        form_id=form_id,
        form_version=definition.version,
        subject_type=definition.subject,
        family_id=family.id,
        author_id=author.id,
        started_at=moment,
        completed_at=moment,
        received_at=moment,
        respondent_locale="sq",
        answers=plain,
        sensitive_answers=crypto.encrypt_json(secret) if secret else "",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    session.add(submission)
    if with_effects:
        session.flush()
        effects.apply(
            session,
            [
                effects.Stored(
                    id=submission.id,
                    uuid=sub_id,
                    form_id=form_id,
                    family_id=family.id,
                    course_id=None,
                    received_at=moment,
                    completed_at=moment,
                    answers=verdict.clean,
                )
            ],
            author,
        )


def load(
    session: orm.Session,
    users: dict[str, User],
    assignees: dict[str, list[str]],
    today: date,
) -> None:
    """Store each family's intake, two home visits and any support sessions; a
    service recorded on the phone and a follow-up after a closed case."""
    families = session.scalars(sa.select(Family).order_by(Family.name))
    for number, family in enumerate(families):
        who = assignees.get(family.name, [])
        social = users["social"] if "social" in who else users["coordinator"]
        start = today - timedelta(days=120 - number)
        people = [
            {
                "full_name": member.full_name,
                "birth_year": member.birth_year or 2000,
                "sex": member.sex or "female",
                "relationship": member.relationship or "other",
                **(
                    {"attends_school": bool(member.school)}
                    if member.relationship == "child"
                    or (member.birth_year or 0) >= 2006
                    else {}
                ),
                **({"school_name": member.school} if member.school else {}),
            }
            for member in family.members
        ]
        _store(
            session,
            f"intake:{family.id}",
            "family_intake",
            {
                "family_name": family.name,
                "municipality": family.municipality,
                "village": family.village,
                "members": people,
                "referral_source": "school",
                "programme": "prevention",
                "presenting_needs": ["education", "food"][: 1 + number % 2],
                "risk_indicators": ["school_dropout"],
                "consent_services": True,
                "consent_data": True,
                "consent_recorded_by": social.full_name,
                "consent_date": start.isoformat(),
            },
            author=social,
            family=family,
            day=start,
        )
        present = [str(family.members[0].id)] if family.members else []
        for visit in range(2):
            day = start + timedelta(days=30 * (visit + 1))
            _store(
                session,
                f"visit:{family.id}:{visit}",
                "home_visit",
                {
                    "visit_date": day.isoformat(),
                    "present_members": present,
                    "living_conditions": 2 + (number + visit) % 3,
                    "living_issues": ["damp"] if number % 3 == 0 else [],
                    "school_attendance": "regular" if visit else "irregular",
                    "risk_level": "low",
                    "services_delivered": ["information"],
                    "follow_up": "Vizita e radhës pas një muaji.",
                    "observations": "Familja është e hapur për bashkëpunim.",
                },
                author=social,
                family=family,
                day=day,
            )
        if "psych" in who:
            day = start + timedelta(days=45)
            _store(
                session,
                f"psych:{family.id}",
                "psych_support",
                {
                    "session_date": day.isoformat(),
                    "members_present": present,
                    "session_type": "family",
                    "modality": "centre",
                    "presenting_issues": ["family_conflict"],
                    "interventions": ["psychoeducation"],
                    "wellbeing": 3,
                    "risk_flags": ["none"],
                    "clinical_notes": "Seanca e parë; marrëdhënie e mirë.",
                },
                author=users["psych"],
                family=family,
                day=day,
            )
    _case_forms(session, users, today)


def _case_forms(session: orm.Session, users: dict[str, User], today: date) -> None:
    """A service delivered and a follow-up, as the phone sends them (with effects)."""
    by_name = {f.name: f for f in session.scalars(sa.select(Family))}
    if "Berisha" in by_name:
        day = today - timedelta(days=6)
        _store(
            session,
            f"service:{by_name['Berisha'].id}",
            "service_record",
            {
                "service_type": "counselling",
                "service_date": day.isoformat(),
                "status": "completed",
                "provider": "Besa Punonjëse",
                "outcome": "Plani i sigurisë u rishikua.",
            },
            author=users["social"],
            family=by_name["Berisha"],
            day=day,
            with_effects=True,
        )
    if "Krasniqi" in by_name:
        day = today - timedelta(days=25)
        _store(
            session,
            f"follow_up:{by_name['Krasniqi'].id}",
            "case_follow_up",
            {
                "follow_up_date": day.isoformat(),
                "contact": "phone",
                "situation": "stable",
            },
            author=users["social"],
            family=by_name["Krasniqi"],
            day=day,
            with_effects=True,
        )
