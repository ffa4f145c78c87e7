from __future__ import annotations

import uuid

import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
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
    client.post("/api/v1/sync/push", json=body, headers={"X-CSRFToken": csrf})
    with app.app_context():
        stored = db.session().get(Device, uuid.UUID(device))
        assert stored.pending_count == 4
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
        f"/devices/{device}/revoke", data={"csrf_token": auth.csrf("/devices/")}
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
