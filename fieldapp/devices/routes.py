"""Admin page: offline devices, what they last reported, and revocation."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import parse_uuid_or_404
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.devices import services
from fieldapp.devices.models import Device
from fieldapp.errors import NotFoundError

bp = Blueprint("devices", __name__, template_folder="templates")


@bp.get("/")
@require(Role.ADMIN)
def index() -> str:
    """List devices: user, last sync, pending items, oldest pending, revoked."""
    return render_template("devices/index.html", devices=services.all_devices())


@bp.post("/<device_id>/revoke")
@require(Role.ADMIN)
def revoke_submit(device_id: str) -> Response:
    """Revoke a device; its next sync is refused and makes it wipe its data."""
    device = db.session().get(Device, parse_uuid_or_404(device_id))
    if device is None:
        raise NotFoundError()
    services.revoke(device, g.user)
    log.record("revoke", "device", device.id, user_id=device.user_id)
    db.session().commit()
    flash(
        _("The device was revoked. It will erase its data at its next connection."),
        "success",
    )
    return redirect(url_for("devices.index"))
