"""Accounts, login sessions and login attempts."""

from __future__ import annotations

import contextlib
import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import orm

from fieldapp.db import Model
from fieldapp.db import utcnow

# Argon2id with the library's RFC 9106 "low memory" defaults: a modern KDF that a
# 2-core server can afford on every login.
_hasher = PasswordHasher()


class Role(enum.StrEnum):
    """What a user does in the NGOs; decides what they may see and do."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    SOCIAL_WORKER = "social_worker"
    PSYCHOLOGIST = "psychologist"
    INSTRUCTOR = "instructor"


class User(Model):
    """A staff member who signs in."""

    __tablename__ = "user"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    username: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    full_name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    role: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    locale: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="sq")
    is_active: orm.Mapped[bool] = orm.mapped_column(default=True)
    password_hash: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    password_changed_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    #: no longer set or read: accounts are not locked after failed logins, which let
    #: strangers lock anyone out (issue 22; see auth/throttle.py). Kept in the schema.
    locked_until: orm.Mapped[datetime | None]
    #: the password was issued by someone else: the owner chooses one at next sign-in
    must_change_password: orm.Mapped[bool] = orm.mapped_column(
        default=False, server_default=sa.false()
    )

    def set_password(self, password: str) -> None:
        """Hash and store ``password``."""
        self.password_hash = _hasher.hash(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` is this user's password."""
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def role_enum(self) -> Role:
        """Return the role as a Role member."""
        return Role(self.role)


def dummy_password_check(password: str) -> None:
    """Spend the same time as a real check, so unknown usernames cannot be timed."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthSession(Model):
    """A server-side login session; the cookie only carries its random token."""

    __tablename__ = "auth_session"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    #: SHA-256 of the token in the cookie: a database leak reveals no live session
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_seen_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    ended_at: orm.Mapped[datetime | None]
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    user_agent: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    #: the device this session registered from (see fieldapp/devices/services.py):
    #: revoking it ends the session, and API calls must name it
    device_id: orm.Mapped[uuid.UUID | None] = orm.mapped_column(index=True)

    user: orm.Mapped[User] = orm.relationship(lazy="joined")


class LoginAttempt(Model):
    """One login attempt, kept for throttling and the access log."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    username: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    #: the device registered to that user the attempt came from, if any: its failures
    #: slow down that (username, device) pair, not the (username, address) one
    device_id: orm.Mapped[uuid.UUID | None]
    is_success: orm.Mapped[bool]
