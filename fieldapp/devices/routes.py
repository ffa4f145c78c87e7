"""Admin page: offline devices, what they last reported, and revocation."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import parse_uuid_or_404
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.devices import services
from fieldapp.devices.models import Device
from fieldapp.errors import NotFoundError

bp = Blueprint("devices", __name__, template_folder="templates")


@bp.get("/")
@require(Role.ADMIN)
def index() -> str:
    """List devices: user, browser, registered, last seen and synced, pending items.

    ?silent=3: only devices silent for 3 days or more; ?pending=1: only devices with
    items waiting (the dashboard's sync figures link here).
    """
    silent = request.args.get("silent", type=int)
    if silent is not None and not 0 <= silent <= 3650:
        silent = None
    pending = request.args.get("pending") == "1"
    return render_template(
        "devices/index.html",
        devices=services.all_devices(silent=silent, pending=pending),
        silent=silent,
        pending=pending,
        browser_label=services.browser_label,
    )


def _device_or_404(device_id: str) -> tuple[Device, User]:
    device = db.session().get(Device, parse_uuid_or_404(device_id))
    if device is None:
        raise NotFoundError()
    user = db.session().get(User, device.user_id)
    assert user is not None  # noqa: S101 - a foreign key
    return device, user


@bp.get("/<device_id>/revoke")
@require(Role.ADMIN)
def revoke(device_id: str) -> str:
    """Ask which: sign the phone out keeping its unsent forms, or wipe it now."""
    device, user = _device_or_404(device_id)
    return render_template(
        "devices/revoke.html",
        device=device,
        user=user,
        browser=services.browser_label(device.user_agent),
    )


@bp.post("/<device_id>/sign-out")
@require(Role.ADMIN)
def sign_out_submit(device_id: str) -> Response:
    """End the phone's sessions; it keeps its unsent forms and sends them after sign-in."""
    device, user = _device_or_404(device_id)
    ended = services.sign_out(device)
    log.record("sign_out", "device", device.id, user_id=device.user_id, sessions=ended)
    db.session().commit()
    flash(
        _(
            "%(name)s's phone is signed out. The forms it holds are sent after the "
            "next sign-in.",
            name=user.full_name,
        ),
        "success",
    )
    return redirect(url_for("devices.index"))


@bp.post("/<device_id>/revoke")
@require(Role.ADMIN)
def revoke_submit(device_id: str) -> Response:
    """Revoke a device; its next sync is refused and makes it wipe its data."""
    device, _user = _device_or_404(device_id)
    if request.form.get("confirm") != "wipe":
        # A click elsewhere, an old page: never wipe a colleague's phone unasked.
        return redirect(url_for("devices.revoke", device_id=device.id))
    services.revoke(device, g.user)
    log.record("revoke", "device", device.id, user_id=device.user_id)
    db.session().commit()
    flash(
        _("The device was revoked. It will erase its data at its next connection."),
        "success",
    )
    return redirect(url_for("devices.index"))
