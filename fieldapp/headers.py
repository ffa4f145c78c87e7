"""Security headers on every response, no caching of pages with people's data, and
the client's address and scheme as the trusted proxy in front reports them."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

#: Strict policy: no inline script or style, nothing from other origins.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: Paths whose responses may be cached: static assets carry no personal data.
_CACHEABLE_PREFIXES = ("/static/",)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: Flask-WTF checks the Referer of https POSTs
    # (WTF_CSRF_SSL_STRICT); other sites still learn nothing of our URLs.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if seconds := current_app.config["HSTS_SECONDS"]:
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={seconds}; includeSubDomains"
        )
    if (
        not request.path.startswith(_CACHEABLE_PREFIXES)
        and "Cache-Control" not in headers
    ):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response; trust TRUSTED_PROXIES proxies.

    Behind nginx every request comes from 127.0.0.1: with TRUSTED_PROXIES = 1 the
    address in X-Forwarded-For (and the scheme in X-Forwarded-Proto) of the last hop is
    the client's, for login throttling and the access log. Never set it higher than the
    number of proxies that overwrite those headers, or clients can choose their address.
    """
    app.after_request(_set_headers)
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
