"""The phone as a vault (issue 19): server side of the device's encrypted IndexedDB.

Two things live here, and neither lets the server read the phone's data on its own:

- the **wrapping key** of each (user, device): 32 random bytes, sealed in the database
  (``device.vault_key``, AES-GCM under the data keys kept outside it, see
  fieldapp/crypto.py). The phone wraps its data key with it so that an online password
  sign-in recovers a forgotten or locked-out PIN. It is handed out only to a session of
  that user, bound to that device, signed in with the password less than
  VAULT_RECOVERY_MINUTES ago; revoking the device destroys it.
- the **sealing key pair**: an ECDH P-256 key derived (HKDF-SHA256) from each data key.
  The phone encrypts every finalised outbox item to the public key (ephemeral ECDH,
  HKDF-SHA256, AES-256-GCM), so it can send while locked and still holds nothing
  readable; :func:`unseal` opens an item in the push path before the usual engine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask import g

from fieldapp import crypto
from fieldapp import db
from fieldapp.db import utcnow
from fieldapp.devices.models import Device

#: HKDF info of the sealing key pair, and of each sealed item's content key.
_SEAL_KEY_INFO = b"fieldapp vault seal key v1"
_ITEM_KEY_INFO = b"fieldapp sealed outbox item v1"
#: the order of P-256 (private scalars are taken modulo n - 1, plus one)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _seal_keys() -> list[ec.EllipticCurvePrivateKey]:
    """Return the sealing private keys, newest first (one per configured data key)."""
    keys = []
    for data_key in crypto._load_keys(current_app):
        raw = base64.urlsafe_b64decode(data_key.encode())
        seed = HKDF(
            algorithm=hashes.SHA256(), length=48, salt=None, info=_SEAL_KEY_INFO
        ).derive(raw)
        scalar = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
        keys.append(ec.derive_private_key(scalar, ec.SECP256R1()))
    return keys


def _raw_public(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def key_id(public_raw: bytes) -> str:
    """Return the short id a sealed item names its public key by."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def seal_public_key() -> dict[str, str]:
    """Return the newest sealing public key: {kid, key (raw uncompressed point, base64)}."""
    raw = _raw_public(_seal_keys()[0])
    return {"kid": key_id(raw), "key": _b64(raw)}


class UnsealError(ValueError):
    """A sealed item that no configured key opens, or that is malformed."""


def unseal(sealed: Any) -> dict[str, Any]:
    """Open a sealed outbox item: {v: 1, kid, epk, iv, ct} (base64 fields).

    :raise UnsealError: if it is malformed or no configured key opens it.
    """
    if not isinstance(sealed, dict) or sealed.get("v") != 1:
        raise UnsealError("not a sealed item")
    try:
        epk = _unb64(str(sealed["epk"]))
        iv = _unb64(str(sealed["iv"]))
        ct = _unb64(str(sealed["ct"]))
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), epk)
    except (KeyError, ValueError, TypeError):
        raise UnsealError("malformed sealed item") from None
    for private in _seal_keys():
        if key_id(_raw_public(private)) != sealed.get("kid"):
            continue
        shared = private.exchange(ec.ECDH(), peer)
        content_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=epk, info=_ITEM_KEY_INFO
        ).derive(shared)
        try:
            item = json.loads(AESGCM(content_key).decrypt(iv, ct, None))
        except (InvalidTag, ValueError):
            raise UnsealError("the sealed item does not open") from None
        if not isinstance(item, dict):
            raise UnsealError("a sealed item holds an object")
        return item
    raise UnsealError("no configured key opens this item")


def unseal_items(items: Any) -> Any:
    """Replace each {uuid, sealed} entry of a push's items by the item it seals.

    An entry that does not open (malformed, a key no longer configured, or sealing
    another uuid) becomes {"uuid": ...} alone: the engine refuses that item on its own
    (the phone keeps it and tries again later), and the rest of the batch goes on.
    """
    if not isinstance(items, list):
        return items
    opened = []
    for entry in items:
        if isinstance(entry, dict) and "sealed" in entry:
            try:
                item = unseal(entry["sealed"])
            except UnsealError:
                opened.append({"uuid": entry.get("uuid")})
                continue
            if str(item.get("uuid")) != str(entry.get("uuid")):
                opened.append({"uuid": entry.get("uuid")})
                continue
            opened.append(item)
        else:
            opened.append(entry)
    return opened


def wrapping_key(device: Device) -> bytes:
    """Return the device's wrapping key, made now if it has none (the caller commits)."""
    if device.vault_key:
        return _unb64(crypto.decrypt_json(device.vault_key)["k"])
    raw = os.urandom(32)
    device.vault_key = crypto.encrypt_json({"k": _b64(raw)})
    return raw


def destroy_wrapping_key(device: Device) -> None:
    """Forget the device's wrapping key for good (revocation); the caller commits."""
    device.vault_key = ""


def already_recovered(device: Device, auth_session: Any) -> bool:
    """True if this sign-in already fetched the device's wrapping key (once each)."""
    from fieldapp.audit.models import AccessLogEntry

    query = (
        sa.select(AccessLogEntry.id)
        .where(
            AccessLogEntry.action == "vault_key",
            AccessLogEntry.record_id == str(device.id),
            AccessLogEntry.at >= auth_session.created_at,
        )
        .limit(1)
    )
    return db.session().scalar(query) is not None


def recent_password_sign_in() -> bool:
    """True if the current session signed in with the password recently enough to
    recover the vault (VAULT_RECOVERY_MINUTES)."""
    auth_session = g.get("auth_session")
    if auth_session is None:
        return False
    window = timedelta(minutes=current_app.config["VAULT_RECOVERY_MINUTES"])
    return bool(utcnow() - auth_session.created_at <= window)
