"""Admin screens of data protection: erasing a family."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import MANAGERS
from fieldapp.access import get_family_or_404
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.errors import NotFoundError
from fieldapp.protection import access_report as access_report_service
from fieldapp.protection import consents
from fieldapp.protection import erasure
from fieldapp.protection.forms import EraseForm

bp = Blueprint("protection", __name__, template_folder="templates")

#: What each table's rows are, in the words of the erase page.
TABLE_LABELS = {
    "family": _l("The family record"),
    "member": _l("Family members"),
    "assignment": _l("Assignments to workers"),
    "submission": _l("Forms filled about the family (visits, sessions, intake)"),
    "submission_conflict": _l("Conflicting copies of those forms"),
    "rejected_submission": _l("Rejected forms about the family"),
    "enrolment": _l("Course enrolments"),
    "attendance": _l("Attendance marks"),
    "notification": _l("Notifications about the family"),
    "family_consent": _l("Consents"),
}


def confirmation_code(family_id: object) -> str:
    """Return what the admin types to confirm: the first 8 characters of the id."""
    return str(family_id)[:8]


def _page(family: object, form: EraseForm, plan: erasure.Plan) -> str:
    counts = [
        (TABLE_LABELS.get(name, name), count) for name, count in plan.counts().items()
    ]
    return render_template(
        "protection/erase.html",
        family=family,
        form=form,
        counts=counts,
        total=plan.total,
        code=confirmation_code(plan.family_id),
    )


@bp.get("/families/<family_id>/erase")
@require(Role.ADMIN)
def erase(family_id: str) -> str:
    """Show exactly what erasing the family removes, and ask for the typed code."""
    family = get_family_or_404(g.user, family_id)
    plan = erasure.plan(family)
    log.record("view", "family", family.id, purpose="erase")
    db.session().commit()
    return _page(family, EraseForm(), plan)


@bp.post("/families/<family_id>/erase")
@require(Role.ADMIN)
def erase_submit(family_id: str) -> tuple[str, int] | Response:
    """Erase the family when the typed code matches; otherwise nothing changes."""
    family = get_family_or_404(g.user, family_id)
    form = EraseForm()
    valid = form.validate_on_submit()
    if valid and (form.confirm.data or "").strip() != confirmation_code(family.id):
        form.confirm.errors = [_("The code does not match: nothing was erased.")]
        valid = False
    if not valid:
        return _page(family, form, erasure.plan(family)), 422
    done = erasure.erase(family)
    db.session().commit()
    flash(
        _(
            "The family was erased: %(count)d records. Phones remove it at their next "
            "synchronisation.",
            count=done.total,
        ),
        "success",
    )
    return redirect(url_for("families.index"))


CONSENT_LABELS = {
    "store": _l("Storing personal data"),
    "share": _l("Sharing with partners through referrals"),
    "report": _l("Being counted in reports that leave the NGO"),
    "photos": _l("Photos"),
}


@bp.app_template_global()
def consent_label(kind: str) -> str:
    """Return the name of a consent in the user's language."""
    return str(CONSENT_LABELS.get(kind, kind))


@bp.post("/families/<family_id>/consents/<kind>/withdraw")
@require(*MANAGERS)
def withdraw_submit(family_id: str, kind: str) -> Response:
    """Record that the family withdrew a consent today: it allows nothing from today."""
    family = get_family_or_404(g.user, family_id)
    if kind not in CONSENT_LABELS:
        raise NotFoundError()
    today = date.today()
    row = consents.withdraw(family, kind, on=today, by=g.user.id)
    if row is None:
        flash(_("There is no consent in force to withdraw."), "error")
    else:
        log.record("withdraw_consent", "family", family.id, kind=kind)
        db.session().commit()
        flash(
            _(
                "Withdrawal recorded: %(consent)s, from %(date)s.",
                consent=consent_label(kind),
                date=format_date(today),
            ),
            "success",
        )
    return redirect(url_for("families.detail", family_id=family.id) + "#consents")


@bp.get("/families/<family_id>/access-report")
@require(*MANAGERS)
def access_report(family_id: str) -> str:
    """Everything stored about the family, printable, in the family's language."""
    family = get_family_or_404(g.user, family_id)
    report = access_report_service.build(family)
    log.record("export", "family", family.id, what="access_report", format="html")
    db.session().commit()
    with force_locale(report["language"]):
        return render_template(
            "protection/access_report.html", family=family, report=report
        )


@bp.get("/families/<family_id>/access-report.json")
@require(*MANAGERS)
def access_report_file(family_id: str) -> Response:
    """The same, as a JSON file to hand to the family."""
    family = get_family_or_404(g.user, family_id)
    report = access_report_service.build(family)
    log.record("export", "family", family.id, what="access_report", format="json")
    db.session().commit()
    response = jsonify(report)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="family-{family.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
