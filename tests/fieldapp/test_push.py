"""Web Push end to end against a stand-in push service on loopback.

The stand-in records each request; the tests check the VAPID header (ES256 signature,
aud, exp), TTL/Urgency/Topic, decrypt the aes128gcm body with the key pair the test made
as "the browser", and look at what the payload says and what it must never say.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece
import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask import Flask

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.db import utcnow
from fieldapp.extensions import babel
from fieldapp.families.models import Family
from fieldapp.push import keys
from fieldapp.push import reminders
from fieldapp.push import sender
from fieldapp.push.models import Notification
from fieldapp.push.models import PushSubscription
from fieldapp.push.services import queue_notification

VAPID = keys.generate()
PAYLOAD_KEYS = {"type", "count", "url", "title", "body", "tag"}
#: Names used by these tests' families: none may ever appear in a payload.
FAMILY_NAME = "Zeqiri-Gashi"
MEMBER_NAMES = ("Arbnora", "Valdrin")
WORKER_NAME = "Drita Berisha"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- translations made for the test: proves the sender speaks the recipient's language


SR_CYRL_VISITS = (
    "%(num)d кућна посета је на реду",
    "%(num)d кућне посете су на реду",
    "%(num)d кућних посета је на реду",
)
SQ_VISITS = (
    "%(num)d vizitë në shtëpi është në radhë",
    "%(num)d vizita në shtëpi janë në radhë",
)
VISIT_BODY = "Due today or overdue. Open your caseload to plan them."
SR_CYRL_BODY = "Данас или касније. Отворите своје предмете да их испланирате."
SQ_BODY = "Sot ose me vonesë. Hapni rastet tuaja për t'i planifikuar."


@pytest.fixture(scope="session")
def test_catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compile small sq and sr_Cyrl catalogs holding two of the push texts."""
    root = tmp_path_factory.mktemp("push-translations")
    for locale, plural, body in (
        ("sr_Cyrl", SR_CYRL_VISITS, SR_CYRL_BODY),
        ("sq", SQ_VISITS, SQ_BODY),
    ):
        catalog = Catalog(locale=locale)
        catalog.add(
            ("%(num)d home visit is due", "%(num)d home visits are due"), plural
        )
        catalog.add(VISIT_BODY, body)
        target = root / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as file:
            write_mo(file, catalog)
    return root


@pytest.fixture
def config_overrides(test_catalogs: Path) -> dict[str, Any]:
    return {
        "VAPID_PRIVATE_KEY": VAPID.raw_private,
        "VAPID_CLAIM_SUBJECT": "mailto:ops@fieldapp.example",
        "PUSH_SEND_AFTER_REQUEST": False,
        "BABEL_TRANSLATION_DIRECTORIES": f"translations;{test_catalogs}",
    }


@pytest.fixture(autouse=True)
def _fresh_translation_cache(app: Flask) -> Iterator[None]:
    # flask-babel caches catalogs per locale for the process: neither leak nor inherit.
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield
    with app.app_context():
        babel.domain_instance.cache.clear()


# --- the stand-in push service


@dataclass
class Received:
    path: str
    #: names in lower case
    headers: dict[str, str]
    body: bytes


@dataclass
class StandIn:
    base: str
    requests: list[Received] = field(default_factory=list)
    #: status to answer per path (default 201)
    status: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def push_service() -> Iterator[StandIn]:
    """Run a stand-in push service on 127.0.0.1 and a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    standin = StandIn(base=f"http://127.0.0.1:{server.server_address[1]}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            standin.requests.append(
                Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            self.send_response(standin.status.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield standin
    server.shutdown()
    server.server_close()


@dataclass
class Browser:
    """The subscription side of a browser: a P-256 key pair and an auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(
            body,
            private_key=self.private_key,
            auth_secret=self.auth,
            version="aes128gcm",
        )


def check_vapid(received: Received, standin: StandIn) -> dict[str, Any]:
    """Verify the VAPID Authorization header like a push service; return the claims."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(part.split("=", 1) for part in params.split(","))
    assert parts["k"] == VAPID.public_key
    head, claims_b64, signature = parts["t"].split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(parts["k"])
    )
    raw = b64url_decode(signature)
    der = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    public.verify(der, f"{head}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(b64url_decode(head))["alg"] == "ES256"
    claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == standin.base
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"] == "mailto:ops@fieldapp.example"
    return claims


def open_payload(
    received: Received, browser: Browser, standin: StandIn
) -> dict[str, Any]:
    """Check one push request fully and return its decrypted JSON payload."""
    check_vapid(received, standin)
    assert received.headers["content-encoding"] == "aes128gcm"
    plain = browser.decrypt(received.body)
    assert len(plain) < 512
    assert_no_personal_data(plain)
    payload: dict[str, Any] = json.loads(plain)
    assert set(payload) == PAYLOAD_KEYS
    assert payload["url"].startswith("/")
    assert not payload["url"].startswith("//")
    return payload


def assert_no_personal_data(plain: bytes) -> None:
    text = plain.decode("utf-8").casefold()
    for name in (FAMILY_NAME, *MEMBER_NAMES, WORKER_NAME, *WORKER_NAME.split()):
        assert name.casefold() not in text, f"{name!r} leaked into a push payload"


# --- helpers


@pytest.fixture
def subscribe(client: Any, auth: Any, push_service: StandIn) -> Callable[..., Browser]:
    """Sign in as ``username`` and subscribe a new browser through the API."""

    signed_in: list[str] = []

    def make(username: str, name: str | None = None) -> Browser:
        if signed_in != [username]:
            if signed_in:
                auth.logout()
            auth.login(username)
            signed_in[:] = [username]
        browser = Browser(
            endpoint=f"{push_service.base}/push/{name or uuid.uuid4().hex}"
        )
        response = client.post(
            "/api/v1/push/subscriptions",
            json=browser.subscription(),
            headers={"X-CSRFToken": auth.csrf()},
        )
        assert response.status_code == 201, response.get_json()
        return browser

    return make


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("drita", "social_worker", full_name=WORKER_NAME)


@pytest.fixture
def assigned_family(make_family: Callable[..., Family], worker: User) -> Family:
    return make_family(FAMILY_NAME, members=MEMBER_NAMES, assigned_to=(worker,))


def queue(app: Flask, user: User, kind: str, count: int = 1) -> int:
    with app.app_context():
        notification = queue_notification(
            db.session().get(User, user.id),
            kind,
            count=count,
            dedupe=f"{kind}:{uuid.uuid4()}",
        )
        assert notification is not None
        db.session().commit()
        return notification.id


def deliver(app: Flask) -> sender.SendStats:
    with app.app_context():
        return sender.deliver_due()


def notification(app: Flask, notification_id: int) -> Notification:
    with app.app_context():
        found = db.session().get(Notification, notification_id)
        assert found is not None
        return found


def subscriptions(app: Flask, user: User) -> list[PushSubscription]:
    with app.app_context():
        return list(
            db.session().scalars(
                sa.select(PushSubscription).where(PushSubscription.user_id == user.id)
            )
        )


# --- the server half, end to end


def test_assigned_notification_arrives_signed_encrypted_and_without_names(
    app: Flask,
    worker: User,
    assigned_family: Family,
    subscribe: Callable[..., Browser],
    push_service: StandIn,
) -> None:
    browser = subscribe("drita")
    queue(app, worker, "assigned")

    stats = deliver(app)

    assert (stats.sent, stats.failed, stats.removed) == (1, 0, 0)
    [received] = push_service.requests
    payload = open_payload(received, browser, push_service)
    assert payload == {
        "type": "assigned",
        "count": 1,
        "url": "/families/",
        "title": "A family was assigned to you",
        "body": "Open your caseload to see who is new.",
        "tag": "fieldapp-assigned",
    }
    assert received.headers["ttl"] == str(3 * 24 * 3600)
    assert received.headers["urgency"] == "high"
    assert received.headers["topic"] == "assigned"
    plain = browser.decrypt(received.body)
    assert str(assigned_family.id).encode() not in plain
    assert all(str(m.id).encode() not in plain for m in assigned_family.members)


def test_reminders_are_worded_in_each_recipients_language(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    subscribe: Callable[..., Browser],
    push_service: StandIn,
) -> None:
    serbian = make_user("milica", "social_worker", locale="sr_Cyrl")
    albanian = make_user("blerta", "social_worker", locale="sq")
    browsers = {}
    for user in (serbian, albanian):
        for index in range(2):
            family = make_family(
                f"{FAMILY_NAME}{index}", members=MEMBER_NAMES, assigned_to=(user,)
            )
            with app.app_context():
                db.session().get(Family, family.id).next_visit_on = (  # type: ignore[union-attr]
                    reminders.local_now().date() - timedelta(days=index)
                )
                db.session().commit()
        browsers[user.username] = subscribe(user.username, name=user.username)
    with app.app_context():
        assert reminders.queue_reminders() == {"visit_due": 2}
        db.session().commit()

    deliver(app)

    by_path = {r.path: r for r in push_service.requests}
    sr = open_payload(by_path["/push/milica"], browsers["milica"], push_service)
    sq = open_payload(by_path["/push/blerta"], browsers["blerta"], push_service)
    assert sr["title"] == "2 кућне посете су на реду"
    assert sr["body"] == SR_CYRL_BODY
    assert sq["title"] == "2 vizita në shtëpi janë në radhë"
    assert sq["body"] == SQ_BODY
    assert sr["type"] == sq["type"] == "visit_due"
    assert sr["count"] == sq["count"] == 2
    assert by_path["/push/milica"].headers["ttl"] == str(24 * 3600)
    assert by_path["/push/milica"].headers["urgency"] == "normal"


@pytest.mark.parametrize("status", [404, 410])
def test_dead_subscription_is_deleted(
    app: Flask,
    worker: User,
    push_service: StandIn,
    subscribe: Callable[..., Browser],
    status: int,
) -> None:
    subscribe("drita", name="dead")
    alive = subscribe("drita", name="alive")
    push_service.status["/push/dead"] = status
    notification_id = queue(app, worker, "rejected")

    stats = deliver(app)

    assert (stats.sent, stats.removed, stats.failed) == (1, 1, 0)
    assert [s.endpoint for s in subscriptions(app, worker)] == [alive.endpoint]
    assert notification(app, notification_id).sent_at is not None


def test_server_error_keeps_subscription_and_retries_later(
    app: Flask, worker: User, push_service: StandIn, subscribe: Callable[..., Browser]
) -> None:
    browser = subscribe("drita", name="flaky")
    push_service.status["/push/flaky"] = 500
    notification_id = queue(app, worker, "conflict")

    first = deliver(app)

    assert (first.sent, first.failed, first.removed) == (0, 1, 0)
    [kept] = subscriptions(app, worker)
    assert kept.failure_count == 1
    queued = notification(app, notification_id)
    assert queued.sent_at is None
    assert queued.attempts == 1
    assert "500" in queued.last_error
    assert queued.next_attempt_at is not None
    assert queued.next_attempt_at > utcnow()
    # Not due yet: a second run right away sends nothing.
    assert deliver(app).failed == 0
    assert len(push_service.requests) == 1

    push_service.status.pop("/push/flaky")
    with app.app_context():
        db.session().get(Notification, notification_id).next_attempt_at = (  # type: ignore[union-attr]
            utcnow() - timedelta(seconds=1)
        )
        db.session().commit()
    again = deliver(app)

    assert again.sent == 1
    assert notification(app, notification_id).sent_at is not None
    assert subscriptions(app, worker)[0].failure_count == 0
    assert (
        open_payload(push_service.requests[-1], browser, push_service)["type"]
        == "conflict"
    )


def test_unreachable_push_service_is_retried_not_raised(
    app: Flask, worker: User, push_service: StandIn
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    browser = Browser(endpoint=f"http://127.0.0.1:{closed_port}/push/x")
    with app.app_context():
        sub = browser.subscription()
        db.session().add(
            PushSubscription(
                user_id=worker.id,
                endpoint=sub["endpoint"],
                p256dh=sub["keys"]["p256dh"],
                auth=sub["keys"]["auth"],
            )
        )
        db.session().commit()
    notification_id = queue(app, worker, "assigned")

    stats = deliver(app)

    assert stats.failed == 1
    assert notification(app, notification_id).attempts == 1
    assert len(subscriptions(app, worker)) == 1


def test_stale_reminder_is_dropped_not_sent(
    app: Flask, worker: User, push_service: StandIn, subscribe: Callable[..., Browser]
) -> None:
    subscribe("drita")
    notification_id = queue(app, worker, "visit_due", count=3)
    with app.app_context():
        db.session().get(Notification, notification_id).created_at = (  # type: ignore[union-attr]
            utcnow() - timedelta(days=2)
        )
        db.session().commit()

    stats = deliver(app)

    assert stats.dropped == 1
    assert push_service.requests == []
    assert notification(app, notification_id).last_error == "expired"


def test_user_without_subscription_is_marked_done(app: Flask, worker: User) -> None:
    notification_id = queue(app, worker, "assigned")
    stats = deliver(app)
    assert stats.dropped == 1
    assert notification(app, notification_id).last_error == "no subscription"


def test_every_kind_has_a_short_payload_in_every_language(app: Flask) -> None:
    from fieldapp.push import payloads

    with app.test_request_context():
        for kind in payloads.KINDS:
            for locale in app.config["LANGUAGES"]:
                for count in (1, 3, 1000):
                    built = payloads.build(kind, count, "/families/", locale)
                    assert set(built) == PAYLOAD_KEYS
                    assert len(payloads.encode(built)) < 512
        assert (
            payloads.build("assigned", 1, "https://evil.example/x", "en")["url"] == "/"
        )
        assert payloads.build("assigned", 1, "//evil.example/x", "en")["url"] == "/"


# --- the command line


def test_push_test_command_sends_to_every_subscription_of_the_user(
    app: Flask,
    worker: User,
    runner: Any,
    push_service: StandIn,
    subscribe: Callable[..., Browser],
) -> None:
    phone, tablet = subscribe("drita", name="phone"), subscribe("drita", name="tablet")
    subscribe("drita", name="gone")
    push_service.status["/push/gone"] = 410

    result = runner.invoke(args=["push", "test", "drita"])

    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0, removed 1" in result.output
    by_path = {r.path: r for r in push_service.requests}
    assert open_payload(by_path["/push/phone"], phone, push_service)["type"] == "test"
    assert open_payload(by_path["/push/tablet"], tablet, push_service)["title"] == (
        "Test notification"
    )
    assert len(subscriptions(app, worker)) == 2


def test_push_test_command_refuses_an_unknown_user(runner: Any) -> None:
    result = runner.invoke(args=["push", "test", "nobody"])
    assert result.exit_code != 0
    assert "No user 'nobody'" in result.output


def test_vapid_keys_command_writes_a_private_file_the_app_then_uses(
    app: Flask, runner: Any
) -> None:
    app.config["VAPID_PRIVATE_KEY"] = ""

    result = runner.invoke(args=["push", "vapid-keys"])

    assert result.exit_code == 0, result.output
    path = keys.key_file(app)
    assert path.stat().st_mode & 0o777 == 0o600
    with app.app_context():
        loaded = keys.load()
    assert loaded is not None
    assert loaded.public_key in result.output
    again = runner.invoke(args=["push", "vapid-keys"])
    assert again.exit_code != 0
    assert "--force" in again.output
    assert runner.invoke(args=["push", "vapid-keys", "--force"]).exit_code == 0


def test_vapid_keys_command_can_print_environment_lines(
    runner: Any, app: Flask
) -> None:
    result = runner.invoke(args=["push", "vapid-keys", "--env"])
    lines = dict(line.split("=", 1) for line in result.output.split())
    app.config["VAPID_PRIVATE_KEY"] = lines["FIELDAPP_VAPID_PRIVATE_KEY"]
    with app.app_context():
        loaded = keys.load()
    assert loaded is not None
    assert loaded.public_key == lines["FIELDAPP_VAPID_PUBLIC_KEY"]
    assert not keys.key_file(app).exists()


def test_send_and_run_commands_explain_missing_keys(app: Flask, runner: Any) -> None:
    app.config["VAPID_PRIVATE_KEY"] = ""
    for command in ("send", "run", "test"):
        result = runner.invoke(
            args=["push", command, *(["x"] if command == "test" else [])]
        )
        assert result.exit_code != 0
        assert "vapid-keys" in result.output


def test_run_command_queues_reminders_and_delivers(
    app: Flask,
    worker: User,
    assigned_family: Family,
    runner: Any,
    push_service: StandIn,
    subscribe: Callable[..., Browser],
) -> None:
    browser = subscribe("drita")
    with app.app_context():
        db.session().get(Family, assigned_family.id).next_visit_on = (  # type: ignore[union-attr]
            reminders.local_now().date()
        )
        db.session().commit()

    first = runner.invoke(args=["push", "run"])
    second = runner.invoke(args=["push", "run"])

    assert "visit_due 1" in first.output
    assert "Sent 1" in first.output
    assert "nothing new" in second.output
    assert "Sent 0" in second.output
    [received] = push_service.requests
    assert open_payload(received, browser, push_service)["count"] == 1


def test_vapid_key_file_lives_in_a_git_ignored_folder() -> None:
    # The key file lives in the instance folder, which git ignores.
    ignored = Path(__file__).resolve().parents[2] / ".gitignore"
    assert "instance/" in ignored.read_text().split()
