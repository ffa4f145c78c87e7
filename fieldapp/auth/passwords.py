"""Password rules (a minimum length, no commonly used passwords) and changing one's own."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from fieldapp.audit import log
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import User
from fieldapp.auth.sessions import end_all_sessions
from fieldapp.push.services import queue_notification

_COMMON_FILE = Path(__file__).with_name("common-passwords.txt")


@functools.cache
def _common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower()
        for line in lines
        if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, username: str = "") -> str | None:
    """Return why ``password`` is not acceptable, or None if it is."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return str(
            _("The password must have at least %(count)d characters.", count=minimum)
        )
    lowered = password.lower()
    if lowered in _common_passwords() or (username and username.lower() in lowered):
        return str(
            _("This password is too easy to guess. Choose a longer, less common one.")
        )
    return None


def change_own_password(user: User, password: str, *, keep: AuthSession | None) -> None:
    """Store the password ``user`` chose for themselves; the caller commits.

    Every other session of ``user`` ends (``keep`` is the one they changed it in). When
    they replaced a password they knew, their devices are told, so a change they did
    not make does not go unnoticed; a temporary one's replacement is expected.
    """
    was_temporary = user.must_change_password
    user.set_password(password)
    user.must_change_password = False
    end_all_sessions(user, keep=keep)
    notified = False
    if not was_temporary:
        stamp = user.password_changed_at.isoformat()
        notified = (
            queue_notification(user, "password_changed", dedupe=f"password:{stamp}")
            is not None
        )
    log.record(
        "password_changed",
        "user",
        user.id,
        was_temporary=was_temporary,
        notified=notified,
    )
