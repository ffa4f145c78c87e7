"""Subscribe a browser to Web Push, and the page where a user turns notifications on."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import datetime
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from fieldapp import db
from fieldapp.access import require
from fieldapp.db import utcnow
from fieldapp.errors import AppError
from fieldapp.errors import ValidationFailed
from fieldapp.extensions import csrf_after_sign_in
from fieldapp.inputs import read_json
from fieldapp.push import keys
from fieldapp.push import sender
from fieldapp.push.models import PushSubscription
from fieldapp.push.schemas import PushSubscriptionSchema
from fieldapp.push.schemas import UnsubscribeSchema
from fieldapp.push.schemas import plain_messages
from fieldapp.push.services import queue_notification

bp = Blueprint("push", __name__, template_folder="templates")


def _json_body(schema: ma.Schema) -> dict[str, Any]:
    """Load the request's JSON object with ``schema``.

    :raise 400/413/415/422: for a body that is not JSON, too large, not an object, or
        not valid.
    """
    data = read_json()
    if not isinstance(data, dict):
        raise AppError(
            _("The request body must be a JSON object."), code="malformed_json"
        )
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ma.ValidationError as error:
        raise ValidationFailed(
            _("The subscription is not valid."),
            errors=plain_messages(error.messages),
            code="invalid_subscription",
        ) from None
    return loaded


@bp.get("/api/v1/push/key")
@require()
def key() -> Response:
    """Return the VAPID public key the browser subscribes with.

    :raise 503: when push is not configured on this server.
    """
    vapid = keys.load()
    if vapid is None:
        raise AppError(
            _("Notifications are not set up on this server."),
            status_code=503,
            code="push_not_configured",
        )
    return jsonify(publicKey=vapid.public_key)


@bp.post("/api/v1/push/subscriptions")
@require()
@csrf_after_sign_in
def subscribe_submit() -> tuple[Response, int]:
    """Store (or move to this user) the browser's push subscription."""
    data = _json_body(PushSubscriptionSchema())
    # Checked (a UUID, not revoked) by devices.guard_request.
    device_id: uuid.UUID | None = g.get("device_id")
    dbs = db.session()
    subscription = dbs.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"])
    )
    created = subscription is None
    if subscription is None:
        subscription = PushSubscription(endpoint=data["endpoint"])
        dbs.add(subscription)
    # A shared phone: whoever subscribed last owns the endpoint, so the previous
    # user's notifications stop appearing on it.
    subscription.user_id = g.user.id
    subscription.p256dh = data["keys"]["p256dh"]
    subscription.auth = data["keys"]["auth"]
    subscription.device_id = device_id or subscription.device_id
    subscription.failure_count = 0
    expires = data.get("expirationTime")
    subscription.expires_at = (
        datetime.fromtimestamp(expires / 1000, UTC) if expires else None
    )
    # Counts as "recently used" when the per-user limit drops the least used.
    subscription.last_success_at = subscription.last_success_at or utcnow()
    dbs.flush()
    _drop_extra_subscriptions(g.user.id)
    dbs.commit()
    return jsonify(subscribed=True, created=created), 201 if created else 200


def _drop_extra_subscriptions(user_id: int) -> None:
    limit = int(current_app.config["PUSH_MAX_SUBSCRIPTIONS_PER_USER"])
    stale = db.session().scalars(
        sa.select(PushSubscription)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.last_success_at.desc(), PushSubscription.id.desc())
        .offset(limit)
    )
    for subscription in stale:
        db.session().delete(subscription)


@bp.delete("/api/v1/push/subscriptions")
@require()
@csrf_after_sign_in
def unsubscribe_submit() -> Response:
    """Forget one of the signed-in user's subscriptions (204 even if it is unknown)."""
    data = _json_body(UnsubscribeSchema())
    db.session().execute(
        sa.delete(PushSubscription)
        .where(
            PushSubscription.endpoint == data["endpoint"],
            PushSubscription.user_id == g.user.id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session().commit()
    return Response(status=204)


def _subscription_count(user_id: int) -> int:
    return (
        db.session().scalar(
            sa.select(sa.func.count())
            .select_from(PushSubscription)
            .where(PushSubscription.user_id == user_id)
        )
        or 0
    )


@bp.get("/settings/notifications")
@require()
def settings() -> str:
    """Show the notification switch and what notifications say."""
    return render_template(
        "push/settings.html",
        configured=keys.load() is not None,
        device_count=_subscription_count(g.user.id),
    )


@bp.post("/settings/notifications/test")
@require()
def settings_test_submit() -> Response:
    """Queue a test notification to every device of the user, sent right after."""
    if _subscription_count(g.user.id) == 0:
        flash(
            _(
                "Notifications are not on for any of your devices yet. "
                "Turn them on first."
            ),
            "warning",
        )
        return redirect(url_for("push.settings"))
    # One test a minute at most: the dedupe key is the current minute.
    minute = utcnow().strftime("%Y-%m-%dT%H:%M")
    notification = queue_notification(g.user, "test", dedupe=f"test:{minute}")
    db.session().commit()
    if notification is None:
        flash(_("A test notification was just sent. Please wait a minute."), "warning")
    else:
        sender.deliver_soon([notification.id])
        flash(_("A test notification is on its way to each of your devices."))
    return redirect(url_for("push.settings"))
