"""The installable shell: web app manifest, service worker at root scope, offline page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from fieldapp.access import require
from fieldapp.i18n import HTML_LANG
from fieldapp.i18n import current_language

bp = Blueprint("pwa", __name__, template_folder="templates")


@bp.get("/manifest.webmanifest")
@require(public=True)
def manifest() -> Response:
    """Return the web app manifest in the current language."""
    lang = current_language()
    icon = "static"
    data = {
        "id": "/",
        "name": _("fieldapp – field forms"),
        "short_name": _("fieldapp"),
        "description": _(
            "Forms for home visits, sessions and class attendance, "
            "also without a connection."
        ),
        "lang": HTML_LANG.get(lang, lang),
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f8",
        "theme_color": "#1f4e5f",
        "icons": [
            {
                "src": url_for(icon, filename="icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": url_for(icon, filename="icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": url_for(icon, filename="icons/maskable-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": url_for(icon, filename="icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


#: Languages whose compiled browser catalogs (/static/i18n/<lang>.json) the worker precaches.
_I18N_LANGS = ("sq", "sr_Latn", "sr_Cyrl", "en")


def _precache_urls(static: Path) -> list[str]:
    """Return the app shell: CSS, every JS module (vendor too), icons, catalogs, /offline."""
    files = sorted(
        p
        for pattern in ("css/*.css", "js/*.js", "vendor/**/*.js", "icons/*")
        for p in static.glob(pattern)
        if p.is_file()
    )
    urls = ["/static/" + p.relative_to(static).as_posix() for p in files]
    urls += [f"/static/i18n/{lang}.json" for lang in _I18N_LANGS]
    return [*urls, "/offline", "/manifest.webmanifest"]


def _build_id(static: Path, urls: list[str]) -> str:
    """Return a short hash of the shell's files: any change installs a new worker."""
    digest = hashlib.sha256()
    for url in ["/static/sw.js", *urls]:
        path = static / url.removeprefix("/static/")
        if url.startswith("/static/") and path.is_file():
            digest.update(url.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
@require(public=True)
def service_worker() -> Response:
    """Serve the service worker from the root, with its build id and precache list."""
    static = Path(current_app.static_folder or "static")
    urls = _precache_urls(static)
    # PWA_BUILD (tests, deployments) overrides the computed id to force an update.
    build = str(current_app.config.get("PWA_BUILD") or _build_id(static, urls))
    prologue = (
        f"const BUILD = {json.dumps(build)};\nconst PRECACHE = {json.dumps(urls)};\n"
    )
    body = prologue + (static / "sw.js").read_text(encoding="utf-8")
    response = Response(body, mimetype="text/javascript")
    # The browser must always check for a new worker.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@require(public=True)
def offline() -> str:
    """Show the page the service worker falls back to when a page is not cached."""
    return render_template("pwa/offline.html")


@bp.get("/outbox")
@require()
def outbox() -> str:
    """List what this device holds: waiting, rejected and sent items (filled by script).

    The page holds nothing about people, so ``?shell=1`` is the same page, kept offline.
    """
    return render_template("pwa/outbox.html")


@bp.get("/settings/phone")
@require()
def phone() -> str:
    """Show what this phone keeps and how: encrypted, last sync, change the PIN."""
    return render_template("pwa/phone.html")
