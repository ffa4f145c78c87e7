"""The case lifecycle: open, activate, close, reopen; each move writes its history.

The rules live here, not in the views: the HTML screens and the effects of synced forms
ask the same functions. A refused move raises CaseRefused with a message in the user's
language and the field it is about; nothing is written then. The caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.cases.models import ACTIVE
from fieldapp.cases.models import CLOSED
from fieldapp.cases.models import CLOSURE_REASONS
from fieldapp.cases.models import FOLLOW_UP_MONTHS
from fieldapp.cases.models import GOAL_AREAS
from fieldapp.cases.models import GOAL_STATUSES
from fieldapp.cases.models import OPEN_REFERRAL_STATUSES
from fieldapp.cases.models import OPEN_SERVICE_STATUSES
from fieldapp.cases.models import REFERRAL_MOVES
from fieldapp.cases.models import REFERRED
from fieldapp.cases.models import REVIEW_EVERY_DAYS
from fieldapp.cases.models import SERVICE_STATUSES
from fieldapp.cases.models import SERVICE_TYPES
from fieldapp.cases.models import TRANSITIONS
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import CaseGoal
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import FollowUp
from fieldapp.cases.models import Partner
from fieldapp.cases.models import PlanReview
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family
from fieldapp.protection import consents

#: The longest a case may last: three years after admission.
MAX_YEARS = 3


class CaseRefused(Exception):
    """A move the rules refuse; ``field`` names the input it is about ("" for none)."""

    def __init__(self, message: str, field: str = "", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def latest_end(admitted_on: date) -> date:
    """Return the last allowed planned end: three years after admission (28 Feb for 29)."""
    try:
        return admitted_on.replace(year=admitted_on.year + MAX_YEARS)
    except ValueError:  # 29 February
        return admitted_on.replace(year=admitted_on.year + MAX_YEARS, day=28)


def cases_of(family_id: uuid.UUID) -> list[SupportCase]:
    """Return every case of a family, the newest first (closed ones included)."""
    query = (
        sa.select(SupportCase)
        .where(SupportCase.family_id == family_id)
        .order_by(SupportCase.created_at.desc(), SupportCase.id.desc())
    )
    return list(db.session().scalars(query))


def history_of(case_ids: list[int]) -> list[CaseEvent]:
    """Return the history of the given cases, newest first."""
    if not case_ids:
        return []
    query = (
        sa.select(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
    )
    return list(db.session().scalars(query))


def open_items(case: SupportCase) -> int:
    """Return how many services and outgoing referrals of ``case`` are still open."""
    services = sa.select(sa.func.count()).where(
        CaseService.case_id == case.id,
        CaseService.status.in_(OPEN_SERVICE_STATUSES),
    )
    referrals = sa.select(sa.func.count()).where(
        Referral.case_id == case.id, Referral.status.in_(OPEN_REFERRAL_STATUSES)
    )
    session = db.session()
    return int(session.scalar(services) or 0) + int(session.scalar(referrals) or 0)


def services_of(case_ids: list[int]) -> list[CaseService]:
    """Return the services of the given cases: open ones first, by planned date."""
    if not case_ids:
        return []
    query = (
        sa.select(CaseService)
        .where(CaseService.case_id.in_(case_ids))
        .order_by(
            CaseService.status.not_in(OPEN_SERVICE_STATUSES),
            CaseService.planned_on.asc().nulls_last(),
            CaseService.id,
        )
    )
    return list(db.session().scalars(query))


def _check_service(
    case: SupportCase,
    *,
    service_type: str,
    status: str,
    planned_on: date | None,
    completed_on: date | None,
) -> None:
    if service_type not in SERVICE_TYPES:
        raise CaseRefused(_("Choose the type of service."), "service_type")
    if status not in SERVICE_STATUSES:
        raise CaseRefused(_("Choose the status of the service."), "status")
    admitted = case.admitted_on
    if planned_on is not None and admitted is not None and planned_on < admitted:
        raise CaseRefused(
            _("A service cannot be planned before the admission date."), "planned_on"
        )
    if status == "completed" and completed_on is None:
        raise CaseRefused(
            _("Enter the date the service was completed."), "completed_on"
        )
    if completed_on is not None:
        if completed_on > date.today():
            raise CaseRefused(
                _("The completion date cannot be in the future."), "completed_on"
            )
        if admitted is not None and completed_on < admitted:
            raise CaseRefused(
                _("A service cannot be completed before the admission date."),
                "completed_on",
            )


def add_service(
    case: SupportCase,
    by: User,
    *,
    service_type: str,
    provider: str,
    planned_on: date | None,
    status: str,
    completed_on: date | None,
    outcome: str,
    reopen_reason: str = "",
) -> CaseService:
    """Add a service to ``case``; a closed case is reopened first, with ``reopen_reason``.

    :raise CaseRefused: for a closed case without a reason to reopen it, an unknown
        type or status, or dates before admission or in the future.
    """
    if case.status == CLOSED and not reopen_reason.strip():
        raise CaseRefused(
            _("This case is closed. To add a service, reopen it: say why."),
            "reopen_reason",
            409,
        )
    _check_service(
        case,
        service_type=service_type,
        status=status,
        planned_on=planned_on,
        completed_on=completed_on,
    )
    if case.status == CLOSED:
        reopen(case, by, reason=reopen_reason)
    service = CaseService(
        case_id=case.id,
        service_type=service_type,
        provider=provider.strip()[:200],
        planned_on=planned_on,
        status=status,
        completed_on=completed_on if status == "completed" else None,
        outcome=outcome.strip()[:500],
        created_by_id=by.id,
    )
    db.session().add(service)
    db.session().flush()
    event = _event(
        case,
        "service_added",
        by,
        changes={
            name: (None, getattr(service, name))
            for name in _SERVICE_FIELDS
            if getattr(service, name) not in (None, "")
        },
    )
    event.service_id = service.id
    case.updated_at = db.utcnow()
    return service


_SERVICE_FIELDS = (
    "service_type",
    "provider",
    "planned_on",
    "status",
    "completed_on",
    "outcome",
)


def update_service(
    service: CaseService,
    case: SupportCase,
    by: User,
    *,
    status: str,
    completed_on: date | None,
    outcome: str,
) -> None:
    """Change a service's status, completion date and outcome, keeping the history.

    :raise CaseRefused: as add_service, and for a service of a closed case.
    """
    if case.status == CLOSED:
        raise CaseRefused(
            _("This case is closed. Reopen it before you change its services."),
            "",
            409,
        )
    _check_service(
        case,
        service_type=service.service_type,
        status=status,
        planned_on=service.planned_on,
        completed_on=completed_on,
    )
    before = {name: getattr(service, name) for name in _SERVICE_FIELDS}
    service.status = status
    service.completed_on = completed_on if status == "completed" else None
    service.outcome = outcome.strip()[:500]
    changes = {
        name: (before[name], getattr(service, name))
        for name in _SERVICE_FIELDS
        if before[name] != getattr(service, name)
    }
    if changes:
        event = _event(case, "service_changed", by, changes=changes)
        event.service_id = service.id


def _event(
    case: SupportCase,
    kind: str,
    by: User | None,
    *,
    before: str = "",
    reason: str = "",
    changes: Mapping[str, tuple[Any, Any]] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        kind=kind,
        from_status=before,
        to_status=case.status,
        reason=reason,
        changes={
            name: [_plain(old), _plain(new)]
            for name, (old, new) in (changes or {}).items()
            if old != new
        },
        user_id=by.id if by else None,
    )
    db.session().add(event)
    return event


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _set(case: SupportCase, **values: Any) -> dict[str, tuple[Any, Any]]:
    """Set fields of ``case``; return {field: (before, after)}."""
    changes = {}
    for name, value in values.items():
        changes[name] = (getattr(case, name), value)
        setattr(case, name, value)
    return changes


def open_case(
    family: Family,
    by: User,
    *,
    programme: str,
    referral_source: str = "",
    referring_body: str = "",
    referred_on: date | None = None,
) -> SupportCase:
    """Open a case (referred) for ``family``.

    :raise CaseRefused: if the family already has an open case in that programme.
    """
    current = db.session().scalar(
        sa.select(SupportCase.id).where(
            SupportCase.family_id == family.id,
            SupportCase.programme == programme,
            SupportCase.status != CLOSED,
        )
    )
    if current is not None:
        raise CaseRefused(
            _("This family already has an open case in this programme."),
            "programme",
            409,
        )
    if referred_on is not None and referred_on > date.today():
        raise CaseRefused(
            _("The referral date cannot be in the future."), "referred_on"
        )
    case = SupportCase(
        family_id=family.id,
        programme=programme,
        status=REFERRED,
        referral_source=referral_source,
        referring_body=referring_body,
        referred_on=referred_on,
        opened_by_id=by.id,
    )
    db.session().add(case)
    db.session().flush()
    _event(
        case,
        "opened",
        by,
        changes={
            "programme": (None, programme),
            "referral_source": (None, referral_source or None),
            "referring_body": (None, referring_body or None),
            "referred_on": (None, referred_on),
        },
    )
    return case


def _check_move(case: SupportCase, to: str) -> str:
    kind = TRANSITIONS.get((case.status, to))
    if kind is None:
        raise CaseRefused(
            _(
                "A case that is %(status)s cannot become %(target)s.",
                status=status_label(case.status),
                target=status_label(to),
            ),
            "",
            409,
        )
    return kind


def activate(
    case: SupportCase,
    by: User,
    *,
    admitted_on: date,
    planned_end_on: date,
    note: str = "",
) -> None:
    """Admit a referred case: it becomes active.

    :raise CaseRefused: for a case not referred, an admission in the future, or a
        planned end not after admission or more than three years after it.
    """
    kind = _check_move(case, ACTIVE)
    if admitted_on > date.today():
        raise CaseRefused(
            _("The admission date cannot be in the future."), "admitted_on"
        )
    if case.referred_on is not None and admitted_on < case.referred_on:
        raise CaseRefused(
            _("The admission date cannot be before the referral."), "admitted_on"
        )
    check_planned_end(admitted_on, planned_end_on)
    before = case.status
    changes = _set(
        case,
        status=ACTIVE,
        admitted_on=admitted_on,
        planned_end_on=planned_end_on,
        next_review_on=case.next_review_on
        or admitted_on + timedelta(days=REVIEW_EVERY_DAYS),
    )
    _event(case, kind, by, before=before, reason=note, changes=changes)


def check_planned_end(admitted_on: date, planned_end_on: date) -> None:
    """Refuse a planned end not after admission or more than three years after it."""
    if planned_end_on <= admitted_on:
        raise CaseRefused(
            _("The planned end must be after the admission date."), "planned_end_on"
        )
    if planned_end_on > latest_end(admitted_on):
        raise CaseRefused(
            _(
                "Support lasts at most three years: the planned end can be "
                "%(latest)s at the latest.",
                latest=latest_end(admitted_on).isoformat(),
            ),
            "planned_end_on",
        )


def close(
    case: SupportCase,
    by: User,
    *,
    closed_on: date,
    reason: str,
    reason_other: str,
    summary: str,
    override: str = "",
) -> None:
    """Close an active case.

    :raise CaseRefused: for a case not active, an unknown reason, "other" without a
        text, no summary, a date before admission or in the future, or open services
        or referrals unless a coordinator confirms with ``override``.
    """
    kind = _check_move(case, CLOSED)
    if reason not in CLOSURE_REASONS:
        raise CaseRefused(_("Choose why the case is closed."), "reason")
    if reason == "other" and not reason_other.strip():
        raise CaseRefused(_("Say why the case is closed."), "reason_other")
    if not summary.strip():
        raise CaseRefused(_("Write a closing summary."), "summary")
    if closed_on > date.today():
        raise CaseRefused(_("The closing date cannot be in the future."), "closed_on")
    if case.admitted_on is not None and closed_on < case.admitted_on:
        raise CaseRefused(
            _("The closing date cannot be before the admission date."), "closed_on"
        )
    still_open = open_items(case)
    if still_open and not override.strip():
        raise CaseRefused(
            _(
                "Services or referrals of this case are still open. Close them first, "
                "or, as a coordinator, confirm the closure with a reason."
            ),
            "override",
            409,
        )
    before = case.status
    changes = _set(
        case,
        status=CLOSED,
        closed_on=closed_on,
        closure_reason=reason,
        closure_other=reason_other.strip() if reason == "other" else "",
        closing_summary=summary.strip(),
    )
    why = override.strip() if still_open else ""
    _event(case, kind, by, before=before, reason=why, changes=changes)
    for months in FOLLOW_UP_MONTHS:
        db.session().add(
            FollowUp(
                case_id=case.id, months=months, due_on=add_months(closed_on, months)
            )
        )


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved ``months`` later (the month's last day if it is shorter)."""
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def follow_ups_of(case_ids: list[int]) -> list[FollowUp]:
    """Return the follow-ups of the given cases, by due date."""
    if not case_ids:
        return []
    query = (
        sa.select(FollowUp)
        .where(FollowUp.case_id.in_(case_ids))
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    return list(db.session().scalars(query))


def reopen(case: SupportCase, by: User, *, reason: str) -> None:
    """Reopen a closed case; the closure stays in its history.

    :raise CaseRefused: for a case not closed, no reason, or another open case of the
        family in the same programme.
    """
    kind = _check_move(case, ACTIVE)
    if not reason.strip():
        raise CaseRefused(_("Say why the case is reopened."), "reason")
    other = db.session().scalar(
        sa.select(SupportCase.id).where(
            SupportCase.family_id == case.family_id,
            SupportCase.programme == case.programme,
            SupportCase.status != CLOSED,
            SupportCase.id != case.id,
        )
    )
    if other is not None:
        raise CaseRefused(
            _("This family already has an open case in this programme."), "", 409
        )
    before = case.status
    changes = _set(case, status=ACTIVE, closed_on=None)
    _event(case, kind, by, before=before, reason=reason.strip(), changes=changes)
    # The follow-ups of the closure no longer apply; they stay, cancelled.
    for follow_up in follow_ups_of([case.id]):
        if follow_up.status == "due":
            follow_up.status = "cancelled"


def status_label(status: str) -> str:
    """Return a case status in the user's language."""
    labels: dict[str, str] = {
        REFERRED: _("referred"),
        ACTIVE: _("active"),
        CLOSED: _("closed"),
    }
    return labels.get(status, status)


def set_consent_share(case: SupportCase, by: User, *, consent: bool) -> None:
    """Record whether the family agrees that its information goes to partners.

    The family's consents live in one place (fieldapp.protection.consents): a "yes"
    adds a decision from today, a "no" withdraws one in force (or records the refusal).
    The case keeps the answer too, for its history.
    """
    changes = _set(case, consent_share=consent)
    if changes["consent_share"][0] != consent:
        _event(case, "change", by, changes=changes)
    today = date.today()
    if consent == consents.allows(case.family_id, "share", at=today):
        return
    family = db.session().get(Family, case.family_id)
    if (
        consent
        or family is None
        or consents.withdraw(family, "share", on=today, by=by.id) is None
    ):
        consents.record(
            case.family_id,
            {"share": consent},
            on=today,
            by=by.id,
            form_id="case_file",
            form_version=0,
        )


def shares(case: SupportCase, on: date) -> bool:
    """Return whether the family of ``case`` consented to sharing on the day ``on``."""
    return consents.allows(case.family_id, "share", at=on)


def referrals_of(case_ids: list[int]) -> list[Referral]:
    """Return the outgoing referrals of the given cases: open ones first."""
    if not case_ids:
        return []
    query = (
        sa.select(Referral)
        .where(Referral.case_id.in_(case_ids))
        .order_by(
            Referral.status.not_in(OPEN_REFERRAL_STATUSES),
            Referral.follow_up_on.asc().nulls_last(),
            Referral.id,
        )
    )
    return list(db.session().scalars(query))


def refer(
    case: SupportCase,
    by: User,
    *,
    partner_id: int | None,
    sent_on: date,
    follow_up_on: date | None,
    note: str,
    override: str = "",
) -> Referral:
    """Refer the family of ``case`` to a partner.

    Without the family's consent to share, only a coordinator's written ``override``
    lets it go (the caller writes that reason to the access log).
    :raise CaseRefused: for a closed case, an unknown or retired partner, no consent
        and no override, or a sent date in the future or a follow-up before it.
    """
    if case.status == CLOSED:
        raise CaseRefused(
            _("This case is closed. Reopen it before you refer the family."), "", 409
        )
    partner = db.session().get(Partner, partner_id) if partner_id else None
    if partner is None or not partner.is_active:
        raise CaseRefused(_("Choose a partner from the list."), "partner_id")
    if sent_on > date.today():
        raise CaseRefused(_("The referral date cannot be in the future."), "sent_on")
    if follow_up_on is not None and follow_up_on < sent_on:
        raise CaseRefused(
            _("The follow-up date cannot be before the referral."), "follow_up_on"
        )
    shared = shares(case, sent_on)
    if not shared and not override.strip():
        raise CaseRefused(
            _(
                "The family has not agreed that its information is shared with "
                "partners, so it cannot be referred. Record the family's consent "
                "first; only a coordinator may refer without it, with a written reason."
            ),
            "override",
            409,
        )
    referral = Referral(
        case_id=case.id,
        partner_id=partner.id,
        status="sent",
        sent_on=sent_on,
        follow_up_on=follow_up_on,
        note=note.strip()[:500],
        consent_override="" if shared else override.strip()[:500],
        created_by_id=by.id,
    )
    db.session().add(referral)
    db.session().flush()
    event = _event(
        case,
        "referral_sent",
        by,
        reason=referral.consent_override,
        changes={
            "partner": (None, partner.name),
            "sent_on": (None, sent_on),
            "follow_up_on": (None, follow_up_on),
        },
    )
    event.referral_id = referral.id
    return referral


def move_referral(
    referral: Referral,
    case: SupportCase,
    by: User,
    *,
    status: str,
    follow_up_on: date | None,
    note: str,
) -> None:
    """Record the partner's answer (accepted, declined) or that the referral is done.

    :raise CaseRefused: for a move that skips or reverses a state, or a follow-up
        before the referral.
    """
    if status != referral.status and status not in REFERRAL_MOVES.get(
        referral.status, ()
    ):
        raise CaseRefused(
            _(
                "A referral that is %(status)s cannot become %(target)s.",
                status=referral_status_label(referral.status),
                target=referral_status_label(status),
            ),
            "status",
            409,
        )
    if follow_up_on is not None and follow_up_on < referral.sent_on:
        raise CaseRefused(
            _("The follow-up date cannot be before the referral."), "follow_up_on"
        )
    before = {
        "status": referral.status,
        "follow_up_on": referral.follow_up_on,
        "note": referral.note,
    }
    referral.status = status
    referral.follow_up_on = follow_up_on
    referral.note = note.strip()[:500]
    changes = {
        name: (old, getattr(referral, name))
        for name, old in before.items()
        if old != getattr(referral, name)
    }
    if changes:
        event = _event(case, "referral_changed", by, changes=changes)
        event.referral_id = referral.id


def referral_status_label(status: str) -> str:
    """Return a referral status in the user's language."""
    labels: dict[str, str] = {
        "sent": _("sent"),
        "accepted": _("accepted"),
        "declined": _("declined"),
        "done": _("done"),
    }
    return labels.get(status, status)


def goals_of(case_ids: list[int]) -> list[CaseGoal]:
    """Return the plan goals of the given cases, by area then target date."""
    if not case_ids:
        return []
    query = (
        sa.select(CaseGoal)
        .where(CaseGoal.case_id.in_(case_ids))
        .order_by(CaseGoal.area, CaseGoal.target_on.asc().nulls_last(), CaseGoal.id)
    )
    return list(db.session().scalars(query))


def reviews_of(case_ids: list[int]) -> list[PlanReview]:
    """Return the plan reviews of the given cases, newest first."""
    if not case_ids:
        return []
    query = (
        sa.select(PlanReview)
        .where(PlanReview.case_id.in_(case_ids))
        .order_by(PlanReview.reviewed_on.desc(), PlanReview.id.desc())
    )
    return list(db.session().scalars(query))


def add_goal(
    case: SupportCase,
    by: User,
    *,
    area: str,
    description: str,
    target_on: date | None,
) -> CaseGoal:
    """Add a goal to the plan of ``case``.

    :raise CaseRefused: for a closed case, an unknown area, no description, or a
        target date before admission or after the planned end.
    """
    if case.status == CLOSED:
        raise CaseRefused(
            _("This case is closed. Reopen it before you change its plan."), "", 409
        )
    if area not in GOAL_AREAS:
        raise CaseRefused(_("Choose the area of the goal."), "area")
    if not description.strip():
        raise CaseRefused(_("Describe the goal."), "description")
    if target_on is not None:
        if case.admitted_on is not None and target_on < case.admitted_on:
            raise CaseRefused(
                _("The target date cannot be before the admission date."), "target_on"
            )
        if case.planned_end_on is not None and target_on > case.planned_end_on:
            raise CaseRefused(
                _("The target date cannot be after the planned end of the case."),
                "target_on",
            )
    goal = CaseGoal(
        case_id=case.id,
        area=area,
        description=description.strip()[:500],
        target_on=target_on,
        status="not_started",
        created_by_id=by.id,
    )
    db.session().add(goal)
    db.session().flush()
    event = _event(
        case,
        "goal_added",
        by,
        changes={
            "area": (None, area),
            "description": (None, goal.description),
            "target_on": (None, target_on),
        },
    )
    event.goal_id = goal.id
    return goal


def review_plan(
    case: SupportCase,
    by: User,
    *,
    reviewed_on: date,
    summary: str,
    progress: dict[int, tuple[str, str]],
    next_review_on: date | None,
) -> PlanReview:
    """Review the plan of an active case: each goal's status and a note on progress.

    ``progress`` maps goal ids to (status, note); goals not named keep their status.
    The next review is ``next_review_on``, 90 days later by default.
    :raise CaseRefused: for a case not active, a review date in the future or before
        admission, a next review not after it, or a goal or status that is unknown.
    """
    if case.status != ACTIVE:
        raise CaseRefused(
            _("Only the plan of an active case can be reviewed."), "", 409
        )
    if reviewed_on > date.today():
        raise CaseRefused(_("The review date cannot be in the future."), "reviewed_on")
    if case.admitted_on is not None and reviewed_on < case.admitted_on:
        raise CaseRefused(
            _("The review date cannot be before the admission date."), "reviewed_on"
        )
    next_on = next_review_on or reviewed_on + timedelta(days=REVIEW_EVERY_DAYS)
    if next_on <= reviewed_on:
        raise CaseRefused(
            _("The next review must be after this one."), "next_review_on"
        )
    goals = {g.id: g for g in goals_of([case.id])}
    for goal_id, (status, _note) in progress.items():
        if goal_id not in goals or status not in GOAL_STATUSES:
            raise CaseRefused(_("Choose a status for each goal."), "")
    review = PlanReview(
        case_id=case.id,
        reviewed_on=reviewed_on,
        summary=summary.strip(),
        progress={
            str(goal_id): {
                "before": goals[goal_id].status,
                "status": status,
                "note": note.strip()[:500],
            }
            for goal_id, (status, note) in progress.items()
        },
        next_review_on=next_on,
        reviewed_by_id=by.id,
    )
    db.session().add(review)
    for goal_id, (status, _note) in progress.items():
        goal = goals[goal_id]
        if goal.status != status:
            event = _event(
                case, "goal_changed", by, changes={"status": (goal.status, status)}
            )
            event.goal_id = goal.id
            goal.status = status
    changes = _set(case, next_review_on=next_on)
    _event(case, "plan_reviewed", by, reason=summary.strip(), changes=changes)
    db.session().flush()
    return review


#: ages of open referrals (days since sent), for the dashboard and the case list's
#: ?referral_age= filter: name -> (at least, at most or None)
REFERRAL_AGES: dict[str, tuple[int, int | None]] = {
    "0-30": (0, 30),
    "31-90": (31, 90),
    "91-": (91, None),
}
