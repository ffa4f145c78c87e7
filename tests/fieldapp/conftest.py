"""Fixtures for tests that exercise the Flask app: app, client, auth, db and factories."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command as alembic_command
from flask import Flask
from flask.testing import FlaskClient

from fieldapp import create_app
from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.families import services as family_services
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.submissions.ingest import ingest_item

PASSWORD = "a long test passphrase"
#: A fixed key so tests never write key files; production reads FIELDAPP_DATA_KEYS.
TEST_DATA_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Hash test passwords with cheap Argon2id parameters; production keeps the defaults."""
    from argon2 import PasswordHasher

    from fieldapp.auth import models

    saved = models._hasher, models._DUMMY_HASH
    models._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    models._DUMMY_HASH = models._hasher.hash("not-a-real-password")
    yield
    models._hasher, models._DUMMY_HASH = saved


def new_postgres_database(server_url: str, name: str) -> str:
    """Make the PostgreSQL database ``name`` afresh on ``server_url``'s server; return
    its URL."""
    parsed = sa.make_url(server_url)
    admin = sa.create_engine(
        parsed.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop the PostgreSQL database of ``url``, whoever is connected to it."""
    parsed = sa.make_url(url)
    admin = sa.create_engine(
        parsed.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'
        )
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the test database: FIELDAPP_TEST_DATABASE_URL, else a temporary SQLite file.

    Under pytest-xdist each worker has a PostgreSQL database of its own beside the
    named one (``<name>_gw0``...), made for the session and dropped after it.
    """
    url = os.environ.get("FIELDAPP_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker and url.startswith("postgresql"):
        own = new_postgres_database(url, f"{sa.make_url(url).database}_{worker}")
        yield own
        drop_postgres_database(own)
    elif url:
        yield url
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def reset_schema(engine: sa.Engine) -> None:
    """Drop every table (PostgreSQL: the public schema) so migrations start from nothing."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        else:
            meta = sa.MetaData()
            meta.reflect(connection)
            meta.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Run the Alembic migrations on ``engine``."""
    config = db.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command.upgrade(config, revision)


@pytest.fixture(scope="session")
def schema_tools() -> SimpleNamespace:
    """Give tests the functions that drop and migrate a schema."""
    return SimpleNamespace(reset=reset_schema, migrate=migrate)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    """Create the test schema once per session, through the migrations."""
    test_engine = db.create_engine(database_url)
    reset_schema(test_engine)
    migrate(test_engine)
    yield test_engine
    test_engine.dispose()


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Return the settings of a test app."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "DATABASE_URL": database_url,
        # The test client speaks http://localhost: a Secure cookie would not come back.
        "SESSION_COOKIE_SECURE": False,
        "DATA_KEYS": TEST_DATA_KEY,
        "PUSH_ALLOW_LOOPBACK": True,
    }
    config.update(overrides)
    return config


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(
    engine: sa.Engine,
    database_url: str,
    config_overrides: dict[str, Any],
    tmp_path: Path,
) -> Iterator[Flask]:
    """A fresh app whose database work is rolled back after the test."""
    test_app = create_app(app_config(database_url, **config_overrides))
    test_app.instance_path = str(tmp_path / "instance")
    with engine.connect() as connection:
        outer = connection.begin()
        # Code under test may commit: it only releases a SAVEPOINT inside `outer`.
        db.sessionmaker(test_app).configure(
            bind=connection, join_transaction_mode="create_savepoint"
        )
        yield test_app
        outer.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app`` whose browser prefers English (assertions read English)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def runner(app: Flask) -> Any:
    """A CLI runner of ``app``."""
    return app.test_cli_runner()


_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    """Return a CSRF token valid for ``client``'s session, read from a page."""
    page = client.get(path).get_data(as_text=True)
    match = _META_CSRF.search(page)
    assert match, f"no csrf-token meta tag on {path}"
    return match.group(1)


class AuthActions:
    """Sign a test client in and out, with CSRF tokens like a browser."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = PASSWORD) -> Any:
        """Sign in as ``username``."""
        token = csrf_token(self._client)
        return self._client.post(
            "/auth/login",
            data={"username": username, "password": password, "csrf_token": token},
        )

    def logout(self) -> Any:
        """Sign out."""
        token = csrf_token(self._client, "/")
        return self._client.post("/auth/logout", data={"csrf_token": token})

    def csrf(self, path: str = "/") -> str:
        """Return a CSRF token for the signed-in session."""
        return csrf_token(self._client, path)


def signed_in_client(app: Flask, username: str | None) -> tuple[FlaskClient, str]:
    """Return a new English-speaking client signed in as ``username`` (None: anonymous)
    and a CSRF token for its session."""
    new_client = app.test_client()
    new_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if username:
        AuthActions(new_client).login(username)
        return new_client, csrf_token(new_client, "/submissions/")
    return new_client, csrf_token(new_client)


@pytest.fixture
def signed_in(app: Flask) -> Callable[[str | None], tuple[FlaskClient, str]]:
    """Return a function that makes a client signed in as a user, with its CSRF token."""
    return lambda username: signed_in_client(app, username)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign ``client`` in and out."""
    return AuthActions(client)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Return a function that stores a user and returns it."""

    def make(
        username: str = "ana",
        role: str = "social_worker",
        *,
        password: str = PASSWORD,
        locale: str = "en",
        full_name: str | None = None,
        is_active: bool = True,
    ) -> User:
        with app.app_context():
            user = User(
                username=username,
                role=role,
                locale=locale,
                is_active=is_active,
                full_name=full_name or username.title(),
            )
            user.set_password(password)
            db.session().add(user)
            db.session().commit()
            return user

    return make


@pytest.fixture
def make_family(app: Flask) -> Callable[..., Family]:
    """Return a function that stores a family with members and assignments."""

    def make(
        name: str = "Krasniqi",
        *,
        members: tuple[str, ...] = ("Arben", "Fatime"),
        assigned_to: tuple[User, ...] = (),
        municipality: str = "prishtine",
    ) -> Family:
        with app.app_context():
            family = Family(id=uuid.uuid4(), name=name, municipality=municipality)
            for index, member_name in enumerate(members):
                family.members.append(
                    Member(
                        id=uuid.uuid4(), full_name=member_name, birth_year=2010 + index
                    )
                )
            family_services.index_family(family)
            db.session().add(family)
            db.session().flush()
            for user in assigned_to:
                family_services.assign(family, db.session().merge(user), None)
            db.session().commit()
            return family

    return make


@pytest.fixture
def make_course(app: Flask) -> Callable[..., Course]:
    """Return a function that stores a course taught by ``instructor`` with students."""

    def make(
        instructor: User,
        *,
        students: tuple[Member, ...] = (),
        name: str = "Welding",
        vocation: str = "welding",
    ) -> Course:
        with app.app_context():
            course = Course(
                name=name,
                vocation=vocation,
                instructor_id=instructor.id,
                weekdays="1,3",
            )
            db.session().add(course)
            db.session().flush()
            for member in students:
                db.session().add(Enrolment(course_id=course.id, member_id=member.id))
            db.session().commit()
            return course

    return make


@pytest.fixture
def world(
    app: Flask,
    make_user: Callable[..., User],
    make_family: Callable[..., Family],
    make_course: Callable[..., Course],
) -> SimpleNamespace:
    """Seven staff, two families of two social workers, two courses and stored items.

    ``social`` and ``psych`` follow the Krasniqi family; ``social2`` follows Gashi;
    ``instructor`` teaches the Krasniqi children, ``instructor2`` the Gashi child. A home
    visit by ``social`` is stored, with a conflicting replay and a rejected item.
    """
    users = {
        "admin": make_user("admin", "admin"),
        "coordinator": make_user("coordinator", "coordinator"),
        "social": make_user("social", "social_worker"),
        "social2": make_user("social2", "social_worker"),
        "psych": make_user("psych", "psychologist"),
        "instructor": make_user("instructor", "instructor"),
        "instructor2": make_user("instructor2", "instructor"),
    }
    family = make_family(
        "Krasniqi",
        members=("Arben Krasniqi", "Fatime Krasniqi"),
        assigned_to=(users["social"], users["psych"]),
    )
    other = make_family(
        "Gashi", members=("Valon Gashi",), assigned_to=(users["social2"],)
    )
    course = make_course(users["instructor"], students=tuple(family.members))
    make_course(
        users["instructor2"],
        students=tuple(other.members),
        name="Tailoring",
        vocation="tailoring",
    )
    with app.test_request_context():
        visit = str(uuid.uuid4())
        result = ingest_item(
            {
                "uuid": visit,
                "form_id": "home_visit",
                "form_version": 1,
                "subject_id": str(family.id),
                "course_id": None,
                "respondent_locale": "en",
                "answers": {
                    "visit_date": date.today().isoformat(),
                    "present_members": [str(family.members[0].id)],
                    "living_conditions": 3,
                    "risk_level": "low",
                },
            },
            user=db.session().merge(users["social"]),
            device_id=None,
            locale="en",
        )
        assert result.status == "accepted", result.errors
        social = db.session().merge(users["social"])
        visit_item = {
            "uuid": visit,
            "form_id": "home_visit",
            "form_version": 1,
            "subject_id": str(family.id),
            "respondent_locale": "en",
            "answers": {
                "visit_date": date.today().isoformat(),
                "present_members": [str(family.members[0].id)],
                "living_conditions": 1,
                "risk_level": "low",
            },
        }
        conflict = ingest_item(visit_item, user=social, device_id=None, locale="en")
        assert conflict.status == "conflict"
        rejected = ingest_item(
            visit_item | {"uuid": str(uuid.uuid4()), "answers": {}},
            user=social,
            device_id=None,
            locale="en",
            keep_rejected=True,
        )
        assert rejected.status == "rejected"
        from fieldapp.submissions.models import RejectedSubmission
        from fieldapp.submissions.models import SubmissionConflict

        conflict_id = db.session().scalar(sa.select(SubmissionConflict.id))
        rejected_id = db.session().scalar(sa.select(RejectedSubmission.id))
        from fieldapp.devices.models import Device
        from fieldapp.families.models import Assignment

        device = Device(id=uuid.uuid4(), user_id=users["social"].id)
        db.session().add(device)
        assignment = (
            db.session()
            .query(Assignment)
            .filter_by(family_id=family.id, user_id=users["social"].id)
            .one()
        )
        from fieldapp.courses.models import Enrolment

        enrolment = db.session().query(Enrolment).filter_by(course_id=course.id).first()
        from fieldapp.prevention.models import Student

        for member in (*family.members, *other.members):
            db.session().add(
                Student(
                    member_id=member.id,
                    referral_source="school",
                    referral_on=date(2026, 9, 1),
                )
            )
        from fieldapp.cases.models import SupportCase

        case = SupportCase(
            family_id=family.id, programme="rehabilitation_daily", status="active"
        )
        db.session().add(case)
        db.session().flush()
        from fieldapp.cases.models import CaseService

        service = CaseService(case_id=case.id, service_type="counselling")
        db.session().add(service)
        from fieldapp.cases.models import Partner
        from fieldapp.cases.models import Referral

        partner = Partner(name="QPS Prishtinë", kind="csw")
        db.session().add(partner)
        db.session().flush()
        referral = Referral(
            case_id=case.id, partner_id=partner.id, sent_on=date.today()
        )
        db.session().add(referral)
        db.session().flush()
        db.session().commit()
    return SimpleNamespace(
        users=users,
        ids={
            "family": family.id,
            "member": family.members[0].id,
            "course": course.id,
            "visit": visit,
            "device": device.id,
            "assignment": assignment.id,
            "enrolment": enrolment.id if enrolment else 0,
            "social_id": users["social"].id,
            "conflict": conflict_id,
            "rejected": rejected_id,
            "case": case.id,
            "service": service.id,
            "partner": partner.id,
            "referral": referral.id,
        },
    )
