"""Create and change staff accounts; shared by the screens and `flask user ...`.

Who may do what is decided by fieldapp/access.py before these are called; each change
here writes its own access-log entry (never a password), so no caller can forget it.
The caller commits.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.auth.passwords import password_problem
from fieldapp.auth.sessions import end_all_sessions
from fieldapp.errors import ConflictError
from fieldapp.errors import ValidationFailed
from fieldapp.push.services import queue_notification

#: Letters and digits that cannot be mistaken for one another when read aloud or
#: copied from a screen (no 0/o, 1/l/i).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: Four groups of four: about 79 bits, guessed by nobody within the login throttle.
_GROUPS, _GROUP_LENGTH = 4, 4


def temporary_password() -> str:
    """Return a new random temporary password, e.g. ``k7mq-3xta-pw9e-hc2r``."""
    return "-".join(
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH))
        for _ in range(_GROUPS)
    )


def username_taken(username: str, *, except_id: int | None = None) -> bool:
    """Tell whether another account already uses ``username``."""
    query = sa.select(User.id).where(User.username == username.lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session().scalar(query) is not None


def create_user(
    username: str,
    full_name: str,
    role: str,
    password: str | None = None,
    locale: str = "sq",
    *,
    active: bool = True,
    log_as: str | None = None,
) -> tuple[User, str | None]:
    """Add an account and return it with its temporary password, if one was made.

    Without ``password`` the account gets a temporary one that its owner must replace
    at the first sign-in. ``password`` is for the operator of `flask user create`,
    who is the owner of the server. ``log_as``: who the access log names when no one
    is signed in (the command line).
    :raise ConflictError: if the username is taken.
    :raise ValidationFailed: if the password or role is not acceptable.
    """
    username = username.strip().lower()
    if username_taken(username):
        raise ConflictError(errors={"username": ["taken"]}, code="username_taken")
    Role(role)
    if password is not None and (problem := password_problem(password, username)):
        raise ValidationFailed(problem, errors={"password": [problem]})
    temporary = temporary_password() if password is None else None
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        locale=locale,
        is_active=active,
        must_change_password=temporary is not None,
    )
    user.set_password(password or temporary or "")
    db.session().add(user)
    db.session().flush()
    log.record(
        "create",
        "user",
        user.id,
        username=log_as,
        role=[None, user.role],
        active=[None, user.is_active],
    )
    if temporary is not None:
        log.record("password_issued", "user", user.id, username=log_as, new=True)
    return user, temporary


def issue_temporary_password(user: User, *, log_as: str | None = None) -> str:
    """Give ``user`` a new temporary password and return it, to be shown once.

    Every session of ``user`` ends; they must choose their own password at the next
    sign-in, and their devices are told by a notification that says no name.
    """
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    end_all_sessions(user)
    notification = queue_notification(
        user,
        "password_reset",
        dedupe=f"password_reset:{user.password_changed_at.isoformat()}",
    )
    log.record(
        "password_issued",
        "user",
        user.id,
        username=log_as,
        notified=notification is not None,
    )
    return password


def change_role(user: User, role: str) -> None:
    """Give ``user`` another role, logging the role before and after."""
    Role(role)
    if role != user.role:
        log.record("role_change", "user", user.id, role=[user.role, role])
        user.role = role


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate ``user``; deactivation ends their sessions at once."""
    if active != user.is_active:
        log.record(
            "activation_change", "user", user.id, active=[user.is_active, active]
        )
    user.is_active = active
    if not active:
        end_all_sessions(user)
