"""Login throttling per username and per address, and temporary lockout."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from fieldapp import db
from fieldapp.auth.models import LoginAttempt
from fieldapp.auth.models import User
from fieldapp.db import utcnow


def _failures_since(column: sa.ColumnElement[str], value: str, minutes: int) -> int:
    since = utcnow() - timedelta(minutes=minutes)
    query = sa.select(sa.func.count()).where(
        column == value, LoginAttempt.at >= since, LoginAttempt.is_success.is_(False)
    )
    return db.session().scalar(query) or 0


def is_throttled(username: str, ip: str) -> bool:
    """Tell whether another attempt from ``ip`` for ``username`` must wait."""
    config = current_app.config
    window = config["LOGIN_WINDOW_MINUTES"]
    return (
        _failures_since(LoginAttempt.username, username, window)
        >= config["LOGIN_MAX_FAILURES_PER_USER"]
        or _failures_since(LoginAttempt.ip, ip, window) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def is_locked(user: User) -> bool:
    """Tell whether ``user`` is temporarily locked out."""
    return user.locked_until is not None and user.locked_until > utcnow()


def note_attempt(username: str, ip: str, *, success: bool, user: User | None) -> None:
    """Record an attempt; lock the account after too many failures in the window."""
    db.session().add(LoginAttempt(username=username, ip=ip, is_success=success))
    if success or user is None:
        return
    db.session().flush()
    config = current_app.config
    failures = _failures_since(LoginAttempt.username, username, config["LOGIN_WINDOW_MINUTES"])
    if failures >= config["LOGIN_MAX_FAILURES_PER_USER"]:
        user.locked_until = utcnow() + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
