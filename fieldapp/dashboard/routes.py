"""The dashboard of each role: coordinators and admins see the whole NGO, case workers
their own work, instructors their courses. No script: charts are SVG from the server."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask import g
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from fieldapp import charts
from fieldapp import db
from fieldapp.access import is_manager
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.cases.models import STATUSES
from fieldapp.cases.services import REFERRAL_AGES
from fieldapp.cases.services import status_label
from fieldapp.dashboard import services
from fieldapp.devices.services import SILENT_DAYS
from fieldapp.families.forms import PROGRAMME_CHOICES

bp = Blueprint("dashboard", __name__, template_folder="templates")


def today() -> date:
    """Return today's date (a seam for tests)."""
    return date.today()


def _overdue_chart(figures: dict[str, int], chart_id: str) -> charts.BarChart:
    names = {
        "visit": _("Home visits"),
        "session": _("Support sessions"),
        "service": _("Services"),
        "review": _("Plan reviews"),
    }
    items: list[tuple[str, float | None]] = [
        (str(names[k]), float(v)) for k, v in figures.items()
    ]
    total = sum(figures.values())
    return charts.bar_chart(
        chart_id,
        _("Due or overdue"),
        items,
        _("%(num)d things due today or overdue.", num=total),
        hrefs=[url_for("cases.my_work", kind=k) for k in figures],
    )


def _month_chart(user_months: list[tuple[str, int | None]]) -> charts.LineChart:
    taken = [f"{m}: {v}%" for m, v in user_months if v is not None]
    return charts.line_chart(
        "chart-months",
        _("Class attendance rate by month"),
        [(m[5:] + "/" + m[2:4], v) for m, v in user_months],
        100,
        "; ".join(taken) if taken else _("No attendance recorded yet."),
        "%",
    )


def _course_chart(courses: list[services.CourseFigures]) -> charts.BarChart:
    items = [(c.course.name, c.percent) for c in courses]
    rated = [(name, p) for name, p in items if p is not None]
    summary = (
        _(
            "Lowest: %(name)s, %(rate)d%%.",
            name=min(rated, key=lambda r: r[1])[0],
            rate=min(rated, key=lambda r: r[1])[1],
        )
        if rated
        else _("No attendance recorded yet.")
    )
    return charts.bar_chart(
        "chart-courses",
        _("Class attendance rate per course"),
        [(name, float(p) if p is not None else None) for name, p in items],
        summary,
        unit="%",
        high=100,
        hrefs=[url_for("courses.detail", course_id=c.course.id) for c in courses],
    )


@bp.get("/")
@require()
def index() -> str:
    """Show the dashboard of the signed-in user's role."""
    user = g.user
    now = today()
    context: dict[str, object] = {"today": now, "silent_days": SILENT_DAYS}
    if is_manager(user):
        overdue = services.overdue(user, now)
        courses = services.courses(user)
        by_status = services.cases_by_status_programme()
        caseload = services.caseload(now)
        context.update(
            view="coordinator",
            overdue=overdue,
            overdue_chart=_overdue_chart(overdue, "chart-overdue"),
            caseload=caseload,
            caseload_chart=charts.bar_chart(
                "chart-caseload",
                _("Open cases per worker"),
                [(name, float(cases)) for _id, name, cases, _f in caseload],
                _("%(num)d workers follow families.", num=len(caseload)),
                hrefs=[url_for("cases.index", worker=uid) for uid, *_rest in caseload],
            ),
            referral_ages=services.referral_ages(user, now),
            by_status=by_status,
            statuses=STATUSES,
            status_names={s: status_label(s) for s in STATUSES},
            programmes=[
                (k, str(v))
                for k, v in PROGRAMME_CHOICES
                if any(key[1] == k for key in by_status)
            ],
            ending=services.ending_soon(now),
            courses=courses,
            course_chart=_course_chart(courses),
            month_chart=_month_chart(services.attendance_by_month(user, now)),
            sync=services.sync_health(),
            is_admin=user.role == Role.ADMIN,
        )
    elif user.role in (Role.SOCIAL_WORKER, Role.PSYCHOLOGIST):
        overdue = services.overdue(user, now)
        cases, families = services.own_caseload(user)
        context.update(
            view="worker",
            overdue=overdue,
            overdue_chart=_overdue_chart(overdue, "chart-overdue"),
            own_cases=cases,
            own_families=families,
            referrals=services.open_referrals(user, now),
        )
    else:
        courses = services.courses(user)
        context.update(
            view="instructor",
            courses=courses,
            course_chart=_course_chart(courses),
            month_chart=_month_chart(services.attendance_by_month(user, now)),
        )
    context["referral_age_names"] = list(REFERRAL_AGES)
    log.record("view", "dashboard", context["view"])
    db.session().commit()
    return render_template("dashboard/index.html", **context)
