"""Caseload and family screens: lists for workers, editing for coordinators."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import CASE_WORKERS
from fieldapp.access import MANAGERS
from fieldapp.access import families_visible_to
from fieldapp.access import get_family_or_404
from fieldapp.access import parse_uuid_or_404
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import User
from fieldapp.errors import NotFoundError
from fieldapp.families import services
from fieldapp.families.forms import PROGRAMME_CHOICES
from fieldapp.families.forms import AssignmentForm
from fieldapp.families.forms import FamilyForm
from fieldapp.families.forms import MemberForm
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.i18n import current_language
from fieldapp.protection import consents
from fieldapp.search import name_filter
from fieldapp.submissions.forms_registry import forms_for
from fieldapp.templating import municipality_choices

bp = Blueprint("families", __name__, template_folder="templates")

_PAGE_SIZE = 50
#: a family's fields whose changes the access log records, before and after
_LOGGED_FIELDS = ("name", "municipality", "village", "programme", "is_active")
_IDENTIFYING = frozenset({"name", "village"})


@bp.get("/")
@require(*MANAGERS, *CASE_WORKERS)
def index() -> str:
    """List the families the user may see, optionally filtered by name."""
    if request.args.get("shell") == "1":
        # The copy kept offline: no names; lookup-page.js fills it from the pull.
        return render_template("families/shell_index.html")
    q = request.args.get("q", "").strip()[:100]
    query = (
        families_visible_to(g.user).where(Family.is_active.is_(True))
        if not request.args.get("all")
        else families_visible_to(g.user)
    )
    if q:
        query = query.where(name_filter(Family.search_key, q))
    families = list(db.session().scalars(query.order_by(Family.name).limit(_PAGE_SIZE)))
    log.record("list", "family", q=q or None, count=len(families))
    db.session().commit()
    return render_template("families/index.html", families=families, q=q)


def _family_form(family: Family | None = None) -> FamilyForm:
    form = FamilyForm(obj=family)
    if family is not None:
        for kind, row in consents.current(family).items():
            if row is not None:
                given = row.given and row.withdrawn_on is None
                getattr(form, f"consent_{kind}").data = "yes" if given else "no"
    form.municipality.choices = [
        ("", _("Choose a municipality")),
        *municipality_choices(current_language()),
    ]
    return form


def _populate(form: FamilyForm, family: Family) -> None:
    """Copy the family's own fields (not the consents, recorded apart) onto it."""
    for name in ("name", "municipality", "village", "programme", "is_active"):
        getattr(form, name).populate_obj(family, name)


@bp.get("/new")
@require(*MANAGERS)
def create() -> str:
    """Show an empty family form."""
    return render_template("families/edit.html", form=_family_form(), family=None)


@bp.post("/new")
@require(*MANAGERS)
def create_submit() -> tuple[str, int] | Response:
    """Store a new family."""
    form = _family_form()
    if not form.validate_on_submit():
        return render_template("families/edit.html", form=form, family=None), 422
    family = Family(id=uuid.uuid4(), created_by_id=g.user.id)
    _populate(form, family)
    services.index_family(family)
    db.session().add(family)
    db.session().flush()
    consents.record_changes(family, form.consents(), by=g.user.id)
    if form.consent_store.data != "yes":
        consents.anonymise(family)
    log.record("create", "family", family.id)
    db.session().commit()
    return redirect(url_for("families.detail", family_id=family.id))


@bp.get("/shell")
@require(*MANAGERS, *CASE_WORKERS)
def shell() -> str:
    """Return the family page kept offline (``?shell=1``): labels and the forms to start,
    no people's data; the service worker serves it for any /families/<id> offline and
    lookup-page.js fills it from the family the phone pulled."""
    return render_template(
        "families/shell_detail.html",
        fillable=_fillable(),
        programmes={code: str(label) for code, label in PROGRAMME_CHOICES},
        municipalities=dict(municipality_choices(current_language())),
    )


def _fillable() -> list[Any]:
    """The forms started from a family page: visits, sessions (not the intake, done)."""
    return [
        d
        for d in forms_for(g.user)
        if d.subject == "family" and d.id != "family_intake"
    ]


@bp.get("/<family_id>")
@require(*MANAGERS, *CASE_WORKERS)
def detail(family_id: str) -> str:
    """Show a family, its members, assignments and recent submissions."""
    family = get_family_or_404(g.user, family_id)
    from fieldapp.submissions.services import recent_for_family

    submissions = recent_for_family(g.user, family.id)
    log.record("view", "family", family.id)
    db.session().commit()
    assignment_form = None
    if g.user.role in MANAGERS:
        assignment_form = AssignmentForm()
        assignment_form.user_id.choices = _worker_choices()
    return render_template(
        "families/detail.html",
        family=family,
        submissions=submissions,
        # One tap to the right form: visits, sessions (not the intake, done already).
        fillable=_fillable(),
        assignments=services.active_assignees(family.id),
        assignment_form=assignment_form,
        member_form=MemberForm() if g.user.role in MANAGERS else None,
        consents=consents.current(family),
    )


@bp.get("/<family_id>/edit")
@require(*MANAGERS)
def edit(family_id: str) -> str:
    """Show the family form filled in."""
    family = get_family_or_404(g.user, family_id)
    log.record("view", "family", family.id)
    db.session().commit()
    return render_template(
        "families/edit.html", form=_family_form(family), family=family
    )


@bp.post("/<family_id>/edit")
@require(*MANAGERS)
def edit_submit(family_id: str) -> tuple[str, int] | Response:
    """Store changes to a family."""
    family = get_family_or_404(g.user, family_id)
    form = _family_form()
    if not form.validate_on_submit():
        return render_template("families/edit.html", form=form, family=family), 422
    before = {name: getattr(family, name) for name in _LOGGED_FIELDS}
    _populate(form, family)
    services.index_family(family)
    consents.record_changes(family, form.consents(), by=g.user.id)
    if form.consent_store.data != "yes":
        consents.anonymise(family)
    # What changed: before and after for the programme and status; for what names or
    # locates the family only that it changed (the access log outlives an erasure and
    # never holds a name).
    changes = {
        name: (
            "changed" if name in _IDENTIFYING else [before[name], getattr(family, name)]
        )
        for name in _LOGGED_FIELDS
        if before[name] != getattr(family, name)
    }
    log.record("update", "family", family.id, changes=changes)
    db.session().commit()
    return redirect(url_for("families.detail", family_id=family.id))


@bp.post("/<family_id>/members")
@require(*MANAGERS)
def member_add_submit(family_id: str) -> tuple[str, int] | Response:
    """Add a member to a family."""
    family = get_family_or_404(g.user, family_id)
    form = MemberForm()
    if not form.validate_on_submit():
        return render_template(
            "families/member.html", form=form, family=family, member=None
        ), 422
    member = Member(family_id=family.id)
    form.populate_obj(member)
    member.school = member.school or ""
    member.grade = member.grade or ""
    family.members.append(member)
    if consents.refused(family, "store"):
        consents.anonymise(family)  # no names kept without consent to store them
    services.index_family(family)
    db.session().flush()
    log.record("create", "member", member.id, family=str(family.id))
    db.session().commit()
    return redirect(url_for("families.detail", family_id=family.id))


def _member_or_404(family: Family, member_id: str) -> Member:
    mid = parse_uuid_or_404(member_id)
    member = db.session().get(Member, mid)
    if member is None or member.family_id != family.id:
        raise NotFoundError()
    return member


@bp.get("/<family_id>/members/<member_id>/edit")
@require(*MANAGERS)
def member_edit(family_id: str, member_id: str) -> str:
    """Show a member's form filled in."""
    family = get_family_or_404(g.user, family_id)
    member = _member_or_404(family, member_id)
    log.record("view", "member", member.id, family=str(family.id))
    db.session().commit()
    return render_template(
        "families/member.html",
        form=MemberForm(obj=member),
        family=family,
        member=member,
    )


@bp.post("/<family_id>/members/<member_id>/edit")
@require(*MANAGERS)
def member_edit_submit(family_id: str, member_id: str) -> tuple[str, int] | Response:
    """Store changes to a member."""
    family = get_family_or_404(g.user, family_id)
    member = _member_or_404(family, member_id)
    form = MemberForm()
    if not form.validate_on_submit():
        return render_template(
            "families/member.html", form=form, family=family, member=member
        ), 422
    form.populate_obj(member)
    member.school = member.school or ""
    member.grade = member.grade or ""
    if consents.refused(family, "store"):
        consents.anonymise(family)
    services.index_family(family)
    family.updated_at = db.utcnow()
    log.record("update", "member", member.id, family=str(family.id))
    db.session().commit()
    return redirect(url_for("families.detail", family_id=family.id))


def _worker_choices() -> list[tuple[int, str]]:
    workers = db.session().scalars(
        sa.select(User)
        .where(User.role.in_([str(r) for r in CASE_WORKERS]), User.is_active.is_(True))
        .order_by(User.full_name)
    )
    return [
        (worker.id, f"{worker.full_name} ({worker.username})") for worker in workers
    ]


@bp.post("/<family_id>/assignments")
@require(*MANAGERS)
def assign_submit(family_id: str) -> tuple[str, int] | Response:
    """Assign a worker to a family."""
    family = get_family_or_404(g.user, family_id)
    form = AssignmentForm()
    form.user_id.choices = _worker_choices()
    if not form.validate_on_submit():
        return render_template(
            "errors/error.html",
            status=422,
            message=_("Choose a social worker or psychologist."),
            errors=form.errors,
        ), 422
    worker = db.session().get(User, form.user_id.data)
    assert worker is not None  # noqa: S101 - validate_choice checked it
    assignment = services.assign(family, worker, g.user)
    db.session().flush()
    log.record("assign", "family", family.id, worker=worker.id)
    from fieldapp.push.services import queue_notification

    queue_notification(worker, "assigned", dedupe=f"assigned:{assignment.id}")
    db.session().commit()
    return redirect(url_for("families.detail", family_id=family.id))


@bp.post("/<family_id>/assignments/<int:assignment_id>/end")
@require(*MANAGERS)
def unassign_submit(family_id: str, assignment_id: int) -> Response:
    """End an assignment."""
    family = get_family_or_404(g.user, family_id)
    assignment = db.session().get(Assignment, assignment_id)
    if assignment is None or assignment.family_id != family.id:
        raise NotFoundError()
    services.end_assignment(assignment)
    log.record("unassign", "family", family.id, worker=assignment.user_id)
    db.session().commit()
    return redirect(url_for("families.detail", family_id=family.id))
