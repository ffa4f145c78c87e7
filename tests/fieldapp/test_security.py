"""Issue 7: sessions, headers, throttling, CSRF and injected text, each attack written out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import User
from fieldapp.db import utcnow

from .conftest import PASSWORD
from .conftest import csrf_token


def _age_sessions(app, **delta: int) -> None:
    with app.app_context():
        for auth_session in db.session().scalars(sa.select(AuthSession)):
            auth_session.last_seen_at = utcnow() - timedelta(**delta)
            auth_session.created_at = min(
                auth_session.created_at, auth_session.last_seen_at
            )
        db.session().commit()


# --- cookies and sessions ---------------------------------------------------------------


def _https_login(client, *, referer: str):
    """Sign in as ana over https, the browser saying it came from ``referer``."""
    page = client.get("/auth/login", base_url="https://localhost")
    token = csrf_token_in(page.get_data(as_text=True))
    return client.post(
        "/auth/login",
        base_url="https://localhost",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": referer},
    )


def csrf_token_in(page: str) -> str:
    """Return the CSRF token of a rendered page."""
    return page.split('name="csrf-token" content="')[1].split('"')[0]


@pytest.mark.parametrize("config_overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_session_cookie_is_host_prefixed_secure_httponly_samesite(
    client, make_user, config_overrides
):
    make_user("ana")
    response = _https_login(client, referer="https://localhost/auth/login")
    assert response.status_code == 302
    cookie = next(
        h
        for h in response.headers.getlist("Set-Cookie")
        if h.startswith("__Host-fieldapp=")
    )
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_login_starts_a_new_session_so_a_planted_cookie_is_useless(
    client, auth, make_user, app
):
    make_user("ana")
    client.get("/auth/login")
    planted = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    auth.login("ana")
    fresh = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert fresh != planted
    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], planted)
    assert attacker.get("/").status_code == 302


@pytest.mark.parametrize("config_overrides", [{"SESSION_COOKIE_SECURE": True}])
def test_https_post_from_another_site_is_refused(client, make_user, config_overrides):
    make_user("ana")
    response = _https_login(client, referer="https://evil.example/login")
    assert response.status_code == 400


def test_another_users_session_cookie_is_tied_to_that_user_only(
    client, auth, make_user, app
):
    make_user("ana")
    make_user("bora", "instructor")
    auth.login("bora")
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    # The cookie is bora's: it grants nothing beyond bora's role (no families for instructors).
    assert thief.get("/families/").status_code == 403


def test_idle_session_ends_after_the_idle_timeout(client, auth, make_user, app):
    make_user("ana")
    auth.login("ana")
    assert client.get("/").status_code == 200
    _age_sessions(app, minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_idle_session_gets_a_json_401_on_the_api(client, auth, make_user, app):
    make_user("ana")
    auth.login("ana")
    _age_sessions(app, minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    response = client.get("/api/v1/csrf")
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_session_ends_after_the_absolute_timeout_even_when_active(
    client, auth, make_user, app
):
    make_user("ana")
    auth.login("ana")
    with app.app_context():
        for auth_session in db.session().scalars(sa.select(AuthSession)):
            auth_session.created_at = utcnow() - timedelta(
                minutes=app.config["SESSION_ABSOLUTE_MINUTES"] + 1
            )
            auth_session.last_seen_at = utcnow()
        db.session().commit()
    assert client.get("/").status_code == 302


def test_default_idle_timeout_is_at_most_an_hour(app):
    assert app.config["SESSION_IDLE_MINUTES"] <= 60


def test_deactivating_a_user_ends_their_sessions(client, auth, make_user, app):
    victim = make_user("ana")
    auth.login("ana")
    assert client.get("/").status_code == 200
    make_user("boss", "admin")
    admin = app.test_client()
    token = csrf_token(admin)
    admin.post(
        "/auth/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": token},
    )
    token = csrf_token(admin, f"/users/{victim.id}/edit")
    response = admin.post(
        f"/users/{victim.id}/edit",
        data={
            "username": "ana",
            "full_name": "Ana",
            "role": "social_worker",
            "locale": "en",
            "csrf_token": token,
        },
    )  # is_active unchecked
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert auth.login("ana").status_code == 401


# --- headers ---------------------------------------------------------------------------


def test_pages_carry_the_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_and_apis_with_beneficiary_data_are_not_cached(
    client, auth, make_user, make_family
):
    user = make_user("ana")
    family = make_family(assigned_to=(user,))
    auth.login("ana")
    for path in ("/", "/families/", f"/families/{family.id}", "/api/v1/sync/pull"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_templates_have_no_inline_script_or_style(app):
    import pathlib
    import re

    root = pathlib.Path(app.root_path)
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"<style\b", text)
            or re.search(r'\sstyle="', text)
            or re.search(r"\son[a-z]+=\"", text)
        ):
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


# --- login throttling ------------------------------------------------------------------


def test_a_flood_of_wrong_passwords_is_throttled_but_never_locks_the_account(
    client, auth, make_user, app
):
    # More in tests/fieldapp/test_login_throttle.py (issue 22, item 7).
    make_user("ana")
    free = app.config["LOGIN_FREE_FAILURES"]
    statuses = [
        auth.login("ana", f"wrong guess {i}").status_code for i in range(free + 2)
    ]
    assert statuses[:free] == [401] * free
    assert statuses[free:] == [429, 429]
    # Even the right password waits here, with a clear message saying how long...
    waiting = auth.login("ana")
    assert waiting.status_code == 429
    # (2 seconds after the last failure, less the time this test took since then)
    assert re.search(r"Please wait [12] seconds? and", waiting.get_data(as_text=True))
    # ... but only from this address: the account itself is not locked.
    elsewhere = app.test_client()
    token = csrf_token(elsewhere)
    response = elsewhere.post(
        "/auth/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session().scalar(sa.select(User).where(User.username == "ana"))
        assert user.locked_until is None


def test_many_usernames_from_one_address_are_throttled(client, auth, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        auth.login(f"user{i}", "wrong password")
    assert auth.login("someone-else", "wrong password").status_code == 429


def test_a_sign_in_answers_with_its_csrf_secret_already_made(client, make_user):
    """The requests that follow a sign-in come at once: none may make its own secret
    (the last cookie would win and the others' tokens be refused)."""
    make_user("ana")
    with client.session_transaction() as before:
        assert "csrf_token" not in before
    page = client.get("/auth/login")
    with client.session_transaction() as anonymous:
        old = anonymous["csrf_token"]
    response = client.post(
        "/auth/login",
        data={
            "username": "ana",
            "password": PASSWORD,
            "csrf_token": csrf_token_in(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    with client.session_transaction() as signed_in:
        assert signed_in["csrf_token"]
        assert signed_in["csrf_token"] != old  # rotated at sign-in
        made = signed_in["csrf_token"]
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    assert token
    with client.session_transaction() as after:
        assert after["csrf_token"] == made  # the API call used it, made no other
