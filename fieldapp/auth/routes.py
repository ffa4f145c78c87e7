"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

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
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth import sessions
from fieldapp.auth import throttle
from fieldapp.auth.forms import LoginForm
from fieldapp.auth.models import User
from fieldapp.auth.models import dummy_password_check
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
def login_submit() -> tuple[str, int] | Response:
    """Check the credentials and start a session."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    username = (form.username.data or "").strip().lower()[:64]
    password = form.password.data or ""
    ip = log.client_ip()
    session = db.session()

    if throttle.is_throttled(username, ip):
        log.record("login_throttled", "user", username=username)
        session.commit()
        return render_template(
            "auth/login.html",
            form=form,
            error=_(
                "Too many failed attempts. Please wait %(minutes)d minutes and try again.",
                minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
            ),
        ), 429

    user = session.scalar(sa.select(User).where(User.username == username))
    if user is not None and throttle.is_locked(user):
        log.record("login_locked", "user", user.id, username=username)
        throttle.note_attempt(username, ip, success=False, user=None)
        session.commit()
        return render_template(
            "auth/login.html",
            form=form,
            error=_(
                "This account is locked for a while after too many failed attempts. "
                "Try again later or ask your coordinator."
            ),
        ), 429

    if user is None:
        dummy_password_check(password)
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    throttle.note_attempt(username, ip, success=ok, user=user)
    if not ok:
        log.record("login_failed", "user", user.id if user else "", username=username)
        session.commit()
        return render_template(
            "auth/login.html", form=form, error=_("Wrong username or password.")
        ), 401

    assert user is not None  # noqa: S101 - narrowed by ok
    # The answer first: should making it fail, no session is left behind.
    response = redirect(_safe_next(form.next.data))
    sessions.start_session(user)
    log.record("login", "user", user.id)
    session.commit()
    return response


@bp.post("/logout")
@require()
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
