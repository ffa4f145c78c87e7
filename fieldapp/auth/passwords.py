"""Password rules: a minimum length and no commonly used passwords."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

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
