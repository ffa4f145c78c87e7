"""The migrations produce exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.families.models import Family
from fieldapp.models import metadata
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission


def _diff(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrations_produce_exactly_the_models_schema(engine):
    assert _diff(engine) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(
    database_url, engine, schema_tools
):
    scratch = db.create_engine(database_url)
    try:
        config = db.alembic_config(database_url)
        with scratch.begin() as connection:
            config.attributes["connection"] = connection
            alembic_command.downgrade(config, "base")
        tables = set(sa.inspect(scratch).get_table_names()) - {"alembic_version"}
        assert tables == set()
    finally:
        schema_tools.reset(scratch)
        schema_tools.migrate(scratch)
        scratch.dispose()
    assert _diff(engine) == []


def test_0002_fills_when_each_familys_dates_were_set(
    database_url, engine, schema_tools
):
    """The upgrade takes each family's latest visit and session already stored."""
    scratch = db.create_engine(database_url)
    config = db.alembic_config(database_url)
    sources = {"next_visit_from", "next_session_from"}
    family = db.table_of(Family)
    submission = db.table_of(Submission)
    visited, quiet = uuid.uuid4(), uuid.uuid4()

    def at(day: int) -> datetime:
        return datetime(2025, 3, day, 10, tzinfo=UTC)

    try:
        with scratch.begin() as connection:
            config.attributes["connection"] = connection
            alembic_command.downgrade(config, "0001")
            # 0001's columns only: the model's table has defaults for later ones.
            user_0001 = sa.table(
                "user", *map(sa.column, ("id", "username", "full_name", "role")),
                *map(sa.column, ("password_hash", "locale", "is_active")),
                *map(sa.column, ("created_at", "password_changed_at")),
            )  # fmt: skip
            author = connection.execute(
                sa.insert(user_0001).returning(user_0001.c.id),
                {
                    "username": "ana",
                    "full_name": "Ana",
                    "role": "social_worker",
                    "password_hash": "x",
                    "locale": "sq",
                    "is_active": True,
                    "created_at": at(1),
                    "password_changed_at": at(1),
                },
            ).scalar_one()
            connection.execute(
                # Core writes only the columns given or defaulted: 0001's columns.
                sa.insert(family),
                [
                    {"id": family_id, "name": "Familja"}
                    for family_id in (visited, quiet)
                ],
            )
            rows = [
                ("home_visit", at(2)),
                ("home_visit", at(5)),
                ("home_visit", None),  # ranked after any with a time
                ("psych_support", at(3)),
                ("family_intake", at(9)),  # schedules nothing
            ]
            connection.execute(
                sa.insert(submission),
                [
                    {
                        "uuid": uuid.uuid4(),
                        "form_id": form_id,
                        "form_version": 1,
                        "subject_type": "family",
                        "family_id": visited,
                        "author_id": author,
                        "completed_at": completed,
                        "received_at": at(10),
                        "respondent_locale": "sq",
                        "answers": {},
                        "sensitive_answers": "",
                        "content_hash": "x",
                    }
                    for form_id, completed in rows
                ],
            )
            alembic_command.upgrade(config, "head")
            found = {
                row.id: (row.next_visit_from, row.next_session_from)
                for row in connection.execute(
                    sa.select(family.c.id, *(family.c[c] for c in sorted(sources)))
                )
            }
    finally:
        schema_tools.reset(scratch)
        schema_tools.migrate(scratch)
        scratch.dispose()
    assert found == {visited: (at(5), at(3)), quiet: (None, None)}


def test_0004_removes_quoted_answers_from_rejected_errors(
    database_url, engine, schema_tools
):
    """Rejected items kept before 0004 quoted an invalid choice (a risk code, say)."""
    scratch = db.create_engine(database_url)
    config = db.alembic_config(database_url)
    # 0004 changes no table: the models' tables are 0003's.
    rejected, user = db.table_of(RejectedSubmission), db.table_of(User)
    kept = {
        "code": "invalid_answers",
        "fields": {
            "risk_flags": [{"code": "choice", "params": {"value": "trafficking_x1"}}],
            "visit_date": [{"code": "max", "params": {"max": "2025-03-01"}}],
        },
    }
    try:
        with scratch.begin() as connection:
            config.attributes["connection"] = connection
            alembic_command.downgrade(config, "0003")
            author = connection.execute(
                sa.insert(user).returning(user.c.id),
                {
                    "username": "ana",
                    "full_name": "Ana",
                    "role": "psychologist",
                    "password_hash": "x",
                },
            ).scalar_one()
            connection.execute(
                sa.insert(rejected),
                [
                    {
                        "submission_uuid": uuid.uuid4(),
                        "form_id": "psych_support",
                        "author_id": author,
                        "errors": errors,
                        "content_hash": str(number),
                    }
                    for number, errors in enumerate([kept, {}, {"code": "x"}])
                ],
            )
            alembic_command.upgrade(config, "head")
            found = (
                connection.execute(sa.select(rejected.c.errors).order_by(rejected.c.id))
                .scalars()
                .all()
            )
    finally:
        schema_tools.reset(scratch)
        schema_tools.migrate(scratch)
        scratch.dispose()
    assert found[0] == {
        "code": "invalid_answers",
        "fields": {
            "risk_flags": [{"code": "choice", "params": {}}],
            "visit_date": [{"code": "max", "params": {"max": "2025-03-01"}}],
        },
    }
    assert found[1:] == [{}, {"code": "x"}]
    assert "trafficking_x1" not in str(found)
