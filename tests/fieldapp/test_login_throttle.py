"""Issue 22, item 7: failed logins slow down their (username, address) pair, never lock an
account, spare the owner's registered device, and answer the same for every name."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth import models
from fieldapp.auth import throttle
from fieldapp.auth.models import LoginAttempt
from fieldapp.auth.models import User
from fieldapp.devices.models import Device

from .conftest import PASSWORD
from .conftest import csrf_token

HOME = "192.0.2.10"  # the owner's address
STRANGER = "203.0.113.66"


class Clock:
    """The time the throttle sees; tests move it on by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "utcnow", fake)
    return fake


def _attempt(client, username: str, password: str, ip: str, device_ids: str = ""):
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={
            "username": username,
            "password": password,
            "device_ids": device_ids,
            "csrf_token": token,
        },
        environ_base={"REMOTE_ADDR": ip},
    )


@pytest.fixture
def attempt(app):
    """Try to sign in from a fresh browser; return the response."""

    def run(username: str, password: str, ip: str = HOME, device_ids: str = ""):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return _attempt(client, username, password, ip, device_ids)

    return run


def _flood(app, username: str, ip: str, count: int, at: datetime) -> None:
    """Store ``count`` failed attempts, as a stranger's script would leave them."""
    with app.app_context():
        for index in range(count):
            db.session().add(
                LoginAttempt(
                    at=at - timedelta(seconds=count - index),
                    username=username,
                    ip=ip,
                    is_success=False,
                )
            )
        db.session().commit()


def _device(app, user: User, *, revoked: bool = False) -> uuid.UUID:
    with app.app_context():
        device = Device(id=uuid.uuid4(), user_id=user.id)
        if revoked:
            device.revoked_at = datetime.now(UTC)
        db.session().add(device)
        db.session().commit()
        return device.id


def _wait(response) -> int:
    assert response.status_code == 429, response.status_code
    return int(response.headers["Retry-After"])


# --- strangers cannot lock anyone out ----------------------------------------------------


def test_strangers_failures_from_other_addresses_do_not_stop_the_owner(
    app, make_user, attempt, clock
):
    make_user("ana")
    # 40 addresses, each failing more than the free attempts: the old lock took 6.
    for host in range(40):
        _flood(app, "ana", f"198.51.100.{host}", 12, clock.now)
    assert _wait(attempt("ana", "another guess", "198.51.100.1")) > 0
    response = attempt("ana", PASSWORD, HOME)
    assert response.status_code == 302
    with app.app_context():
        user = db.session().scalar(sa.select(User).where(User.username == "ana"))
        assert user.locked_until is None


def test_the_owners_device_signs_in_though_strangers_share_the_address(
    app, make_user, attempt, clock
):
    ana = make_user("ana")
    bora = make_user("bora")
    phone = _device(app, ana)
    # A stranger on the same network (office Wi-Fi, a mobile operator's shared
    # address) fails often enough to slow down the pair and the address as well.
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    _flood(app, "ana", HOME, limit + 10, clock.now)
    assert _wait(attempt("ana", PASSWORD, HOME)) > 0  # no device id: waits
    for not_hers in (
        str(uuid.uuid4()),  # registered to nobody
        str(_device(app, bora)),  # someone else's
        str(_device(app, ana, revoked=True)),  # hers, but revoked
        "not-a-uuid",
    ):
        assert _wait(attempt("ana", PASSWORD, HOME, not_hers)) > 0, not_hers
    # The browser sends every id it knows; one of them is her phone.
    known = f"{uuid.uuid4()},{phone}"
    assert attempt("ana", PASSWORD, HOME, known).status_code == 302


def test_a_known_device_has_its_own_growing_delay(app, make_user, attempt, clock):
    ana = make_user("ana")
    phone = str(_device(app, ana))
    free = app.config["LOGIN_FREE_FAILURES"]
    for _ in range(free):
        assert attempt("ana", "typo", HOME, phone).status_code == 401
    assert _wait(attempt("ana", "typo", HOME, phone)) == 2
    # Guesses through the device's id do not spill over onto the address pair...
    assert attempt("ana", PASSWORD, HOME).status_code == 302
    # ... nor does a success there clear the device's pair.
    assert _wait(attempt("ana", PASSWORD, HOME, phone)) == 2
    clock.advance(2)
    assert attempt("ana", PASSWORD, HOME, phone).status_code == 302


# --- growing delays per pair ------------------------------------------------------------


def test_the_pair_delay_doubles_up_to_the_cap_and_a_success_resets_it(
    app, make_user, attempt, clock
):
    make_user("ana")
    free = app.config["LOGIN_FREE_FAILURES"]
    cap = app.config["LOGIN_MAX_DELAY_SECONDS"]
    for _ in range(free):
        clock.advance(1)
        assert attempt("ana", "wrong", HOME).status_code == 401
    waits = []
    while not waits or waits[-1] < cap:
        first = _wait(attempt("ana", "wrong", HOME))
        waits.append(first)
        # Still waiting a little before the time is up, however often one retries;
        # a retry while waiting is not counted as a failure.
        clock.advance(first - 1)
        assert _wait(attempt("ana", PASSWORD, HOME)) == 1
        clock.advance(1)
        assert attempt("ana", "wrong", HOME).status_code == 401
    assert waits[:4] == [2, 4, 8, 16]
    # Each wait twice the one before, until the last, which the cap cut short.
    assert all(b == 2 * a for a, b in itertools.pairwise(waits[:-1]))
    assert waits[-1] == cap
    # At the cap it grows no more.
    assert _wait(attempt("ana", "wrong", HOME)) == cap
    page = attempt("ana", "wrong", HOME).get_data(as_text=True)
    assert f"Please wait {cap // 60} minutes and try again." in page
    # Another address, and the same address for another name, are untouched.
    assert attempt("ana", "wrong", STRANGER).status_code == 401
    assert attempt("bora", "wrong", HOME).status_code == 401
    # After the wait the right password works, and the pair starts afresh.
    clock.advance(cap)
    assert attempt("ana", PASSWORD, HOME).status_code == 302
    for _ in range(free):
        assert attempt("ana", "wrong", HOME).status_code == 401


def test_failures_older_than_the_window_are_forgotten(app, make_user, attempt, clock):
    make_user("ana")
    _flood(app, "ana", HOME, 20, clock.now)
    assert _wait(attempt("ana", PASSWORD, HOME)) > 0
    clock.advance(app.config["LOGIN_WINDOW_MINUTES"] * 60 + 30)
    assert attempt("ana", PASSWORD, HOME).status_code == 302


def test_one_address_trying_many_names_waits(app, attempt, clock):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for index in range(limit):
        assert attempt(f"user{index}", "wrong", STRANGER).status_code == 401
    assert _wait(attempt("someone-else", "wrong", STRANGER)) == 2
    assert attempt("someone-else", "wrong", HOME).status_code == 401


# --- the same answer for every name at every moment ---------------------------------------

_TOKEN = re.compile(r'"[A-Za-z0-9._-]{40,}"')


def _answer(response, username: str) -> tuple:
    """What a prober sees, with the name typed and the per-request tokens blanked."""
    body = _TOKEN.sub('"TOKEN"', response.get_data(as_text=True))
    body = body.replace(f'value="{username}"', 'value="NAME"')
    return (
        response.status_code,
        response.headers.get("Retry-After"),
        response.headers.get("Content-Type"),
        body,
    )


def test_real_and_unknown_names_answer_alike_at_every_moment(
    app, make_user, clock, monkeypatch
):
    make_user("ana")
    unknown = "zed"  # no such account
    verifications: list[str] = []

    class CountingHasher:
        """The test hasher, counting the Argon2 checks each request makes."""

        def __init__(self, hasher) -> None:
            self.hasher = hasher

        def hash(self, password: str) -> str:
            return self.hasher.hash(password)

        def verify(self, hash_: str, password: str) -> bool:
            verifications.append(hash_)
            return self.hasher.verify(hash_, password)

    monkeypatch.setattr(models, "_hasher", CountingHasher(models._hasher))
    # Two probers with identical histories, one per name, each from its own address.
    probers = {"ana": (app.test_client(), HOME), unknown: (app.test_client(), STRANGER)}
    steps: list[str] = []

    def both(password: str, label: str, expect: int | None = None) -> int:
        answers, work = {}, {}
        for name, (client, ip) in probers.items():
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            token = csrf_token(client)
            del verifications[:]
            response = client.post(
                "/auth/login",
                data={"username": name, "password": password, "csrf_token": token},
                environ_base={"REMOTE_ADDR": ip},
            )
            answers[name] = _answer(response, name)
            work[name] = len(verifications)
        steps.append(label)
        assert answers["ana"] == answers[unknown], label
        assert work["ana"] == work[unknown], label  # one Argon2 check each, or none
        status = answers["ana"][0]
        if expect is not None:
            assert status == expect, label
        return status

    def set_account(**values) -> None:
        with app.app_context():
            user = db.session().scalar(sa.select(User).where(User.username == "ana"))
            for name, value in values.items():
                setattr(user, name, value)
            db.session().commit()

    free = app.config["LOGIN_FREE_FAILURES"]
    for index in range(free):
        clock.advance(1)
        both("wrong", f"failure {index + 1}", 401)
    both("wrong", "throttled at once", 429)
    clock.advance(1)
    both("wrong", "half-way through the wait", 429)
    clock.advance(1)
    both("wrong", "wait over, one more failure", 401)
    both("wrong", "longer wait", 429)
    clock.advance(4)
    # The states that used to answer differently for a real account.
    set_account(locked_until=datetime.now(UTC) + timedelta(minutes=30))
    both("wrong", "locked_until of the old lockout (ignored)", 401)
    clock.advance(8)
    set_account(is_active=False)
    both(PASSWORD, "inactive account, its right password", 401)
    clock.advance(16)
    set_account(
        is_active=True,
        must_change_password=True,
        password_changed_at=datetime.now(UTC) - timedelta(days=30),
    )
    both(PASSWORD, "expired temporary password, the right one", 401)
    both(PASSWORD, "and throttled after it", 429)
    # An hour later everything is forgotten, for both names alike.
    clock.advance(app.config["LOGIN_WINDOW_MINUTES"] * 60 + 1)
    set_account(must_change_password=False, locked_until=None)
    both("wrong", "a fresh window", 401)
    assert len(steps) == free + 9
