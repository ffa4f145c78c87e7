"""SQLite under many workers: reads take no write lock, writers queue on a lock file.

Each test has its own database file (not the shared rolled-back one): what is tested is
what one connection's transaction does to another's.
"""

from __future__ import annotations

import fcntl
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
from fieldapp.auth.models import User

from .conftest import PASSWORD
from .conftest import AuthActions
from .conftest import app_config

pytestmark = pytest.mark.skipif(
    os.environ.get("FIELDAPP_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite's locking; PostgreSQL has row locks",
)


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config(f"sqlite:///{tmp_path}/locks.sqlite"))
    db.upgrade(app)
    yield app
    db.engine(app).dispose()


@pytest.fixture
def writer_holding_the_lock(tmp_path: Path, file_app: Flask) -> Iterator[None]:
    """Another program (not fieldapp) in the middle of a write transaction."""
    other = sqlite3.connect(tmp_path / "locks.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield
    other.execute("ROLLBACK")
    other.close()


def _user(username: str) -> User:
    return User(username=username, full_name=username, role="admin", password_hash="x")


def _begins(app: Flask) -> list[str]:
    """Record the BEGIN statements the app's engine sends from now on."""
    seen: list[str] = []

    @sa.event.listens_for(db.engine(app), "before_cursor_execute")
    def _record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            seen.append(statement)

    return seen


def test_reads_open_a_deferred_transaction_and_end_it(file_app):
    begins = _begins(file_app)
    with file_app.app_context():
        session = db.session()
        with db.reads():
            assert session.scalar(sa.select(sa.func.count(User.id))) == 0
        assert not session.in_transaction()
        session.add(_user("ana"))
        session.commit()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_reads_join_a_transaction_that_has_changes_to_flush(file_app):
    begins = _begins(file_app)
    with file_app.app_context():
        session = db.session()
        session.add(_user("ana"))
        with db.reads():
            # Autoflush writes the pending user: this must not run in a read transaction.
            assert session.scalar(sa.select(sa.func.count(User.id))) == 1
        session.commit()
    assert begins == ["BEGIN IMMEDIATE"]


def test_a_signed_in_request_that_only_reads_does_not_wait_for_a_writer(file_app):
    with file_app.app_context():
        user = User(username="ana", full_name="Ana", role="social_worker")
        user.set_password(PASSWORD)
        db.session().add(user)
        db.session().commit()
    client = file_app.test_client()
    AuthActions(client).login("ana")
    with db.sessionmaker(file_app)() as other:
        # Someone else is writing (and holds SQLite's one write lock) ...
        other.execute(sa.text("UPDATE user SET full_name = 'Ana B'"))
        # ... the sign-in check and the token still come: no lock needed to read.
        response = client.get("/api/v1/csrf")
        assert response.status_code == 200
        assert response.json["csrf_token"]
        other.rollback()


def test_writers_wait_their_turn_on_the_lock_file_and_all_get_in(file_app, tmp_path):
    lock = os.open(tmp_path / "locks.sqlite-writers", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as if another worker were writing
    done: list[str] = []

    def write(name: str) -> None:
        with file_app.app_context():
            db.session().add(_user(name))
            db.session().commit()
        done.append(name)

    writers = [threading.Thread(target=write, args=(f"u{n}",)) for n in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=0.5)
    assert done == [], "a writer got in while another held the lock"
    fcntl.flock(lock, fcntl.LOCK_UN)
    os.close(lock)
    for writer in writers:
        writer.join(timeout=30)
    assert sorted(done) == ["u0", "u1", "u2", "u3"]
    with file_app.app_context():
        assert db.session().scalar(sa.select(sa.func.count(User.id))) == 4


def test_a_failed_write_lets_the_next_writer_in(file_app):
    with file_app.app_context():
        session = db.session()
        session.add(_user("ana"))
        session.commit()
        session.add(_user("ana"))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()
        session.rollback()
    finished = threading.Event()

    def write() -> None:
        with file_app.app_context():
            db.session().add(_user("bea"))
            db.session().commit()
        finished.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert finished.wait(timeout=30), "the rolled-back writer kept the lock"
    thread.join()
