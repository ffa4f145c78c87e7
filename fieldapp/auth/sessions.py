"""Server-side login sessions: start, load on every request, end, time out."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import orm

from fieldapp import db
from fieldapp.audit.log import client_ip
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import User
from fieldapp.db import utcnow

#: Seconds between two writes of last_seen_at: no write on every request.
_TOUCH_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> AuthSession:
    """Start a fresh session for ``user``; any earlier cookie content is dropped."""
    # A new session at login defeats session fixation.
    session.clear()
    token = secrets.token_urlsafe(32)
    auth_session = AuthSession(
        token_hash=_hash(token),
        user_id=user.id,
        ip=client_ip(),
        user_agent=request.user_agent.string[:300],
    )
    db.session().add(auth_session)
    session["sid"] = token
    session.permanent = True
    # The CSRF secret is new with the session, and made here rather than by the first
    # request that needs it: the pages and API calls that follow a sign-in come
    # together, and each would otherwise make its own, the last cookie winning (a
    # device registration refused at the first sign-in left the phone locked).
    g.pop("csrf_token", None)
    generate_csrf()
    g.user = user
    g.auth_session = auth_session
    return auth_session


def end_session() -> None:
    """End the current session on the server and clear the cookie."""
    auth_session: AuthSession | None = g.get("auth_session")
    if auth_session is not None:
        auth_session.ended_at = utcnow()
    session.clear()
    g.user = None
    g.auth_session = None


def end_all_sessions(user: User, *, keep: AuthSession | None = None) -> None:
    """End every open session of ``user`` but ``keep`` (deactivation, password change)."""
    query = sa.update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep.id)
    db.session().execute(query.values(ended_at=utcnow()))


def load_user() -> None:
    """Find the signed-in user of this request, ending timed-out sessions."""
    g.user = None
    g.auth_session = None
    g.session_expired = False
    token = session.get("sid")
    if not token:
        return
    with db.reads():
        auth_session = db.session().scalar(
            sa.select(AuthSession)
            .where(AuthSession.token_hash == _hash(token))
            .options(orm.joinedload(AuthSession.user))
        )
    now = utcnow()
    config = current_app.config
    if auth_session is None or auth_session.ended_at is not None:
        session.clear()
        g.session_expired = True
        return
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(minutes=config["SESSION_ABSOLUTE_MINUTES"])
    user = auth_session.user
    if (
        now - auth_session.last_seen_at > idle
        or now - auth_session.created_at > absolute
        or not user.is_active
    ):
        auth_session.ended_at = now
        db.session().commit()
        session.clear()
        g.session_expired = True
        return
    if (now - auth_session.last_seen_at).total_seconds() > _TOUCH_SECONDS:
        auth_session.last_seen_at = now
        db.session().commit()
    g.user = user
    g.auth_session = auth_session


def init_app(app: Flask) -> None:
    """Load the user before every request."""
    app.permanent_session_lifetime = timedelta(
        minutes=app.config["SESSION_ABSOLUTE_MINUTES"]
    )
    app.before_request(load_user)
