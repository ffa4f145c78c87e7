from __future__ import annotations

import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session().scalar(
            sa.select(sa.func.count()).select_from(model).where(*where)
        )


def test_demo_loads_the_demo_data_and_is_safe_to_run_twice(app, runner, monkeypatch):
    monkeypatch.setenv("FIELDAPP_DEMO_PASSWORD", "demo password for tests")
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo password for tests" in first.output
    counts = [_count(app, m) for m in (User, Family, Course, Enrolment, Assignment)]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert [
        _count(app, m) for m in (User, Family, Course, Enrolment, Assignment)
    ] == counts
    assert counts[1] >= 12
    with app.app_context():
        users = {u.username: u for u in db.session().scalars(sa.select(User))}
        assert {"admin", "coordinator", "social", "psych", "instructor"} <= set(users)
        assert users["social"].check_password("demo password for tests")
        courses = list(db.session().scalars(sa.select(Course)))
        assert len(courses) == 4  # two running, two earlier cohorts (issue 17)
        assert sum(c.is_active for c in courses) == 2
        assert all(c.instructor_id == users["instructor"].id for c in courses)
        assert all(len(c.enrolments) >= 8 for c in courses)
        municipalities = set(db.session().scalars(sa.select(Family.municipality)))
        assert len(municipalities) >= 5
    assert _count(app, Assignment, Assignment.user_id == users["social"].id) >= 3
    assert _count(app, Assignment, Assignment.user_id == users["psych"].id) >= 2


def test_demo_generates_and_prints_a_password_when_none_is_given(
    app, runner, monkeypatch
):
    monkeypatch.delenv("FIELDAPP_DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    line = next(
        ln for ln in result.output.splitlines() if ln.startswith("Password for all")
    )
    password = line.split(":", 1)[1].split()[0]
    assert len(password) >= 12
    with app.app_context():
        admin = db.session().scalar(sa.select(User).where(User.username == "admin"))
        assert admin.check_password(password)
    # A second run reuses the same password instead of locking people out.
    again = runner.invoke(args=["demo"])
    assert password in again.output


def test_user_create_command_creates_a_user(app, runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "vesa",
            "--role",
            "psychologist",
            "--name",
            "Vesa Gashi",
            "--password",
            "a strong passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session().scalar(sa.select(User).where(User.username == "vesa"))
        assert user.role == "psychologist"
        assert user.check_password("a strong passphrase")
        assert user.password_hash.startswith("$argon2id$")


def test_user_create_refuses_a_duplicate_username(app, runner, make_user):
    make_user("vesa")
    result = runner.invoke(
        args=[
            "user",
            "create",
            "vesa",
            "--role",
            "instructor",
            "--password",
            "a strong passphrase",
        ]
    )
    assert result.exit_code != 0
    assert "already taken" in result.output


def test_user_create_refuses_a_weak_password(app, runner):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "vesa",
            "--role",
            "instructor",
            "--password",
            "password123",
        ]
    )
    assert result.exit_code != 0
    with app.app_context():
        assert (
            db.session().scalar(sa.select(User).where(User.username == "vesa")) is None
        )


def test_db_upgrade_command_creates_the_schema_and_is_safe_to_repeat(tmp_path):
    from fieldapp import create_app

    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite",
        }
    )
    for _ in range(2):
        result = fresh.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "Database at head" in result.output
    tables = set(sa.inspect(db.engine(fresh)).get_table_names())
    assert {
        "user",
        "family",
        "member",
        "submission",
        "access_log",
        "alembic_version",
    } <= tables
