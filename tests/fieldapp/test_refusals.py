"""A refused configuration is one line that says what to set, and a non-zero exit.

Each case runs the real command line (`flask --app wsgi ...`) in a subprocess, as an
operator would, and checks that stderr is a single line with no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp import create_app
from fieldapp import crypto
from fieldapp.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="
FLASK = str(Path(sys.executable).with_name("flask"))


def _flask(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FIELDAPP_", "FLASK_"))
    }
    base |= {
        "FIELDAPP_SECRET_KEY": "a long secret key for the refusal tests",
        "FIELDAPP_DATA_KEYS": GOOD_KEY,
        "FIELDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'refusals.sqlite'}",
    }
    base |= env
    return subprocess.run(
        [FLASK, "--app", "wsgi", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_healthy_configuration_runs(tmp_path):
    result = _flask(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "Database at head" in result.stdout


def test_the_development_secret_key_is_refused_outside_development(tmp_path):
    line = _one_line(_flask(tmp_path, "db", "upgrade", FIELDAPP_SECRET_KEY="dev"))
    assert "FIELDAPP_SECRET_KEY" in line
    # The default (no variable at all) is the development key too.
    result = subprocess.run(
        [FLASK, "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env={
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FIELDAPP_", "FLASK_"))
        }
        | {"FIELDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "FIELDAPP_SECRET_KEY" in _one_line(result)


@pytest.mark.parametrize(
    "keys",
    ["not a key", "c2hvcnQ=", f"{GOOD_KEY},%%%"],
    ids=["garbage", "too-short", "second-key-bad"],
)
def test_a_data_key_that_is_not_a_key_is_refused(tmp_path, keys):
    line = _one_line(_flask(tmp_path, "db", "upgrade", FIELDAPP_DATA_KEYS=keys))
    assert "FIELDAPP_DATA_KEYS" in line
    assert "32 random bytes" in line
    assert keys not in line  # a key is never echoed


def test_an_unreadable_data_key_file_is_refused(tmp_path, monkeypatch):
    # Root reads any file whatever its mode, so the unreadable "file" is a directory.
    unreadable = tmp_path / "data-keys"
    unreadable.mkdir()
    monkeypatch.setattr(crypto, "_key_file", lambda _app: unreadable)
    with pytest.raises(ConfigError, match="cannot read the data key file"):
        create_app({"TESTING": True, "DATA_KEYS": "", "DATABASE_URL": "sqlite://"})


def test_an_empty_data_key_file_is_refused(tmp_path, monkeypatch):
    empty = tmp_path / "data-keys"
    empty.write_text("# no key here\n", encoding="utf-8")
    monkeypatch.setattr(crypto, "_key_file", lambda _app: empty)
    with pytest.raises(ConfigError, match="holds no key"):
        create_app({"TESTING": True, "DATA_KEYS": "", "DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize(
    "url",
    ["nonsense://x", "not a url at all", "mysql://u:secretpw@host/db"],
    ids=["unknown-dialect", "unparseable", "missing-driver"],
)
def test_a_bad_database_url_is_refused(tmp_path, url):
    line = _one_line(_flask(tmp_path, "db", "upgrade", FIELDAPP_DATABASE_URL=url))
    assert "FIELDAPP_DATABASE_URL" in line
    assert "secretpw" not in line


def test_an_unreachable_database_is_one_line(tmp_path):
    url = "postgresql+psycopg://u:secretpw@127.0.0.1:1/fieldapp"
    line = _one_line(_flask(tmp_path, "db", "upgrade", FIELDAPP_DATABASE_URL=url))
    assert "cannot use the database" in line
    assert "secretpw" not in line


def test_a_database_without_the_schema_says_to_upgrade(tmp_path):
    line = _one_line(_flask(tmp_path, "demo"))
    assert "flask --app wsgi db upgrade" in line


def test_commands_refuse_bad_input_outside_a_request_in_one_line(tmp_path):
    # Messages translated outside a request (the command line) once needed a request
    # to pick their language, and a file that cannot be written gave a traceback.
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    made = _flask(
        tmp_path, "user", "create", "boss", "--role", "coordinator", "--temporary"
    )
    assert made.returncode == 0, made.stderr
    unknown = _one_line(
        _flask(
            tmp_path,
            "export",
            "no_such_form",
            "--user",
            "boss",
            "--output",
            str(tmp_path / "x.zip"),
        )
    )
    assert "no form to export" in unknown
    unwritable = _one_line(
        _flask(
            tmp_path,
            "export",
            "home_visit",
            "--user",
            "boss",
            "--output",
            str(tmp_path / "missing" / "x.zip"),
        )
    )
    assert str(tmp_path / "missing" / "x.zip") in unwritable
    quarter = _one_line(
        _flask(tmp_path, "report", "quarterly", "--year", "2026", "--quarter", "9")
    )
    assert "quarter" in quarter
