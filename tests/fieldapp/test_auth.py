from __future__ import annotations

import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import AuthSession


def test_login_with_the_right_password_starts_a_session(client, auth, make_user):
    make_user("ana")
    response = auth.login("ana")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/families/").status_code == 200


def test_wrong_password_gets_401_and_a_clear_message(client, auth, make_user):
    make_user("ana", locale="en")
    response = auth.login("ana", "not the password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/families/").status_code == 302  # still anonymous


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, auth):
    response = auth.login("nobody", "whatever it is")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, auth, make_user):
    make_user("gone", is_active=False)
    assert auth.login("gone").status_code == 401


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("ana")
    response = client.post("/auth/login", data={"username": "ana", "password": "x"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_empty_login_form_gets_400_with_field_errors(client, auth):
    token = auth.csrf("/auth/login")
    response = client.post("/auth/login", data={"csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter your username." in page
    assert 'aria-invalid="true"' in page


def test_logout_ends_the_session_on_the_server(client, auth, make_user, app):
    make_user("ana")
    auth.login("ana")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    response = auth.logout()
    assert response.status_code == 302
    assert "Clear-Site-Data" in response.headers
    # Replaying the old cookie must not work: the session ended on the server.
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    assert replay.get("/").status_code == 302
    with app.app_context():
        open_sessions = db.session().scalar(
            sa.select(sa.func.count())
            .select_from(AuthSession)
            .where(AuthSession.ended_at.is_(None))
        )
    assert open_sessions == 0


def test_login_redirects_only_to_local_paths(client, auth, make_user):
    make_user("ana")
    token = auth.csrf("/auth/login")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(
            "/auth/login",
            data={
                "username": "ana",
                "password": "a long test passphrase",
                "csrf_token": token,
                "next": evil,
            },
        )
        assert response.headers["Location"] == "/", evil
        auth.logout()
        token = auth.csrf("/auth/login")


def test_failed_logins_are_in_the_access_log(client, auth, make_user, app):
    make_user("ana")
    auth.login("ana", "wrong password here")
    with app.app_context():
        entry = db.session().scalar(
            sa.select(AccessLogEntry).where(AccessLogEntry.action == "login_failed")
        )
    assert entry is not None
    assert entry.username == "ana"
    assert entry.ip == "127.0.0.1"


def test_unknown_path_gets_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_unknown_api_path_gets_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["code"] == 404
    assert set(response.json) >= {"code", "status", "message", "errors"}
