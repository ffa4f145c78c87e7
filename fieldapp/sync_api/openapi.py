"""The OpenAPI 3.1 document of /api/v1: a contract checked against real responses."""

from __future__ import annotations

from typing import Any

from sync.protocol import PROTOCOL_VERSION

_STR = {"type": "string"}
_INT = {"type": "integer"}
_UUID = {"type": "string", "format": "uuid"}
_TIME = {"type": "string", "format": "date-time"}
_DAY = {"type": ["string", "null"], "format": "date"}
_LOCALE = {"type": "string", "enum": ["sq", "sr_Latn", "sr_Cyrl", "en"]}


def _obj(
    required: list[str], props: dict[str, Any], extra: bool = True
) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": extra,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


SCHEMAS: dict[str, Any] = {
    "Error": _obj(
        ["code", "status", "message", "errors"],
        {
            "code": _INT,
            "status": _STR,
            "message": _STR,
            "errors": {"type": "object"},
            "error": _STR,
            "wipe": {"type": "boolean"},
        },
    ),
    "Issue": _obj(
        ["code", "params", "message"],
        {"code": _STR, "params": {"type": "object"}, "message": _STR},
    ),
    "Receipt": _obj(
        ["server_id", "received_at", "content_hash"],
        {
            "server_id": _INT,
            "received_at": _TIME,
            "content_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    ),
    "Item": _obj(
        ["uuid", "form_id", "form_version", "answers"],
        {
            "uuid": _UUID,
            "form_id": _STR,
            "form_version": _INT,
            "subject_id": {"type": ["string", "null"], "format": "uuid"},
            "course_id": {"type": ["integer", "null"]},
            "started_at": {"type": ["string", "null"], "format": "date-time"},
            "completed_at": {"type": ["string", "null"], "format": "date-time"},
            "respondent_locale": _LOCALE,
            "author_id": {"type": ["integer", "null"]},
            "answers": {"type": "object"},
        },
    ),
    "Push": _obj(
        ["protocol", "device", "items"],
        {
            "protocol": {"const": PROTOCOL_VERSION},
            "device": _obj(
                ["id"],
                {
                    "id": _UUID,
                    "pending_count": {
                        "type": "integer",
                        "minimum": 0,
                        "maximum": 1_000_000,
                    },
                    "oldest_pending_at": {
                        "type": ["string", "null"],
                        "format": "date-time",
                    },
                    "app_version": {"type": "string", "maxLength": 32},
                },
            ),
            "items": {"type": "array", "items": _ref("Item"), "maxItems": 100},
        },
    ),
    "Result": _obj(
        ["uuid", "status", "receipt", "errors", "message"],
        {
            "uuid": _STR,
            "status": {
                "enum": ["accepted", "duplicate", "conflict", "rejected", "refused"]
            },
            "receipt": {"oneOf": [_ref("Receipt"), {"type": "null"}]},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _ref("Issue")},
            },
            "message": _STR,
        },
        extra=False,
    ),
    "PushResponse": _obj(
        ["protocol", "server_time", "results"],
        {
            "protocol": {"const": PROTOCOL_VERSION},
            "server_time": _TIME,
            "results": {"type": "array", "items": _ref("Result")},
        },
        extra=False,
    ),
    "Member": _obj(
        ["id", "full_name", "birth_year", "sex", "relationship"],
        {
            "id": _UUID,
            "full_name": _STR,
            "birth_year": {"type": ["integer", "null"]},
            "sex": _STR,
            "relationship": _STR,
        },
    ),
    "Family": _obj(
        [
            "id",
            "name",
            "municipality",
            "village",
            "programme",
            "next_visit_on",
            "next_session_on",
            "last_visit_on",
            "last_session_on",
            "members",
        ],
        {
            "id": _UUID,
            "name": _STR,
            "municipality": _STR,
            "village": _STR,
            "programme": _STR,
            "next_visit_on": _DAY,
            "next_session_on": _DAY,
            "last_visit_on": _DAY,
            "last_session_on": _DAY,
            "members": {"type": "array", "items": _ref("Member")},
        },
    ),
    "Course": _obj(
        ["id", "name", "vocation", "weekdays", "start_time", "location", "roster"],
        {
            "id": _INT,
            "name": _STR,
            "vocation": _STR,
            "weekdays": {"type": "array", "items": {"type": "integer"}},
            "start_time": {"type": ["string", "null"]},
            "location": _STR,
            "roster": {
                "type": "array",
                "items": _obj(
                    ["id", "full_name"],
                    {
                        "id": _UUID,
                        "full_name": _STR,
                        # class attendance (present or late of present, late, absent)
                        "rate": {"type": ["integer", "null"]},
                        "attended": _INT,
                        "counted": _INT,
                        "absent_run": _INT,
                    },
                ),
            },
        },
    ),
    "DueItem": _obj(
        ["kind", "family_id", "due_on", "show_from", "detail", "target"],
        {
            "kind": {
                "type": "string",
                "enum": [
                    "visit",
                    "session",
                    "service",
                    "review",
                    "follow_up",
                    "referral",
                    "ending",
                ],
            },
            "family_id": _UUID,
            "due_on": {"type": "string", "format": "date"},
            # the first day the list shows it (90 days before a planned end)
            "show_from": {"type": "string", "format": "date"},
            # a code: the service type, the months after closure, or ""
            "detail": _STR,
            # "form:<form id>" (that form, for the family) or "file" (the case file)
            "target": {"type": "string", "pattern": "^(form:[a-z0-9_]+|file)$"},
        },
        extra=False,
    ),
    "PullResponse": _obj(
        [
            "protocol",
            "cursor",
            "full",
            "server_time",
            "user",
            "forms",
            "families",
            "family_ids",
            "courses",
            "course_ids",
            "due",
        ],
        {
            "protocol": {"const": PROTOCOL_VERSION},
            "cursor": _STR,
            "full": {"type": "boolean"},
            "server_time": _TIME,
            "user": _obj(
                ["id", "username", "role", "locale"],
                {"id": _INT, "username": _STR, "role": _STR, "locale": _STR},
            ),
            "forms": {
                "type": "array",
                "items": {"type": "object", "required": ["id", "version", "sections"]},
            },
            "families": {"type": "array", "items": _ref("Family")},
            "family_ids": {"type": "array", "items": _UUID},
            "courses": {"type": "array", "items": _ref("Course")},
            "course_ids": {"type": "array", "items": _INT},
            # "My work" a few days ahead, whole every time, for the user's caseload
            "due": {"type": "array", "items": _ref("DueItem")},
        },
        extra=False,
    ),
    "PushSubscription": _obj(
        ["endpoint", "keys"],
        {
            "endpoint": {"type": "string", "format": "uri"},
            "expirationTime": {"type": ["number", "null"]},
            "keys": _obj(["p256dh", "auth"], {"p256dh": _STR, "auth": _STR}),
        },
    ),
}

_CSRF = [{"name": "X-CSRFToken", "in": "header", "required": True, "schema": _STR}]
_DEVICE = [
    {
        "name": "X-Device-Id",
        "in": "header",
        "required": False,
        "description": "This browser's device id. Once a session has named a device "
        "of its user (or registered one), every API call of that session must name it.",
        "schema": _UUID,
    }
]
#: What any call that needs a session may answer (the device header is checked first).
_AUTH_ERRORS = {
    "400": _error("bad_device_id: the X-Device-Id header is not a UUID."),
    "401": _error(
        "Not signed in: login_required or session_expired (also when the session "
        "named another device than its own, which ends it)."
    ),
    "403": _error(
        "device_revoked, with wipe: true (the browser erases its data); or "
        "device_required: the session is bound to a device and the call did not "
        "name it."
    ),
    "409": _error("device_taken: the device id belongs to another user."),
}


#: The server's sealing public key: raw uncompressed P-256 point in base64, and its id.
_SEAL = _obj(["kid", "key"], {"kid": _STR, "key": _STR})

_SUBSCRIBED = _obj(
    ["subscribed", "created"],
    {"subscribed": {"type": "boolean"}, "created": {"type": "boolean"}},
)


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document."""
    post_errors = {
        **_AUTH_ERRORS,
        "400": _error(
            "bad_device_id, malformed_json, bad_request (wrong envelope shape; "
            "errors says where), or csrf (the X-CSRFToken header is missing or wrong)."
        ),
        "413": _error("too_large: the body is too large."),
        "415": _error("not_json: the body is not JSON."),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "fieldapp sync API", "version": str(PROTOCOL_VERSION)},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "fieldapp"}
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/api/v1/csrf": {
                "get": {
                    "operationId": "csrfToken",
                    "parameters": _DEVICE,
                    "responses": {
                        "200": _json(
                            _obj(["csrf_token"], {"csrf_token": _STR}),
                            "A token for this session.",
                        ),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/api/v1/vault": {
                "get": {
                    "operationId": "vaultKey",
                    "description": "The device's wrapping key (it wraps the phone's "
                    "data key for recovery) and the server's sealing public key. Only "
                    "to a session bound to this device, signed in with the password "
                    "less than VAULT_RECOVERY_MINUTES ago, once per sign-in.",
                    "parameters": _DEVICE,
                    "responses": {
                        "200": _json(
                            _obj(
                                ["wrap_key", "seal"], {"wrap_key": _STR, "seal": _SEAL}
                            ),
                            "wrap_key: 32 bytes, base64.",
                        ),
                        **_AUTH_ERRORS,
                        "403": _error(
                            "vault_sign_in_needed: sign in with the password on this "
                            "device; or device_revoked / device_required as elsewhere."
                        ),
                    },
                }
            },
            "/api/v1/vault/seal-key": {
                "get": {
                    "operationId": "vaultSealKey",
                    "parameters": _DEVICE,
                    "responses": {
                        "200": _json(
                            _obj(["seal"], {"seal": _SEAL}),
                            "The key outbox items are sealed to: a push item may be "
                            "{uuid, sealed: {v: 1, kid, epk, iv, ct}} (ephemeral ECDH "
                            "P-256, HKDF-SHA256, AES-256-GCM; fieldapp/vault).",
                        ),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/api/v1/devices": {
                "post": {
                    "operationId": "registerDevice",
                    "parameters": _CSRF + _DEVICE,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": _obj(
                                    ["device_id"],
                                    {"device_id": _UUID, "app_version": _STR},
                                )
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            _obj(
                                ["device_id", "registered_at"],
                                {"device_id": _UUID, "registered_at": _TIME},
                            ),
                            "Registered.",
                        ),
                        **post_errors,
                    },
                }
            },
            "/api/v1/sync/push": {
                "post": {
                    "operationId": "push",
                    "parameters": _CSRF + _DEVICE,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Push")}},
                    },
                    "responses": {
                        "200": _json(_ref("PushResponse"), "One result per item."),
                        **post_errors,
                        "422": _error("too_many_items: too many items in one batch."),
                    },
                }
            },
            "/api/v1/sync/pull": {
                "get": {
                    "operationId": "pull",
                    "parameters": [
                        {
                            "name": "cursor",
                            "in": "query",
                            "required": False,
                            "schema": _STR,
                        },
                        *_DEVICE,
                    ],
                    "responses": {
                        "200": _json(
                            _ref("PullResponse"),
                            "What the device needs since the cursor.",
                        ),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/api/v1/push/key": {
                "get": {
                    "operationId": "pushKey",
                    "parameters": _DEVICE,
                    "responses": {
                        "200": _json(
                            _obj(["publicKey"], {"publicKey": _STR}),
                            "The VAPID public key (applicationServerKey), base64url.",
                        ),
                        "503": _json(
                            _ref("Error"), "Push is not configured on this server."
                        ),
                        **_AUTH_ERRORS,
                    },
                }
            },
            "/api/v1/push/subscriptions": {
                "post": {
                    "operationId": "subscribePush",
                    "parameters": _CSRF + _DEVICE,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": _ref("PushSubscription")}
                        },
                    },
                    "responses": {
                        "201": _json(_SUBSCRIBED, "Subscribed."),
                        "200": _json(_SUBSCRIBED, "Already subscribed."),
                        **post_errors,
                        "422": _error(
                            "invalid_subscription: not a usable subscription "
                            "(errors says which field)."
                        ),
                    },
                },
                "delete": {
                    "operationId": "unsubscribePush",
                    "parameters": _CSRF + _DEVICE,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": _obj(["endpoint"], {"endpoint": _STR})
                            }
                        },
                    },
                    "responses": {
                        "204": {"description": "Unsubscribed (or was not)."},
                        **post_errors,
                        "422": _error("invalid_subscription: no endpoint given."),
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "This document.",
                            "content": {"application/json": {}},
                        }
                    },
                }
            },
        },
    }
