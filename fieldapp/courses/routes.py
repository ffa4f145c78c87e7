"""Course screens: instructors see their courses, coordinators manage all of them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import MANAGERS
from fieldapp.access import courses_visible_to
from fieldapp.access import get_course_or_404
from fieldapp.access import require
from fieldapp.access import roster_of
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.courses.effects import current_register
from fieldapp.courses.forms import CourseForm
from fieldapp.courses.forms import EnrolmentForm
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.errors import AppError
from fieldapp.errors import NotFoundError
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.inputs import day_arg
from fieldapp.prevention import progress
from fieldapp.prevention import services
from fieldapp.prevention.forms import CompletionForm
from fieldapp.prevention.forms import LeavingForm
from fieldapp.prevention.models import Student

bp = Blueprint("courses", __name__, template_folder="templates")


def _instructor_choices() -> list[tuple[int, str]]:
    users = db.session().scalars(
        sa.select(User)
        .where(User.role == Role.INSTRUCTOR, User.is_active.is_(True))
        .order_by(User.full_name)
    )
    return [(user.id, user.full_name) for user in users]


def _course_form(course: Course | None = None) -> CourseForm:
    form = CourseForm(obj=course)
    if course is not None and not form.is_submitted():
        form.weekdays.data = [str(day) for day in course.weekday_numbers()]
    form.instructor_id.choices = _instructor_choices()
    return form


def _store(form: CourseForm, course: Course) -> None:
    course.name = form.name.data or ""
    course.vocation = form.vocation.data or ""
    course.instructor_id = form.instructor_id.data
    course.weekdays = ",".join(sorted(form.weekdays.data or []))
    course.start_time = form.start_time.data
    course.duration_minutes = form.duration_minutes.data or 120
    course.location = form.location.data or ""
    course.starts_on = form.starts_on.data
    course.ends_on = form.ends_on.data
    course.is_active = bool(form.is_active.data)


@bp.get("/")
@require(*MANAGERS, Role.INSTRUCTOR)
def index() -> str:
    """List the courses the user may see."""
    courses = list(
        db.session().scalars(courses_visible_to(g.user).order_by(Course.name))
    )
    return render_template("courses/index.html", courses=courses)


@bp.get("/new")
@require(*MANAGERS)
def create() -> str:
    """Show an empty course form."""
    return render_template("courses/edit.html", form=_course_form(), course=None)


@bp.post("/new")
@require(*MANAGERS)
def create_submit() -> tuple[str, int] | Response:
    """Store a new course."""
    form = _course_form()
    if not form.validate_on_submit():
        return render_template("courses/edit.html", form=form, course=None), 422
    course = Course()
    _store(form, course)
    db.session().add(course)
    db.session().flush()
    log.record("create", "course", course.id)
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))


@bp.get("/<int:course_id>")
@require(*MANAGERS, Role.INSTRUCTOR)
def detail(course_id: int) -> str:
    """Show a course and its roster."""
    course = get_course_or_404(g.user, course_id)
    if request.args.get("shell") == "1":
        # The copy kept offline: no names; course-page.js fills it from the pull.
        return render_template("courses/shell.html", course_id=course.id)
    log.record("view", "course", course.id)
    db.session().commit()
    return _detail_page(course)


@bp.get("/<int:course_id>/register")
@require(*MANAGERS, Role.INSTRUCTOR)
def register(course_id: int) -> Response:
    """Tell whether the session of ``?date=YYYY-MM-DD`` already has a register.

    JSON for the attendance page (form-page.js), which warns before a second register
    and lets the instructor correct the first: who took it and when, and its marks.
    """
    course = get_course_or_404(g.user, course_id)
    on = day_arg("date")
    if on is None:
        raise AppError(_("Give the session's date as YYYY-MM-DD."), code="bad_argument")
    found = current_register(db.session(), course.id, on)
    if found is None:
        log.record("view", "course", course.id, register=on.isoformat())
        db.session().commit()
        return jsonify({"taken": False})
    author = db.session().get(User, found.author_id)
    log.record("view", "submission", found.uuid, form=found.form_id)
    db.session().commit()
    return jsonify(
        {
            "taken": True,
            "uuid": str(found.uuid),
            "server_id": found.id,
            "by": author.full_name if author else "",
            "at": (found.completed_at or found.received_at).isoformat(),
            "answers": {
                key: found.answers.get(key)
                for key in ("session_date", "lesson_topic", "attendance")
                if key in found.answers
            },
        }
    )


@bp.get("/<int:course_id>/edit")
@require(*MANAGERS)
def edit(course_id: int) -> str:
    """Show the course form filled in."""
    course = get_course_or_404(g.user, course_id)
    log.record("view", "course", course.id)
    db.session().commit()
    return render_template(
        "courses/edit.html", form=_course_form(course), course=course
    )


@bp.post("/<int:course_id>/edit")
@require(*MANAGERS)
def edit_submit(course_id: int) -> tuple[str, int] | Response:
    """Store changes to a course."""
    course = get_course_or_404(g.user, course_id)
    form = _course_form()
    if not form.validate_on_submit():
        return render_template("courses/edit.html", form=form, course=course), 422
    _store(form, course)
    log.record("update", "course", course.id)
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))


def _student_choices(course: Course) -> list[tuple[str, str]]:
    """Offer the programme's students not yet in this course (never adults at large)."""
    enrolled = sa.select(Enrolment.member_id).where(Enrolment.course_id == course.id)
    members = db.session().execute(
        sa.select(Member, Family.name)
        .join(Family)
        .join(Student, Student.member_id == Member.id)
        .where(Member.id.not_in(enrolled), Family.is_active.is_(True))
        .order_by(Member.full_name)
    )
    return [
        (str(member.id), f"{member.full_name} ({family_name})")
        for member, family_name in members
    ]


def _forms(
    kind: type[FlaskForm],
    prefix: str,
    enrolments: Iterable[Enrolment],
    given: dict[str, Any],
) -> dict[int, FlaskForm]:
    """One form per enrolment, ids prefixed so they stay unique on the page."""
    out = {
        e.id: kind(prefix=f"{prefix}{e.id}", formdata=None)
        for e in enrolments
        if e.status == "enrolled"
    }
    failed = given.get(f"{prefix}_form")
    if failed is not None:
        out[given["failed"]] = failed
    return out


def _detail_page(course: Course, **forms: object) -> str:
    enrolment_form = forms.pop("enrolment_form", None)
    if enrolment_form is None and g.user.role in MANAGERS:
        enrolment_form = EnrolmentForm()
        enrolment_form.member_id.choices = _student_choices(course)
    enrolments = {e.member_id: e for e in course.enrolments}
    return render_template(
        "courses/detail.html",
        course=course,
        students=roster_of(course),
        former=[e for e in course.enrolments if e.status != "enrolled"],
        enrolment_form=enrolment_form,
        enrolments=enrolments,
        completion_forms=_forms(CompletionForm, "c", enrolments.values(), forms),
        leaving_forms=_forms(LeavingForm, "l", enrolments.values(), forms),
        failed=forms.get("failed"),
        notice=forms.get("notice"),
        figures=progress.course_figures(course.id),
        absent_run=progress.ABSENT_RUN,
        today=date.today(),
    )


@bp.post("/<int:course_id>/enrolments")
@require(*MANAGERS)
def enrol_submit(course_id: int) -> tuple[str, int] | Response:
    """Enrol a student: 12–16 on the first day, or a coordinator's recorded reason."""
    course = get_course_or_404(g.user, course_id)
    form = EnrolmentForm()
    form.member_id.choices = _student_choices(course)
    if not form.validate_on_submit():
        return _detail_page(course, enrolment_form=form), 422
    member = db.session().get(Member, uuid.UUID(form.member_id.data or ""))
    assert member is not None  # noqa: S101 - validate_choice offered only members
    try:
        services.enrol(
            course,
            member,
            reason=form.age_reason.data or "",
            by_id=g.user.id,
            on=date.today(),
        )
    except services.RuleBroken as broken:
        getattr(form, broken.field).errors = [broken.message]
        db.session().rollback()
        return _detail_page(course, enrolment_form=form), 422
    course.updated_at = db.utcnow()
    log.record("enrol", "course", course.id, member=str(member.id))
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))


def _enrolment_or_404(course: Course, enrolment_id: int) -> Enrolment:
    enrolment = db.session().get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course_id != course.id:
        raise NotFoundError()
    return enrolment


@bp.post("/<int:course_id>/enrolments/<int:enrolment_id>/complete")
@require(*MANAGERS)
def complete_submit(course_id: int, enrolment_id: int) -> tuple[str, int] | Response:
    """Record that a student completed the course (date, certificate)."""
    return _end_enrolment(
        course_id,
        enrolment_id,
        CompletionForm(prefix=f"c{enrolment_id}"),
        date_field="completed_on",
        page_form="c_form",
        action="complete",
        record=lambda enrolment, form: services.complete(
            enrolment,
            on=form.completed_on.data,
            certificate=bool(form.certificate.data),
            by_id=g.user.id,
        ),
    )


@bp.post("/<int:course_id>/enrolments/<int:enrolment_id>/leave")
@require(*MANAGERS)
def leave_submit(course_id: int, enrolment_id: int) -> tuple[str, int] | Response:
    """Record that a student left the course early, and why."""
    return _end_enrolment(
        course_id,
        enrolment_id,
        LeavingForm(prefix=f"l{enrolment_id}"),
        date_field="left_on",
        page_form="l_form",
        action="leave",
        record=lambda enrolment, form: services.leave_early(
            enrolment,
            on=form.left_on.data,
            reason=form.reason.data or "",
            note=form.note.data or "",
            by_id=g.user.id,
        ),
    )


def _end_enrolment(
    course_id: int,
    enrolment_id: int,
    form: Any,
    *,
    date_field: str,
    page_form: str,
    action: str,
    record: Callable[[Enrolment, Any], object],
) -> tuple[str, int] | Response:
    """End an enrolment through ``form`` (completion or leaving early): ``record``
    applies it once the form is valid; the course page comes back with the errors
    (the form passed to the page as ``page_form``), or with a notice when the
    enrolment had ended already. Logged as ``action``."""
    course = get_course_or_404(g.user, course_id)
    enrolment = _enrolment_or_404(course, enrolment_id)
    try:
        if not form.validate_on_submit():
            raise services.RuleBroken(date_field, "")
        record(enrolment, form)
    except services.RuleBroken as broken:
        db.session().rollback()
        if not hasattr(form, broken.field):  # the enrolment has ended already
            return _detail_page(course, notice=broken.message), 409
        if broken.message:
            getattr(form, broken.field).errors = [broken.message]
        return _detail_page(course, failed=enrolment.id, **{page_form: form}), 422
    course.updated_at = db.utcnow()
    log.record(action, "course", course.id, member=str(enrolment.member_id))
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))


@bp.post("/<int:course_id>/enrolments/<int:enrolment_id>/end")
@require(*MANAGERS)
def unenrol_submit(course_id: int, enrolment_id: int) -> Response:
    """Take back an enrolment made by mistake; its history is kept."""
    course = get_course_or_404(g.user, course_id)
    enrolment = _enrolment_or_404(course, enrolment_id)
    if enrolment.ended_on is None:
        enrolment.ended_on = db.utcnow().date()
        course.updated_at = db.utcnow()
    log.record("unenrol", "course", course.id, member=str(enrolment.member_id))
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))
