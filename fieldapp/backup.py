"""`flask backup create PATH` / `flask backup restore PATH`: encrypted backups that restore.

The file, one per backup::

    b"FIELDAPP-BACKUP\\n"            magic
    header (one JSON line)           format, dialect, schema revision, time, key id, salt
    chunk*                           4-byte big-endian length + AES-256-GCM ciphertext

Every chunk (1 MiB of plaintext at most) is sealed with a key derived (HKDF-SHA256) from
the backup key and the file's own random salt; its nonce is its index and whether it is
the last one, and the header is part of its authenticated data. A changed header, a
changed, missing, reordered or extra chunk, or a cut-off file never decrypts.

The plaintext is the database itself: an SQLite copy made with SQLite's online backup
API (consistent while the app runs), or `pg_dump --format=custom` for PostgreSQL.
Sensitive answers inside it stay sealed with the data keys: a restore needs the backup
key and the data keys of the time, and neither is in the file. See docs/operations.md,
"Backups".

Restore reads and checks the whole file before it touches the database, and restores
only into an empty one (no table at all).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from typing import Any

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from fieldapp import db
from fieldapp.config import ConfigError

MAGIC = b"FIELDAPP-BACKUP\n"
FORMAT = 1
CHUNK = 1024 * 1024
_LENGTH = struct.Struct(">I")
#: Longest header line accepted (a header is about 300 bytes).
_MAX_HEADER = 4096


class BackupError(Exception):
    """A backup or restore refused; the message is one line for the operator."""


# --- keys -------------------------------------------------------------------------


def _decode_key(key: str, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(
            f"{source} is not a backup key: 32 random bytes in URL-safe base64, e.g. "
            "the output of `flask --app wsgi keys generate`."
        )
    return raw


def backup_keys(app: Flask) -> list[bytes]:
    """Return the keys a backup may be sealed with, the one to seal with first.

    FIELDAPP_BACKUP_KEYS (comma separated, newest first) when set; otherwise keys
    derived from the data keys (HKDF, "fieldapp backup v1"), so a single laptop needs
    nothing more than its data key. Either way no key is ever written into a backup.
    """
    configured: str = app.config.get("BACKUP_KEYS", "")
    if configured:
        return [
            _decode_key(key, f"key {n} in FIELDAPP_BACKUP_KEYS")
            for n, key in enumerate(
                (k for k in configured.split(",") if k.strip()), start=1
            )
        ]
    from fieldapp import crypto

    return [
        HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"fieldapp backup v1"
        ).derive(base64.urlsafe_b64decode(key.encode()))
        for key in crypto._load_keys(app)
    ]


def key_id(key: bytes) -> str:
    """Return a short public fingerprint of ``key`` (which key made a backup)."""
    return hmac.new(key, b"fieldapp backup key id", hashlib.sha256).hexdigest()[:16]


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"fieldapp backup file"
    ).derive(key)
    return AESGCM(derived)


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# --- the file ---------------------------------------------------------------------


def _chunks(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Yield (chunk, is_last) from ``stream``; an empty stream is one empty last chunk."""
    current = stream.read(CHUNK)
    while True:
        following = stream.read(CHUNK) if len(current) == CHUNK else b""
        yield current, not following
        if not following:
            return
        current = following


def write_backup(
    out: IO[bytes], plaintext: IO[bytes], header: dict[str, Any], key: bytes
) -> None:
    """Write the header and ``plaintext`` sealed in chunks to ``out``."""
    salt = os.urandom(32)
    header = header | {
        "format": FORMAT,
        "key_id": key_id(key),
        "salt": base64.b64encode(salt).decode(),
    }
    header_line = json.dumps(header, sort_keys=True).encode() + b"\n"
    out.write(MAGIC + header_line)
    sealer = _file_key(key, salt)
    for index, (chunk, last) in enumerate(_chunks(plaintext)):
        sealed = sealer.encrypt(_nonce(index, last), chunk, MAGIC + header_line)
        out.write(_LENGTH.pack(len(sealed)) + sealed)


def read_header(stream: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    """Return the header of a backup and its raw line.

    :raise BackupError: if the stream is no fieldapp backup, or of a newer format.
    """
    if stream.read(len(MAGIC)) != MAGIC:
        raise BackupError("not a fieldapp backup (the file does not start like one).")
    line = stream.readline(_MAX_HEADER)
    try:
        header = json.loads(line)
        assert isinstance(header, dict)  # noqa: S101 - caught below
        int(header["format"])
    except (ValueError, KeyError, TypeError, AssertionError):
        raise BackupError("not a fieldapp backup (its header is damaged).") from None
    if header["format"] > FORMAT:
        raise BackupError(
            f"this backup has format {header['format']}, newer than this fieldapp "
            f"reads ({FORMAT}): restore it with the fieldapp version that made it."
        )
    return header, line


def read_backup(
    stream: IO[bytes], keys: Iterable[bytes]
) -> tuple[dict[str, Any], Iterator[bytes]]:
    """Return the header of a backup and an iterator over its decrypted chunks.

    The iterator raises BackupError on a damaged or truncated file, at the chunk where
    it notices: read everything before acting on any of it.
    """
    header, line = read_header(stream)
    by_id = {key_id(key): key for key in keys}
    key = by_id.get(str(header.get("key_id")))
    if key is None:
        raise BackupError(
            f"this backup was made with backup key {header.get('key_id')}, which is "
            "not configured: set FIELDAPP_BACKUP_KEYS (or the data keys of that time)."
        )
    try:
        salt = base64.b64decode(header["salt"])
    except (KeyError, ValueError, binascii.Error):
        raise BackupError("not a fieldapp backup (its header is damaged).") from None
    opener = _file_key(key, salt)
    aad = MAGIC + line

    def chunks() -> Iterator[bytes]:
        index = 0
        while True:
            size_bytes = stream.read(_LENGTH.size)
            if len(size_bytes) < _LENGTH.size:
                raise BackupError("the backup is truncated: restore another copy.")
            (size,) = _LENGTH.unpack(size_bytes)
            if size > CHUNK + 16:
                raise BackupError("the backup is damaged: restore another copy.")
            sealed = stream.read(size)
            if len(sealed) < size:
                raise BackupError("the backup is truncated: restore another copy.")
            for last in (False, True):
                try:
                    chunk = opener.decrypt(_nonce(index, last), sealed, aad)
                    break
                except InvalidTag:
                    continue
            else:
                raise BackupError("the backup is damaged: restore another copy.")
            yield chunk
            index += 1
            if last:
                if stream.read(1):
                    raise BackupError("the backup is damaged: restore another copy.")
                return

    return header, chunks()


# --- the database -----------------------------------------------------------------


def _revision(connection: sa.Connection) -> str | None:
    try:
        return connection.execute(
            sa.text("SELECT version_num FROM alembic_version")
        ).scalar()
    except sa.exc.DatabaseError:
        return None


def _tables(engine: sa.Engine) -> list[str]:
    return sa.inspect(engine).get_table_names()


def _pg_env(engine: sa.Engine) -> dict[str, str]:
    """libpq's environment for ``engine``'s database (no password on a command line)."""
    url = engine.url
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host or url.query.get("host")),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[name] = str(value)
    return env


def _run_tool(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    try:
        kwargs.setdefault("stdout", subprocess.PIPE)
        return subprocess.run(  # noqa: S603
            args, check=False, stderr=subprocess.PIPE, **kwargs
        )
    except FileNotFoundError:
        raise BackupError(
            f"{args[0]} is not installed: install the PostgreSQL client tools of the "
            "server's version."
        ) from None


def _tool_error(tool: str, result: subprocess.CompletedProcess[bytes]) -> BackupError:
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    return BackupError(f"{tool} failed: {lines[0] if lines else result.returncode}")


def create(app: Flask, path: Path) -> dict[str, Any]:
    """Write an encrypted backup of ``app``'s database to ``path``; return its header.

    The file appears only when complete (written beside it, then renamed).
    """
    engine = db.engine(app)
    key = backup_keys(app)[0]
    with engine.connect() as connection:
        revision = _revision(connection)
    if revision is None:
        raise BackupError("the database has no fieldapp schema: nothing to back up.")
    header = {
        "app": "fieldapp",
        "dialect": engine.dialect.name,
        "revision": revision,
        "created": db.utcnow().isoformat(timespec="seconds"),
    }
    target = path.expanduser().absolute()
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the path of a new file.")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
            dir=target.parent, prefix=f".{target.name}.", delete=False
        )
    except OSError as error:
        raise BackupError(
            f"cannot write in {target.parent} ({error.strerror or error})."
        ) from None
    try:
        with handle:
            os.fchmod(handle.fileno(), 0o600)
            if engine.dialect.name == "sqlite":
                _sqlite_dump(engine, handle, header, key)
            elif engine.dialect.name == "postgresql":
                _pg_dump(engine, handle, header, key)
            else:
                raise BackupError(f"cannot back up a {engine.dialect.name} database.")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except OSError as error:
        Path(handle.name).unlink(missing_ok=True)
        raise BackupError(
            f"cannot write {target} ({error.strerror or error})."
        ) from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return header


def _sqlite_dump(
    engine: sa.Engine, out: IO[bytes], header: dict[str, Any], key: bytes
) -> None:
    # The copy is made in memory (SQLite's online backup API), never as a plaintext
    # file on disk; serialize() gives its bytes.
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)  # noqa: S101
        copy = sqlite3.connect(":memory:")
        try:
            source.backup(copy)
            data = bytearray(copy.serialize())
            # The copy carries the source's WAL flag (header bytes 18-19 = 2), which an
            # in-memory database cannot open: mark it a rollback-journal file (1). The
            # restored file is put back in WAL mode by the app's first connection.
            data[18:20] = b"\x01\x01"
        finally:
            copy.close()
    finally:
        raw.close()
    write_backup(out, io.BytesIO(bytes(data)), header, key)


def _pg_dump(
    engine: sa.Engine, out: IO[bytes], header: dict[str, Any], key: bytes
) -> None:
    with tempfile.TemporaryFile() as dump:
        result = _run_tool(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"],
            env=_pg_env(engine),
            stdout=dump,
        )
        if result.returncode != 0:
            raise _tool_error("pg_dump", result)
        dump.seek(0)
        write_backup(out, dump, header, key)


def _known_revision(app: Flask, revision: str) -> bool:
    script = ScriptDirectory.from_config(db.alembic_config(db.database_url(app)))
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def _open_backup(app: Flask, path: Path) -> IO[bytes]:
    try:
        return path.expanduser().open("rb")
    except OSError as error:
        raise BackupError(f"cannot read {path} ({error.strerror or error}).") from None


def check(app: Flask, path: Path) -> dict[str, Any]:
    """Read and authenticate the whole backup at ``path``; return its header."""
    with _open_backup(app, path) as stream:
        header, chunks = read_backup(stream, backup_keys(app))
        for _chunk in chunks:
            pass
    return header


def restore(app: Flask, path: Path) -> dict[str, Any]:
    """Restore the backup at ``path`` into ``app``'s database, which must be empty."""
    engine = db.engine(app)
    header = check(app, path)  # all of it, before anything changes
    if header.get("app") != "fieldapp":
        raise BackupError("not a fieldapp backup (its header is damaged).")
    if header.get("dialect") != engine.dialect.name:
        raise BackupError(
            f"this is a {header.get('dialect')} backup; the database is "
            f"{engine.dialect.name}: restore it into a {header.get('dialect')} database."
        )
    if not _known_revision(app, str(header.get("revision"))):
        raise BackupError(
            f"this backup comes from a newer schema ({header.get('revision')}) than "
            "this fieldapp knows: upgrade fieldapp first, then restore."
        )
    if tables := _tables(engine):
        raise BackupError(
            f"the database is not empty ({len(tables)} tables): restore only into an "
            "empty database (a new one, or drop and create it first)."
        )
    with _open_backup(app, path) as stream:
        _header, chunks = read_backup(stream, backup_keys(app))
        if engine.dialect.name == "sqlite":
            _sqlite_restore(engine, b"".join(chunks))
        else:
            _pg_restore(engine, chunks)
    engine.dispose()
    return header


def _sqlite_restore(engine: sa.Engine, data: bytes) -> None:
    copy = sqlite3.connect(":memory:")
    try:
        try:
            copy.deserialize(data)
            ok = copy.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError:
            ok = None
        if ok != ("ok",):
            raise BackupError("the backup holds a damaged database: restore another.")
        engine.dispose()
        raw = engine.raw_connection()
        try:
            target = raw.driver_connection
            assert isinstance(target, sqlite3.Connection)  # noqa: S101
            copy.backup(target)
        finally:
            raw.close()
    finally:
        copy.close()


def _pg_restore(engine: sa.Engine, chunks: Iterator[bytes]) -> None:
    with tempfile.TemporaryFile() as dump:
        for chunk in chunks:
            dump.write(chunk)
        dump.seek(0)
        result = _run_tool(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                str(engine.url.database),
            ],
            env=_pg_env(engine),
            stdin=dump,
        )
    if result.returncode != 0:
        raise _tool_error("pg_restore", result)


# --- commands ---------------------------------------------------------------------


@click.group("backup", cls=AppGroup)
def backup_group() -> None:
    """Make and restore encrypted backups of the database."""


@backup_group.command("create")
@click.argument("path", type=click.Path(path_type=Path))
def create_command(path: Path) -> None:
    """Write an encrypted, consistent backup of the database to PATH."""
    try:
        header = create(current_app, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Backup written to {path} (schema {header['revision']}, backup key "
        f"{key_id(backup_keys(current_app)[0])})."
    )


@backup_group.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
def restore_command(path: Path) -> None:
    """Restore the backup at PATH into the configured, empty database."""
    try:
        header = restore(current_app, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the backup of {header.get('created')} (schema "
        f"{header.get('revision')}). Run `flask --app wsgi db upgrade` next."
    )


@backup_group.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def check_command(path: Path) -> None:
    """Read and authenticate the whole backup at PATH without restoring it."""
    try:
        header = check(current_app, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"The backup is whole: {header.get('dialect')}, schema "
        f"{header.get('revision')}, made {header.get('created')}."
    )


def init_app(app: Flask) -> None:
    """Register `flask backup ...`."""
    app.cli.add_command(backup_group)
