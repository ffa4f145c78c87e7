"""Database types and connection settings.

UTCDateTime writes on SQLite exactly what SQLAlchemy's own DATETIME would; PostgreSQL
connections plan each statement for its parameters.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from fieldapp.db import UTCDateTime

SQLITE = sqlite.dialect()


def _standard(value: datetime) -> str:
    """What process_bind_param and SQLAlchemy's SQLite DATETIME make of ``value``."""
    naive = UTCDateTime().process_bind_param(value, SQLITE)
    process = sa.DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    return process(naive)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        datetime(
            2024, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))
        ),
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_sqlite_text_is_the_standard_text(value):
    fast = UTCDateTime().bind_processor(SQLITE)
    assert fast(value) == _standard(value)


def test_sqlite_refuses_naive_datetimes_and_passes_none():
    fast = UTCDateTime().bind_processor(SQLITE)
    assert fast(None) is None
    with pytest.raises(ValueError, match="naive"):
        fast(datetime(2025, 3, 1, 9, 0))


def test_postgresql_connections_plan_for_the_parameters_given(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
        assert mode == "force_custom_plan"
        connection.rollback()
        # Still set after a transaction is rolled back.
        again = connection.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
    assert again == "force_custom_plan"


def test_json_columns_decode_what_the_json_module_would() -> None:
    """orjson first; the json module for what orjson refuses but a database may hold."""
    import math

    from fieldapp.db import json_loads

    assert json_loads('{"a": [1, 2.5, "ë"], "b": null}') == {
        "a": [1, 2.5, "ë"],
        "b": None,
    }
    assert json_loads(b'{"a": 1}') == {"a": 1}
    assert math.isnan(json_loads('{"x": NaN}')["x"])
    assert json_loads('{"big": 1180591620717411303424}')["big"] == 2**70
    assert json_loads('"\\ud800"') == "\ud800"
