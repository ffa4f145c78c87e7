"""A wheel built from a clean checkout serves all four languages once installed.

The wheel is built from exactly the files a fresh clone has (tracked, or new and not
ignored: no compiled catalogs), installed with the locked runtime dependencies into a
fresh virtual environment outside the checkout, and asked for a page in Serbian
Cyrillic and for the browser's Cyrillic catalog.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="

#: Runs inside the fresh environment, outside the checkout.
RENDER = """
import json, sys
import fieldapp
from fieldapp import create_app, db
app = create_app({
    "TESTING": True,
    "SECRET_KEY": "wheel test",
    "DATA_KEYS": %(key)r,
    "DATABASE_URL": "sqlite:///" + sys.argv[1],
})
db.upgrade(app)
client = app.test_client()
page = client.get("/auth/login?lang=sr_Cyrl")
catalog = client.get("/static/i18n/sr_Cyrl.json")
print(json.dumps({
    "package": fieldapp.__file__,
    "status": page.status_code,
    "page": page.get_data(as_text=True),
    "catalog_status": catalog.status_code,
    "catalog": catalog.get_json(),
}))
"""


def _run(*args: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_copy(target: Path) -> Path:
    """Copy what a fresh clone holds (plus uncommitted work) to ``target``."""
    listed = _run(
        "git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT
    )
    for name in listed.splitlines():
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.slow
def test_the_wheel_serves_every_language_from_a_fresh_environment(tmp_path):
    source = _clean_copy(tmp_path / "src")
    assert not list(source.rglob("*.mo")), "the copy must hold no compiled catalog"
    assert not (source / "fieldapp" / "static" / "i18n").exists()

    dist = tmp_path / "dist"
    # The locked setuptools and Babel of this environment build it, as `make` does.
    _run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
        "--no-build-isolation", "-w", dist, source, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = dist.glob("fieldapp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("sq", "sr_Latn", "sr_Cyrl", "en"):
        assert f"fieldapp/translations/{lang}/LC_MESSAGES/messages.mo" in names
        assert f"fieldapp/static/i18n/{lang}.json" in names
    assert "fieldapp/migrations/versions/0001_initial_schema.py" in names
    assert "forms/family_intake.yaml" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = (python, "-m", "pip", "install", "-q", "--disable-pip-version-check")
    _run(
        *pip, "--require-hashes", "-r", ROOT / "requirements" / "app.txt", cwd=tmp_path
    )
    _run(*pip, "--no-deps", wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = RENDER % {"key": DATA_KEY}
    out = _run(python, "-c", script, tmp_path / "app.sqlite", cwd=elsewhere)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["package"].startswith(str(env_dir)), result["package"]
    assert result["status"] == 200
    assert '<html lang="sr-Cyrl"' in result["page"]
    assert "Пријави се" in result["page"]
    assert result["catalog_status"] == 200
    assert result["catalog"]["lang"] == "sr_Cyrl"
    assert "Исправите означене одговоре." in result["catalog"]["messages"].values()
