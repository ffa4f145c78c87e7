"""Encrypt sensitive answers at rest with keys kept outside the database.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256), newest first, from the DATA_KEYS
setting (comma separated) or, when that is empty, from ``instance/data-keys`` (made on
first use, mode 0600). Rotation: put a new key first, run `flask keys rotate` to
re-encrypt stored answers, then drop the old key. See README "Encryption at rest".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db


def _key_file(app: Flask) -> Path:
    return Path(app.instance_path) / "data-keys"


def _load_keys(app: Flask) -> list[str]:
    configured: str = app.config["DATA_KEYS"]
    if configured:
        return [k.strip() for k in configured.split(",") if k.strip()]
    path = _key_file(app)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode() + "\n", encoding="utf-8")
        path.chmod(0o600)
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _fernet(app: Flask | None = None) -> MultiFernet:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached: MultiFernet | None = app.extensions.get("fieldapp.crypto")
    if cached is None:
        cached = MultiFernet([Fernet(key.encode()) for key in _load_keys(app)])
        app.extensions["fieldapp.crypto"] = cached
    return cached


def encrypt_json(value: Any) -> str:
    """Return ``value`` as JSON encrypted with the newest key ("" for nothing)."""
    if value in (None, {}, []):
        return ""
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    return _fernet().encrypt(raw).decode()


def decrypt_json(token: str) -> Any:
    """Return the value encrypted by encrypt_json ({} for "").

    :raise InvalidToken: if no configured key opens it.
    """
    if not token:
        return {}
    return json.loads(_fernet().decrypt(token.encode()))


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """Manage the keys that encrypt sensitive answers."""


@keys_group.command("generate")
def generate_command() -> None:
    """Print a new key to put first in FIELDAPP_DATA_KEYS."""
    click.echo(Fernet.generate_key().decode())


@keys_group.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every stored sensitive value with the newest key."""
    from fieldapp.submissions.models import RejectedSubmission
    from fieldapp.submissions.models import Submission
    from fieldapp.submissions.models import SubmissionConflict

    fernet = _fernet()
    session = db.session()
    count = 0
    for model, column in (
        (Submission, "sensitive_answers"),
        (SubmissionConflict, "payload"),
        (RejectedSubmission, "payload"),
    ):
        for row in session.scalars(sa.select(model)):
            token = getattr(row, column)
            if token:
                try:
                    setattr(row, column, fernet.rotate(token.encode()).decode())
                except InvalidToken:
                    raise click.ClickException(
                        f"A {model.__tablename__} row cannot be opened with any configured "
                        "key; keep the old key in the list and try again."
                    ) from None
                count += 1
    session.commit()
    click.echo(f"Re-encrypted {count} values with the newest key.")


def init_app(app: Flask) -> None:
    """Register `flask keys ...`."""
    app.cli.add_command(keys_group)
