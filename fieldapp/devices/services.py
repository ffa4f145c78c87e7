"""Register devices, bind sessions to them, check them on every request, revoke.

A login session is bound to the first device of its user that it names (the
X-Device-Id header the phone's script sends with every API call, or a registration).
From then on:
- an API call of that session must name that device (403 device_required without it);
- a request that names another device ends the session (401): a copied cookie cannot
  carry on under a fresh device id;
- revoking the device ends its sessions at once, so the cookie opens no page at all, and
  any request that names the device is told to wipe (403 device_revoked, wipe: true).
Page navigations carry no header (browsers send none); they are covered by the session
ending when its device is revoked.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask import g
from flask import request
from flask_babel import gettext as _

from fieldapp import db
from fieldapp.audit import log
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import User
from fieldapp.auth.sessions import end_session
from fieldapp.db import utcnow
from fieldapp.devices.models import Device
from fieldapp.errors import AppError

#: Endpoints any client may call without naming its device.
_NO_DEVICE_NEEDED = frozenset({"sync_api.openapi"})


class DeviceRevoked(AppError):
    """An admin revoked this device: the browser must wipe its local data."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            _(
                "This device was disconnected by an administrator. "
                "The data kept on it is being erased."
            ),
            code="device_revoked",
            extra={"wipe": True},
        )


class DeviceRequired(AppError):
    """The session is bound to a device, and this API call did not name it."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            _("This session belongs to a registered device; send its device id."),
            code="device_required",
        )


class DeviceTaken(AppError):
    """The device id is registered to another user."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(code="device_taken")


def check(user: User, device_id: uuid.UUID) -> Device | None:
    """Return the user's device, None if unregistered.

    :raise DeviceRevoked: (403) if it was revoked; DeviceTaken (409) if someone else's.
    """
    device = _known(device_id)  # looked up once per request
    if device is None:
        return None
    if device.revoked_at is not None:
        raise DeviceRevoked()
    if device.user_id != user.id:
        raise DeviceTaken()
    return device


def register(
    user: User, device_id: uuid.UUID, *, app_version: str = "", user_agent: str = ""
) -> Device:
    """Register ``device_id`` for ``user`` (again is fine); the view commits.

    :raise DeviceRevoked: or DeviceTaken, as check().
    """
    device = check(user, device_id)
    if device is None:
        device = Device(id=device_id, user_id=user.id)
        db.session().add(device)
        g.checked_devices[device_id] = device
    bind(device)
    device.app_version = app_version[:32]
    device.user_agent = user_agent[:300]
    device.last_seen_at = utcnow()
    return device


#: Answers after which the phone no longer holds an item (it deletes it at once).
_LEAVES_THE_PHONE = frozenset({"accepted", "duplicate", "conflict"})


def report(
    device: Device,
    *,
    pending_count: int,
    oldest_pending_at: datetime | None,
    app_version: str,
    statuses: list[str] | None = None,
) -> None:
    """Record the figures a device reported with a push; the view commits.

    The phone counts its outbox before sending, this batch included: what it still
    holds afterwards is that count less the items this push took off it (``statuses``
    are the answers given). Without that, a phone that sent its last form showed
    "1 waiting" until its next push.
    """
    now = utcnow()
    device.last_seen_at = now
    device.last_sync_at = now
    left = sum(1 for status in statuses or () if status in _LEAVES_THE_PHONE)
    device.pending_count = max(0, pending_count - left)
    device.oldest_pending_at = oldest_pending_at if device.pending_count else None
    if app_version:
        device.app_version = app_version[:32]


def pulled(device_id: uuid.UUID | None, user: User) -> None:
    """Record that the user's device named by the request pulled; the view commits.

    A phone that only pulls (nothing to send) synced all the same: the devices page
    said "never" for phones that pulled minutes ago.
    """
    if device_id is None:
        return
    device = _known(device_id)
    if device is not None and device.user_id == user.id and device.revoked_at is None:
        now = utcnow()
        device.last_seen_at = now
        device.last_sync_at = now


def sign_out(device: Device) -> int:
    """End the device's sessions, keeping it registered; return how many ended.

    For a phone changing hands or a worker leaving: at its next contact it asks for a
    sign-in, and the forms it holds are sent after it (nothing is erased). For a lost or
    stolen phone, revoke it instead.
    """
    ended = db.session().execute(
        sa.update(AuthSession)
        .where(AuthSession.device_id == device.id, AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]


_BROWSERS = (
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Version/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str) -> str:
    """Return "Chrome 131 · Android" from a user agent, or "" when it says nothing.

    Enough to tell a worker's phones apart on the devices page; not a fingerprint.
    """
    browser = ""
    for marker, name in _BROWSERS:
        if marker in user_agent:
            version = user_agent.split(marker, 1)[1].split(".", 1)[0].split(" ", 1)[0]
            browser = f"{name} {version}" if version.isdigit() else name
            break
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


def revoke(device: Device, by: User) -> int:
    """Revoke ``device`` and end its sessions; return how many sessions ended.

    Its next request that names it is refused and told to wipe its data; the view
    commits.
    """
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = by.id
    # The phone's data key can no longer be recovered through the server.
    device.vault_key = ""
    ended = db.session().execute(
        sa.update(AuthSession)
        .where(AuthSession.device_id == device.id, AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]


def header_device_id() -> uuid.UUID | None:
    """Return the request's X-Device-Id header as a UUID (None when absent).

    :raise AppError: (400 bad_device_id) if it is there but not a UUID.
    """
    value = request.headers.get("X-Device-Id", "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise AppError(
            _("This is not a device id."),
            status_code=400,
            code="bad_device_id",
            errors={"X-Device-Id": [_("Not a device id.")]},
        ) from None


def _known(device_id: uuid.UUID) -> Device | None:
    checked: dict[uuid.UUID, Device | None] = g.setdefault("checked_devices", {})
    if device_id not in checked:
        with db.reads():
            checked[device_id] = db.session().get(Device, device_id)
    return checked[device_id]


def guard_request() -> None:
    """Apply the session-device rules of this module's docstring (before_request).

    Runs after the session is loaded, on every request.
    """
    device_id = header_device_id()
    g.device_id = device_id
    device = _known(device_id) if device_id is not None else None
    if device is not None and device.revoked_at is not None:
        # Signed in or not: whoever holds this device must wipe it.
        raise DeviceRevoked()
    auth_session: AuthSession | None = g.get("auth_session")
    if auth_session is None or request.endpoint in _NO_DEVICE_NEEDED:
        return
    bound = auth_session.device_id
    if bound is None:
        if device is not None and device.user_id == auth_session.user_id:
            bind(device)
            db.session().commit()
        return
    if device_id is None:
        if request.path.startswith("/api/"):
            raise DeviceRequired()
        return
    if device_id != bound:
        log.record("session_device_mismatch", "device", device_id, bound=str(bound))
        end_session()
        db.session().commit()
        raise AppError(status_code=401, code="login_required")


def bind(device: Device) -> None:
    """Bind the current session, if not bound yet, to ``device``; the caller commits."""
    auth_session: AuthSession | None = g.get("auth_session")
    if auth_session is not None and auth_session.device_id is None:
        auth_session.device_id = device.id


def init_app(app: Flask) -> None:
    """Check the device a request names; call it after the session is loaded."""
    app.before_request(guard_request)


#: a device that has not synced for this many days is "silent" (dashboard, ?silent=)
SILENT_DAYS = 3


def silent_since(days: int) -> sa.ColumnElement[bool]:
    """Return the condition: not revoked, and no sync for ``days`` days (or never)."""
    cutoff = utcnow() - timedelta(days=days)
    return sa.and_(
        Device.revoked_at.is_(None),
        sa.or_(
            Device.last_sync_at < cutoff,
            sa.and_(Device.last_sync_at.is_(None), Device.registered_at < cutoff),
        ),
    )


def all_devices(
    silent: int | None = None, pending: bool = False
) -> list[tuple[Device, User]]:
    """Return every device with its user, most recently seen first.

    ``silent``: only those silent for that many days; ``pending``: only those that
    reported items waiting to be sent (not revoked).
    """
    query = (
        sa.select(Device, User)
        .join(User, User.id == Device.user_id)
        .order_by(Device.last_seen_at.desc())
    )
    if silent is not None:
        query = query.where(silent_since(silent))
    if pending:
        query = query.where(Device.revoked_at.is_(None), Device.pending_count > 0)
    return [(device, user) for device, user in db.session().execute(query)]
