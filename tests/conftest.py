"""Options every test run shares: which database the app tests use."""

from __future__ import annotations

import os

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("FIELDAPP_TEST_DATABASE_URL", "")
    return f"fieldapp test database: {url.split('@')[-1] if url else 'SQLite (temporary file)'}"
