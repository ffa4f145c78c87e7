"""Login throttling per username and per address, and temporary lockout."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from fieldapp import db
from fieldapp.auth.models import LoginAttempt
from fieldapp.auth.models import User
from fieldapp.db import utcnow


def _failures_since(
    column: orm.InstrumentedAttribute[str], value: str, minutes: int
) -> int:
    since = utcnow() - timedelta(minutes=minutes)
    query = sa.select(sa.func.count()).where(
        column == value, LoginAttempt.at >= since, LoginAttempt.is_success.is_(False)
    )
    count: int = db.session().scalar(query) or 0
    return count


def is_throttled(username: str, ip: str) -> bool:
    """Tell whether another attempt from ``ip`` for ``username`` must wait."""
    config = current_app.config
    window: int = config["LOGIN_WINDOW_MINUTES"]
    per_user: int = config["LOGIN_MAX_FAILURES_PER_USER"]
    per_address: int = config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return (
        _failures_since(LoginAttempt.username, username, window) >= per_user
        or _failures_since(LoginAttempt.ip, ip, window) >= per_address
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
    failures = _failures_since(
        LoginAttempt.username, username, config["LOGIN_WINDOW_MINUTES"]
    )
    if failures >= config["LOGIN_MAX_FAILURES_PER_USER"]:
        user.locked_until = utcnow() + timedelta(
            minutes=config["LOGIN_LOCKOUT_MINUTES"]
        )
