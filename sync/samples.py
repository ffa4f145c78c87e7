"""Valid example items of each form, for tests, benchmarks and fault-injection runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any


def _item(form_id: str, answers: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "form_id": form_id,
        "form_version": 1,
        "subject_id": None,
        "course_id": None,
        "started_at": "2025-03-01T09:30:00+01:00",
        "completed_at": "2025-03-01T10:00:00+01:00",
        "respondent_locale": "sq",
        "author_id": None,
        "answers": answers,
    }
    item.update(envelope)
    return item


def family_intake(
    family_id: uuid.UUID | str | None = None,
    *,
    name: str = "Krasniqi",
    members: Iterable[str] = ("Arta", "Blerim"),
    **answers: Any,
) -> dict[str, Any]:
    """Return a valid family intake registering ``name`` with ``members``."""
    rows = [
        {
            "id": str(uuid.uuid4()),
            "full_name": full_name,
            "birth_year": 1980,
            "sex": "female",
            "relationship": "head" if index == 0 else "spouse",
        }
        for index, full_name in enumerate(members)
    ]
    base: dict[str, Any] = {
        "family_name": name,
        "municipality": "ferizaj",
        "village": "Softaj",
        "members": rows,
        "referral_source": "school",
        "programme": "prevention",
        "consent_services": True,
        "consent_data": True,
        "consent_recorded_by": "Ana",
        "consent_date": "2025-03-01",
    }
    base.update(answers)
    return _item("family_intake", base, subject_id=str(family_id or uuid.uuid4()))


def home_visit(
    family_id: uuid.UUID | str, present: Iterable[str] = (), **answers: Any
) -> dict[str, Any]:
    """Return a valid home visit to ``family_id``, with ``present`` member ids."""
    base: dict[str, Any] = {
        "visit_date": "2025-03-01",
        "present_members": list(present) or [str(uuid.uuid4())],
        "living_conditions": 3,
        "risk_level": "low",
        "next_visit_date": "2025-04-01",
    }
    base.update(answers)
    return _item("home_visit", base, subject_id=str(family_id))


def psych_support(
    family_id: uuid.UUID | str, present: Iterable[str] = (), **answers: Any
) -> dict[str, Any]:
    """Return a valid psychological support session with ``family_id``."""
    base: dict[str, Any] = {
        "session_date": "2025-03-01",
        "members_present": list(present) or [str(uuid.uuid4())],
        "session_type": "family",
        "modality": "centre",
        "interventions": ["psychoeducation"],
        "risk_flags": ["none"],
        "clinical_notes": "Calm session.",
        "next_session_date": "2025-03-15",
    }
    base.update(answers)
    return _item("psych_support", base, subject_id=str(family_id))


def class_attendance(
    course_id: int, students: Iterable[str], **answers: Any
) -> dict[str, Any]:
    """Return a valid attendance sheet marking every student present."""
    base: dict[str, Any] = {
        "session_date": "2025-03-01",
        "lesson_topic": "Safety",
        "attendance": {student: {"status": "present"} for student in students},
    }
    base.update(answers)
    return _item("class_attendance", base, course_id=course_id)
