""" "My work": what a worker has to do today or has let slip, each with where to do it.

One list from every source: home visits and support sessions (the family's next dates),
open services past their planned date, plan reviews due, follow-ups after closure due,
referrals whose follow-up date has come, and cases within 90 days of their planned end.
Only the families the user may see (access.family_visible), and visits or sessions only
for roles that record them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from fieldapp import db
from fieldapp.access import CASE_WORKERS
from fieldapp.access import MANAGERS
from fieldapp.access import family_visible
from fieldapp.access import is_manager
from fieldapp.access import may_fill
from fieldapp.auth.models import User
from fieldapp.cases.models import ACTIVE
from fieldapp.cases.models import CLOSED
from fieldapp.cases.models import OPEN_REFERRAL_STATUSES
from fieldapp.cases.models import OPEN_SERVICE_STATUSES
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import FollowUp
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family
from fieldapp.submissions.forms_registry import registry

#: A case shows on the list this many days before its planned end.
ENDING_WITHIN_DAYS = 90
#: The kinds of item, in the order My work names them (?kind= filters by one).
KINDS = ("visit", "session", "service", "review", "follow_up", "referral", "ending")
#: The longest list shown (the most overdue first).
LIMIT = 200
#: How many days ahead the phone gets the list: what falls due while it stays offline
#: shows on the day it does, before the next pull.
PHONE_AHEAD_DAYS = 7


@dataclass(frozen=True)
class DueItem:
    """One thing to do: its kind, the family, the date it was due, and where to go."""

    kind: str
    family_id: uuid.UUID
    family_name: str
    due_on: date
    #: "form:<form_id>" (the form, with the family chosen) or "file" (the case file)
    target: str
    #: a code shown with the item (a service type, months after closure ...)
    detail: str = ""


def phone_items(user: User, today: date | None = None) -> list[dict[str, str]]:
    """Return the list the phone keeps: due_for() a few days ahead, without names.

    Each item: kind, family_id, due_on, show_from (the first day the list shows it:
    ENDING_WITHIN_DAYS before a planned end, else its due day), detail (a code) and
    target. Only roles that have a "My work" page get any.
    """
    if user.role not in MANAGERS | CASE_WORKERS:
        return []
    today = today or date.today()
    ahead = ENDING_WITHIN_DAYS
    return [
        {
            "kind": item.kind,
            "family_id": str(item.family_id),
            "due_on": item.due_on.isoformat(),
            "show_from": (
                item.due_on - timedelta(days=ahead)
                if item.kind == "ending"
                else item.due_on
            ).isoformat(),
            "detail": item.detail,
            "target": item.target,
        }
        for item in due_for(user, today + timedelta(days=PHONE_AHEAD_DAYS))
    ]


def _can_fill(user: User, form_id: str) -> bool:
    try:
        return may_fill(user, registry().latest(form_id).roles)
    except Exception:
        return False


def due_for(user: User, today: date | None = None) -> list[DueItem]:
    """Return what ``user`` has due by ``today`` (default: today), oldest first."""
    today = today or date.today()
    session = db.session()
    visible = family_visible(user)
    items: list[DueItem] = []
    schedules = (
        ("visit", Family.next_visit_on, "home_visit"),
        ("session", Family.next_session_on, "psych_support"),
    )
    for kind, column, form_id in schedules:
        target = f"form:{form_id}"
        if not _can_fill(user, form_id):
            # Coordinators oversee sessions they do not record: the case file.
            if not is_manager(user):
                continue
            target = "file"
        rows = session.execute(
            sa.select(Family.id, Family.name, column).where(
                visible,
                Family.is_active.is_(True),
                column.is_not(None),
                column <= today,
            )
        )
        items += [
            DueItem(kind, fid, name, day, target)
            for fid, name, day in rows
            if day is not None
        ]
    base = (
        sa.select(Family.id, Family.name)
        .join(SupportCase, SupportCase.family_id == Family.id)
        .where(visible)
    )
    services = session.execute(
        base.add_columns(CaseService.planned_on, CaseService.service_type)
        .join(CaseService, CaseService.case_id == SupportCase.id)
        .where(
            SupportCase.status != CLOSED,
            CaseService.status.in_(OPEN_SERVICE_STATUSES),
            CaseService.planned_on <= today,
        )
    )
    items += [
        DueItem("service", fid, name, day, "form:service_record", kind)
        for fid, name, day, kind in services
    ]
    reviews = session.execute(
        base.add_columns(SupportCase.next_review_on).where(
            SupportCase.status == ACTIVE, SupportCase.next_review_on <= today
        )
    )
    items += [DueItem("review", fid, name, day, "file") for fid, name, day in reviews]
    follow_ups = session.execute(
        base.add_columns(FollowUp.due_on, FollowUp.months)
        .join(FollowUp, FollowUp.case_id == SupportCase.id)
        .where(
            SupportCase.status == CLOSED,
            FollowUp.status == "due",
            FollowUp.due_on <= today,
        )
    )
    items += [
        DueItem("follow_up", fid, name, day, "form:case_follow_up", str(months))
        for fid, name, day, months in follow_ups
    ]
    referrals = session.execute(
        base.add_columns(Referral.follow_up_on)
        .join(Referral, Referral.case_id == SupportCase.id)
        .where(
            Referral.status.in_(OPEN_REFERRAL_STATUSES),
            Referral.follow_up_on <= today,
        )
    )
    items += [
        DueItem("referral", fid, name, day, "file") for fid, name, day in referrals
    ]
    ending = session.execute(
        base.add_columns(SupportCase.planned_end_on).where(
            SupportCase.status == ACTIVE,
            SupportCase.planned_end_on <= today + timedelta(days=ENDING_WITHIN_DAYS),
        )
    )
    items += [DueItem("ending", fid, name, day, "file") for fid, name, day in ending]
    items.sort(key=lambda item: (item.due_on, item.family_name, item.kind))
    return items[:LIMIT]
