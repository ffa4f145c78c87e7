"""Default settings. Override any key with an environment variable FIELDAPP_<KEY>."""

from __future__ import annotations

from typing import Any

from flask import Flask


class ConfigError(Exception):
    """A setting fieldapp refuses to run with; the message says what to set.

    wsgi.py turns it into one line on stderr and a non-zero exit, for `flask --app wsgi`
    commands and gunicorn alike.
    """


#: The development secret; check_config() refuses to run production with it.
DEV_SECRET_KEY = "dev"

DEFAULTS: dict[str, Any] = {
    # Signs sessions and CSRF tokens; production must override it.
    "SECRET_KEY": DEV_SECRET_KEY,
    # Empty means: an SQLite file in the instance folder (see db.database_url()).
    "DATABASE_URL": "",
    "LANGUAGES": ["sq", "sr_Latn", "sr_Cyrl", "en"],
    "BABEL_DEFAULT_LOCALE": "sq",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Belgrade",
    # Tokens last as long as the session: queued offline writes replay hours later,
    # and the sync client fetches a fresh token before each batch anyway.
    "WTF_CSRF_TIME_LIMIT": None,
    # Accept the CSRF token from a header too, for the JSON API.
    "WTF_CSRF_HEADERS": ["X-CSRFToken"],
    # A request body larger than this gets a 413.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Session cookie: Secure/HttpOnly/SameSite; __Host- needs Secure, so the
    # name follows SESSION_COOKIE_SECURE (see check_config()).
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Minutes of inactivity and total minutes after which a login ends.
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_ABSOLUTE_MINUTES": 12 * 60,
    # Login throttling (auth/throttle.py). No account is ever locked: strangers
    # could lock anyone out. Each (username, address) pair, or (username, device) for
    # a device registered to that user, may fail LOGIN_FREE_FAILURES times; then its
    # next attempt waits 2, 4, 8 ... seconds after its last failure, at most
    # LOGIN_MAX_DELAY_SECONDS. One address may fail LOGIN_MAX_FAILURES_PER_ADDRESS
    # times (any usernames) before it waits the same way; known devices skip that
    # limit. Failures older than LOGIN_WINDOW_MINUTES are forgotten.
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
    "LOGIN_WINDOW_MINUTES": 60,
    "PASSWORD_MIN_LENGTH": 10,
    # Hours a temporary password (a new account's, or one an administrator issued)
    # signs in before it expires; its owner must replace it at that first sign-in.
    "TEMPORARY_PASSWORD_HOURS": 72,
    # Key(s) for sensitive answers: 32 random bytes each in URL-safe base64, newest
    # first; kept outside the database. Empty: a key file in the instance folder.
    "DATA_KEYS": "",
    # The phone as a vault (fieldapp/vault): minutes idle or hidden before the app
    # asks for the PIN again; days without a sync after which the phone deletes its
    # caseload at the next unlock (the outbox stays); minutes after a password sign-in
    # during which the session may fetch the device's wrapping key.
    "VAULT_IDLE_MINUTES": 5,
    "VAULT_SILENCE_DAYS": 30,
    "VAULT_RECOVERY_MINUTES": 10,
    # Key(s) that encrypt backup files (fieldapp/backup.py), same format, newest
    # first; kept apart from the backups. Empty: derived from the data keys.
    "BACKUP_KEYS": "",
    # Retention (fieldapp/protection/retention.py), e.g.
    # {"anonymise": "closed", "after_years": 5}; empty: none. Run by `flask cron`.
    "RETENTION_POLICY": "",
    # Sync API limits.
    "SYNC_MAX_ITEMS": 100,
    # Accepted items of a push stored per transaction (one commit, one disk flush).
    # A failed group is stored again item by item, so no item sinks the others.
    "SYNC_COMMIT_GROUP": 50,
    # Tests only (fault injection, tests/fieldapp/test_sync_faults.py): milliseconds to
    # sleep after each stored item of a push, so a test can kill the server in the
    # middle of a batch. Never set it in production: it only slows pushes down.
    "TEST_INGEST_DELAY_MS": 0,
    # Proxies in front that set X-Forwarded-For/-Proto/-Host (nginx: 1). 0 trusts none:
    # then every client looks like the proxy to login throttling and the access log.
    "TRUSTED_PROXIES": 0,
    # Send HSTS (only meaningful behind https).
    "HSTS_SECONDS": 31536000,
    # Web Push: private key file (PEM) or raw base64url key; empty disables sending.
    "VAPID_PRIVATE_KEY": "",
    "VAPID_PUBLIC_KEY": "",
    "VAPID_CLAIM_SUBJECT": "mailto:ops@example.org",
    # Tests only: let push subscriptions use http://127.0.0.1 endpoints.
    "PUSH_ALLOW_LOOPBACK": False,
    # Host suffixes of the push services an endpoint may point to (https only).
    "PUSH_SERVICE_HOSTS": [
        "fcm.googleapis.com",
        "android.googleapis.com",
        "updates.push.services.mozilla.com",
        "push.services.mozilla.com",
        "notify.windows.com",
        "push.apple.com",
        "web.push.apple.com",
    ],
    # Minutes before a class starts when its instructor is reminded to take attendance.
    "PUSH_CLASS_SOON_MINUTES": 30,
    # Consecutive absences of a student that alert the family's social worker.
    "PUSH_ABSENCE_STREAK": 3,
    # Hours an item may wait in a device's outbox before its user is reminded.
    "PUSH_STALE_HOURS": 72,
    # Send the settings page's test notification from a thread right after the request
    # (off in tests, where the queue is delivered explicitly).
    "PUSH_SEND_AFTER_REQUEST": True,
    # Seconds to wait for a push service to answer one request.
    "PUSH_TIMEOUT_SECONDS": 10,
    # Subscriptions kept per user; the least recently used beyond this are dropped.
    "PUSH_MAX_SUBSCRIPTIONS_PER_USER": 10,
    # Send scripts and style sheets without comments and spare whitespace
    # (fieldapp/pwa/assets.py); a debug server always sends the sources as written.
    "MINIFY_ASSETS": True,
    # Where the quick-exit button goes: a neutral site.
    "QUICK_EXIT_URL": "https://www.google.com/search?q=weather",
}


def check_config(app: Flask) -> None:
    """Fail fast on settings that are unsafe outside development."""
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        raise ConfigError(
            "fieldapp refuses to start with the development secret key. "
            "Set FIELDAPP_SECRET_KEY to a long random value, e.g. "
            '`export FIELDAPP_SECRET_KEY="$(python -c '
            "'import secrets; print(secrets.token_urlsafe(48))')\"`, "
            "or run in development with FLASK_DEBUG=1."
        )
    if app.config["SESSION_COOKIE_SECURE"]:
        app.config.setdefault("SESSION_COOKIE_NAME", "__Host-fieldapp")
        if app.config.get("SESSION_COOKIE_NAME") in (None, "session"):
            app.config["SESSION_COOKIE_NAME"] = "__Host-fieldapp"
    elif app.config.get("SESSION_COOKIE_NAME") in (None, "session"):
        app.config["SESSION_COOKIE_NAME"] = "fieldapp"
