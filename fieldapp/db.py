"""Database engine, per-request session, the shared declarative base and `flask db`."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import ClassVar

import click
import orjson
import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask
from flask import current_app
from flask import g
from flask.cli import AppGroup
from sqlalchemy import event
from sqlalchemy import orm

from fieldapp.config import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Bytes SQLite's write-ahead log is cut back to when it is reset (journal_size_limit).
WAL_SIZE_LIMIT = 4 * 1024 * 1024
#: set inside reads(): the SQLite transaction being opened will not write
_READS_ONLY: ContextVar[bool] = ContextVar("fieldapp_db_reads_only", default=False)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Store datetimes as naive UTC and always return them timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: sa.Dialect) -> Any:
        """On SQLite, write the text SQLite's DATETIME would, in one step.

        Same text as process_bind_param followed by SQLAlchemy's own processor
        ("2025-03-01 09:00:00.000000"), so stored values compare and sort as before,
        at a fifth of the cost: every submission and schedule written has several.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTCDateTime column")
            return (
                value.astimezone(UTC)
                .replace(tzinfo=None)
                .isoformat(" ", "microseconds")
            )

        return process


class Model(orm.DeclarativeBase):
    """Base class of every table; deterministic constraint names keep migrations reviewable."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: sa.Uuid(),
    }


def table_of(model: type[Model]) -> sa.Table:
    """Return the table of ``model``, for Core statements on hot paths."""
    table = model.__table__
    assert isinstance(table, sa.Table)  # noqa: S101 - declarative models map tables
    return table


@dataclass(frozen=True)
class _State:
    engine: sa.Engine
    sessionmaker: orm.sessionmaker[orm.Session]


def database_url(app: Flask) -> str:
    """Return the configured URL, or an SQLite file in the instance folder."""
    url: str = app.config["DATABASE_URL"]
    if url:
        return url
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(app.instance_path) / "fieldapp.sqlite")


def json_loads(text: str | bytes) -> Any:
    """Decode a JSON column's value: orjson, several times faster than the json module
    (exports and pulls read many); the json module for what orjson refuses and the
    database may still hold (NaN, integers beyond 64 bits, lone surrogates)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def create_engine(url: str) -> sa.Engine:
    """Create an engine; SQLite gets WAL, durable commits and enforced foreign keys.

    JSON columns are decoded by ``json_loads``.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"timeout": 30}, json_deserializer=json_loads
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        database = engine.url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _WriterQueue(database + "-writers").watch(engine)
        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, json_deserializer=json_loads)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_settings)
    return engine


def _postgresql_settings(dbapi_connection: Any, _record: Any) -> None:
    # psycopg prepares a statement once it has run five times, and PostgreSQL may then
    # switch it to a generic plan. For look-ups by a list of ids (IN (...)) that plan
    # can scan a whole index: 2.5-4 ms instead of 0.3-0.7 ms for the schedule look-up
    # of bench/ingest.py, and growing with the table. A custom plan costs a planning
    # per execution, which these small statements can afford.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()  # a SET rolled back would be undone


class _WriterQueue:
    """Writers to one SQLite file wait their turn on a lock file, not by polling.

    SQLite lets one writer in at a time; the others retry in sleeps of up to 100 ms
    (its busy handler), so under load a write can wait far longer than the writes
    ahead of it take. Every write transaction here first takes an exclusive flock on
    ``path``, which the kernel hands to the next waiter the moment it is released,
    after the commit or rollback. Processes share it (gunicorn workers, cron); the
    kernel drops it if a process dies. Reads (db.reads) do not queue.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def watch(self, engine: sa.Engine) -> None:
        """Queue the write transactions of ``engine``."""
        event.listen(engine, "connect", self._open)
        event.listen(engine, "close", self._close)
        event.listen(engine, "begin", self._enter, insert=True)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._leave)

    def _open(self, _dbapi_connection: Any, record: Any) -> None:
        record.info["writers"] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def _close(self, _dbapi_connection: Any, record: Any) -> None:
        if (fd := record.info.pop("writers", None)) is not None:
            os.close(fd)

    @staticmethod
    def _fd(connection: sa.Connection) -> int | None:
        fd: int | None = connection.connection.info.get("writers")
        return fd

    def _enter(self, connection: sa.Connection) -> None:
        fd = self._fd(connection)
        if fd is not None and not _READS_ONLY.get():
            fcntl.flock(fd, fcntl.LOCK_EX)
            connection.connection.info["writing"] = True

    def _commit(self, connection: sa.Connection) -> None:
        if connection.connection.info.get("writing"):
            # Commit now, then let the next writer in: releasing before the commit
            # would only move the wait into SQLite's busy handler.
            connection.connection.driver_connection.execute("COMMIT")  # type: ignore[union-attr]
            self._leave(connection)

    def _leave(self, connection: sa.Connection) -> None:
        fd = self._fd(connection)
        if connection.connection.info.pop("writing", False) and fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work during a write; synchronous=FULL makes an
    # acknowledged submission survive a power cut (an ack must mean fsynced).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted content is overwritten with zeros, not left in free pages: an erased
    # family must not survive in the file (fieldapp/protection/erasure.py).
    cursor.execute("PRAGMA secure_delete=ON")
    # Whenever the log is reset after a checkpoint, its file shrinks back to this size
    # (SQLite otherwise keeps the largest size it ever reached).
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cursor.close()
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin); this also
    # makes SAVEPOINTs work, which the test suite relies on.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: sa.Connection) -> None:
    # IMMEDIATE takes the write lock at BEGIN: two requests that read and then write
    # would otherwise deadlock on the lock upgrade and fail at once, ignoring
    # busy_timeout (the choice Rails made for SQLite too). Only reads() opens a
    # deferred transaction, one that never writes, so takes no write lock at all.
    connection.exec_driver_sql("BEGIN" if _READS_ONLY.get() else "BEGIN IMMEDIATE")


@contextlib.contextmanager
def reads(db_session: orm.Session | None = None) -> Iterator[None]:
    """Run the block's statements, which only read, in a short transaction of their own.

    On SQLite every other transaction holds the one write lock from its first
    statement, so a request that reads first would keep every other worker from
    writing until it ends. This one is deferred (no write lock) and ends with the
    block; what it loaded stays usable. When the session is already in a transaction,
    or has changes to flush, or the database is not SQLite, the block simply joins in.
    Never write inside the block.
    """
    db_session = db_session or session()
    if (
        db_session.in_transaction()
        or db_session.new
        or db_session.dirty
        or db_session.deleted
        or db_session.get_bind().dialect.name != "sqlite"
    ):
        yield
        return
    token = _READS_ONLY.set(True)
    try:
        yield
    except BaseException:
        db_session.rollback()
        raise
    finally:
        _READS_ONLY.reset(token)
    db_session.commit()  # ends the read transaction: nothing to write, nothing expired


def init_app(app: Flask) -> None:
    """Create the engine for ``app`` and close sessions when its context ends."""
    try:
        db_engine = create_engine(database_url(app))
    except (sa.exc.ArgumentError, ImportError) as error:
        # NoSuchModuleError (an unknown dialect or driver) is an ArgumentError too.
        raise ConfigError(
            "FIELDAPP_DATABASE_URL is not a database URL fieldapp can use "
            f"({_first_line(error)}): set it like "
            "postgresql+psycopg://USER:PASSWORD@HOST/fieldapp, or leave it empty for "
            "the SQLite file in the instance folder."
        ) from None
    factory = orm.sessionmaker(db_engine, expire_on_commit=False)
    app.extensions["fieldapp.db"] = _State(db_engine, factory)
    app.teardown_appcontext(_close_session)
    app.cli.add_command(db_group)


def _first_line(error: BaseException) -> str:
    return (
        str(error).strip().splitlines()[0]
        if str(error).strip()
        else type(error).__name__
    )


def _state(app: Flask | None) -> _State:
    try:
        state: _State = (app or current_app).extensions["fieldapp.db"]
    except KeyError:
        raise RuntimeError("Call fieldapp.db.init_app(app) in create_app().") from None
    return state


def engine(app: Flask | None = None) -> sa.Engine:
    """Return the engine of ``app`` (default: the current app)."""
    return _state(app).engine


def sessionmaker(app: Flask | None = None) -> orm.sessionmaker[orm.Session]:
    """Return the session factory of ``app`` (default: the current app)."""
    return _state(app).sessionmaker


def session() -> orm.Session:
    """Return the session of the current app context, opening it on first use."""
    if "db_session" not in g:
        g.db_session = sessionmaker()()
    db_session: orm.Session = g.db_session
    return db_session


def _close_session(exc: BaseException | None) -> None:
    if (s := g.pop("db_session", None)) is not None:
        s.close()


def alembic_config(url: str) -> AlembicConfig:
    """Return an Alembic configuration for the migrations shipped with fieldapp."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the schema of ``app``'s database to ``revision``."""
    config = alembic_config(database_url(app))
    with engine(app).begin() as connection:
        config.attributes["connection"] = connection
        alembic_command.upgrade(config, revision)


@dataclass(frozen=True)
class Checkpoint:
    """What ``checkpoint`` did: the log's size before and after, and whether it was
    cut to nothing (``complete``) or a reader kept part of it (retry later)."""

    wal_bytes_before: int
    wal_bytes_after: int
    complete: bool


def _wal_size(database: str) -> int:
    try:
        return os.path.getsize(database + "-wal")
    except OSError:
        return 0


def checkpoint(app: Flask, busy_ms: int = 5000) -> Checkpoint | None:
    """SQLite: copy the write-ahead log into the database and truncate it to nothing.

    SQLite checkpoints by itself after commits (wal_autocheckpoint), but such a
    checkpoint never waits for readers, and the log can only start over when no reader
    still needs it. Under steady traffic some reader always does, and the log grows
    (55 MB beside a 6.7 MB database, seen under load). This one (TRUNCATE) queues like
    a writer, waits up to ``busy_ms`` for the readers of older snapshots to finish, and
    empties the file. Readers that start meanwhile go on unimpeded. Run it from cron
    (`flask cron`). Returns None on other databases.
    """
    db_engine = engine(app)
    database = db_engine.url.database or ""
    if db_engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    before = _wal_size(database)
    raw = db_engine.raw_connection()
    try:
        fd: int | None = raw.info.get("writers")
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # after the writer in progress, if any
        try:
            driver = raw.driver_connection
            assert driver is not None  # noqa: S101 - a live pooled connection
            driver.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            busy, _log_frames, _moved = driver.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
            driver.execute("PRAGMA busy_timeout=30000")
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        raw.close()
    return Checkpoint(before, _wal_size(database), complete=not busy)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create the schema or upgrade it to the newest migration."""
    upgrade(current_app, revision)
    click.echo(
        f"Database at {revision}: {engine().url.render_as_string(hide_password=True)}"
    )


@db_group.command("checkpoint")
def checkpoint_command() -> None:
    """SQLite: move the write-ahead log into the database and empty it (cron)."""
    done = checkpoint(current_app)
    if done is None:
        click.echo("Nothing to do: the database is not an SQLite file.")
        return
    click.echo(
        f"Write-ahead log: {_megabytes(done.wal_bytes_before)} before, "
        f"{_megabytes(done.wal_bytes_after)} after"
        + ("." if done.complete else " (a reader held part of it; next run goes on).")
    )


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the schema to REVISION."""
    config = alembic_config(database_url(current_app))
    with engine().begin() as connection:
        config.attributes["connection"] = connection
        alembic_command.downgrade(config, revision)
