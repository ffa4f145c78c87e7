"""Create and change staff accounts; shared by the screens and `flask user create`."""

from __future__ import annotations

import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.auth.passwords import password_problem
from fieldapp.auth.sessions import end_all_sessions
from fieldapp.errors import ConflictError
from fieldapp.errors import ValidationFailed


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
    password: str,
    locale: str = "sq",
    *,
    check_password: bool = True,
) -> User:
    """Add an account; the caller commits.

    :raise ConflictError: if the username is taken.
    :raise ValidationFailed: if the password or role is not acceptable.
    """
    username = username.strip().lower()
    if username_taken(username):
        raise ConflictError(errors={"username": ["taken"]}, code="username_taken")
    Role(role)
    if check_password and (problem := password_problem(password, username)):
        raise ValidationFailed(problem, errors={"password": [problem]})
    user = User(
        username=username, full_name=full_name, role=role, locale=locale, is_active=True
    )
    user.set_password(password)
    db.session().add(user)
    db.session().flush()
    return user


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate ``user``; deactivation ends their sessions at once."""
    user.is_active = active
    if not active:
        end_all_sessions(user)
