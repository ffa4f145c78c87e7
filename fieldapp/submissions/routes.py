"""Fill forms online (plain HTML posts, no JavaScript needed) and read submissions."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import families_visible_to
from fieldapp.access import get_course_or_404
from fieldapp.access import get_family_or_404
from fieldapp.access import may_read_form
from fieldapp.access import may_read_sensitive
from fieldapp.access import parse_uuid_or_404
from fieldapp.access import require
from fieldapp.access import roster_of
from fieldapp.access import students_visible_to
from fieldapp.audit import log
from fieldapp.auth.models import User
from fieldapp.courses.effects import current_register
from fieldapp.courses.models import Course
from fieldapp.crypto import decrypt_json
from fieldapp.errors import ForbiddenError
from fieldapp.errors import NotFoundError
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.i18n import current_language
from fieldapp.i18n import normalize
from fieldapp.inputs import int_arg
from fieldapp.prevention.models import Student
from fieldapp.submissions import services
from fieldapp.submissions.forms import FillForm
from fieldapp.submissions.forms_registry import definition_for
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.ingest import record_ingest
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import merge_sensitive
from forms import FormDefinition
from forms import from_form_data

bp = Blueprint("submissions", __name__, template_folder="templates")


def get_definition_or_404(form_id: str) -> FormDefinition:
    """Return the latest definition of ``form_id`` that the user may fill.

    :raise 404: for an unknown form; 403 if the user's role may not fill it.
    """
    try:
        definition = registry().latest(form_id)
    except LookupError:
        raise NotFoundError() from None
    if not definition.may_fill(g.user.role):
        raise ForbiddenError()
    return definition


def _today_iso() -> str:
    """Return today's date where the NGOs work, for date questions preset to today."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.now(zone).date().isoformat()


def _respondent_locale() -> str:
    return normalize(request.values.get("respondent_lang")) or current_language()


def _context(definition: FormDefinition, *, shell: bool) -> dict[str, Any]:
    """Return what the fill page shows around the questions (subject, roster)."""
    context: dict[str, Any] = {
        "family": None,
        "families": [],
        "course": None,
        "roster": [],
        "students": [],
    }
    if definition.subject == "family":
        family_id = request.values.get("family") or request.values.get("subject_id")
        if family_id and not shell:
            context["family"] = get_family_or_404(g.user, family_id)
        elif not shell:
            context["families"] = list(
                db.session().scalars(
                    families_visible_to(g.user)
                    .where(Family.is_active.is_(True))
                    .order_by(Family.name)
                )
            )
    elif definition.subject == "programme" and not shell:
        # Students the user may see, for "who took part" (choices_from: students).
        context["students"] = list(
            db.session().scalars(
                students_visible_to(g.user)
                .join(Student, Student.member_id == Member.id)
                .order_by(Member.full_name)
            )
        )
    elif definition.subject == "course_session":
        course_id = int_arg("course", request.values) or int_arg(
            "course_id", request.values
        )
        if course_id is None:
            raise NotFoundError(_("Choose a course first."))
        course = get_course_or_404(g.user, course_id)
        context["course"] = course
        if not shell:
            context["roster"] = roster_of(course)
    return context


@bp.get("/forms/<form_id>")
@require()
def fill(form_id: str) -> str:
    """Show an empty form; ``?shell=1`` gives the copy kept offline (no people's data)."""
    definition = get_definition_or_404(form_id)
    shell = request.args.get("shell") == "1"
    form = FillForm(
        submission_uuid=str(uuid.uuid4()),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        respondent_locale=_respondent_locale(),
        form_version=definition.version,
        subject_id=str(uuid.uuid4()) if definition.subject == "new_family" else "",
    )
    context = _context(definition, shell=shell)
    if context["family"] is not None:
        form.subject_id.data = str(context["family"].id)
    if context["course"] is not None:
        form.course_id.data = context["course"].id
    return render_template(
        "submissions/fill.html",
        definition=definition,
        form=form,
        answers={},
        errors={},
        shell=shell,
        respondent_locale=form.respondent_locale.data,
        today_iso=_today_iso(),
        **context,
    )


@bp.post("/forms/<form_id>")
@require()
def fill_submit(form_id: str) -> tuple[str, int] | Response:
    """Validate and store a form posted from the page."""
    definition = get_definition_or_404(form_id)
    form = FillForm()
    if not form.validate_on_submit():
        # A tampered or incomplete envelope: show the form again with what was typed.
        messages = [_("The form could not be read. Please check and send it again.")]
        if form.started_at.errors:
            # Named, and replaced by now: it is hidden, so no one could correct it.
            messages += [str(message) for message in form.started_at.errors]
            form.started_at.data = datetime.now(UTC).isoformat(timespec="seconds")
        return _refill(
            definition,
            form,
            from_form_data(definition, request.form),
            {"_form": messages},
        ), 400
    item = {
        "uuid": form.submission_uuid.data,
        "form_id": definition.id,
        "form_version": form.form_version.data,
        "subject_id": form.subject_id.data or None,
        "course_id": form.course_id.data,
        "started_at": form.started_at.data or None,
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "respondent_locale": normalize(form.respondent_locale.data)
        or current_language(),
        "answers": from_form_data(definition, request.form),
    }
    taken = _register_taken(definition, item)
    if taken is not None and request.form.get("replace_register") != "1":
        # A second register for the session: say whose and when, and save only when
        # the instructor confirms this one as the corrected version.
        return _refill(definition, form, item["answers"], {}, taken=taken), 409
    result = ingest_item(item, user=g.user, device_id=None, locale=current_language())
    record_ingest([result], [item], None)
    db.session().commit()

    if result.status == "rejected":
        errors = {
            path: [e["message"] for e in issues]
            for path, issues in result.errors.items()
        }
        return _refill(definition, form, item["answers"], errors), 422
    if result.status in ("refused", "conflict"):
        # Refused: nothing was stored (e.g. the id belongs to someone else's form).
        # Conflict: this id already holds different answers; both versions are kept for
        # a coordinator. Either way the page says so plainly and keeps the answers.
        message = {"_form": [result.message]}
        return _refill(definition, form, item["answers"], message), 409
    return redirect(
        url_for("submissions.receipt", submission_id=item["uuid"], status=result.status)
    )


def _register_taken(
    definition: FormDefinition, item: dict[str, Any]
) -> dict[str, Any] | None:
    """Return who took the register of the item's session and when, if someone did."""
    if definition.subject != "course_session" or not item["course_id"]:
        return None
    try:
        on = date.fromisoformat(str(item["answers"].get("session_date") or ""))
    except ValueError:
        return None
    found = current_register(db.session(), item["course_id"], on)
    if found is None:
        return None
    author = db.session().get(User, found.author_id)
    return {
        "by": author.full_name if author else "",
        "at": found.completed_at or found.received_at,
        "server_id": found.id,
    }


def _refill(
    definition: FormDefinition,
    form: FillForm,
    answers: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    taken: dict[str, Any] | None = None,
) -> str:
    request_values = request.values
    context: dict[str, Any] = {
        "family": None,
        "families": [],
        "course": None,
        "roster": [],
    }
    try:
        context = _context(definition, shell=False)
    except NotFoundError:
        if definition.subject != "family" or not request_values.get("subject_id"):
            raise
    return render_template(
        "submissions/fill.html",
        definition=definition,
        form=form,
        answers=answers,
        errors=errors,
        shell=False,
        respondent_locale=_respondent_locale(),
        today_iso="",
        taken=taken,
        **context,
    )


def get_submission_or_404(submission_id: str) -> Submission:
    """Return a submission the user may read.

    :raise 404: if unknown, of a form the role may not read, or outside the user's scope.
    """
    sid = parse_uuid_or_404(submission_id)
    submission = db.session().scalar(
        sa.select(Submission).where(Submission.uuid == sid)
    )
    if submission is None or not services.may_read(g.user, submission):
        raise NotFoundError()
    return submission


@bp.get("/submissions/<submission_id>/receipt")
@require()
def receipt(submission_id: str) -> str:
    """Confirm that a submission was stored, with its receipt."""
    submission = get_submission_or_404(submission_id)
    return render_template(
        "submissions/receipt.html",
        submission=submission,
        duplicate=request.args.get("status") == "duplicate",
    )


@bp.get("/submissions/")
@require()
def index() -> str:
    """List recent submissions: the user's own, or everyone's for coordinators."""
    submissions = [
        s
        for s in services.recent_for_user(g.user, limit=50)
        if may_read_form(g.user, s.form_id)
    ]
    return render_template(
        "submissions/index.html",
        submissions=submissions,
        names=services.subject_names(g.user, submissions),
    )


@bp.get("/submissions/<submission_id>")
@require()
def detail(submission_id: str) -> str:
    """Show a submission's answers with labels in the viewer's language."""
    submission = get_submission_or_404(submission_id)
    definition = definition_for(submission.form_id, submission.form_version)
    if definition is None:
        raise NotFoundError()
    answers = dict(submission.answers)
    can_see_sensitive = may_read_sensitive(g.user, submission.form_id)
    if can_see_sensitive and submission.sensitive_answers:
        merge_sensitive(answers, decrypt_json(submission.sensitive_answers))
    family = (
        db.session().get(Family, submission.family_id) if submission.family_id else None
    )
    course = (
        db.session().get(Course, submission.course_id) if submission.course_id else None
    )
    log.record(
        "view",
        "submission",
        submission.uuid,
        form=submission.form_id,
        sensitive=can_see_sensitive,
    )
    db.session().commit()
    return render_template(
        "submissions/detail.html",
        submission=submission,
        definition=definition,
        answers=answers,
        family=family,
        course=course,
        can_see_sensitive=can_see_sensitive,
        roster_names=services.member_names(answers),
    )
