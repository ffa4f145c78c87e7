from __future__ import annotations

import base64
import uuid

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from openapi_spec_validator import validate

from sync import samples


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def check(document, path, method, response):
    """Validate a real response against the document's schema for its status."""
    spec = document["paths"][path][method]["responses"][str(response.status_code)]
    schema = spec["content"]["application/json"]["schema"]
    resolver = {"$ref": schema["$ref"]} if "$ref" in schema else schema
    jsonschema.validate(
        response.json,
        {**resolver, "components": document["components"]},
        format_checker=jsonschema.FormatChecker(),
    )


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/push/subscriptions" in document["paths"]


def test_real_responses_match_the_document(
    client, auth, make_user, make_family, document
):
    assert client.get("/api/v1/csrf").status_code == 401
    check(document, "/api/v1/csrf", "get", client.get("/api/v1/csrf"))
    ana = make_user("ana")
    family = make_family(assigned_to=(ana,))
    auth.login("ana")
    csrf_response = client.get("/api/v1/csrf")
    check(document, "/api/v1/csrf", "get", csrf_response)
    headers = {"X-CSRFToken": csrf_response.json["csrf_token"]}
    device = str(uuid.uuid4())
    check(
        document,
        "/api/v1/devices",
        "post",
        client.post("/api/v1/devices", json={"device_id": device}, headers=headers),
    )
    check(
        document,
        "/api/v1/devices",
        "post",
        client.post("/api/v1/devices", json={"device_id": "nope"}, headers=headers),
    )
    member = str(family.members[0].id)
    items = [
        samples.home_visit(family.id, present=[member]),
        samples.home_visit(family.id, living_conditions=9),
        "junk",
    ]
    body = {"protocol": 1, "device": {"id": device}, "items": items}
    # The session is bound to the device it registered: every call names it.
    headers["X-Device-Id"] = device
    for _ in range(2):
        push = client.post("/api/v1/sync/push", json=body, headers=headers)
        assert push.status_code == 200
        check(document, "/api/v1/sync/push", "post", push)
    check(
        document,
        "/api/v1/sync/push",
        "post",
        client.post("/api/v1/sync/push", json={"protocol": 2}, headers=headers),
    )
    check(
        document,
        "/api/v1/sync/push",
        "post",
        client.post(
            "/api/v1/sync/push", data="x", content_type="text/plain", headers=headers
        ),
    )
    pull = client.get("/api/v1/sync/pull", headers=headers)
    check(document, "/api/v1/sync/pull", "get", pull)
    check(
        document,
        "/api/v1/sync/pull",
        "get",
        client.get(f"/api/v1/sync/pull?cursor={pull.json['cursor']}", headers=headers),
    )


def _expect(document, path, method, response, status, error=None):
    assert response.status_code == status, response.get_data(as_text=True)
    if error is not None:
        assert response.json["error"] == error
    if status == 204:
        assert str(status) in document["paths"][path][method]["responses"]
        assert response.get_data() == b""
    else:
        check(document, path, method, response)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_KEY = ec.generate_private_key(ec.SECP256R1()).public_key()
SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
    "keys": {
        "p256dh": _b64url(
            _KEY.public_bytes(
                serialization.Encoding.X962,
                serialization.PublicFormat.UncompressedPoint,
            )
        ),
        "auth": _b64url(b"sixteen byte key"),
    },
}


def test_every_status_the_api_answers_is_in_the_document(
    client, auth, make_user, document
):
    subs = "/api/v1/push/subscriptions"
    # Signed out: 401 before any CSRF check, on every route that needs a session.
    for path, method in (
        ("/api/v1/csrf", "get"),
        ("/api/v1/devices", "post"),
        ("/api/v1/sync/push", "post"),
        ("/api/v1/sync/pull", "get"),
        ("/api/v1/push/key", "get"),
        (subs, "post"),
        (subs, "delete"),
    ):
        response = client.open(path, method=method.upper(), json={})
        _expect(document, path, method, response, 401, "login_required")
    make_user("ana")
    make_user("dea")
    auth.login("ana")
    bad = {"X-Device-Id": "not-a-uuid"}
    _expect(
        document,
        "/api/v1/csrf",
        "get",
        client.get("/api/v1/csrf", headers=bad),
        400,
        "bad_device_id",
    )
    csrf = client.get("/api/v1/csrf").json["csrf_token"]
    headers = {"X-CSRFToken": csrf}
    _expect(
        document,
        subs,
        "post",
        client.post(subs, data="x", content_type="text/plain", headers=headers),
        415,
        "not_json",
    )
    _expect(
        document,
        subs,
        "post",
        client.post(subs, json={"endpoint": "nope"}, headers=headers),
        422,
        "invalid_subscription",
    )
    _expect(
        document,
        subs,
        "delete",
        client.delete(subs, json={}, headers=headers),
        422,
        "invalid_subscription",
    )
    _expect(document, subs, "post", client.post(subs, json=SUBSCRIPTION), 400, "csrf")
    _expect(
        document,
        subs,
        "post",
        client.post(subs, json=SUBSCRIPTION, headers=headers),
        201,
    )
    _expect(
        document,
        subs,
        "post",
        client.post(subs, json=SUBSCRIPTION, headers=headers),
        200,
    )
    _expect(
        document,
        subs,
        "delete",
        client.delete(
            subs, json={"endpoint": SUBSCRIPTION["endpoint"]}, headers=headers
        ),
        204,
    )
    # Bind the session to a device, then leave the header out.
    device = str(uuid.uuid4())
    registered = client.post(
        "/api/v1/devices",
        json={"device_id": device},
        headers=headers | {"X-Device-Id": device},
    )
    _expect(document, "/api/v1/devices", "post", registered, 200)
    _expect(
        document,
        "/api/v1/sync/pull",
        "get",
        client.get("/api/v1/sync/pull"),
        403,
        "device_required",
    )
    _expect(
        document,
        "/api/v1/push/key",
        "get",
        client.get("/api/v1/push/key"),
        403,
        "device_required",
    )
    auth.logout()
    auth.login("dea")
    taken = client.get("/api/v1/csrf", headers={"X-Device-Id": device})
    _expect(document, "/api/v1/csrf", "get", taken, 409, "device_taken")
