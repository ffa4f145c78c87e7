"""The sync API under /api/v1: CSRF token, devices, push, pull and the OpenAPI document.

CSRF: the POST views check the X-CSRFToken header after the sign-in check
(``csrf_after_sign_in``), so a signed-out device hears 401 (sign in) before 400 (token).
The device a request names is checked app-wide first (fieldapp/devices/services.py).
"""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from fieldapp import db
from fieldapp import vault
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.devices import services as devices
from fieldapp.errors import AppError
from fieldapp.extensions import csrf_after_sign_in
from fieldapp.i18n import current_language
from fieldapp.inputs import read_json
from fieldapp.submissions.ingest import ingest_batch
from fieldapp.submissions.ingest import record_ingest
from fieldapp.sync_api.openapi import openapi_document
from fieldapp.sync_api.pull_source import SqlPullSource
from fieldapp.sync_api.schemas import DeviceRegistrationSchema
from sync.protocol import PROTOCOL_VERSION
from sync.protocol import PushSchema
from sync.pull import build_pull

bp = Blueprint("sync_api", __name__)

#: endpoints that answer without a signed-in user
_PUBLIC = {"sync_api.openapi"}


@bp.before_request
def _signed_in_and_device_allowed() -> Response | None:
    """Refuse anonymous calls (401) and someone else's device (409) before anything.

    A revoked device was told to wipe before this (devices.guard_request).
    """
    if request.endpoint in _PUBLIC:
        return None
    if g.get("user") is None:
        code = "session_expired" if g.get("session_expired") else "login_required"
        raise AppError(status_code=401, code=code)
    if g.get("device_id") is not None:
        devices.check(g.user, g.device_id)
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    # Caseload data must not linger in shared caches or the browser's HTTP cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _load(schema: Any, body: Any) -> Any:
    try:
        return schema.load(body if isinstance(body, dict) else {"": body})
    except ValidationError as exc:
        messages = (
            exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
        )
        raise AppError(status_code=400, code="bad_request", errors=messages) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@bp.get("/csrf")
@require()
def csrf_token() -> Response:
    """Return a CSRF token for this session (fetched before each push batch)."""
    return jsonify({"csrf_token": generate_csrf()})


@bp.post("/devices")
@require()
@csrf_after_sign_in
def devices_submit() -> Response:
    """Register the browser's device id for the signed-in user."""
    data = _load(DeviceRegistrationSchema(), read_json())
    device = devices.register(
        g.user,
        data["device_id"],
        app_version=data["app_version"],
        user_agent=request.user_agent.string,
    )
    db.session().commit()
    return jsonify(
        {"device_id": str(device.id), "registered_at": device.registered_at.isoformat()}
    )


@bp.get("/vault")
@require()
def vault_key() -> Response:
    """Return this device's wrapping key and the server's sealing public key.

    Only to a session of the device's user, bound to the device named in X-Device-Id,
    signed in with the password less than VAULT_RECOVERY_MINUTES ago, once per sign-in
    (403 otherwise: a phone left unlocked must not reopen itself by reloading).
    The wrapping key is made on first request; revocation destroys it.
    """
    auth_session = g.get("auth_session")
    device_id = g.get("device_id")
    device = devices.check(g.user, device_id) if device_id is not None else None
    if (
        device is None
        or auth_session is None
        or auth_session.device_id != device.id
        or not vault.recent_password_sign_in()
        or vault.already_recovered(device, auth_session)
    ):
        raise AppError(
            _("Sign in with your password on this phone to unlock its data."),
            status_code=403,
            code="vault_sign_in_needed",
        )
    key = vault.wrapping_key(device)
    log.record("vault_key", "device", device.id)
    db.session().commit()
    return jsonify(
        {
            "wrap_key": base64.b64encode(key).decode("ascii"),
            "seal": vault.seal_public_key(),
        }
    )


@bp.get("/vault/seal-key")
@require()
def vault_seal_key() -> Response:
    """Return the server's sealing public key (not secret: the phone keeps it)."""
    return jsonify({"seal": vault.seal_public_key()})


@bp.post("/sync/push")
@require()
@csrf_after_sign_in
def push_submit() -> Response:
    """Ingest a batch of submissions; each item is stored (or not) on its own."""
    # Items are judged one by one: text no database keeps refuses its item only.
    body = read_json(storable=False)
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        # Items the phone sealed to the server's public key (fieldapp/vault): open them
        # here, then the usual engine sees plain items (one that does not open is
        # refused on its own).
        body["items"] = vault.unseal_items(body["items"])
    envelope = _load(PushSchema(), body)
    limit = current_app.config["SYNC_MAX_ITEMS"]
    if len(envelope["items"]) > limit:
        raise AppError(
            _("Send at most %(n)d forms at a time.", n=limit),
            status_code=422,
            code="too_many_items",
            errors={"items": [_("Too many items.")]},
        )
    reported = envelope["device"]
    device_id: uuid.UUID = reported["id"]
    # Refuse a revoked or someone else's device before a single item is stored.
    devices.check(g.user, device_id)
    results = ingest_batch(
        envelope["items"],
        user=g.user,
        device_id=device_id,
        locale=current_language(),
        today=date.today(),
        group=current_app.config["SYNC_COMMIT_GROUP"],
        leave_open=True,
        delay=current_app.config["TEST_INGEST_DELAY_MS"] / 1000,
    )
    # The log lines and the device's figures join the last group's transaction: one
    # commit (one disk flush) for a whole batch. Until it, nothing is acknowledged.
    record_ingest(results, envelope["items"], device_id)
    device = devices.register(
        g.user,
        device_id,
        app_version=reported["app_version"],
        user_agent=request.user_agent.string,
    )
    devices.report(
        device,
        pending_count=reported["pending_count"],
        oldest_pending_at=reported["oldest_pending_at"],
        app_version=reported["app_version"],
        statuses=[result.status for result in results],
    )
    db.session().commit()
    return jsonify(
        {
            "protocol": PROTOCOL_VERSION,
            "server_time": _now(),
            "results": [result.as_dict() for result in results],
        }
    )


@bp.get("/sync/pull")
@require()
def pull() -> Response:
    """Return what the device needs offline since its cursor, gzip when accepted."""
    result = build_pull(
        SqlPullSource(g.user), request.args.get("cursor"), datetime.now(UTC)
    )
    user = g.user
    body = {
        "protocol": PROTOCOL_VERSION,
        "cursor": result.cursor,
        "full": result.full,
        "server_time": _now(),
        "user": {
            "id": user.id,
            "username": user.username,
            "role": user.role,
            "locale": user.locale,
        },
        "forms": result.forms,
        "families": result.families,
        "family_ids": result.family_ids,
        "courses": result.courses,
        "course_ids": result.course_ids,
        "due": result.due,
    }
    devices.pulled(g.get("device_id"), user)
    # A pull copies people's data onto a device: the access log calls that an export.
    log.record(
        "export",
        "caseload",
        "",
        families=len(result.families),
        courses=len(result.courses),
        due=len(result.due),
        full=result.full,
    )
    db.session().commit()
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(raw, mimetype="application/json")
    response.vary.add("Accept-Encoding")
    if request.accept_encodings.quality("gzip") > 0:
        response.set_data(gzip.compress(raw, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response


@bp.get("/openapi.json")
@require(public=True)
def openapi() -> Response:
    """Return the OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())
