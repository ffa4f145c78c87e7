"""The push subscription API, the VAPID key endpoint and the notifications page."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.push import keys
from fieldapp.push.models import Notification
from fieldapp.push.models import PushSubscription
from fieldapp.push.schemas import is_allowed_endpoint

VAPID = keys.generate()
URL = "/api/v1/push/subscriptions"
ERROR_SHAPE = {"code", "status", "message", "errors"}


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"VAPID_PRIVATE_KEY": VAPID.raw_private, "PUSH_SEND_AFTER_REQUEST": False}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def p256dh() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64url(
        key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def subscription(endpoint: str = "https://fcm.googleapis.com/fcm/send/abc:def") -> dict:
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": p256dh(), "auth": b64url(os.urandom(16))},
    }


@pytest.fixture
def signed_in(make_user: Callable[..., User], auth: Any) -> User:
    user = make_user("ana", "social_worker")
    auth.login("ana")
    return user


def post(client: Any, auth: Any, body: Any, **headers: str) -> Any:
    return client.post(URL, json=body, headers={"X-CSRFToken": auth.csrf(), **headers})


def stored(app: Flask) -> list[PushSubscription]:
    with app.app_context():
        return list(db.session().scalars(sa.select(PushSubscription)))


def test_key_endpoint_returns_the_public_key_of_the_private_key(
    client: Any, signed_in: User
) -> None:
    response = client.get("/api/v1/push/key")
    assert response.status_code == 200
    assert response.get_json() == {"publicKey": VAPID.public_key}


def test_key_endpoint_answers_503_when_push_is_not_configured(
    app: Flask, client: Any, signed_in: User
) -> None:
    app.config["VAPID_PRIVATE_KEY"] = ""
    response = client.get("/api/v1/push/key")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) >= ERROR_SHAPE
    assert body["error"] == "push_not_configured"


def test_subscribe_stores_the_browser_subscription_for_the_user(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    body = subscription()
    device = "0b7f7a39-5d3e-4a8e-9a3f-2f1e3c4d5e6f"
    response = post(client, auth, body, **{"X-Device-Id": device})
    assert response.status_code == 201
    [saved] = stored(app)
    assert saved.user_id == signed_in.id
    assert saved.p256dh == body["keys"]["p256dh"]
    assert str(saved.device_id) == device

    again = subscription(body["endpoint"])
    assert post(client, auth, again).status_code == 200
    [updated] = stored(app)
    assert updated.p256dh == again["keys"]["p256dh"]


def test_subscribe_moves_a_shared_phones_endpoint_to_the_new_user(
    app: Flask, client: Any, auth: Any, make_user: Callable[..., User]
) -> None:
    make_user("ana")
    other = make_user("besa")
    body = subscription()
    auth.login("ana")
    assert post(client, auth, body).status_code == 201
    auth.logout()
    auth.login("besa")
    assert post(client, auth, body).status_code == 200
    [saved] = stored(app)
    assert saved.user_id == other.id


def test_subscribe_keeps_the_expiration_time(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    body = {**subscription(), "expirationTime": 1893456000000}
    assert post(client, auth, body).status_code == 201
    [saved] = stored(app)
    assert saved.expires_at is not None
    assert saved.expires_at.year == 2030


BAD_ENDPOINTS = [
    "http://push.example.com/x",
    "https://evil.example.com/fcm.googleapis.com",
    "https://fcm.googleapis.com.evil.example/x",
    "https://10.0.0.7/push",
    "http://fcm.googleapis.com/fcm/send/x",
    "ftp://fcm.googleapis.com/x",
    "https://user:pw@fcm.googleapis.com/x",
    "https://fcm.googleapis.com:99999/x",
    "https://fcm.googleapis.com/x y",
    "not a url",
    "",
]


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_endpoints_that_are_not_push_services_are_refused(
    app: Flask, endpoint: str
) -> None:
    with app.test_request_context():
        assert not is_allowed_endpoint(endpoint)


def test_subscribe_answers_422_with_field_errors_for_a_foreign_endpoint(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    for endpoint in ("http://push.example.com/x", "https://10.0.0.7/push"):
        response = post(client, auth, subscription(endpoint))
        assert response.status_code == 422
        body = response.get_json()
        assert set(body) >= ERROR_SHAPE
        assert "endpoint" in body["errors"]
    assert stored(app) == []


def test_subscribe_accepts_known_push_services(
    client: Any, auth: Any, signed_in: User
) -> None:
    for endpoint in (
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://wns2-db5p.notify.windows.com/w/?token=abc",
        "https://web.push.apple.com/QGuQ",
    ):
        assert post(client, auth, subscription(endpoint)).status_code == 201, endpoint


def test_loopback_endpoints_need_the_loopback_setting(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    loopback = subscription("http://127.0.0.1:8999/push/x")
    app.config["PUSH_ALLOW_LOOPBACK"] = 0  # as FIELDAPP_PUSH_ALLOW_LOOPBACK=0 parses
    assert post(client, auth, loopback).status_code == 422
    app.config["PUSH_ALLOW_LOOPBACK"] = 1  # as FIELDAPP_PUSH_ALLOW_LOOPBACK=1 parses
    assert post(client, auth, loopback).status_code == 201


def test_push_service_hosts_can_be_configured_as_a_comma_list(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    app.config["PUSH_SERVICE_HOSTS"] = "push.example.org, other.example"
    assert (
        post(client, auth, subscription("https://a.push.example.org/x")).status_code
        == 201
    )
    rejected = post(client, auth, subscription("https://fcm.googleapis.com/x"))
    assert rejected.status_code == 422


def _with_keys(**keys_: str) -> dict:
    body = subscription()
    body["keys"].update(keys_)
    return body


BAD_KEYS = [
    (_with_keys(p256dh=b64url(b"\x04" + b"\x01" * 64)), "p256dh"),  # not on the curve
    (_with_keys(p256dh=b64url(os.urandom(33))), "p256dh"),
    (_with_keys(p256dh="not base64url!"), "p256dh"),
    (_with_keys(auth=b64url(os.urandom(8))), "auth"),
    (_with_keys(auth="%%%%"), "auth"),
    (_with_keys(auth=""), "auth"),
]


def test_subscribe_rejects_bad_keys(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    for body, field in BAD_KEYS:
        response = post(client, auth, body)
        assert response.status_code == 422, field
        errors = response.get_json()["errors"]
        assert field in errors["keys"]
        assert all(isinstance(m, str) for m in errors["keys"][field])
    assert stored(app) == []


WRONG_SHAPES = [
    {"endpoint": "https://fcm.googleapis.com/x"},
    {"endpoint": "https://fcm.googleapis.com/x", "keys": "abc"},
    {"endpoint": 5, "keys": {"p256dh": 1, "auth": None}},
    {**subscription(), "expirationTime": "soon"},
    {**subscription(), "expirationTime": -5},
]


def test_subscribe_rejects_wrong_shapes_with_field_errors(
    client: Any, auth: Any, signed_in: User
) -> None:
    for body in WRONG_SHAPES:
        response = post(client, auth, body)
        assert response.status_code == 422, body
        assert response.get_json()["errors"]


def test_subscribe_rejects_malformed_json(
    client: Any, auth: Any, signed_in: User
) -> None:
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    for raw in ('{"endpoint": ', "[1, 2]", '"text"', "null"):
        response = client.post(URL, data=raw, headers=headers)
        assert response.status_code == 400, raw
        assert set(response.get_json()) >= ERROR_SHAPE


def test_subscribe_rejects_a_body_that_is_not_json(
    client: Any, auth: Any, signed_in: User
) -> None:
    response = client.post(URL, data="endpoint=x", headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 415


def test_subscribe_rejects_a_bad_device_id(
    client: Any, auth: Any, signed_in: User
) -> None:
    response = post(client, auth, subscription(), **{"X-Device-Id": "phone-1"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_device_id"
    assert "X-Device-Id" in response.get_json()["errors"]


def test_subscribe_needs_csrf_and_a_session(
    client: Any, auth: Any, make_user: Callable[..., User]
) -> None:
    # Signed out hears "sign in", not "CSRF" (the token is checked after the session).
    anonymous = client.post(URL, json=subscription())
    assert anonymous.status_code == 401
    assert client.delete(URL, json={"endpoint": "x"}).status_code == 401
    make_user("ana")
    auth.login("ana")
    no_token = client.post(URL, json=subscription())
    assert no_token.status_code == 400
    assert no_token.get_json()["error"] == "csrf"
    auth.logout()
    token = auth.csrf("/auth/login")
    response = client.post(URL, json=subscription(), headers={"X-CSRFToken": token})
    assert response.status_code == 401


def test_unsubscribe_deletes_only_the_users_own_subscription(
    app: Flask, client: Any, auth: Any, make_user: Callable[..., User]
) -> None:
    owner = make_user("ana")
    make_user("besa")
    body = subscription()
    auth.login("ana")
    post(client, auth, body)
    auth.logout()
    auth.login("besa")
    endpoint = {"endpoint": body["endpoint"]}
    headers = {"X-CSRFToken": auth.csrf()}
    assert client.delete(URL, json=endpoint, headers=headers).status_code == 204
    assert [s.user_id for s in stored(app)] == [owner.id]
    auth.logout()
    auth.login("ana")
    headers = {"X-CSRFToken": auth.csrf()}
    assert client.delete(URL, json=endpoint, headers=headers).status_code == 204
    assert stored(app) == []
    assert client.delete(URL, json={}, headers=headers).status_code == 422


@pytest.mark.parametrize(
    "role", ["admin", "coordinator", "social_worker", "psychologist", "instructor"]
)
def test_notifications_page_explains_and_offers_a_switch_to_every_role(
    client: Any, auth: Any, make_user: Callable[..., User], role: str
) -> None:
    make_user("ana", role)
    auth.login("ana")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/settings/notifications"' in home
    response = client.get("/settings/notifications")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'role="switch"' in page
    assert '<label class="check" for="push-switch">' in page
    assert "never show names or case details" in page
    assert 'action="/settings/notifications/test"' in page
    assert "js/push.js" in page
    assert "<script>" not in page  # strict CSP: no inline script


def test_notifications_page_needs_a_session(client: Any) -> None:
    assert client.get("/settings/notifications").status_code == 302


def test_test_button_queues_one_test_a_minute_for_subscribed_users(
    app: Flask, client: Any, auth: Any, signed_in: User
) -> None:
    form = {"csrf_token": auth.csrf("/settings/notifications")}
    first = client.post(
        "/settings/notifications/test", data=form, follow_redirects=True
    )
    assert "Turn them on first" in first.get_data(as_text=True)
    post(client, auth, subscription())

    second = client.post(
        "/settings/notifications/test", data=form, follow_redirects=True
    )
    third = client.post(
        "/settings/notifications/test", data=form, follow_redirects=True
    )

    assert "on its way" in second.get_data(as_text=True)
    assert "wait a minute" in third.get_data(as_text=True)
    with app.app_context():
        kinds = db.session().scalars(sa.select(Notification.kind)).all()
    assert kinds == ["test"]


def test_test_button_needs_csrf(client: Any, signed_in: User) -> None:
    assert client.post("/settings/notifications/test").status_code == 400
