"""Validate the browser's PushSubscription JSON before it is stored."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp.push import is_truthy
from fieldapp.push.keys import b64url_decode

#: Hosts that may be reached over plain http when PUSH_ALLOW_LOOPBACK is on (tests).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_FIELD_MESSAGES = {
    "required": _l("This is required."),
    "null": _l("This is required."),
    "invalid": _l("This value is not valid."),
    "type": _l("This value is not valid."),
}


def _service_hosts() -> list[str]:
    hosts = current_app.config.get("PUSH_SERVICE_HOSTS") or []
    if isinstance(hosts, str):  # FIELDAPP_PUSH_SERVICE_HOSTS="a.example,b.example"
        hosts = hosts.split(",")
    return [
        str(host).strip().lower().lstrip(".") for host in hosts if str(host).strip()
    ]


def is_allowed_endpoint(endpoint: str) -> bool:
    """Tell whether ``endpoint`` belongs to a known push service (or loopback)."""
    if len(endpoint) > 1024 or any(ch.isspace() or ord(ch) < 32 for ch in endpoint):
        return False
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if not host or parts.username or parts.password or parts.fragment:
        return False
    if (
        is_truthy(current_app.config.get("PUSH_ALLOW_LOOPBACK"))
        and host in LOOPBACK_HOSTS
    ):
        return parts.scheme in ("http", "https")
    if parts.scheme != "https":
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return (
            False  # push services are named hosts; an IP here is someone's own server
        )
    return any(
        host == suffix or host.endswith("." + suffix) for suffix in _service_hosts()
    )


def _validate_endpoint(value: str) -> None:
    if not is_allowed_endpoint(value):
        raise ma.ValidationError(
            _("Only https addresses of known push services are accepted.")
        )


def _validate_p256dh(value: str) -> None:
    try:
        raw = b64url_decode(value)
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise ma.ValidationError(_("This is not a valid P-256 public key.")) from None


def _validate_auth(value: str) -> None:
    try:
        raw = b64url_decode(value)
    except ValueError:
        raw = b""
    if len(raw) != 16:
        raise ma.ValidationError(_("This must be a 16-byte secret in base64url."))


class SubscriptionKeysSchema(ma.Schema):
    """The ``keys`` of a PushSubscription."""

    class Meta:
        unknown = ma.EXCLUDE

    p256dh = ma.fields.String(
        required=True, validate=_validate_p256dh, error_messages=_FIELD_MESSAGES
    )
    auth = ma.fields.String(
        required=True, validate=_validate_auth, error_messages=_FIELD_MESSAGES
    )


class PushSubscriptionSchema(ma.Schema):
    """The browser's standard ``PushSubscription.toJSON()``."""

    class Meta:
        unknown = ma.EXCLUDE

    endpoint = ma.fields.String(
        required=True, validate=_validate_endpoint, error_messages=_FIELD_MESSAGES
    )
    #: milliseconds since the epoch, or null when the subscription does not expire
    expirationTime = ma.fields.Float(
        load_default=None,
        allow_none=True,
        error_messages=_FIELD_MESSAGES,
        validate=ma.validate.Range(
            min=0, max=1e14, error=_l("This value is not valid.")
        ),
    )
    keys = ma.fields.Nested(
        SubscriptionKeysSchema, required=True, error_messages=_FIELD_MESSAGES
    )


class UnsubscribeSchema(ma.Schema):
    """The body of DELETE /api/v1/push/subscriptions."""

    class Meta:
        unknown = ma.EXCLUDE

    endpoint = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=1024),
        error_messages=_FIELD_MESSAGES,
    )


def plain_messages(messages: Any) -> Any:
    """Turn marshmallow messages (maybe lazy strings) into JSON-ready lists of text."""
    if isinstance(messages, dict):
        return {str(key): plain_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [
            str(item) if not isinstance(item, dict) else plain_messages(item)
            for item in messages
        ]
    return [str(messages)]
