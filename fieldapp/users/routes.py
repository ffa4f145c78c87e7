"""Staff accounts: admins and coordinators create and edit users."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import MANAGERS
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.auth.passwords import password_problem
from fieldapp.auth.sessions import end_all_sessions
from fieldapp.errors import ForbiddenError
from fieldapp.errors import NotFoundError
from fieldapp.users import services
from fieldapp.users.forms import ROLE_CHOICES
from fieldapp.users.forms import UserForm

bp = Blueprint("users", __name__, template_folder="templates")


def _form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    if g.user.role != Role.ADMIN:
        # Coordinators manage staff but cannot create or promote administrators.
        form.role.choices = [c for c in ROLE_CHOICES if c[0] != Role.ADMIN]
    return form


def _user_or_404(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        raise NotFoundError()
    if user.role == Role.ADMIN and g.user.role != Role.ADMIN:
        raise ForbiddenError()
    return user


@bp.get("/")
@require(*MANAGERS)
def index() -> str:
    """List staff accounts."""
    users = db.session().scalars(
        sa.select(User).order_by(User.is_active.desc(), User.full_name)
    )
    return render_template("users/index.html", users=list(users))


@bp.get("/new")
@require(*MANAGERS)
def create() -> str:
    """Show an empty account form."""
    return render_template("users/edit.html", form=_form(), user=None)


@bp.post("/new")
@require(*MANAGERS)
def create_submit() -> tuple[str, int] | Response:
    """Create an account."""
    form = _form()
    valid = form.validate_on_submit()
    username = (form.username.data or "").strip().lower()
    if valid and services.username_taken(username):
        form.username.errors = [_("This username is already taken.")]
        return render_template("users/edit.html", form=form, user=None), 409
    if valid and not form.password.data:
        form.password.errors = [_("Enter a password for the new account.")]
        valid = False
    if valid and (problem := password_problem(form.password.data or "", username)):
        form.password.errors = [problem]
        valid = False
    if not valid:
        return render_template("users/edit.html", form=form, user=None), 422
    user = services.create_user(
        username,
        form.full_name.data or "",
        form.role.data or "",
        form.password.data or "",
        form.locale.data or "sq",
    )
    services.set_active(user, bool(form.is_active.data))
    log.record("create", "user", user.id)
    db.session().commit()
    return redirect(url_for("users.index"))


@bp.get("/<int:user_id>/edit")
@require(*MANAGERS)
def edit(user_id: int) -> str:
    """Show an account filled in."""
    user = _user_or_404(user_id)
    return render_template("users/edit.html", form=_form(user), user=user)


@bp.post("/<int:user_id>/edit")
@require(*MANAGERS)
def edit_submit(user_id: int) -> tuple[str, int] | Response:
    """Store changes to an account."""
    user = _user_or_404(user_id)
    form = _form(user)
    valid = form.validate_on_submit()
    username = (form.username.data or "").strip().lower()
    if valid and services.username_taken(username, except_id=user.id):
        form.username.errors = [_("This username is already taken.")]
        return render_template("users/edit.html", form=form, user=user), 409
    if (
        valid
        and form.password.data
        and (problem := password_problem(form.password.data, username))
    ):
        form.password.errors = [problem]
        valid = False
    if not valid:
        return render_template("users/edit.html", form=form, user=user), 422
    user.username = username
    user.full_name = form.full_name.data or ""
    user.role = form.role.data or user.role
    user.locale = form.locale.data or user.locale
    if form.password.data:
        user.set_password(form.password.data)
        end_all_sessions(user)
    services.set_active(user, bool(form.is_active.data))
    log.record("update", "user", user.id)
    db.session().commit()
    return redirect(url_for("users.index"))
