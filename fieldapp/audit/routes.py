"""Admins browse the access log; nothing in the app edits or deletes it."""

from __future__ import annotations

import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import render_template
from flask import request
from flask_babel import gettext as _

from fieldapp import db
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.audit.details import action_label
from fieldapp.audit.details import describe
from fieldapp.audit.details import record_type_label
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.devices.models import Device
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.inputs import day_arg
from fieldapp.inputs import int_arg
from fieldapp.submissions.models import Submission
from fieldapp.templating import form_title

bp = Blueprint("audit", __name__, template_folder="templates")

_PAGE_SIZE = 100
#: The phones' pulls: recorded (a pull copies people's data onto a device), but routine.
_ROUTINE = (AccessLogEntry.action == "export") & (
    AccessLogEntry.record_type == "caseload"
)


def _uuids(values: set[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _ints(values: set[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


def record_names(entries: list[AccessLogEntry]) -> dict[tuple[str, str], str]:
    """Return a name for each (record type, id) of ``entries`` that still exists.

    Only admins read the log, and they may see every record's name; one query per
    kind of record on the page.
    """
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.record_id:
            wanted.setdefault(entry.record_type, set()).add(entry.record_id)
    session = db.session()
    names: dict[tuple[str, str], str] = {}
    if ids := _uuids(wanted.get("family", set())):
        for family_id, name in session.execute(
            sa.select(Family.id, Family.name).where(Family.id.in_(ids))
        ):
            names["family", str(family_id)] = name
    if ids := _uuids(wanted.get("member", set())):
        for member_id, name in session.execute(
            sa.select(Member.id, Member.full_name).where(Member.id.in_(ids))
        ):
            names["member", str(member_id)] = name
    if numbers := _ints(wanted.get("course", set())):
        for course_id, name in session.execute(
            sa.select(Course.id, Course.name).where(Course.id.in_(numbers))
        ):
            names["course", str(course_id)] = name
    if numbers := _ints(wanted.get("user", set())):
        for user_id, full_name, username in session.execute(
            sa.select(User.id, User.full_name, User.username).where(
                User.id.in_(numbers)
            )
        ):
            names["user", str(user_id)] = f"{full_name} ({username})"
    if ids := _uuids(wanted.get("device", set())):
        for device_id, full_name in session.execute(
            sa.select(Device.id, User.full_name)
            .join(User, User.id == Device.user_id)
            .where(Device.id.in_(ids))
        ):
            names["device", str(device_id)] = _("device of %(name)s", name=full_name)
    if ids := _uuids(wanted.get("submission", set())):
        for submission_uuid, form_id, receipt in session.execute(
            sa.select(Submission.uuid, Submission.form_id, Submission.id).where(
                Submission.uuid.in_(ids)
            )
        ):
            names["submission", str(submission_uuid)] = _(
                "%(form)s, receipt %(id)s", form=form_title(form_id), id=receipt
            )
    return names


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
    # Shown only when asked for: 157 of 200 entries were pulls on a busy day.
    routine = args.get("routine") == "1"
    if not routine:
        query = query.where(~_ROUTINE)
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
        describe=describe,
        action_label=action_label,
        record_type_label=record_type_label,
        names=record_names(entries),
        routine=routine,
    )
