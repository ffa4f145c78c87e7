"""The migrations produce exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldapp import db
from fieldapp.models import metadata


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
