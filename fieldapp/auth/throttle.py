"""Login throttling: growing delays per (username, address) pair; never an account lock.

An account that strangers can lock is a weapon: six wrong guesses from anywhere used to
keep a social worker out for half an hour (issue 22). So failures slow down only the
pair they came from:

- each (username, address) pair may fail LOGIN_FREE_FAILURES times; after that, its
  next attempt waits 2, 4, 8 ... seconds after its last failure, at most
  LOGIN_MAX_DELAY_SECONDS. A success starts the pair afresh;
- an attempt from a device registered to that user (not revoked) is counted per
  (username, device) instead, and no address limit applies to it: strangers on the
  same network (an office, a mobile operator's shared address) cannot slow the owner
  down on their own phone;
- one address may fail LOGIN_MAX_FAILURES_PER_ADDRESS times, whatever the usernames,
  before its attempts wait in the same way.

Failures older than LOGIN_WINDOW_MINUTES are forgotten. Nothing here depends on
whether the username exists, so neither does the answer (see auth.routes.login_submit).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import ngettext

from fieldapp import db
from fieldapp.auth.models import LoginAttempt
from fieldapp.auth.models import User
from fieldapp.db import utcnow
from fieldapp.devices.models import Device

#: Device ids read from a login form at most: a browser knows one per user of it.
MAX_DEVICE_IDS = 10


def delay_after(failures: int, free: int) -> int:
    """Return the seconds to wait after ``failures`` failures when ``free`` cost nothing."""
    if failures < free:
        return 0
    cap: int = current_app.config["LOGIN_MAX_DELAY_SECONDS"]
    exponent: int = min(failures - free + 1, cap.bit_length())
    return min(1 << exponent, cap)


def _remaining(delay: int, last_failure: datetime | None, now: datetime) -> int:
    if not delay or last_failure is None:
        return 0
    left = (last_failure + timedelta(seconds=delay) - now).total_seconds()
    return max(math.ceil(left), 0)


def _pair_wait(conditions: Iterable[sa.ColumnElement[bool]], now: datetime) -> int:
    """Seconds the pair must wait: its failures since its last success count."""
    config = current_app.config
    free: int = config["LOGIN_FREE_FAILURES"]
    since = now - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    # Past the cap more failures change nothing: read only as many as matter.
    enough = free + int(config["LOGIN_MAX_DELAY_SECONDS"]).bit_length() + 1
    rows = db.session().execute(
        sa.select(LoginAttempt.at, LoginAttempt.is_success)
        .where(*conditions, LoginAttempt.at >= since)
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .limit(enough)
    )
    failures, last_failure = 0, None
    for at, is_success in rows:
        if is_success:
            break
        failures += 1
        last_failure = last_failure or at
    return _remaining(delay_after(failures, free), last_failure, now)


def _address_wait(ip: str, now: datetime) -> int:
    """Seconds any attempt from ``ip`` must wait, whatever the username."""
    config = current_app.config
    since = now - timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    count, last_failure = (
        db.session()
        .execute(
            sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
                LoginAttempt.ip == ip,
                LoginAttempt.at >= since,
                LoginAttempt.is_success.is_(False),
            )
        )
        .one()
    )
    free: int = config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return _remaining(delay_after(count or 0, free), last_failure, now)


def known_device(username: str, device_ids: str) -> uuid.UUID | None:
    """Return the first of ``device_ids`` registered to ``username`` and not revoked.

    ``device_ids`` is what the login page's script sent: the ids this browser knows,
    comma-separated (anything that is not a UUID is ignored). The same query runs for
    any username, existing or not.
    """
    ids: list[uuid.UUID] = []
    for part in device_ids.split(",")[:MAX_DEVICE_IDS]:
        try:
            ids.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    if not ids:
        return None
    device_id: uuid.UUID | None = db.session().scalar(
        sa.select(Device.id)
        .join(User, User.id == Device.user_id)
        .where(
            Device.id.in_(ids),
            Device.revoked_at.is_(None),
            User.username == username,
        )
        .limit(1)
    )
    return device_id


def wait_seconds(username: str, ip: str, device_id: uuid.UUID | None = None) -> int:
    """Return how many seconds this attempt must wait (0: it may go ahead)."""
    now = utcnow()
    if device_id is not None:
        return _pair_wait(
            (LoginAttempt.username == username, LoginAttempt.device_id == device_id),
            now,
        )
    # Attempts from a known device are that device's pair, not this one: the owner
    # signing in on their phone must not wipe out a stranger's failures here.
    pair = (
        LoginAttempt.username == username,
        LoginAttempt.ip == ip,
        LoginAttempt.device_id.is_(None),
    )
    return max(_pair_wait(pair, now), _address_wait(ip, now))


def note_attempt(
    username: str, ip: str, *, success: bool, device_id: uuid.UUID | None = None
) -> None:
    """Record an attempt (the view commits); ``device_id``: a known device's."""
    db.session().add(
        LoginAttempt(
            at=utcnow(),
            username=username,
            ip=ip,
            device_id=device_id,
            is_success=success,
        )
    )


def wait_message(seconds: int) -> str:
    """Say in the user's language how long to wait: seconds, else whole minutes."""
    if seconds < 60:
        return str(
            ngettext(
                "Too many failed attempts. Please wait %(num)d second and try again.",
                "Too many failed attempts. Please wait %(num)d seconds and try again.",
                seconds,
            )
        )
    return str(
        ngettext(
            "Too many failed attempts. Please wait %(num)d minute and try again.",
            "Too many failed attempts. Please wait %(num)d minutes and try again.",
            math.ceil(seconds / 60),
        )
    )
