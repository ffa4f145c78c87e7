"""Admins browse the access log; nothing in the app edits or deletes it."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import render_template
from flask import request

from fieldapp import db
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.inputs import day_arg
from fieldapp.inputs import int_arg

bp = Blueprint("audit", __name__, template_folder="templates")

_PAGE_SIZE = 100


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@bp.get("/")
@require(Role.ADMIN)
def index() -> str:
    """List access-log entries, newest first, filtered by user, action, record and day."""
    args = request.args
    query = sa.select(AccessLogEntry).order_by(AccessLogEntry.id.desc())
    if username := args.get("user", "").strip().lower()[:64]:
        query = query.where(AccessLogEntry.username == username)
    if action := args.get("action", "").strip()[:32]:
        query = query.where(AccessLogEntry.action == action)
    if record_type := args.get("record_type", "").strip()[:32]:
        query = query.where(AccessLogEntry.record_type == record_type)
    if record_id := args.get("record_id", "").strip()[:64]:
        query = query.where(AccessLogEntry.record_id == record_id)
    if since := day_arg("since"):
        query = query.where(AccessLogEntry.at >= _midnight(since))
    if until := day_arg("until"):
        query = query.where(AccessLogEntry.at < _midnight(until + timedelta(days=1)))
    before = int_arg("before")
    if before:
        query = query.where(AccessLogEntry.id < before)
    entries = list(db.session().scalars(query.limit(_PAGE_SIZE)))
    actions = db.session().scalars(
        sa.select(AccessLogEntry.action).distinct().order_by(AccessLogEntry.action)
    )
    usernames = db.session().scalars(sa.select(User.username).order_by(User.username))
    # Reading the log is itself an access worth recording.
    log.record("view", "access_log", "", filters={k: v for k, v in args.items() if v})
    db.session().commit()
    return render_template(
        "audit/index.html",
        entries=entries,
        actions=list(actions),
        usernames=list(usernames),
        args=args,
        next_before=entries[-1].id if len(entries) == _PAGE_SIZE else None,
    )
