"""Course screens: instructors see their courses, coordinators manage all of them."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
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
from fieldapp.courses.forms import CourseForm
from fieldapp.courses.forms import EnrolmentForm
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.errors import NotFoundError
from fieldapp.families.models import Family
from fieldapp.families.models import Member

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
    students = roster_of(course)
    log.record("view", "course", course.id)
    db.session().commit()
    form = None
    if g.user.role in MANAGERS:
        form = EnrolmentForm()
        form.member_id.choices = _student_choices(course)
    enrolments = {e.member_id: e for e in course.enrolments if e.ended_on is None}
    return render_template(
        "courses/detail.html",
        course=course,
        students=students,
        enrolment_form=form,
        enrolments=enrolments,
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
    enrolled = sa.select(Enrolment.member_id).where(
        Enrolment.course_id == course.id, Enrolment.ended_on.is_(None)
    )
    members = db.session().execute(
        sa.select(Member, Family.name)
        .join(Family)
        .where(Member.id.not_in(enrolled), Family.is_active.is_(True))
        .order_by(Member.full_name)
    )
    return [
        (str(member.id), f"{member.full_name} ({family_name})")
        for member, family_name in members
    ]


@bp.post("/<int:course_id>/enrolments")
@require(*MANAGERS)
def enrol_submit(course_id: int) -> tuple[str, int] | Response:
    """Enrol a student."""
    course = get_course_or_404(g.user, course_id)
    form = EnrolmentForm()
    form.member_id.choices = _student_choices(course)
    if not form.validate_on_submit():
        return render_template(
            "courses/detail.html",
            course=course,
            students=roster_of(course),
            enrolment_form=form,
            enrolments={},
        ), 422
    member_id = uuid.UUID(form.member_id.data or "")
    existing = db.session().scalar(
        sa.select(Enrolment).where(
            Enrolment.course_id == course.id, Enrolment.member_id == member_id
        )
    )
    if existing is not None:
        existing.ended_on = None
    else:
        db.session().add(Enrolment(course_id=course.id, member_id=member_id))
    course.updated_at = db.utcnow()
    log.record("enrol", "course", course.id, member=str(member_id))
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))


@bp.post("/<int:course_id>/enrolments/<int:enrolment_id>/end")
@require(*MANAGERS)
def unenrol_submit(course_id: int, enrolment_id: int) -> Response:
    """End a student's enrolment."""
    course = get_course_or_404(g.user, course_id)
    enrolment = db.session().get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course_id != course.id:
        raise NotFoundError()
    enrolment.ended_on = db.utcnow().date()
    course.updated_at = db.utcnow()
    log.record("unenrol", "course", course.id, member=str(enrolment.member_id))
    db.session().commit()
    return redirect(url_for("courses.detail", course_id=course.id))
