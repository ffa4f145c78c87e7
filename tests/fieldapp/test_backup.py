"""Issue 20: backups that restore. The restore drill runs on SQLite always and on
PostgreSQL when FIELDAPP_TEST_DATABASE_URL names one (in a scratch database beside it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from fieldapp import backup
from fieldapp import create_app
from fieldapp import crypto
from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.demo.cli import load_demo
from fieldapp.families.models import Family
from fieldapp.submissions.ingest import ingest_item

from .conftest import app_config
from .conftest import drop_postgres_database
from .conftest import migrate
from .conftest import new_postgres_database
from .conftest import reset_schema

SECRET_NOTE = "Client disclosed abuse by her brother-in-law in Prizren"


def _postgres_scratch_url() -> str | None:
    url = os.environ.get("FIELDAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return None
    return new_postgres_database(url, f"{sa.make_url(url).database}_drill")


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own (not the suite's), migrated, committed for real."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "drill.sqlite")
    else:
        pg = _postgres_scratch_url()
        if pg is None:
            pytest.skip("FIELDAPP_TEST_DATABASE_URL is not PostgreSQL")
        url = pg
    app = create_app(app_config(url))
    app.instance_path = str(tmp_path / "instance")
    migrate(db.engine(app))
    yield app
    db.engine(app).dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def _fill(app: Flask) -> None:
    """Demo data and submissions with sensitive answers."""
    with app.test_request_context():
        load_demo("demo password for the drill")
        db.session().commit()
        social = db.session().scalar(sa.select(User).where(User.username == "social"))
        families = db.session().scalars(sa.select(Family).limit(3)).all()
        for family in families:
            member = str(family.members[0].id)
            result = ingest_item(
                {
                    "uuid": str(uuid.uuid4()),
                    "form_id": "home_visit",
                    "form_version": 1,
                    "subject_id": str(family.id),
                    "respondent_locale": "en",
                    "answers": {
                        "visit_date": date.today().isoformat(),
                        "present_members": [member],
                        "living_conditions": 2,
                        "risk_level": "low",
                        "observations": f"{SECRET_NOTE} ({family.name})",
                    },
                },
                user=social,
                device_id=None,
                locale="en",
            )
            assert result.status == "accepted", result.errors


def _snapshot(app: Flask) -> dict[str, Any]:
    """Every row of every table, sorted, and every decrypted sensitive value."""
    engine = db.engine(app)
    meta = sa.MetaData()
    meta.reflect(engine)
    rows: dict[str, Any] = {}
    with engine.connect() as connection:
        for table in meta.sorted_tables:
            rows[table.name] = sorted(
                (tuple(map(repr, row)) for row in connection.execute(table.select())),
            )
    with app.app_context():
        for column in crypto.sealed_columns():
            tokens = db.session().scalars(sa.select(column).where(column != "")).all()
            rows[f"{column.table.name}.{column.name} (decrypted)"] = sorted(
                repr(crypto.decrypt_json(token)) for token in tokens
            )
    return rows


def _erase(app: Flask) -> None:
    engine = db.engine(app)
    if engine.dialect.name == "sqlite":
        engine.dispose()
        database = Path(engine.url.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    else:
        reset_schema(engine)


def test_restore_drill(scratch: Flask, tmp_path: Path) -> None:
    _fill(scratch)
    before = _snapshot(scratch)
    assert before["submission"], "the drill needs submissions"
    decrypted = before["submission.sensitive_answers (decrypted)"]
    assert any(SECRET_NOTE in value for value in decrypted)

    path = tmp_path / "fieldapp.backup"
    result = scratch.test_cli_runner().invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert data.startswith(backup.MAGIC)
    assert SECRET_NOTE.encode() not in data
    assert b"Krasniqi" not in data  # demo names: the whole file is encrypted
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    _erase(scratch)
    assert backup._tables(db.engine(scratch)) == []
    result = scratch.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 0, result.output
    assert _snapshot(scratch) == before

    # A second restore over the restored data refuses and changes nothing.
    again = scratch.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert _snapshot(scratch) == before


@pytest.fixture
def made(tmp_path: Path) -> tuple[Flask, Path]:
    """A small SQLite database, its backup and an empty database to restore into."""
    source = create_app(app_config("sqlite:///" + str(tmp_path / "source.sqlite")))
    migrate(db.engine(source))
    path = tmp_path / "good.backup"
    backup.create(source, path)
    db.engine(source).dispose()
    empty = create_app(app_config("sqlite:///" + str(tmp_path / "empty.sqlite")))
    return empty, path


def _restore_refused(app: Flask, path: Path, message: str) -> None:
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert backup._tables(db.engine(app)) == []


def test_restore_refuses_a_file_that_is_no_backup(made, tmp_path: Path) -> None:
    app, _good = made
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    _restore_refused(app, bad, "not a fieldapp backup")
    _restore_refused(app, tmp_path / "missing.backup", "cannot read")


def test_restore_refuses_a_truncated_or_changed_backup(made, tmp_path: Path) -> None:
    app, good = made
    data = good.read_bytes()
    for cut in (len(data) - 1, len(data) - 100, len(data) // 2):
        bad = tmp_path / f"cut-{cut}.backup"
        bad.write_bytes(data[:cut])
        _restore_refused(app, bad, "truncated")
    flipped = bytearray(data)
    flipped[-10] ^= 1
    bad = tmp_path / "flipped.backup"
    bad.write_bytes(bytes(flipped))
    _restore_refused(app, bad, "damaged")
    extra = tmp_path / "extra.backup"
    extra.write_bytes(data + b"\0")
    _restore_refused(app, extra, "damaged")


def test_restore_refuses_a_newer_schema(made, tmp_path: Path) -> None:
    app, _good = made
    header = {
        "app": "fieldapp",
        "dialect": "sqlite",
        "revision": "9999",
        "created": "2030-01-01T00:00:00+00:00",
    }
    newer = tmp_path / "newer.backup"
    with app.app_context(), newer.open("wb") as out:
        import io

        backup.write_backup(out, io.BytesIO(b"x"), header, backup.backup_keys(app)[0])
    _restore_refused(app, newer, "newer schema")


def test_restore_refuses_another_key(made, tmp_path: Path) -> None:
    _app, good = made
    other = create_app(
        app_config(
            "sqlite:///" + str(tmp_path / "other.sqlite"),
            BACKUP_KEYS=crypto.Fernet.generate_key().decode(),
        )
    )
    _restore_refused(other, good, "not configured")


def test_backup_to_an_unwritable_path_fails_with_one_line(made, tmp_path: Path) -> None:
    app, _good = made
    migrate(db.engine(app))
    for path in (tmp_path / "no" / "such" / "dir" / "x.backup", tmp_path):
        result = app.test_cli_runner().invoke(args=["backup", "create", str(path)])
        assert result.exit_code != 0
        assert len(result.output.strip().splitlines()) == 1, result.output
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = app.test_cli_runner().invoke(
            args=["backup", "create", str(locked / "x.backup")]
        )
        if os.geteuid() != 0:
            assert result.exit_code == 1
            assert "cannot write" in result.output
            assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)
