"""The case file of a family and the coordinator's case list.

Every view asks access.py: a case is visible exactly when its family is (a social
worker's assigned families; instructors none). A refused move answers 4xx with the
case file again, the message on the form that was sent and its answers kept.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import CASE_WORKERS
from fieldapp.access import MANAGERS
from fieldapp.access import cases_visible_to
from fieldapp.access import get_case_or_404
from fieldapp.access import get_family_or_404
from fieldapp.access import is_manager
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import User
from fieldapp.cases import services
from fieldapp.cases.forms import ActivateForm
from fieldapp.cases.forms import CloseForm
from fieldapp.cases.forms import ConsentForm
from fieldapp.cases.forms import GoalForm
from fieldapp.cases.forms import OpenCaseForm
from fieldapp.cases.forms import PartnerForm
from fieldapp.cases.forms import ReferralForm
from fieldapp.cases.forms import ReferralUpdateForm
from fieldapp.cases.forms import ReopenForm
from fieldapp.cases.forms import ReviewForm
from fieldapp.cases.forms import ServiceForm
from fieldapp.cases.forms import ServiceUpdateForm
from fieldapp.cases.models import OPEN_REFERRAL_STATUSES
from fieldapp.cases.models import STATUSES
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import Partner
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.errors import NotFoundError
from fieldapp.families.forms import PROGRAMME_CHOICES
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.services import active_assignees
from fieldapp.i18n import current_language
from fieldapp.protection import consents
from fieldapp.templating import municipality_choices

bp = Blueprint("cases", __name__, template_folder="templates")

_PAGE_SIZE = 100
#: timeline filters: name -> which entries it keeps
_TIMELINE_FILTERS = ("all", "case", "forms")


@bp.get("/")
@require(*MANAGERS)
def index() -> str:
    """List cases, filtered by status, worker, programme and municipality.

    The most pressing first: active cases by planned end (past ends first), then
    referred cases, oldest first, then closed ones.
    """
    args = request.args
    status = args.get("status", "open")
    query = cases_visible_to(g.user)
    if status == "open":
        query = query.where(SupportCase.status != "closed")
    elif status in STATUSES:
        query = query.where(SupportCase.status == status)
    programme = args.get("programme", "")
    if programme:
        query = query.where(SupportCase.programme == programme)
    municipality = args.get("municipality", "")
    if municipality:
        query = query.where(Family.municipality == municipality)
    worker = args.get("worker", type=int)
    if worker:
        query = query.where(
            SupportCase.family_id.in_(
                sa.select(Assignment.family_id).where(
                    Assignment.user_id == worker, Assignment.ended_at.is_(None)
                )
            )
        )
    # ?ending=90: active cases whose planned end is within 90 days (or passed).
    ending = args.get("ending", type=int)
    if ending is not None and 0 <= ending <= 3650:
        query = query.where(
            SupportCase.status == "active",
            SupportCase.planned_end_on <= date.today() + timedelta(days=ending),
        )
    else:
        ending = None
    # ?referral_age=0-30|31-90|91-: cases with an open referral sent that long ago.
    referral_age = args.get("referral_age", "")
    ages = services.REFERRAL_AGES.get(referral_age)
    if ages is not None:
        low, high = ages
        sent = sa.select(Referral.case_id).where(
            Referral.status.in_(OPEN_REFERRAL_STATUSES),
            Referral.sent_on <= date.today() - timedelta(days=low),
        )
        if high is not None:
            sent = sent.where(Referral.sent_on >= date.today() - timedelta(days=high))
        query = query.where(SupportCase.id.in_(sent))
    else:
        referral_age = ""
    order = sa.case(
        (SupportCase.status == "active", 0),
        (SupportCase.status == "referred", 1),
        else_=2,
    )
    query = query.order_by(
        order,
        SupportCase.planned_end_on.asc().nulls_last(),
        SupportCase.created_at.asc(),
    )
    cases = list(db.session().scalars(query.limit(_PAGE_SIZE)))
    log.record("list", "case", status=status, count=len(cases))
    db.session().commit()
    return render_template(
        "cases/index.html",
        cases=cases,
        workers=_workers_by_family([c.family_id for c in cases]),
        worker_choices=_worker_choices(),
        programme_choices=PROGRAMME_CHOICES,
        municipalities=municipality_choices(current_language()),
        statuses=STATUSES,
        labels=_labels(),
        selected={
            "status": status,
            "programme": programme,
            "municipality": municipality,
            "worker": worker or 0,
            "ending": ending,
            "referral_age": referral_age,
        },
        today=date.today(),
        soon=_soon(),
    )


def _soon() -> date:
    from datetime import timedelta

    return date.today() + timedelta(days=90)


def _worker_choices() -> list[tuple[int, str]]:
    workers = db.session().scalars(
        sa.select(User)
        .where(User.role.in_([str(r) for r in CASE_WORKERS]), User.is_active.is_(True))
        .order_by(User.full_name)
    )
    return [(w.id, w.full_name or w.username) for w in workers]


def _workers_by_family(family_ids: list[Any]) -> dict[Any, list[str]]:
    if not family_ids:
        return {}
    rows = db.session().execute(
        sa.select(Assignment.family_id, User.full_name)
        .join(User, User.id == Assignment.user_id)
        .where(Assignment.family_id.in_(family_ids), Assignment.ended_at.is_(None))
        .order_by(User.full_name)
    )
    found: dict[Any, list[str]] = {}
    for family_id, name in rows:
        found.setdefault(family_id, []).append(name)
    return found


def _render_file(
    family: Family,
    status: int = 200,
    failed_case: SupportCase | None = None,
    **forms: FlaskForm | None,
) -> tuple[str, int]:
    """Render the case file of ``family``; ``forms`` replace the empty ones."""
    cases = services.cases_of(family.id)
    events = services.history_of([c.id for c in cases])
    from fieldapp.submissions.services import recent_for_family

    shown = request.args.get("show", "all")
    if shown not in _TIMELINE_FILTERS:
        shown = "all"
    timeline: list[dict[str, Any]] = []
    if shown in ("all", "case"):
        timeline += [{"at": e.at, "event": e} for e in events]
    if shown in ("all", "forms"):
        timeline += [
            {"at": s.received_at, "submission": s}
            for s in recent_for_family(g.user, family.id, limit=50)
        ]
    timeline.sort(key=lambda entry: entry["at"], reverse=True)
    current = next((c for c in cases if c.status != "closed"), None)
    manager = is_manager(g.user)
    case_services = services.services_of([c.id for c in cases])
    failed_service = forms.get("failed_service")
    update_forms = {
        s.id: (
            failed_service
            if isinstance(failed_service, ServiceUpdateForm)
            and failed_service._prefix == f"s{s.id}-"
            else ServiceUpdateForm(formdata=None, obj=s, prefix=f"s{s.id}")
        )
        for s in case_services
    }
    case_referrals = services.referrals_of([c.id for c in cases])
    case_goals = services.goals_of([c.id for c in cases])
    case_follow_ups = services.follow_ups_of([c.id for c in cases])
    case_reviews = services.reviews_of([c.id for c in cases])
    failed_referral = forms.get("failed_referral")
    referral_forms = {
        r.id: (
            failed_referral
            if isinstance(failed_referral, ReferralUpdateForm)
            and failed_referral._prefix == f"r{r.id}-"
            else ReferralUpdateForm(formdata=None, obj=r, prefix=f"r{r.id}")
        )
        for r in case_referrals
    }
    referral_form = forms.get("referral_form") or ReferralForm(formdata=None)
    assert isinstance(referral_form, ReferralForm)  # noqa: S101 - for the type checker
    referral_form.partner_id.choices = [
        ("", _("Choose a partner")),
        *((str(p.id), p.name) for p in _active_partners()),
    ]
    return render_template(
        "cases/file.html",
        referral_form=referral_form,
        referrals_by_case={
            c.id: [r for r in case_referrals if r.case_id == c.id] for c in cases
        },
        referral_forms=referral_forms,
        consent_form=ConsentForm(formdata=None),
        goal_form=forms.get("goal_form") or GoalForm(formdata=None),
        review_form=forms.get("review_form") or ReviewForm(formdata=None),
        goals_by_case={
            c.id: [g for g in case_goals if g.case_id == c.id] for c in cases
        },
        reviews_by_case={
            c.id: [r for r in case_reviews if r.case_id == c.id] for c in cases
        },
        follow_ups_by_case={
            c.id: [f for f in case_follow_ups if f.case_id == c.id] for c in cases
        },
        typed=request.form if request.method == "POST" else {},
        family=family,
        cases=cases,
        current=current,
        # The family's consent to share (one record for all its cases).
        share_decision=consents.current(family.id)["share"],
        shares_now=consents.allows(family.id, "share"),
        assignments=active_assignees(family.id),
        timeline=timeline,
        shown=shown,
        filters=_TIMELINE_FILTERS,
        open_form=forms.get("open_form")
        or (OpenCaseForm(formdata=None) if manager else None),
        activate_form=forms.get("activate_form") or ActivateForm(formdata=None),
        close_form=forms.get("close_form") or CloseForm(formdata=None),
        reopen_form=forms.get("reopen_form") or ReopenForm(formdata=None),
        service_form=forms.get("service_form") or ServiceForm(formdata=None),
        services_by_case={
            c.id: [s for s in case_services if s.case_id == c.id] for c in cases
        },
        update_forms=update_forms,
        failed_case=failed_case,
        labels=_labels(),
        manager=manager,
        today=date.today(),
    ), status


def _labels() -> dict[str, dict[str, str]]:
    """Return the labels of codes shown on the case file, in the user's language."""
    from fieldapp.cases.forms import CLOSURE_REASON_CHOICES
    from fieldapp.cases.forms import GOAL_AREA_CHOICES
    from fieldapp.cases.forms import GOAL_STATUS_CHOICES
    from fieldapp.cases.forms import REFERRAL_SOURCE_CHOICES
    from fieldapp.cases.forms import SERVICE_STATUS_CHOICES
    from fieldapp.cases.forms import SERVICE_TYPE_CHOICES

    return {
        "service_type": {k: str(v) for k, v in SERVICE_TYPE_CHOICES},
        "service_status": {k: str(v) for k, v in SERVICE_STATUS_CHOICES},
        "programme": {k: str(v) for k, v in PROGRAMME_CHOICES},
        "goal_area": {k: str(v) for k, v in GOAL_AREA_CHOICES},
        "goal_status": {k: str(v) for k, v in GOAL_STATUS_CHOICES},
        "referral_status": {
            k: services.referral_status_label(k)
            for k in ("sent", "accepted", "declined", "done")
        },
        "source": {k: str(v) for k, v in REFERRAL_SOURCE_CHOICES if k},
        "reason": {k: str(v) for k, v in CLOSURE_REASON_CHOICES if k},
        "status": {s: services.status_label(s) for s in STATUSES},
        "kind": {
            "opened": _("Case opened"),
            "activate": _("Admitted"),
            "close": _("Closed"),
            "reopen": _("Reopened"),
            "change": _("Changed"),
            "service_added": _("Service added"),
            "referral_sent": _("Referred to a partner"),
            "goal_added": _("Goal added"),
            "goal_changed": _("Goal changed"),
            "plan_reviewed": _("Plan reviewed"),
            "referral_changed": _("Referral changed"),
            "service_changed": _("Service changed"),
        },
        "filter": {
            "all": _("Everything"),
            "case": _("Case changes"),
            "forms": _("Visits and sessions"),
        },
    }


@bp.get("/family/<family_id>")
@require(*MANAGERS, *CASE_WORKERS)
def file(family_id: str) -> tuple[str, int]:
    """Show a family's case file: its cases, their state and a timeline of everything."""
    family = get_family_or_404(g.user, family_id)
    log.record("view", "case_file", family.id)
    db.session().commit()
    return _render_file(family)


def _refused(
    case: SupportCase | Family,
    form: FlaskForm,
    name: str,
    error: services.CaseRefused,
) -> tuple[str, int]:
    db.session().rollback()
    family = case if isinstance(case, Family) else case.family
    field = getattr(form, error.field, None) if error.field else None
    if error.field == "override" and not is_manager(g.user):
        field = None  # only coordinators see (and may fill) the override
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    failed = case if isinstance(case, SupportCase) else None
    return _render_file(family, error.status, failed_case=failed, **{name: form})


@bp.post("/family/<family_id>/open")
@require(*MANAGERS)
def open_submit(family_id: str) -> tuple[str, int] | Response:
    """Open a referred case for a family."""
    family = get_family_or_404(g.user, family_id)
    form = OpenCaseForm()
    if not form.validate_on_submit():
        return _render_file(family, 422, open_form=form)
    try:
        case = services.open_case(
            family,
            g.user,
            programme=form.programme.data or "",
            referral_source=form.referral_source.data or "",
            referring_body=form.referring_body.data or "",
            referred_on=form.referred_on.data,
        )
    except services.CaseRefused as error:
        return _refused(family, form, "open_form", error)
    log.record("create", "case", case.id, family=str(family.id))
    db.session().commit()
    return redirect(url_for("cases.file", family_id=family.id))


@bp.post("/<int:case_id>/activate")
@require(*MANAGERS, *CASE_WORKERS)
def activate_submit(case_id: int) -> tuple[str, int] | Response:
    """Admit a referred case: admission date and planned end."""
    case = get_case_or_404(g.user, case_id)
    form = ActivateForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, activate_form=form, failed_case=case)
    assert form.admitted_on.data  # noqa: S101 - required
    assert form.planned_end_on.data  # noqa: S101 - required
    try:
        services.activate(
            case,
            g.user,
            admitted_on=form.admitted_on.data,
            planned_end_on=form.planned_end_on.data,
            note=form.note.data or "",
        )
    except services.CaseRefused as error:
        return _refused(case, form, "activate_form", error)
    log.record("activate", "case", case.id, family=str(case.family_id))
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/<int:case_id>/close")
@require(*MANAGERS, *CASE_WORKERS)
def close_submit(case_id: int) -> tuple[str, int] | Response:
    """Close an active case with a reason and a summary."""
    case = get_case_or_404(g.user, case_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, close_form=form, failed_case=case)
    assert form.closed_on.data  # noqa: S101 - required
    # Only a coordinator (or an admin) may confirm a closure over open items.
    override = (form.override.data or "") if is_manager(g.user) else ""
    try:
        services.close(
            case,
            g.user,
            closed_on=form.closed_on.data,
            reason=form.reason.data or "",
            reason_other=form.reason_other.data or "",
            summary=form.summary.data or "",
            override=override,
        )
    except services.CaseRefused as error:
        return _refused(case, form, "close_form", error)
    log.record(
        "close", "case", case.id, family=str(case.family_id), override=override or None
    )
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/<int:case_id>/reopen")
@require(*MANAGERS, *CASE_WORKERS)
def reopen_submit(case_id: int) -> tuple[str, int] | Response:
    """Reopen a closed case, with a reason."""
    case = get_case_or_404(g.user, case_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, reopen_form=form, failed_case=case)
    try:
        services.reopen(case, g.user, reason=form.reason.data or "")
    except services.CaseRefused as error:
        return _refused(case, form, "reopen_form", error)
    log.record("reopen", "case", case.id, family=str(case.family_id))
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/<int:case_id>/services")
@require(*MANAGERS, *CASE_WORKERS)
def service_add_submit(case_id: int) -> tuple[str, int] | Response:
    """Add a service to a case (reopening a closed case, with a reason)."""
    case = get_case_or_404(g.user, case_id)
    form = ServiceForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, service_form=form, failed_case=case)
    try:
        service = services.add_service(
            case,
            g.user,
            service_type=form.service_type.data or "",
            provider=form.provider.data or "",
            planned_on=form.planned_on.data,
            status=form.status.data or "",
            completed_on=form.completed_on.data,
            outcome=form.outcome.data or "",
            reopen_reason=form.reopen_reason.data or "",
        )
    except services.CaseRefused as error:
        return _refused(case, form, "service_form", error)
    log.record("create", "case_service", service.id, case=case.id)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/services/<int:service_id>")
@require(*MANAGERS, *CASE_WORKERS)
def service_update_submit(service_id: int) -> tuple[str, int] | Response:
    """Change a service's status, completion date and outcome."""
    service = db.session().get(CaseService, service_id)
    if service is None:
        raise NotFoundError()
    case = get_case_or_404(g.user, service.case_id)
    form = ServiceUpdateForm(prefix=f"s{service.id}")
    if not form.validate_on_submit():
        return _render_file(case.family, 422, failed_service=form, failed_case=case)
    try:
        services.update_service(
            service,
            case,
            g.user,
            status=form.status.data or "",
            completed_on=form.completed_on.data,
            outcome=form.outcome.data or "",
        )
    except services.CaseRefused as error:
        return _refused(case, form, "failed_service", error)
    log.record("update", "case_service", service.id, case=case.id)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


def _active_partners() -> list[Partner]:
    return list(
        db.session().scalars(
            sa.select(Partner).where(Partner.is_active.is_(True)).order_by(Partner.name)
        )
    )


@bp.post("/<int:case_id>/consent")
@require(*MANAGERS, *CASE_WORKERS)
def consent_submit(case_id: int) -> tuple[str, int] | Response:
    """Record whether the family agrees that its information goes to partners."""
    case = get_case_or_404(g.user, case_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, failed_case=case)
    consent = form.consent_share.data == "yes"
    services.set_consent_share(case, g.user, consent=consent)
    log.record("consent", "case", case.id, consent_share=consent)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/<int:case_id>/referrals")
@require(*MANAGERS, *CASE_WORKERS)
def referral_add_submit(case_id: int) -> tuple[str, int] | Response:
    """Refer the family to a partner: only with its consent, or a coordinator's reason."""
    case = get_case_or_404(g.user, case_id)
    form = ReferralForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, referral_form=form, failed_case=case)
    assert form.sent_on.data  # noqa: S101 - required
    # Only a coordinator (or an admin) may refer without the family's consent.
    override = (form.override.data or "") if is_manager(g.user) else ""
    try:
        referral = services.refer(
            case,
            g.user,
            partner_id=form.partner_id.data,
            sent_on=form.sent_on.data,
            follow_up_on=form.follow_up_on.data,
            note=form.note.data or "",
            override=override,
        )
    except services.CaseRefused as error:
        return _refused(case, form, "referral_form", error)
    if referral.consent_override:
        log.record(
            "refer_without_consent",
            "referral",
            referral.id,
            case=case.id,
            reason=referral.consent_override,
        )
    else:
        log.record("create", "referral", referral.id, case=case.id)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/referrals/<int:referral_id>")
@require(*MANAGERS, *CASE_WORKERS)
def referral_update_submit(referral_id: int) -> tuple[str, int] | Response:
    """Record a partner's answer, the follow-up date, or that a referral is done."""
    referral = db.session().get(Referral, referral_id)
    if referral is None:
        raise NotFoundError()
    case = get_case_or_404(g.user, referral.case_id)
    form = ReferralUpdateForm(prefix=f"r{referral.id}")
    if not form.validate_on_submit():
        return _render_file(case.family, 422, failed_referral=form, failed_case=case)
    try:
        services.move_referral(
            referral,
            case,
            g.user,
            status=form.status.data or "",
            follow_up_on=form.follow_up_on.data,
            note=form.note.data or "",
        )
    except services.CaseRefused as error:
        return _refused(case, form, "failed_referral", error)
    log.record("update", "referral", referral.id, case=case.id)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.get("/partners")
@require(*MANAGERS)
def partners() -> str:
    """List the partner organisations, with a form to add one."""
    return _render_partners(PartnerForm(formdata=None))[0]


def _render_partners(form: PartnerForm, status: int = 200) -> tuple[str, int]:
    from fieldapp.cases.forms import PARTNER_KIND_CHOICES

    rows = db.session().scalars(
        sa.select(Partner).order_by(Partner.is_active.desc(), Partner.name)
    )
    return render_template(
        "cases/partners.html",
        partners=list(rows),
        form=form,
        kinds={k: str(v) for k, v in PARTNER_KIND_CHOICES},
    ), status


@bp.post("/partners")
@require(*MANAGERS)
def partner_add_submit() -> tuple[str, int] | Response:
    """Add a partner organisation."""
    form = PartnerForm()
    if not form.validate_on_submit():
        return _render_partners(form, 422)
    name = form.name.data or ""
    taken = db.session().scalar(sa.select(Partner.id).where(Partner.name == name))
    if taken is not None:
        form.name.errors = [_("A partner with this name is already on the list.")]
        return _render_partners(form, 409)
    partner = Partner(name=name, kind=form.kind.data or "other")
    db.session().add(partner)
    db.session().flush()
    log.record("create", "partner", partner.id)
    db.session().commit()
    return redirect(url_for("cases.partners"))


@bp.post("/partners/<int:partner_id>/toggle")
@require(*MANAGERS)
def partner_toggle_submit(partner_id: int) -> Response:
    """Retire a partner from the list (its referrals stay), or bring it back."""
    partner = db.session().get(Partner, partner_id)
    if partner is None:
        raise NotFoundError()
    partner.is_active = not partner.is_active
    log.record("update", "partner", partner.id, is_active=partner.is_active)
    db.session().commit()
    return redirect(url_for("cases.partners"))


@bp.post("/<int:case_id>/goals")
@require(*MANAGERS, *CASE_WORKERS)
def goal_add_submit(case_id: int) -> tuple[str, int] | Response:
    """Add a goal to a case plan."""
    case = get_case_or_404(g.user, case_id)
    form = GoalForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, goal_form=form, failed_case=case)
    try:
        goal = services.add_goal(
            case,
            g.user,
            area=form.area.data or "",
            description=form.description.data or "",
            target_on=form.target_on.data,
        )
    except services.CaseRefused as error:
        return _refused(case, form, "goal_form", error)
    log.record("create", "case_goal", goal.id, case=case.id)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


@bp.post("/<int:case_id>/reviews")
@require(*MANAGERS, *CASE_WORKERS)
def review_submit(case_id: int) -> tuple[str, int] | Response:
    """Review a case plan: progress on each goal, and the next review date."""
    case = get_case_or_404(g.user, case_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_file(case.family, 422, review_form=form, failed_case=case)
    assert form.reviewed_on.data  # noqa: S101 - required
    progress: dict[int, tuple[str, str]] = {}
    for key, value in request.form.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "goal" and parts[2] == "status":
            try:
                goal_id = int(parts[1])
            except ValueError:
                continue
            note = request.form.get(f"goal-{goal_id}-note", "")
            progress[goal_id] = (value, note)
    try:
        review = services.review_plan(
            case,
            g.user,
            reviewed_on=form.reviewed_on.data,
            summary=form.summary.data or "",
            progress=progress,
            next_review_on=form.next_review_on.data,
        )
    except services.CaseRefused as error:
        return _refused(case, form, "review_form", error)
    log.record("review", "case", case.id, review=review.id)
    db.session().commit()
    return redirect(url_for("cases.file", family_id=case.family_id))


def _due_kinds() -> dict[str, str]:
    """The name of each kind of item of "My work", in the user's language."""
    return {
        "visit": _("Home visit"),
        "session": _("Support session"),
        "service": _("Service overdue"),
        "review": _("Plan review"),
        "follow_up": _("Follow-up after closure"),
        "referral": _("Referral to follow up"),
        "ending": _("Support ends within 90 days"),
    }


@bp.get("/my-work")
@require(*MANAGERS, *CASE_WORKERS)
def my_work() -> str:
    """List what the user has due today or overdue, each one tap from where to do it.

    ``?shell=1`` gives the copy kept offline: labels only, no people's data;
    lookup-page.js fills it from the due list the phone pulled (fieldapp.cases.due).
    """
    from fieldapp.cases import due
    from fieldapp.cases.forms import SERVICE_TYPE_CHOICES

    service_types = {k: str(v) for k, v in SERVICE_TYPE_CHOICES}
    if request.args.get("shell") == "1":
        return render_template(
            "cases/my_work_shell.html",
            kinds=_due_kinds(),
            service_types=service_types,
            text={
                "today": _("today"),
                "planned_end": _("Planned end"),
                "nothing": _("Nothing is due. Well done."),
            },
        )
    items = due.due_for(g.user)
    # ?kind=visit|session|service|review|...: the dashboard's figures link here.
    kind = request.args.get("kind", "")
    if kind in due.KINDS:
        items = [item for item in items if item.kind == kind]
    else:
        kind = ""
    log.record("list", "due", count=len(items))
    db.session().commit()
    return render_template(
        "cases/my_work.html",
        items=items,
        today=date.today(),
        kind=kind,
        service_types=service_types,
        kinds=_due_kinds(),
    )


@bp.post("/<int:case_id>/reassign")
@require(*MANAGERS)
def reassign_submit(case_id: int) -> Response:
    """Give a case's family to another worker, in one step.

    The workers of the same role stop following the family (their phones drop it at
    the next pull); the new one follows it. Workers of the other role stay.
    """
    from fieldapp.families import services as family_services

    case = get_case_or_404(g.user, case_id)
    worker_id = request.form.get("worker", type=int)
    worker = db.session().get(User, worker_id) if worker_id else None
    if (
        worker is None
        or not worker.is_active
        or worker.role not in {str(r) for r in CASE_WORKERS}
    ):
        from fieldapp.errors import AppError

        raise AppError(_("Choose a social worker or psychologist."), status_code=422)
    ended = []
    for assignment in active_assignees(case.family_id):
        if assignment.user.role == worker.role and assignment.user_id != worker.id:
            family_services.end_assignment(assignment)
            ended.append(assignment.user_id)
    family_services.assign(case.family, worker, g.user)
    log.record(
        "reassign", "family", case.family_id, worker=worker.id, ended=ended or None
    )
    from fieldapp.push.services import queue_notification

    queue_notification(worker, "assigned", dedupe=f"reassigned:{case.id}:{worker.id}")
    db.session().commit()
    return redirect(request.referrer or url_for("cases.index"))
