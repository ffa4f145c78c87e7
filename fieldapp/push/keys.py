"""The VAPID key pair: where it is kept, how it is loaded and how it is made."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask import current_app
from py_vapid import Vapid

logger = logging.getLogger(__name__)

#: File in the instance folder (git-ignored) read when VAPID_PRIVATE_KEY is empty.
KEY_FILE_NAME = "vapid_private.pem"


def b64url(data: bytes) -> str:
    """Encode ``data`` as unpadded base64url, as Web Push expects."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded or padded base64url; raise ValueError on anything else."""
    cleaned = text.strip().rstrip("=")
    if not cleaned or any(c not in _B64URL for c in cleaned) or len(cleaned) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def key_file(app: Flask) -> Path:
    """Return the default private key file in the instance folder."""
    return Path(app.instance_path) / KEY_FILE_NAME


@dataclass(frozen=True)
class VapidKeys:
    """A loaded VAPID key pair."""

    signer: Vapid
    #: the uncompressed public point, base64url: the browser's applicationServerKey
    public_key: str


def _from_setting(value: str, app: Flask) -> Vapid:
    # pywebpush would take a PEM *file path* but not a PEM string, so parse every
    # form here and hand pywebpush a ready Vapid object.
    if "-----BEGIN" in value:
        return Vapid.from_pem(value.encode("utf-8"))
    path = Path(value)
    if not path.is_absolute():
        path = Path(app.instance_path) / path
    if len(value) < 300 and path.is_file():
        return Vapid.from_file(str(path))
    return Vapid.from_string(value)


def load(app: Flask | None = None) -> VapidKeys | None:
    """Load the VAPID keys from VAPID_PRIVATE_KEY or the instance file, if any."""
    app = app or current_app
    setting = str(app.config.get("VAPID_PRIVATE_KEY") or "").strip()
    try:
        if setting:
            signer = _from_setting(setting, app)
        elif key_file(app).is_file():
            signer = Vapid.from_file(str(key_file(app)))
        else:
            return None
    except Exception:  # py_vapid raises several types for a malformed key
        logger.error("VAPID_PRIVATE_KEY is set but cannot be read as a P-256 key")
        return None
    public = public_key_of(signer.private_key)
    configured = str(app.config.get("VAPID_PUBLIC_KEY") or "").strip()
    if configured and configured.rstrip("=") != public:
        # Browsers must subscribe with the key that signs, whatever the setting says.
        logger.warning(
            "VAPID_PUBLIC_KEY does not match VAPID_PRIVATE_KEY; using the derived key"
        )
    return VapidKeys(signer=signer, public_key=public)


def public_key_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    """Return the base64url uncompressed public point of ``private_key``."""
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


@dataclass(frozen=True)
class NewKeys:
    """A freshly generated key pair in the forms an operator may store."""

    pem: bytes
    raw_private: str
    public_key: str


def generate() -> NewKeys:
    """Make a new P-256 key pair for VAPID."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    raw = private_key.private_numbers().private_value.to_bytes(32, "big")
    return NewKeys(
        pem=pem, raw_private=b64url(raw), public_key=public_key_of(private_key)
    )
