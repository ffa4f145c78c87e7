"""The start page of each role, and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import courses_visible_to
from fieldapp.access import families_visible_to
from fieldapp.access import require
from fieldapp.courses.models import Course
from fieldapp.families.models import Family

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@require()
def index() -> str:
    """Show what this role does first: its forms, caseload or courses."""
    user = g.user
    if request.args.get("shell") == "1":
        # The copy kept offline: no names or counts; lookup-page.js fills it.
        return render_template("home/shell.html")
    family_count = db.session().scalar(
        sa.select(sa.func.count()).select_from(
            families_visible_to(user).where(Family.is_active.is_(True)).subquery()
        )
    )
    courses = list(
        db.session().scalars(
            courses_visible_to(user)
            .where(Course.is_active.is_(True))
            .order_by(Course.name)
        )
    )
    from fieldapp.submissions.forms_registry import forms_for

    return render_template(
        "home/index.html",
        family_count=family_count or 0,
        courses=courses,
        fillable=forms_for(user),
    )


@bp.get("/healthz")
@require(public=True)
def healthz() -> tuple[Response, int]:
    """Answer 200 when the database is reachable, 503 otherwise."""
    try:
        db.session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="unavailable", database=False), 503
    return jsonify(status="ok", database=True), 200
