"""Coordinators review conflicts (keep one, or both) and rejected items."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import MANAGERS
from fieldapp.access import may_read_sensitive
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.crypto import decrypt_json
from fieldapp.crypto import encrypt_json
from fieldapp.db import utcnow
from fieldapp.errors import NotFoundError
from fieldapp.i18n import current_language
from fieldapp.submissions import effects
from fieldapp.submissions.forms_registry import definition_for
from fieldapp.submissions.messages import stored_issue_dict
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict
from fieldapp.submissions.sensitive import merge_sensitive
from fieldapp.submissions.sensitive import split_sensitive
from fieldapp.submissions.store import submission_values
from forms import FormDefinition
from forms import validate_answers
from sync import merge
from sync.engine import content_hash
from sync.protocol import parse_item

bp = Blueprint("review", __name__, template_folder="templates")


def _visible_answers(
    form_id: str, answers: dict[str, Any], definition: FormDefinition | None
) -> dict[str, Any]:
    """Return ``answers`` without the sensitive ones unless the viewer may read them."""
    if definition is None or may_read_sensitive(g.user, form_id):
        return answers
    plain, _secret = split_sensitive(definition, answers)
    return plain


@bp.get("/")
@require(*MANAGERS)
def index() -> str:
    """List open conflicts and rejected items."""
    conflicts = (
        db.session()
        .execute(
            sa.select(SubmissionConflict, Submission)
            .join(Submission, Submission.id == SubmissionConflict.submission_id)
            .where(SubmissionConflict.resolved_at.is_(None))
            .order_by(SubmissionConflict.received_at)
        )
        .all()
    )
    rejected = (
        db.session()
        .scalars(
            sa.select(RejectedSubmission)
            .where(RejectedSubmission.resolved_at.is_(None))
            .order_by(RejectedSubmission.received_at)
        )
        .all()
    )
    locale = current_language()
    rendered = [
        (
            item,
            {
                path: [
                    stored_issue_dict(i["code"], i.get("params", {}), locale)
                    for i in found
                ]
                for path, found in (item.errors.get("fields") or {}).items()
            },
        )
        for item in rejected
    ]
    return render_template(
        "submissions/review.html", conflicts=conflicts, rejected=rendered
    )


def _conflict_or_404(conflict_id: int) -> tuple[SubmissionConflict, Submission]:
    conflict = db.session().get(SubmissionConflict, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise NotFoundError()
    submission = db.session().get(Submission, conflict.submission_id)
    if submission is None:  # pragma: no cover - foreign key
        raise NotFoundError()
    return conflict, submission


@bp.get("/conflicts/<int:conflict_id>")
@require(*MANAGERS)
def conflict(conflict_id: int) -> str:
    """Show the stored and the incoming answers side by side."""
    conflict, submission = _conflict_or_404(conflict_id)
    definition = definition_for(submission.form_id, submission.form_version)
    original = dict(submission.answers)
    merge_sensitive(original, decrypt_json(submission.sensitive_answers))
    incoming = decrypt_json(conflict.payload).get("answers") or {}
    sensitive = may_read_sensitive(g.user, submission.form_id)
    log.record("view", "submission_conflict", conflict.id, sensitive=sensitive)
    db.session().commit()
    return render_template(
        "submissions/review_conflict.html",
        conflict=conflict,
        submission=submission,
        definition=definition,
        locale=current_language(),
        labels={
            q.id: q.label_in(current_language())
            for q in (definition.questions if definition else ())
        },
        original=_visible_answers(submission.form_id, original, definition),
        incoming=_visible_answers(submission.form_id, incoming, definition),
    )


@bp.post("/conflicts/<int:conflict_id>")
@require(*MANAGERS)
def conflict_submit(conflict_id: int) -> Response:
    """Resolve a conflict: keep the original, keep the incoming, or keep both."""
    conflict, submission = _conflict_or_404(conflict_id)
    rule = merge.RULES.get(request.form.get("rule", ""))
    incoming, _uuid, _errors = parse_item(decrypt_json(conflict.payload))
    if rule is None or incoming is None:
        raise NotFoundError()
    resolution = rule(incoming, new_uuid=uuid.uuid4())
    definition = definition_for(submission.form_id, submission.form_version)
    if resolution.replace_answers is not None and definition is not None:
        clean = validate_answers(definition, resolution.replace_answers).clean
        plain, secret = split_sensitive(definition, clean)
        submission.answers = plain
        submission.sensitive_answers = encrypt_json(secret)
        submission.content_hash = conflict.content_hash
    if resolution.new_item is not None and definition is not None:
        item = resolution.new_item
        new = Submission(
            **submission_values(
                item,
                definition=definition,
                answers=validate_answers(definition, item.answers).clean,
                content_hash=content_hash(item),
                author_id=conflict.author_id,
                device_id=conflict.device_id,
                received_at=utcnow(),
            )
        )
        db.session().add(new)
        db.session().flush()
        conflict.new_submission_id = new.id
    if submission.family_id is not None:
        effects.changed(db.session(), {submission.family_id: (submission.form_id,)})
    conflict.resolution = resolution.name
    conflict.resolved_at = utcnow()
    conflict.resolved_by_id = g.user.id
    log.record(
        "resolve", "submission_conflict", conflict.id, resolution=resolution.name
    )
    db.session().commit()
    flash(_("The conflict is resolved."), "success")
    return redirect(url_for("review.index"))


@bp.post("/rejected/<int:rejected_id>")
@require(*MANAGERS)
def rejected_submit(rejected_id: int) -> Response:
    """Mark a rejected item as dealt with."""
    item = db.session().get(RejectedSubmission, rejected_id)
    if item is None or item.resolved_at is not None:
        raise NotFoundError()
    item.resolved_at = utcnow()
    log.record("resolve", "rejected_submission", item.id)
    db.session().commit()
    flash(_("The rejected form is marked as dealt with."), "success")
    return redirect(url_for("review.index"))
