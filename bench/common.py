"""Shared pieces of the sync benchmarks: a throwaway database, users, realistic items.

Not a test module: bench/ scripts print figures. Databases are made and dropped here;
only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fieldapp import create_app
from fieldapp import db
from sync import samples

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="
PASSWORD = "a long benchmark passphrase"  # noqa: S105 - a throwaway database


def arguments(description: str) -> argparse.ArgumentParser:
    """Return a parser with the common --db option."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgresql", "both"],
        default="both",
        help="database to measure (default: both)",
    )
    return parser


def postgres_base_url() -> str:
    """Return FIELDAPP_BENCH_PG_URL, or the URL scripts/postgres-test-db.sh prints."""
    url = os.environ.get("FIELDAPP_BENCH_PG_URL", "")
    if url:
        return url
    done = subprocess.run(
        [REPO / "scripts" / "postgres-test-db.sh"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit("PostgreSQL is not available:\n" + done.stderr)
    return done.stdout.strip().splitlines()[-1]


@contextlib.contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """Yield the URL of a new empty database (SQLite file or PostgreSQL); drop it after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="fieldapp-bench-") as workdir:
            yield "sqlite:///" + str(Path(workdir) / "bench.sqlite")
        return
    base = sa.make_url(postgres_base_url())
    name = f"fieldapp_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        base.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def make_app(url: str, **config: Any) -> Any:
    """Return an app on ``url`` with the schema migrated."""
    app = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "bench-" + "x" * 40,
            "DATABASE_URL": url,
            "SESSION_COOKIE_SECURE": False,
            "DATA_KEYS": DATA_KEY,
            **config,
        }
    )
    db.upgrade(app)
    return app


def server_env(url: str) -> dict[str, str]:
    """Return the environment of a gunicorn serving ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(
        FIELDAPP_SECRET_KEY="bench-" + "x" * 40,
        FIELDAPP_DATABASE_URL=url,
        FIELDAPP_SESSION_COOKIE_SECURE="false",
        FIELDAPP_DATA_KEYS=DATA_KEY,
        FLASK_DEBUG="0",
    )
    return env


def visit_or_intake(families: list[tuple[str, list[str]]], n: int) -> dict[str, Any]:
    """Return a realistic item: every fifth registers a family, the rest visit one."""
    if n % 5 == 0 or not families:
        return samples.family_intake(name=f"Familja {n}")
    family_id, members = families[n % len(families)]
    return samples.home_visit(family_id, members[:1])


def family_of(item: dict[str, Any]) -> tuple[str, list[str]]:
    """Return (family id, member ids) registered by a family intake item."""
    return item["subject_id"], [row["id"] for row in item["answers"]["members"]]


def machine() -> str:
    """Return a one-line description of this machine."""
    return (
        f"{platform.node()} | {os.cpu_count()} cpu | Python {platform.python_version()}"
        f" | SQLAlchemy {sa.__version__}"
    )
