from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import AuthSession
from fieldapp.devices.models import Device
from fieldapp.submissions.models import Submission
from sync import samples


def token(client):
    return client.get("/api/v1/csrf").json["csrf_token"]


def register(client, device_id, csrf):
    return client.post(
        "/api/v1/devices",
        json={"device_id": device_id, "app_version": "1.2"},
        headers={"X-CSRFToken": csrf, "X-Device-Id": device_id},
    )


def test_register_then_push_records_the_reported_figures(app, client, auth, make_user):
    make_user("ana")
    auth.login("ana")
    device = str(uuid.uuid4())
    csrf = token(client)
    response = register(client, device, csrf)
    assert response.status_code == 200
    assert response.json["device_id"] == device
    body = {
        "protocol": 1,
        "device": {
            "id": device,
            "pending_count": 4,
            "oldest_pending_at": "2025-03-01T08:00:00Z",
            "app_version": "1.3",
        },
        "items": [samples.home_visit(uuid.uuid4())],
    }
    client.post(
        "/api/v1/sync/push",
        json=body,
        headers={"X-CSRFToken": csrf, "X-Device-Id": device},
    )
    with app.app_context():
        stored = db.session().get(Device, uuid.UUID(device))
        # 4 counted before sending, this batch included: the visit stored left it.
        assert stored.pending_count == 3
        assert stored.oldest_pending_at.isoformat() == "2025-03-01T08:00:00+00:00"
        assert stored.app_version == "1.3"
        assert stored.last_sync_at is not None


def test_a_device_id_of_another_user_is_refused_409(client, auth, make_user):
    make_user("ana")
    make_user("dea")
    device = str(uuid.uuid4())
    auth.login("ana")
    register(client, device, token(client))
    auth.logout()
    auth.login("dea")
    response = register(client, device, token(client))
    assert response.status_code == 409


def test_admin_revokes_and_the_device_is_told_to_wipe(app, client, auth, make_user):
    make_user("ana")
    make_user("root", "admin")
    device = str(uuid.uuid4())
    auth.login("ana")
    csrf = token(client)
    register(client, device, csrf)
    auth.logout()
    auth.login("root")
    page = client.get("/devices/").get_data(as_text=True)
    assert "Ana" in page
    response = client.post(
        f"/devices/{device}/revoke",
        data={"csrf_token": auth.csrf("/devices/"), "confirm": "wipe"},
    )
    assert response.status_code == 302
    auth.logout()
    auth.login("ana")
    headers = {"X-Device-Id": device}
    for response in (
        client.get("/api/v1/csrf", headers=headers),
        client.get("/api/v1/sync/pull", headers=headers),
        register(client, device, token(client)),
        client.post(
            "/api/v1/sync/push",
            headers={"X-CSRFToken": token(client)},
            json={
                "protocol": 1,
                "device": {"id": device},
                "items": [samples.home_visit(uuid.uuid4())],
            },
        ),
    ):
        assert response.status_code == 403
        assert response.json["error"] == "device_revoked"
        assert response.json["wipe"] is True
    with app.app_context():
        assert db.session().scalar(sa.select(sa.func.count(Submission.id))) == 0
        logged = db.session().scalar(
            sa.select(AccessLogEntry).where(AccessLogEntry.action == "revoke")
        )
        assert logged.record_id == device


def test_only_admins_see_the_devices_page(client, auth, make_user):
    make_user("cora", "coordinator")
    auth.login("cora")
    assert client.get("/devices/").status_code == 403


def test_revoke_needs_csrf(client, auth, make_user):
    make_user("root", "admin")
    auth.login("root")
    response = client.post(f"/devices/{uuid.uuid4()}/revoke")
    assert response.status_code == 400


def _bound_session(client, auth, username="ana"):
    """Sign ``username`` in and register a device, as the phone does; return its id."""
    auth.login(username)
    device = str(uuid.uuid4())
    response = register(client, device, token(client))
    assert response.status_code == 200
    return device


def _revoke_as_admin(signed_in, device):
    admin, csrf = signed_in("root")
    response = admin.post(
        f"/devices/{device}/revoke", data={"csrf_token": csrf, "confirm": "wipe"}
    )
    assert response.status_code == 302


def _is_login_redirect(response):
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_registering_binds_the_session_to_the_device(app, client, auth, make_user):
    make_user("ana")
    device = _bound_session(client, auth)
    with app.app_context():
        bound = (
            db.session()
            .scalars(
                sa.select(AuthSession.device_id).where(AuthSession.ended_at.is_(None))
            )
            .all()
        )
    assert bound == [uuid.UUID(device)]


def test_revoking_a_device_ends_its_session_everywhere(
    app, client, auth, make_user, signed_in
):
    make_user("ana")
    make_user("root", "admin")
    device = _bound_session(client, auth)
    assert (
        client.get("/api/v1/sync/pull", headers={"X-Device-Id": device}).status_code
        == 200
    )

    _revoke_as_admin(signed_in, device)

    # The stolen cookie, without the header, with a fresh device id, and on pages.
    fresh = str(uuid.uuid4())
    assert client.get("/api/v1/sync/pull").status_code == 401
    assert client.get("/api/v1/csrf").status_code == 401
    assert client.get("/api/v1/csrf", headers={"X-Device-Id": fresh}).status_code == 401
    assert register(client, fresh, "any-token").status_code == 401
    for page in ("/", "/families/", "/submissions/", "/outbox"):
        assert _is_login_redirect(client.get(page)), page
    # Naming the revoked device still tells whoever holds it to wipe.
    response = client.get("/api/v1/sync/pull", headers={"X-Device-Id": device})
    assert response.status_code == 403
    assert response.json["wipe"] is True
    with app.app_context():
        assert db.session().get(Device, uuid.UUID(fresh)) is None
        open_sessions = db.session().scalar(
            sa.select(sa.func.count())
            .select_from(AuthSession)
            .join(AuthSession.user)
            .where(AuthSession.ended_at.is_(None), AuthSession.user.has(username="ana"))
        )
        assert open_sessions == 0


def test_a_bound_session_refuses_api_calls_that_do_not_name_its_device(
    client, auth, make_user
):
    make_user("ana")
    device = _bound_session(client, auth)
    response = client.get("/api/v1/sync/pull")
    assert response.status_code == 403
    assert response.json["error"] == "device_required"
    assert (
        client.get("/api/v1/sync/pull", headers={"X-Device-Id": device}).status_code
        == 200
    )
    # Pages carry no header (browsers send none on a navigation) and still open.
    assert client.get("/families/").status_code == 200


def test_a_bound_session_that_names_another_device_is_ended(
    app, client, auth, make_user
):
    make_user("ana")
    device = _bound_session(client, auth)
    other = str(uuid.uuid4())
    response = client.get("/api/v1/csrf", headers={"X-Device-Id": other})
    assert response.status_code == 401
    assert (
        client.get("/api/v1/csrf", headers={"X-Device-Id": device}).status_code == 401
    )
    assert _is_login_redirect(client.get("/families/"))
    with app.app_context():
        logged = db.session().scalar(
            sa.select(AccessLogEntry).where(
                AccessLogEntry.action == "session_device_mismatch"
            )
        )
        assert logged is not None
        assert logged.record_id == other


def test_a_new_session_binds_to_the_known_device_it_names(app, client, auth, make_user):
    make_user("ana")
    device = _bound_session(client, auth)
    auth.logout()
    auth.login("ana")
    # The phone's first call after signing in again names its registered device.
    assert (
        client.get("/api/v1/csrf", headers={"X-Device-Id": device}).status_code == 200
    )
    assert client.get("/api/v1/sync/pull").json["error"] == "device_required"


def test_a_session_never_binds_to_someone_elses_device(app, client, auth, make_user):
    make_user("ana")
    make_user("dea")
    device = _bound_session(client, auth, "ana")
    auth.logout()
    auth.login("dea")
    response = client.get("/api/v1/csrf", headers={"X-Device-Id": device})
    assert response.status_code == 409
    # Not bound: dea's calls without a header still work.
    assert client.get("/api/v1/csrf").status_code == 200


CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.135 Mobile Safari/537.36"
)


def _phone_with_forms(client, auth, pending=3):
    """Sign ana in on a phone that registered and reported ``pending`` forms."""
    auth.login("ana")
    device = str(uuid.uuid4())
    csrf = token(client)
    headers = {"X-CSRFToken": csrf, "X-Device-Id": device, "User-Agent": CHROME_ANDROID}
    client.post("/api/v1/devices", json={"device_id": device}, headers=headers)
    body = {
        "protocol": 1,
        "device": {"id": device, "pending_count": pending},
        "items": [],
    }
    assert (
        client.post("/api/v1/sync/push", json=body, headers=headers).status_code == 200
    )
    return device


def test_revoking_asks_first_naming_the_person_the_phone_and_its_unsent_forms(
    app, client, auth, make_user, signed_in
):
    make_user("ana", full_name="Ana Berisha")
    make_user("root", "admin")
    device = _phone_with_forms(client, auth, pending=3)
    admin, csrf = signed_in("root")
    listing = admin.get("/devices/").get_data(as_text=True)
    assert "Chrome 131 · Android" in listing
    assert f"/devices/{device}/revoke" in listing
    page = admin.get(f"/devices/{device}/revoke").get_data(as_text=True)
    for expected in ("Ana Berisha", "Chrome 131 · Android", "3 forms", "Wipe"):
        assert expected in page
    # A post without the explicit choice never wipes.
    unasked = admin.post(f"/devices/{device}/revoke", data={"csrf_token": csrf})
    assert unasked.status_code == 302
    assert unasked.headers["Location"].endswith(f"/devices/{device}/revoke")
    with app.app_context():
        assert db.session().get(Device, uuid.UUID(device)).revoked_at is None


def test_signing_a_phone_out_keeps_its_forms_for_upload(
    app, client, auth, make_user, make_family, signed_in
):
    ana = make_user("ana")
    family = make_family(assigned_to=(ana,))
    make_user("root", "admin")
    device = _phone_with_forms(client, auth, pending=1)
    admin, csrf = signed_in("root")
    response = admin.post(f"/devices/{device}/sign-out", data={"csrf_token": csrf})
    assert response.status_code == 302
    # The phone's session is over, but it is not told to wipe...
    answer = client.get("/api/v1/csrf", headers={"X-Device-Id": device})
    assert answer.status_code == 401
    assert "wipe" not in answer.json
    # ...and after signing in again, the form it kept arrives.
    auth.login("ana")
    csrf = client.get("/api/v1/csrf", headers={"X-Device-Id": device}).json[
        "csrf_token"
    ]
    visit = samples.home_visit(family.id, [str(family.members[0].id)])
    pushed = client.post(
        "/api/v1/sync/push",
        json={
            "protocol": 1,
            "device": {"id": device, "pending_count": 1},
            "items": [visit],
        },
        headers={"X-CSRFToken": csrf, "X-Device-Id": device},
    )
    assert pushed.json["results"][0]["status"] == "accepted"
    with app.app_context():
        stored = db.session().get(Device, uuid.UUID(device))
        assert stored.revoked_at is None
        # The form it sent left the phone: nothing is waiting any more.
        assert stored.pending_count == 0
        assert stored.oldest_pending_at is None


def test_a_phone_that_only_pulls_has_synced(app, client, auth, make_user):
    make_user("ana")
    auth.login("ana")
    device = str(uuid.uuid4())
    register(client, device, token(client))
    client.get("/api/v1/sync/pull", headers={"X-Device-Id": device})
    with app.app_context():
        assert db.session().get(Device, uuid.UUID(device)).last_sync_at is not None


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (CHROME_ANDROID, "Chrome 131 · Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
            " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari 17 · iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
            "Firefox/133.0",
            "Firefox 133 · Windows",
        ),
        ("", ""),
        ("curl/8.0", ""),
    ],
)
def test_the_browser_is_named_from_its_user_agent(agent, label):
    from fieldapp.devices.services import browser_label

    assert browser_label(agent) == label
