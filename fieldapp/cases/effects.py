"""What stored submissions change in cases: an intake into a rehabilitation programme
opens a referred case that carries the intake's referral and consent answers.

Registered with the dispatcher in fieldapp/submissions/effects.py, after the families'
effects (the family must exist first). Core statements for the group, like the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from fieldapp import db
from fieldapp.cases.models import REFERRED
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import SupportCase
from fieldapp.db import utcnow
from fieldapp.submissions.effects import Context
from fieldapp.submissions.effects import Stored

#: programmes of the rehabilitation and reintegration centre, whose intakes open a case
CASE_PROGRAMMES = frozenset({"rehabilitation_residential", "rehabilitation_daily"})

_INSERT_CASE = sa.insert(db.table_of(SupportCase)).returning(
    db.table_of(SupportCase).c.id
)
_INSERT_EVENT = sa.insert(db.table_of(CaseEvent))


def on_stored(session: orm.Session, stored: Sequence[Stored], context: Context) -> None:
    """Open a referred case for each intake into a rehabilitation programme."""
    intakes = [
        s
        for s in stored
        if s.form_id == "family_intake"
        and s.family_id is not None
        and s.answers.get("programme") in CASE_PROGRAMMES
    ]
    if not intakes:
        return
    connection = session.connection()
    now = utcnow()
    events = []
    for intake in intakes:
        row = referral_of(intake.answers)
        case_id = connection.execute(
            _INSERT_CASE,
            {
                **row,
                "family_id": intake.family_id,
                "programme": str(intake.answers["programme"]),
                "status": REFERRED,
                "intake_uuid": intake.uuid,
                "closure_reason": "",
                "closure_other": "",
                "closing_summary": "",
                "opened_by_id": context.author.id,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        events.append(
            {
                "case_id": case_id,
                "kind": "opened",
                "from_status": "",
                "to_status": REFERRED,
                "reason": "",
                "changes": {
                    "programme": [None, str(intake.answers["programme"])],
                    "referral_source": [None, row["referral_source"] or None],
                    "referring_body": [None, row["referring_body"] or None],
                    "referred_on": [
                        None,
                        row["referred_on"].isoformat() if row["referred_on"] else None,
                    ],
                },
                "user_id": context.author.id,
                "at": now,
            }
        )
    connection.execute(_INSERT_EVENT, events)


def referral_of(answers: Any) -> dict[str, Any]:
    """Return a case's referral and consent columns from a family intake's answers.

    The intake asks who referred the family (``referral_source``, with a text for
    "other"), when, and whether the family agrees to the services and to its data being
    kept (``consent_services``, ``consent_data``: plain answers, not sealed).
    """
    source = str(answers.get("referral_source") or "")
    body = str(answers.get("referral_other") or "") if source == "other" else ""
    referred_on = answers.get("referral_date")
    if not isinstance(referred_on, date):
        try:
            referred_on = date.fromisoformat(str(referred_on)) if referred_on else None
        except ValueError:
            referred_on = None
    return {
        "referral_source": source[:64],
        "referring_body": body[:200],
        "referred_on": referred_on,
        "consent_services": _yes_no(answers.get("consent_services")),
        "consent_data": _yes_no(answers.get("consent_data")),
    }


def _yes_no(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
