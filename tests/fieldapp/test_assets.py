"""Scripts and style sheets are sent minified (fieldapp/pwa/assets.py), and still work."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.pwa.assets import minify

STATIC = Path(__file__).resolve().parents[2] / "fieldapp" / "static"
SCRIPTS = sorted(p for p in STATIC.glob("**/*.js") if p.is_file())


def test_a_script_is_sent_without_its_comments(client: FlaskClient) -> None:
    source = (STATIC / "js" / "sync.js").read_bytes()
    response = client.get("/static/js/sync.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = response.data
    assert b"/**" not in body
    assert b"// " not in body
    assert b"export async function deviceId(" in body
    assert len(body) < 0.8 * len(source)
    # Sent again only when it changed.
    again = client.get(
        "/static/js/sync.js", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_style_sheet_is_sent_minified(client: FlaskClient) -> None:
    source = (STATIC / "css" / "app.css").read_bytes()
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b"/*" not in response.data
    assert len(response.data) < 0.9 * len(source)


def test_other_files_and_missing_ones_are_as_before(client: FlaskClient) -> None:
    icon = client.get("/static/icons/icon.svg")
    assert icon.status_code == 200
    assert icon.data == (STATIC / "icons" / "icon.svg").read_bytes()
    assert client.get("/static/js/nothing-here.js").status_code == 404
    assert client.get("/static/js/../../__init__.py").status_code == 404


@pytest.mark.parametrize("config_overrides", [{"MINIFY_ASSETS": False}])
def test_minifying_can_be_turned_off(app: Flask, client: FlaskClient) -> None:
    response = client.get("/static/js/sync.js")
    assert response.data == (STATIC / "js" / "sync.js").read_bytes()


@pytest.mark.skipif(shutil.which("node") is None, reason="node (npm) is not installed")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_minified_script_still_parses(script: Path, tmp_path: Path) -> None:
    """Node parses each minified module (the browser tests then run them)."""
    minified = tmp_path / (script.stem + ".mjs")
    minified.write_text(minify(".js", script.read_text("utf-8")), "utf-8")
    result = subprocess.run(
        ["node", "--check", str(minified)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_scripts_shrink_by_a_quarter_or_more_gzipped() -> None:
    """The point of it: the app shell's scripts, compressed as they travel."""
    before = sum(len(gzip.compress(p.read_bytes())) for p in SCRIPTS)
    after = sum(
        len(gzip.compress(minify(".js", p.read_text("utf-8")).encode()))
        for p in SCRIPTS
    )
    assert after < 0.75 * before


def test_a_page_preloads_its_whole_module_graph(client: FlaskClient) -> None:
    """Without it the browser finds each level of imports only after the one above."""
    page = client.get("/auth/login").get_data(as_text=True)
    preloaded = re.findall(r'<link rel="modulepreload" href="/static/([^"]+)"', page)
    # The deepest ones: main -> form-page -> form-language -> collate; local-db -> idb.
    for module in ("js/main.js", "js/collate.js", "js/due.js", "vendor/idb/index.js"):
        assert module in preloaded
    assert len(preloaded) == len(set(preloaded))
    for module in preloaded:
        assert client.get(f"/static/{module}").status_code == 200
    # Nothing a page does not import (the service worker's own script).
    assert "js/sw-push.js" not in preloaded
