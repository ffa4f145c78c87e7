"""SQLite's write-ahead log stays small under steady reads: cron's checkpoint empties it.

Each test has its own database file. A reader that holds an old snapshot keeps SQLite's
own checkpoints from starting the log over, which is how it grew to 55 MB under load.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from fieldapp import create_app
from fieldapp import db
from fieldapp.audit.models import AccessLogEntry

from .conftest import app_config

pytestmark = pytest.mark.skipif(
    os.environ.get("FIELDAPP_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite's write-ahead log",
)


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(f"sqlite:///{tmp_path}/wal.sqlite"))
    db.upgrade(app)
    yield app
    db.engine(app).dispose()


def _wal(tmp_path: Path) -> int:
    return (tmp_path / "wal.sqlite-wal").stat().st_size


def _write_a_lot(app: Flask, batches: int = 40) -> None:
    for batch in range(batches):
        with app.app_context():
            db.session().add_all(
                AccessLogEntry(
                    action="view", record_type="family", record_id=f"{batch}-{n}"
                )
                for n in range(200)
            )
            db.session().commit()


def _held_snapshot(path: Path) -> sqlite3.Connection:
    """A reader that opened a transaction and never lets go (another program)."""
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM user").fetchone()
    return reader


def test_the_log_grows_while_an_old_snapshot_is_held_and_cron_empties_it(
    tmp_path, file_app
):
    reader = _held_snapshot(tmp_path / "wal.sqlite")
    _write_a_lot(file_app)
    grown = _wal(tmp_path)
    assert grown > 4 * 1024 * 1024  # past the autocheckpoint: SQLite could not reset
    reader.execute("COMMIT")
    reader.close()

    # Steady short reads from another thread all along the checkpoint.
    stop = threading.Event()
    reads = []

    def read_constantly() -> None:
        other = sqlite3.connect(tmp_path / "wal.sqlite", isolation_level=None)
        while not stop.is_set():
            other.execute("BEGIN")
            reads.append(other.execute("SELECT count(*) FROM access_log").fetchone())
            other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=read_constantly)
    thread.start()
    try:
        while len(reads) < 50:  # the reader is well under way
            threading.Event().wait(0.01)
        done = db.checkpoint(file_app)
    finally:
        stop.set()
        thread.join()
    assert done is not None
    assert done.complete
    assert done.wal_bytes_before == grown
    assert done.wal_bytes_after == 0
    assert _wal(tmp_path) == 0
    # Nothing was lost on the way into the database file.
    with file_app.app_context():
        count = db.session().scalar(sa.select(sa.func.count(AccessLogEntry.id)))
    assert count == 40 * 200


def test_a_reader_that_never_lets_go_makes_it_say_so_and_writes_go_on(
    tmp_path, file_app, runner_for
):
    _write_a_lot(file_app, batches=5)
    reader = _held_snapshot(tmp_path / "wal.sqlite")
    try:
        _write_a_lot(file_app, batches=5)
        done = db.checkpoint(file_app, busy_ms=200)
        assert done is not None
        assert not done.complete
        assert done.wal_bytes_after > 0
        result = runner_for(file_app).invoke(args=["db", "checkpoint"])
        assert result.exit_code == 0, result.output
        assert "a reader held part of it" in result.output
        _write_a_lot(file_app, batches=1)  # the checkpoint left no lock behind
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert db.checkpoint(file_app).wal_bytes_after == 0


def test_connections_cut_the_log_back_when_it_is_reset(file_app):
    with db.engine(file_app).connect() as connection:
        limit = connection.exec_driver_sql("PRAGMA journal_size_limit").scalar()
    assert limit == db.WAL_SIZE_LIMIT


def test_cron_runs_the_checkpoint_even_without_push_keys(
    tmp_path, file_app, runner_for
):
    _write_a_lot(file_app, batches=2)
    result = runner_for(file_app).invoke(args=["cron"])
    assert result.exit_code == 0, result.output
    assert "push: not configured" in result.output
    assert "checkpoint: write-ahead log emptied" in result.output
    assert _wal(tmp_path) == 0


@pytest.fixture
def runner_for():
    return lambda app: app.test_cli_runner()
