"""What the retention policy (fieldapp/protection/retention.py) needs from cases.

``closures`` says when each family's cases closed (None while one is open: the
family is kept). ``anonymise`` clears the free text cases hold about a family (summaries,
outcomes, notes, reasons, goals, who referred) and keeps what reports count: statuses,
dates, types, closure reasons.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from fieldapp import db
from fieldapp.cases.models import CLOSED
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import CaseGoal
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import PlanReview
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family


def closures() -> dict[uuid.UUID, date | None]:
    """Return family id -> the day its last case closed, or None if one is open."""
    found: dict[uuid.UUID, date | None] = {}
    open_ids: set[uuid.UUID] = set()
    rows = db.session().execute(
        sa.select(SupportCase.family_id, SupportCase.status, SupportCase.closed_on)
    )
    for family_id, status, closed_on in rows:
        if status != CLOSED or closed_on is None:
            open_ids.add(family_id)
            continue
        known = found.get(family_id)
        if known is None or closed_on > known:
            found[family_id] = closed_on
    return found | dict.fromkeys(open_ids)


def anonymise(family: Family) -> None:
    """Blank the free text of the family's cases; the caller commits."""
    session = db.session()
    case_ids = list(
        session.scalars(
            sa.select(SupportCase.id).where(SupportCase.family_id == family.id)
        )
    )
    if not case_ids:
        return
    blanks: list[tuple[type[db.Model], Any, dict[str, Any]]] = [
        (
            SupportCase,
            SupportCase.id,
            {"referring_body": "", "closure_other": "", "closing_summary": ""},
        ),
        (CaseEvent, CaseEvent.case_id, {"reason": "", "changes": {}}),
        (CaseService, CaseService.case_id, {"provider": "", "outcome": ""}),
        (Referral, Referral.case_id, {"note": "", "consent_override": ""}),
        (CaseGoal, CaseGoal.case_id, {"description": ""}),
        (PlanReview, PlanReview.case_id, {"summary": "", "progress": {}}),
    ]
    for model, column, values in blanks:
        session.execute(
            sa.update(db.table_of(model)).where(column.in_(case_ids)).values(**values)
        )
