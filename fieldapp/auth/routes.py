"""Sign in, sign out, and change one's own password."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth import sessions
from fieldapp.auth import throttle
from fieldapp.auth.forms import LoginForm
from fieldapp.auth.forms import PasswordForm
from fieldapp.auth.models import User
from fieldapp.auth.models import dummy_password_check
from fieldapp.auth.passwords import change_own_password
from fieldapp.auth.passwords import password_problem
from fieldapp.db import utcnow
from fieldapp.inputs import has_control_characters

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the start page.

    A control character (CR/LF would split the Location header) is never a path here.
    """
    if target and not has_control_characters(target):
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("home.index")


def _temporary_expired(user: User) -> bool:
    """Tell whether ``user``'s password is a temporary one past its time."""
    hours = current_app.config["TEMPORARY_PASSWORD_HOURS"]
    return user.must_change_password and (
        utcnow() - user.password_changed_at > timedelta(hours=hours)
    )


@bp.get("/login")
@require(public=True)
def login() -> str | Response:
    """Show the sign-in form."""
    if g.get("user") is not None:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    return render_template(
        "auth/login.html", form=form, expired=g.get("session_expired")
    )


@bp.post("/login")
@require(public=True)
def login_submit() -> tuple[str, int] | tuple[str, int, dict[str, str]] | Response:
    """Check the credentials and start a session."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    username = (form.username.data or "").strip().lower()[:64]
    password = form.password.data or ""
    ip = log.client_ip()
    session = db.session()

    # Every step below runs the same way whether the account exists, is inactive or
    # was once locked: the answer (status, page, time spent) tells nothing about it.
    device_id = throttle.known_device(
        username, request.form.get("device_ids", "")[:1000]
    )
    if wait := throttle.wait_seconds(username, ip, device_id):
        log.record("login_throttled", "user", username=username, wait=wait)
        session.commit()
        page = render_template(
            "auth/login.html", form=form, error=throttle.wait_message(wait)
        )
        return page, 429, {"Retry-After": str(wait)}

    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        dummy_password_check(password)
        ok = False
    else:
        ok = (
            user.check_password(password)
            and user.is_active
            and not _temporary_expired(user)
        )
    throttle.note_attempt(username, ip, success=ok, device_id=device_id)
    if not ok:
        log.record("login_failed", "user", user.id if user else "", username=username)
        session.commit()
        return render_template(
            "auth/login.html", form=form, error=_("Wrong username or password.")
        ), 401

    assert user is not None  # noqa: S101 - narrowed by ok
    # The answer first: should making it fail, no session is left behind.
    if user.must_change_password:
        response = redirect(url_for("auth.password", next=form.next.data or None))
    else:
        response = redirect(_safe_next(form.next.data))
    sessions.start_session(user)
    log.record("login", "user", user.id)
    session.commit()
    return response


@bp.post("/logout")
@require(during_password_change=True)
def logout() -> Response:
    """End the session on the server and clear this browser's data."""
    log.record("logout", "user", g.user.id)
    sessions.end_session()
    db.session().commit()
    response = redirect(url_for("auth.login", logged_out=1))
    # The page's script wipes IndexedDB first (it knows whether items are unsent);
    # this header clears the HTTP cache and cookies the browser holds for us.
    response.headers["Clear-Site-Data"] = '"cache", "cookies"'
    return response


def _password_form(**data: str) -> PasswordForm:
    form = PasswordForm(**data)
    if g.user.must_change_password:
        # They signed in with the temporary password a moment ago.
        del form.current_password
    return form


def _password_page(form: PasswordForm, error: str | None = None) -> str:
    return render_template(
        "auth/password.html",
        form=form,
        choosing=g.user.must_change_password,
        error=error,
    )


@bp.get("/password")
@require(during_password_change=True)
def password() -> str:
    """Show the form to change one's own password (to choose it, after a temporary one)."""
    return _password_page(_password_form(next=request.args.get("next", "")))


@bp.post("/password")
@require(during_password_change=True)
def password_submit() -> tuple[str, int] | tuple[str, int, dict[str, str]] | Response:
    """Check the current password and store the new one."""
    user: User = g.user
    form = _password_form()
    ip = log.client_ip()
    wait = 0 if user.must_change_password else throttle.wait_seconds(user.username, ip)
    if wait:
        # The current password guards this form: guessing it is throttled as at login.
        page = _password_page(form, throttle.wait_message(wait))
        return page, 429, {"Retry-After": str(wait)}
    if not form.validate_on_submit():
        return _password_page(form), 422
    if form.current_password and not user.check_password(
        form.current_password.data or ""
    ):
        throttle.note_attempt(user.username, ip, success=False)
        log.record("password_change_failed", "user", user.id)
        db.session().commit()
        form.current_password.errors = [_("This is not your current password.")]
        return _password_page(form), 422
    new_password = form.new_password.data or ""
    problem = password_problem(new_password, user.username)
    if problem is None and user.check_password(new_password):
        problem = _("Choose a password different from the one you have now.")
    if problem:
        form.new_password.errors = [problem]
        return _password_page(form), 422
    change_own_password(user, new_password, keep=g.get("auth_session"))
    db.session().commit()
    flash(_("Your password was changed."), "success")
    return redirect(_safe_next(form.next.data))
