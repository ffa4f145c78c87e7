"""Concurrent deliveries against a committed database (not the SAVEPOINT fixture)."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from fieldapp import create_app
from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.models import Submission
from sync import samples

TEST_DATA_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="


def _own_database(tmp_path) -> Iterator[str]:
    base = os.environ.get("FIELDAPP_TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        yield "sqlite:///" + str(tmp_path / "race.sqlite")
        return
    url = sa.make_url(base)
    name = f"{url.database}_race_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def committed_app(tmp_path) -> Iterator[Flask]:
    """An app on its own database, migrated, where every commit is real."""
    for url in _own_database(tmp_path):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE_URL": url,
                "SESSION_COOKIE_SECURE": False,
                "DATA_KEYS": TEST_DATA_KEY,
            }
        )
        db.upgrade(app)
        yield app
        db.engine(app).dispose()


def test_fifty_concurrent_deliveries_of_one_uuid_store_one_row(committed_app):
    app = committed_app
    with app.app_context():
        user = User(
            username="ana",
            full_name="Ana",
            role="social_worker",
            locale="en",
            password_hash="x",
        )
        db.session().add(user)
        db.session().commit()
        user_id = user.id
    item = samples.home_visit(uuid.uuid4())
    start = threading.Barrier(50)
    statuses: list[str] = []
    failures: list[BaseException] = []

    def deliver() -> None:
        try:
            with app.test_request_context():
                me = db.session().get(User, user_id)
                # End the read transaction: on SQLite it holds the write lock
                # (BEGIN IMMEDIATE) and would keep the other threads from the start.
                db.session().commit()
                start.wait(timeout=60)
                result = ingest_item(
                    item, user=me, device_id=None, locale="en", keep_rejected=True
                )
                statuses.append(result.status)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert Counter(statuses) == {"accepted": 1, "duplicate": 49}
    with app.app_context():
        count = db.session().scalar(sa.select(sa.func.count(Submission.id)))
    assert count == 1
