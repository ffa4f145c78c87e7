"""The sync API under /api/v1: CSRF token, devices, push, pull and the OpenAPI document.

CSRF: the POST views are exempt from the app-wide check only so that a signed-out
device hears 401 (sign in) before 400 (token); each of them calls ``csrf.protect()``
right after the sign-in check, so the X-CSRFToken header is always required.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any
from typing import TypeVar

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
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.devices import services as devices
from fieldapp.devices.services import DeviceRevoked
from fieldapp.errors import AppError
from fieldapp.errors import error_body
from fieldapp.extensions import csrf
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

_View = TypeVar("_View", bound=Callable[..., Any])


def _csrf_exempt(view: _View) -> _View:
    """Exempt ``view`` from the app-wide CSRF check (it calls csrf.protect itself)."""
    # Flask-WTF has no type hints: give its decorator the type it has.
    exempt: Callable[[_View], _View] = csrf.exempt
    return exempt(view)


@bp.before_request
def _signed_in_and_device_allowed() -> Response | None:
    """Refuse anonymous calls (401) and revoked devices (403, wipe) before anything."""
    if request.endpoint in _PUBLIC:
        return None
    if g.get("user") is None:
        code = "session_expired" if g.get("session_expired") else "login_required"
        raise AppError(status_code=401, code=code)
    header = request.headers.get("X-Device-Id")
    if header:
        try:
            devices.check(g.user, uuid.UUID(header))
        except ValueError:
            raise AppError(
                status_code=400,
                code="bad_device_id",
                errors={"X-Device-Id": [_("Not a device id.")]},
            ) from None
    return None


@bp.errorhandler(DeviceRevoked)
def _revoked(error: DeviceRevoked) -> Response:
    body = error_body(
        403,
        _(
            "This device was disconnected by an administrator. "
            "The data kept on it is being erased."
        ),
        code="device_revoked",
    )
    body["wipe"] = True
    response = jsonify(body)
    response.status_code = 403
    return response


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
@_csrf_exempt
@require()
def devices_submit() -> Response:
    """Register the browser's device id for the signed-in user."""
    csrf.protect()
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


@bp.post("/sync/push")
@_csrf_exempt
@require()
def push_submit() -> Response:
    """Ingest a batch of submissions; each item is stored (or not) on its own."""
    csrf.protect()
    # Items are judged one by one: text no database keeps refuses its item only.
    envelope = _load(PushSchema(), read_json(storable=False))
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
    }
    # A pull copies people's data onto a device: the access log calls that an export.
    log.record(
        "export",
        "caseload",
        "",
        families=len(result.families),
        courses=len(result.courses),
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
