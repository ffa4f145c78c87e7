"""Encrypt sensitive answers at rest with keys kept outside the database.

Keys, newest first, come from the DATA_KEYS setting (comma separated) or, when that is
empty, from ``instance/data-keys`` (made on first use, mode 0600); each is 32 random
bytes in URL-safe base64 (the Fernet key format). Values are sealed with AES-256-GCM
under a key derived from the newest one (HKDF-SHA256), as ``v2.`` + base64(nonce,
ciphertext and tag); the version is authenticated too. Values sealed before, as Fernet
tokens (AES-128-CBC + HMAC-SHA256), still open. Rotation: put a new key first, run
`flask keys rotate` to re-encrypt stored answers, then drop the old key. See README
"Encryption at rest".
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.config import ConfigError
from fieldapp.db import json_loads


def _key_file(app: Flask) -> Path:
    return Path(app.instance_path) / "data-keys"


#: What to do about a bad key, in the words of a refusal (see _load_keys).
_NEW_KEY_HINT = (
    "a key is 32 random bytes in URL-safe base64, e.g. the output of "
    "`python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`"
)


def _load_keys(app: Flask) -> list[str]:
    """Return the configured keys, newest first.

    :raise ConfigError: if there are none, one is not a key, or the key file cannot be
        read: the data cannot be opened or sealed, so fieldapp must not start.
    """
    configured: str = app.config["DATA_KEYS"]
    if configured:
        source = "FIELDAPP_DATA_KEYS"
        keys = [k.strip() for k in configured.split(",") if k.strip()]
    else:
        path = _key_file(app)
        source = f"the data key file {path}"
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(Fernet.generate_key().decode() + "\n", encoding="utf-8")
                path.chmod(0o600)
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise ConfigError(
                f"cannot read {source} ({reason}): make it readable by the user "
                "running fieldapp, or set FIELDAPP_DATA_KEYS to the keys."
            ) from None
        keys = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")
        ]
    if not keys:
        raise ConfigError(f"{source} holds no key: {_NEW_KEY_HINT}.")
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32:
            raise ConfigError(
                f"key {position} in {source} is not a data key: {_NEW_KEY_HINT}."
            )
    return keys


#: the prefix, and authenticated data, of values sealed with AES-GCM
_V2 = b"v2"
_NONCE = 12


@dataclass(frozen=True)
class _Keys:
    """The configured keys, newest first: AES-GCM for sealing, Fernet for old values."""

    sealers: list[AESGCM]
    legacy: MultiFernet


def _aes_key(key: str) -> AESGCM:
    raw = base64.urlsafe_b64decode(key.encode())
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"fieldapp sensitive answers v2",
    ).derive(raw)
    return AESGCM(derived)


def _keys(app: Flask | None = None) -> _Keys:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached: _Keys | None = app.extensions.get("fieldapp.crypto")
    if cached is None:
        keys = _load_keys(app)
        cached = _Keys(
            sealers=[_aes_key(key) for key in keys],
            legacy=MultiFernet([Fernet(key.encode()) for key in keys]),
        )
        app.extensions["fieldapp.crypto"] = cached
    return cached


def _seal(raw: bytes) -> str:
    nonce = os.urandom(_NONCE)
    sealed = _keys().sealers[0].encrypt(nonce, raw, _V2)
    return (_V2 + b"." + base64.urlsafe_b64encode(nonce + sealed)).decode()


def _open(token: str) -> bytes:
    """Return what ``token`` seals.

    :raise InvalidToken: if no configured key opens it (or it is no token at all).
    """
    keys = _keys()
    if not token.startswith("v2."):
        return keys.legacy.decrypt(token.encode())
    try:
        sealed = base64.urlsafe_b64decode(token[3:].encode())
    except (binascii.Error, ValueError):
        raise InvalidToken() from None
    nonce, body = sealed[:_NONCE], sealed[_NONCE:]
    for sealer in keys.sealers:
        try:
            return sealer.decrypt(nonce, body, _V2)
        except (InvalidTag, ValueError):
            continue
    raise InvalidToken()


def encrypt_json(value: Any) -> str:
    """Return ``value`` as JSON encrypted with the newest key ("" for nothing)."""
    if value in (None, {}, []):
        return ""
    return _seal(json.dumps(value, ensure_ascii=False, sort_keys=True).encode())


def decrypt_json(token: str) -> Any:
    """Return the value encrypted by encrypt_json ({} for "").

    :raise InvalidToken: if no configured key opens it.
    """
    if not token:
        return {}
    return json_loads(_open(token))


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """Manage the keys that encrypt sensitive answers."""


@keys_group.command("generate")
def generate_command() -> None:
    """Print a new key to put first in FIELDAPP_DATA_KEYS."""
    click.echo(Fernet.generate_key().decode())


#: The info of a column that holds values sealed by encrypt_json:
#: ``orm.mapped_column(sa.Text, info=SEALED)``. `flask keys rotate` finds them there.
SEALED = {"sealed": True}


def sealed_columns() -> list[sa.Column[Any]]:
    """Return every column of the schema that holds sealed values."""
    return [
        column
        for table in db.Model.metadata.sorted_tables
        for column in table.columns
        if column.info.get("sealed")
    ]


@keys_group.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every stored sensitive value with the newest key."""
    session = db.session()
    count = 0
    for column in sealed_columns():
        table = column.table
        (key,) = table.primary_key.columns
        rows = session.execute(sa.select(key, column).where(column != "")).all()
        for row_id, token in rows:
            try:
                fresh = _seal(_open(token))
            except InvalidToken:
                raise click.ClickException(
                    f"A {table.name} row cannot be opened with any configured key; "
                    "keep the old key in the list and try again."
                ) from None
            session.execute(
                sa.update(table).where(key == row_id).values({column: fresh})
            )
            count += 1
    session.commit()
    click.echo(f"Re-encrypted {count} values with the newest key.")


def init_app(app: Flask) -> None:
    """Check the data keys now (a refusal at start, not at the first sensitive answer)
    and register `flask keys ...`."""
    _keys(app)
    app.cli.add_command(keys_group)
