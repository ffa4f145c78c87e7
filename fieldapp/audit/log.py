"""Write entries to the access log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import g
from flask import has_request_context
from flask import request

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry


def client_ip() -> str:
    """Return the address of the client of this request."""
    # Behind a proxy, ProxyFix (configured in wsgi deployments) has already
    # replaced remote_addr with the forwarded address.
    return (request.remote_addr or "")[:64] if has_request_context() else ""


def record(
    action: str,
    record_type: str = "",
    record_id: object = "",
    *,
    username: str | None = None,
    **detail: Any,
) -> AccessLogEntry:
    """Add an access-log entry to the session; the view's commit stores it."""
    entry = AccessLogEntry(
        **_who(username), **_what(action, record_type, record_id, detail)
    )
    db.session().add(entry)
    return entry


def record_many(entries: Iterable[tuple[str, str, object, dict[str, Any]]]) -> None:
    """Write entries (action, record type, record id, detail) of this request at once.

    One statement for many (a sync batch logs each of its items); the view commits.
    """
    who = _who(None)
    rows = [{**who, **_what(*entry)} for entry in entries]
    if rows:
        db.session().connection().execute(_INSERT, rows)


_INSERT = sa.insert(db.table_of(AccessLogEntry))


def _who(username: str | None) -> dict[str, Any]:
    user = g.get("user") if has_request_context() else None
    return {
        "user_id": user.id if user is not None else None,
        "username": (
            username if username is not None else (user.username if user else "")
        )[:64],
        "ip": client_ip(),
        "user_agent": (
            request.user_agent.string[:300] if has_request_context() else ""
        ),
    }


def _what(
    action: str, record_type: str, record_id: object, detail: dict[str, Any]
) -> dict[str, Any]:
    return {
        "action": action,
        "record_type": record_type,
        "record_id": str(record_id)[:64],
        "detail": detail,
    }
