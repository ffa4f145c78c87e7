"""Student screens: the programme record, and each student's progress."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import redirect
from flask import render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import crypto
from fieldapp import db
from fieldapp.access import CASE_WORKERS
from fieldapp.access import MANAGERS
from fieldapp.access import may_read_referral_risk
from fieldapp.access import require
from fieldapp.access import student_view_or_404
from fieldapp.access import students_visible_to
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.charts import LineChart
from fieldapp.charts import line_chart
from fieldapp.courses.models import Course
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.i18n import current_language
from fieldapp.prevention import progress
from fieldapp.prevention import services
from fieldapp.prevention.forms import FORM_LOCALE_CHOICES
from fieldapp.prevention.forms import LEAVING_REASON_CHOICES
from fieldapp.prevention.forms import REFERRAL_RISK_CHOICES
from fieldapp.prevention.forms import REFERRAL_SOURCE_CHOICES
from fieldapp.prevention.forms import StudentForm
from fieldapp.prevention.models import Student
from fieldapp.submissions.forms_registry import registry

bp = Blueprint("prevention", __name__, template_folder="templates")


@bp.get("/")
@require(*MANAGERS, *CASE_WORKERS, Role.INSTRUCTOR)
def index() -> str:
    """List the programme's students the user may see."""
    query = (
        students_visible_to(g.user)
        .join(Student, Student.member_id == Member.id)
        .order_by(Member.full_name)
    )
    students = list(db.session().scalars(query))
    log.record("list", "student", count=len(students))
    db.session().commit()
    return render_template("prevention/index.html", students=students)


def _record_form(member: Member, student: Student | None) -> StudentForm:
    form = StudentForm()
    if not form.is_submitted():
        form.school.data = member.school
        form.grade.data = member.grade
        if student is not None:
            form.birth_date.data = student.birth_date
            form.referral_source.data = student.referral_source
            form.referral_on.data = student.referral_on
            form.referral_risk.data = _risk(student)
            form.form_locale.data = student.form_locale
    return form


def _risk(student: Student | None) -> str:
    if student is None or not student.referral_risk:
        return ""
    return str(crypto.decrypt_json(student.referral_risk).get("risk", ""))


@bp.get("/<member_id>/record")
@require(*MANAGERS)
def record(member_id: str) -> str:
    """Show the student record form (a new record for a member not yet a student)."""
    member, _scope = student_view_or_404(g.user, member_id)
    student = services.student_of(member.id)
    log.record("view", "student", str(member.id))
    db.session().commit()
    return render_template(
        "prevention/record.html",
        member=member,
        student=student,
        form=_record_form(member, student),
    )


@bp.post("/<member_id>/record")
@require(*MANAGERS)
def record_submit(member_id: str) -> tuple[str, int] | Response:
    """Store the student record; the referral's risk is sealed."""
    member, _scope = student_view_or_404(g.user, member_id)
    student = services.student_of(member.id)
    form = _record_form(member, student)
    if not form.validate_on_submit():
        page = render_template(
            "prevention/record.html", member=member, student=student, form=form
        )
        return page, 422
    if student is None:
        student = Student(member_id=member.id)
        db.session().add(student)
    member.school = form.school.data or ""
    member.grade = form.grade.data or ""
    student.birth_date = form.birth_date.data
    student.referral_source = form.referral_source.data or ""
    student.referral_on = form.referral_on.data
    risk = form.referral_risk.data or ""
    student.referral_risk = crypto.encrypt_json({"risk": risk} if risk else None)
    student.form_locale = form.form_locale.data or "sq"
    db.session().flush()
    log.record("update", "student", str(member.id))
    db.session().commit()
    return redirect(f"/students/{member.id}")


@bp.get("/<member_id>")
@require(*MANAGERS, *CASE_WORKERS, Role.INSTRUCTOR)
def detail(member_id: str) -> str:
    """Show a student's progress: only what the viewer may see."""
    member, scope = student_view_or_404(g.user, member_id)
    case = scope == "case"
    student = services.student_of(member.id)
    course_ids: list[int] | None = None
    if not case:
        course_ids = list(
            db.session().scalars(
                sa.select(Course.id).where(Course.instructor_id == g.user.id)
            )
        )
    months = progress.attendance_by_month(member.id, course_ids)
    measures = progress.measures(
        member.id, member.family_id, case=case, course_ids=course_ids
    )
    history = services.history(member.id)
    if course_ids is not None:
        history = [(e, ev) for e, ev in history if e.course_id in course_ids]
    charts = _charts(measures, case=case)
    family = db.session().get(Family, member.family_id) if case else None
    risk = _risk(student) if may_read_referral_risk(g.user, member) else None
    log.record("view", "student", str(member.id), scope=scope)
    db.session().commit()
    return render_template(
        "prevention/detail.html",
        member=member,
        student=student,
        family=family,
        case=case,
        months=months,
        measures=measures,
        charts=charts,
        history=history,
        activities=progress.activities_of(member.id),
        measure_forms=[
            registry().get(form_id)
            for form_id in progress.STUDENT_FORMS
            if case and registry().get(form_id).may_fill(g.user.role)
        ],
        activity_labels=_activity_labels(),
        risk=risk,
        risk_labels=dict(REFERRAL_RISK_CHOICES),
        source_labels=dict(REFERRAL_SOURCE_CHOICES),
        locale_labels=dict(FORM_LOCALE_CHOICES),
        reason_labels=dict(LEAVING_REASON_CHOICES),
        timepoint_labels=timepoint_labels(),
        may_edit=g.user.role in MANAGERS,
    )


def _activity_labels() -> dict[str, str]:
    """Return the names of the kinds of group activity and of their topics."""
    definition = registry().get("group_activity")
    out = {}
    for question_id in ("kind", "topic"):
        for choice in definition.question(question_id).choices:
            out[f"{question_id}:{choice.value}"] = choice.label.get(current_language())
    return out


def timepoint_labels() -> dict[str, str]:
    """Return the timepoints' names in the user's language."""
    return {
        "baseline": _("Baseline"),
        "mid": _("Mid-course"),
        "completion": _("Completion"),
    }


def _charts(measures: list[progress.Measures], *, case: bool) -> list[LineChart]:
    names = timepoint_labels()
    out = []

    def describe(values: list[tuple[str, int | None]], unit: str = "") -> str:
        taken = [
            f"{label}: {value}{unit}" for label, value in values if value is not None
        ]
        return "; ".join(taken) if taken else _("No measure yet.")

    if case:
        esteem = [(names[m.timepoint], m.self_esteem) for m in measures]
        out.append(
            line_chart(
                "chart-self-esteem",
                _("Self-esteem (0–30)"),
                esteem,
                30,
                describe(esteem),
            )
        )
        school = [(names[m.timepoint], m.school_rate) for m in measures]
        out.append(
            line_chart(
                "chart-school",
                _("School attendance rate"),
                school,
                100,
                describe(school, "%"),
                "%",
            )
        )
    skills = [(names[m.timepoint], m.life_skills) for m in measures]
    out.append(
        line_chart(
            "chart-life-skills",
            _("Life skills shown (0–6)"),
            skills,
            6,
            describe(skills),
        )
    )
    return out
