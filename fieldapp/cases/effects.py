"""What stored submissions change in cases: an intake into a rehabilitation programme
opens a referred case that carries the intake's referral and consent answers, and a
service recorded on a phone (form ``service_record``) joins the family's case, reopening
it if it was closed.

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
from fieldapp.cases.models import ACTIVE
from fieldapp.cases.models import CLOSED
from fieldapp.cases.models import OPEN_SERVICE_STATUSES
from fieldapp.cases.models import REFERRED
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import FollowUp
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
_CASE = db.table_of(SupportCase)
_FOLLOW_UP = db.table_of(FollowUp)
_SERVICE = db.table_of(CaseService)
_INSERT_SERVICE = sa.insert(db.table_of(CaseService)).returning(
    db.table_of(CaseService).c.id
)


def on_stored(session: orm.Session, stored: Sequence[Stored], context: Context) -> None:
    """Open cases from intakes, then add the services recorded on phones."""
    _open_cases(session, stored, context)
    records = [s for s in stored if s.form_id == "service_record" and s.family_id]
    if records:
        _record_services(session, records, context)
    follow_ups = [s for s in stored if s.form_id == "case_follow_up" and s.family_id]
    if follow_ups:
        _record_follow_ups(session, follow_ups)


def _open_cases(
    session: orm.Session, stored: Sequence[Stored], context: Context
) -> None:
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


def _record_services(
    session: orm.Session, records: Sequence[Stored], context: Context
) -> None:
    """Add each recorded service to its family's case: the open one, else the latest.

    A closed case is reopened, with its own history entry naming the submission. A
    family without any case keeps the service only as its submission.
    """
    connection = session.connection()
    families = sorted({r.family_id for r in records if r.family_id}, key=str)
    rows = connection.execute(
        sa.select(_CASE.c.id, _CASE.c.family_id, _CASE.c.status)
        .where(_CASE.c.family_id.in_(families))
        .order_by(_CASE.c.created_at, _CASE.c.id)
    )
    target: dict[Any, tuple[int, str]] = {}
    for case_id, family_id, status in rows:
        # The last open case wins; without one, the last case of all.
        if status != CLOSED or target.get(family_id, (0, CLOSED))[1] == CLOSED:
            target[family_id] = (case_id, status)
    now = utcnow()
    author = context.author.id
    for record in records:
        found = target.get(record.family_id)
        if found is None:
            continue
        case_id, status = found
        answers = record.answers
        if status == CLOSED:
            connection.execute(
                sa.update(_CASE)
                .where(_CASE.c.id == case_id)
                .values(status=ACTIVE, closed_on=None, updated_at=now)
            )
            connection.execute(
                _INSERT_EVENT,
                {
                    "case_id": case_id,
                    "kind": "reopen",
                    "from_status": CLOSED,
                    "to_status": ACTIVE,
                    "reason": "",
                    "changes": {
                        "status": [CLOSED, ACTIVE],
                        "service_record": [None, str(record.uuid)],
                    },
                    "user_id": author,
                    "at": now,
                },
            )
            # The follow-ups of the closure no longer apply; they stay, cancelled.
            connection.execute(
                sa.update(_FOLLOW_UP)
                .where(_FOLLOW_UP.c.case_id == case_id, _FOLLOW_UP.c.status == "due")
                .values(status="cancelled")
            )
            target[record.family_id] = (case_id, ACTIVE)
        day = _date(answers.get("service_date"))
        state = str(answers.get("status") or "completed")
        if _fulfil_planned(connection, case_id, record, day, state, author, now):
            continue
        service = {
            "case_id": case_id,
            "service_type": str(answers.get("service_type") or "other")[:32],
            "provider": str(answers.get("provider") or "")[:200],
            "planned_on": day,
            "status": state,
            "completed_on": day if state == "completed" else None,
            "outcome": str(answers.get("outcome") or "")[:500],
            "submission_uuid": record.uuid,
            "created_by_id": author,
            "created_at": now,
            "updated_at": now,
        }
        service_id = connection.execute(_INSERT_SERVICE, service).scalar_one()
        connection.execute(
            _INSERT_EVENT,
            {
                "case_id": case_id,
                "kind": "service_added",
                "from_status": "",
                "to_status": ACTIVE if status == CLOSED else status,
                "reason": "",
                "changes": {
                    name: [
                        None,
                        value.isoformat() if isinstance(value, date) else value,
                    ]
                    for name, value in service.items()
                    if name
                    in (
                        "service_type",
                        "provider",
                        "planned_on",
                        "status",
                        "completed_on",
                        "outcome",
                    )
                    and value not in (None, "")
                },
                "service_id": service_id,
                "user_id": author,
                "at": now,
            },
        )


def _fulfil_planned(
    connection: sa.Connection,
    case_id: int,
    record: Stored,
    day: date | None,
    state: str,
    author: int,
    now: Any,
) -> bool:
    """Report a service recorded for one the case planned: the earliest open service
    of that type (the one "My work" lists first) takes the record's status, date and
    outcome, with a history entry. Return False when none is open (a new service)."""
    answers = record.answers
    kind = str(answers.get("service_type") or "other")[:32]
    row = connection.execute(
        sa.select(_SERVICE.c.id, _SERVICE.c.status, _SERVICE.c.provider)
        .where(
            _SERVICE.c.case_id == case_id,
            _SERVICE.c.service_type == kind,
            _SERVICE.c.status.in_(OPEN_SERVICE_STATUSES),
            _SERVICE.c.planned_on.is_not(None),
        )
        .order_by(_SERVICE.c.planned_on, _SERVICE.c.id)
        .limit(1)
    ).first()
    if row is None:
        return False
    service_id, before, provider = row
    values: dict[str, Any] = {
        "status": state,
        "completed_on": day if state == "completed" else None,
        "submission_uuid": record.uuid,
        "updated_at": now,
    }
    outcome = str(answers.get("outcome") or "")[:500]
    if outcome:
        values["outcome"] = outcome
    given = str(answers.get("provider") or "")[:200]
    if given and given != provider:
        values["provider"] = given
    connection.execute(
        sa.update(_SERVICE).where(_SERVICE.c.id == service_id).values(**values)
    )
    changes: dict[str, Any] = {"status": [before, state]}
    if values["completed_on"] is not None:
        changes["completed_on"] = [None, values["completed_on"].isoformat()]
    for name in ("outcome", "provider"):
        if name in values:
            changes[name] = [None, values[name]]
    changes["service_record"] = [None, str(record.uuid)]
    connection.execute(
        _INSERT_EVENT,
        {
            "case_id": case_id,
            "kind": "service_changed",
            "from_status": "",
            "to_status": "",
            "reason": "",
            "changes": changes,
            "service_id": service_id,
            "user_id": author,
            "at": now,
        },
    )
    return True


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _record_follow_ups(session: orm.Session, records: Sequence[Stored]) -> None:
    """Mark, for each record, the earliest follow-up still due of its family as done.

    A record for a family with nothing due stays only a submission.
    """
    connection = session.connection()
    for record in records:
        due = connection.execute(
            sa.select(_FOLLOW_UP.c.id)
            .join(_CASE, _CASE.c.id == _FOLLOW_UP.c.case_id)
            .where(
                _CASE.c.family_id == record.family_id,
                _CASE.c.status == CLOSED,
                _FOLLOW_UP.c.status == "due",
            )
            .order_by(_FOLLOW_UP.c.due_on, _FOLLOW_UP.c.id)
            .limit(1)
        ).scalar()
        if due is None:
            continue
        connection.execute(
            sa.update(_FOLLOW_UP)
            .where(_FOLLOW_UP.c.id == due)
            .values(
                status="done",
                done_on=_date(record.answers.get("follow_up_date")),
                submission_uuid=record.uuid,
            )
        )
