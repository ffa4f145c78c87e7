"""Register devices, check them on every API call, record what they report, revoke."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask import g

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.db import utcnow
from fieldapp.devices.models import Device
from fieldapp.errors import AppError


class DeviceRevoked(AppError):
    """An admin revoked this device: the browser must wipe its local data."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(code="device_revoked")


class DeviceTaken(AppError):
    """The device id is registered to another user."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(code="device_taken")


def check(user: User, device_id: uuid.UUID) -> Device | None:
    """Return the user's device, None if unregistered.

    :raise DeviceRevoked: (403) if it was revoked; DeviceTaken (409) if someone else's.
    """
    checked: dict[uuid.UUID, Device | None] = g.setdefault("checked_devices", {})
    if device_id in checked:  # checked before in this request (and kept alive)
        device = checked[device_id]
    else:
        with db.reads():
            device = db.session().get(Device, device_id)
        checked[device_id] = device
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
    device.app_version = app_version[:32]
    device.user_agent = user_agent[:300]
    device.last_seen_at = utcnow()
    return device


def report(
    device: Device,
    *,
    pending_count: int,
    oldest_pending_at: datetime | None,
    app_version: str,
) -> None:
    """Record the figures a device reported with a push; the view commits."""
    now = utcnow()
    device.last_seen_at = now
    device.last_sync_at = now
    device.pending_count = pending_count
    device.oldest_pending_at = oldest_pending_at
    if app_version:
        device.app_version = app_version[:32]


def revoke(device: Device, by: User) -> None:
    """Revoke ``device``: its next API call is refused and told to wipe its data."""
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = by.id


def all_devices() -> list[tuple[Device, User]]:
    """Return every device with its user, most recently seen first."""
    query = (
        sa.select(Device, User)
        .join(User, User.id == Device.user_id)
        .order_by(Device.last_seen_at.desc())
    )
    return [(device, user) for device, user in db.session().execute(query)]
