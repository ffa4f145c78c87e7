"""The installable shell: web app manifest, service worker at root scope, offline page."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import send_from_directory
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
        "description": _("Forms for home visits, sessions and class attendance, "
                         "also without a connection."),
        "lang": HTML_LANG.get(lang, lang),
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f8",
        "theme_color": "#1f4e5f",
        "icons": [
            {"src": url_for(icon, filename="icons/icon-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "any"},
            {"src": url_for(icon, filename="icons/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any"},
            {"src": url_for(icon, filename="icons/maskable-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "maskable"},
            {"src": url_for(icon, filename="icons/maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@require(public=True)
def service_worker() -> Response:
    """Serve the service worker from the root so its scope is the whole app."""
    response = send_from_directory(current_app.static_folder or "static", "sw.js",
                                   mimetype="text/javascript", max_age=0)
    # The browser must always check for a new worker.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@require(public=True)
def offline() -> str:
    """Show the page the service worker falls back to when a page is not cached."""
    return render_template("pwa/offline.html")
