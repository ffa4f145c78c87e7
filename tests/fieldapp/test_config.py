from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldapp import create_app
from fieldapp import db
from fieldapp.config import ConfigError


def test_refuses_to_start_in_production_with_the_default_secret_key(tmp_path: Path):
    with pytest.raises(ConfigError, match="FIELDAPP_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})


def test_starts_in_production_with_a_real_secret_key(tmp_path: Path):
    app = create_app(
        {
            "SECRET_KEY": "a real secret",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite",
        }
    )
    assert not app.debug
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-fieldapp"


def test_environment_variables_override_defaults(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("FIELDAPP_SECRET_KEY", "from the environment")
    monkeypatch.setenv("FIELDAPP_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("FIELDAPP_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from the environment"
    assert app.config["SESSION_IDLE_MINUTES"] == 15
    assert str(db.engine(app).url).endswith("env.sqlite")


def test_default_database_is_sqlite_in_the_instance_folder_with_wal_and_foreign_keys(
    tmp_path: Path,
):
    app = create_app({"TESTING": True, "SECRET_KEY": "t"})
    app.instance_path = str(tmp_path / "instance")
    url = db.database_url(app)
    assert url == "sqlite:///" + str(tmp_path / "instance" / "fieldapp.sqlite")
    engine = db.create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()
    assert (
        sqlite3.connect(tmp_path / "instance" / "fieldapp.sqlite")
        .execute("PRAGMA journal_mode")
        .fetchone()[0]
        == "wal"
    )


def test_every_view_must_declare_an_access_rule(tmp_path: Path):
    from flask import Flask

    from fieldapp.access import check_every_view_has_a_rule

    bare = Flask(__name__)

    @bare.get("/leak")
    def leak() -> str:
        return "no rule"

    with pytest.raises(RuntimeError, match="leak"):
        check_every_view_has_a_rule(bare)


def test_the_instance_folder_can_be_put_outside_the_install(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path / "lasting"))
    app = create_app({"TESTING": True, "DATA_KEYS": "", "DATABASE_URL": "sqlite://"})
    assert app.instance_path == str(tmp_path / "lasting")
    # The key file made at start lands there, not inside the virtual environment.
    assert (tmp_path / "lasting" / "data-keys").exists()


def _logged_address(app, **environ) -> str:
    from fieldapp.audit.models import AccessLogEntry

    client = app.test_client()
    client.post(
        "/auth/login",
        data={"username": "nobody", "password": "x"},
        environ_base={"REMOTE_ADDR": "127.0.0.1", **environ},
    )
    with app.app_context():
        import sqlalchemy as sa

        return db.session().scalar(
            sa.select(AccessLogEntry.ip).order_by(AccessLogEntry.id.desc()).limit(1)
        )


@pytest.mark.parametrize(
    ("config_overrides", "expected"),
    [
        ({"TRUSTED_PROXIES": 0, "WTF_CSRF_ENABLED": False}, "127.0.0.1"),
        ({"TRUSTED_PROXIES": 1, "WTF_CSRF_ENABLED": False}, "203.0.113.7"),
    ],
)
def test_the_client_address_comes_from_a_trusted_proxy_only(app, expected):
    forwarded = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.7"}
    assert _logged_address(app, **forwarded) == expected
