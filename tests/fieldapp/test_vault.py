"""Issue 19, server side: the device's wrapping key and sealed outbox items."""

from __future__ import annotations

import base64
import json
import os
import uuid
from datetime import timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import PublicFormat

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import AuthSession
from fieldapp.devices.models import Device
from sync import samples


def token(client):
    return client.get("/api/v1/csrf").json["csrf_token"]


def register(client, device_id, csrf):
    return client.post(
        "/api/v1/devices",
        json={"device_id": device_id, "app_version": "1"},
        headers={"X-CSRFToken": csrf, "X-Device-Id": device_id},
    )


def signed_in_device(client, auth, make_user, name="ana"):
    make_user(name)
    auth.login(name)
    device = str(uuid.uuid4())
    csrf = token(client)
    assert register(client, device, csrf).status_code == 200
    return device, csrf


def seal(public_b64: str, kid: str, item: dict) -> dict:
    """Seal ``item`` as the phone does (static/js/vault.js sealItem)."""
    server = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), base64.b64decode(public_b64)
    )
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    epk = ephemeral.public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    shared = ephemeral.exchange(ec.ECDH(), server)
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=epk,
        info=b"fieldapp sealed outbox item v1",
    ).derive(shared)
    iv = os.urandom(12)
    ct = AESGCM(key).encrypt(iv, json.dumps(item).encode(), None)
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return {"v": 1, "kid": kid, "epk": b64(epk), "iv": b64(iv), "ct": b64(ct)}


def test_the_wrapping_key_goes_to_the_bound_fresh_session_only(
    app, client, auth, make_user
):
    device, _ = signed_in_device(client, auth, make_user)
    response = client.get("/api/v1/vault", headers={"X-Device-Id": device})
    assert response.status_code == 200
    key = base64.b64decode(response.json["wrap_key"])
    assert len(key) == 32
    with app.app_context():
        # Handing the key out is in the access log, against the device.
        logged = (
            db.session()
            .scalars(
                sa.select(AccessLogEntry).where(AccessLogEntry.action == "vault_key")
            )
            .all()
        )
        assert [entry.record_id for entry in logged] == [device]
    # Once per sign-in: a reload of an idle-locked phone does not reopen it.
    again = client.get("/api/v1/vault", headers={"X-Device-Id": device})
    assert again.status_code == 403
    # A new sign-in gets the same key, never stored in the clear.
    auth.logout()
    auth.login("ana")
    token(client)
    client.get("/api/v1/csrf", headers={"X-Device-Id": device})
    same = client.get("/api/v1/vault", headers={"X-Device-Id": device})
    assert same.json["wrap_key"] == response.json["wrap_key"]
    with app.app_context():
        stored = db.session().get(Device, uuid.UUID(device)).vault_key
        assert stored
        assert response.json["wrap_key"] not in stored
        # A session signed in long ago does not get it.
        db.session().execute(
            sa.update(AuthSession).values(
                created_at=db.utcnow() - timedelta(minutes=30)
            )
        )
        db.session().commit()
    stale = client.get("/api/v1/vault", headers={"X-Device-Id": device})
    assert stale.status_code == 403
    assert stale.json["error"] == "vault_sign_in_needed"


def test_no_wrapping_key_without_the_device_or_signed_out(client, auth, make_user):
    device, _ = signed_in_device(client, auth, make_user)
    assert client.get("/api/v1/vault").status_code == 403  # device_required
    auth.logout()
    assert (
        client.get("/api/v1/vault", headers={"X-Device-Id": device}).status_code == 401
    )


def test_revocation_destroys_the_wrapping_key(app, client, auth, make_user):
    device, _ = signed_in_device(client, auth, make_user)
    client.get("/api/v1/vault", headers={"X-Device-Id": device})
    make_user("root", "admin")
    auth.logout()
    auth.login("root")
    response = client.post(
        f"/devices/{device}/revoke",
        data={"csrf_token": auth.csrf("/devices/"), "confirm": "wipe"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session().get(Device, uuid.UUID(device)).vault_key == ""


def test_a_sealed_item_is_opened_and_stored_like_a_plain_one(
    app, client, auth, make_user
):
    device, csrf = signed_in_device(client, auth, make_user)
    seal_key = client.get(
        "/api/v1/vault/seal-key", headers={"X-Device-Id": device}
    ).json["seal"]
    item = samples.home_visit(uuid.uuid4())  # an unknown family: rejected, but opened
    item = json.loads(json.dumps(item, default=str))
    body = {
        "protocol": 1,
        "device": {
            "id": device,
            "pending_count": 1,
            "oldest_pending_at": None,
            "app_version": "1",
        },
        "items": [
            {
                "uuid": item["uuid"],
                "sealed": seal(seal_key["key"], seal_key["kid"], item),
            }
        ],
    }
    headers = {"X-CSRFToken": csrf, "X-Device-Id": device}
    response = client.post("/api/v1/sync/push", json=body, headers=headers)
    assert response.status_code == 200, response.json
    result = response.json["results"][0]
    assert result["uuid"] == item["uuid"]
    assert result["status"] in ("accepted", "rejected")
    # A tampered item is refused on its own, not stored; the rest of the batch goes on.
    bad = seal(seal_key["key"], seal_key["kid"], item)
    bad["ct"] = base64.b64encode(b"x" * 40).decode()
    body["items"] = [{"uuid": item["uuid"], "sealed": bad}]
    other = json.loads(json.dumps(samples.home_visit(uuid.uuid4()), default=str))
    body["items"] = [
        {"uuid": item["uuid"], "sealed": bad},
        {
            "uuid": other["uuid"],
            "sealed": seal(seal_key["key"], seal_key["kid"], other),
        },
    ]
    answer = client.post("/api/v1/sync/push", json=body, headers=headers)
    assert answer.status_code == 200
    results = {r["uuid"]: r["status"] for r in answer.json["results"]}
    assert results[item["uuid"]] == "refused"  # kept on the phone, tried again later
    assert results[other["uuid"]] in ("accepted", "rejected")  # the batch goes on
