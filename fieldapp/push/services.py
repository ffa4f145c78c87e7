"""Queue notifications for users; push/sender.py delivers them after the commit."""

from __future__ import annotations

import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.push.models import Notification

#: Where each kind of notification leads when tapped: a list, never a record.
LINKS = {
    "assigned": "/families/",
    "visit_due": "/cases/my-work",
    "session_due": "/cases/my-work",
    "case_ending": "/cases/my-work",
    "class_soon": "/courses/",
    "absences": "/families/",
    "stale_outbox": "/outbox",
    "rejected": "/outbox",
    "conflict": "/outbox",
    "password_reset": "/",
    "password_changed": "/",
    "test": "/",
}


def queue_notification(
    user: User, kind: str, *, count: int = 1, dedupe: str
) -> Notification | None:
    """Queue a notification of ``kind`` for ``user`` unless one with ``dedupe`` exists.

    The payload is a type, a count and a link: nothing that names a person or a case.
    """
    key = f"{user.id}:{dedupe}"[:200]
    exists = db.session().scalar(
        sa.select(Notification.id).where(Notification.dedupe_key == key)
    )
    if exists is not None:
        return None
    notification = Notification(
        user_id=user.id,
        kind=kind,
        dedupe_key=key,
        payload={"type": kind, "count": count, "url": LINKS.get(kind, "/")},
    )
    db.session().add(notification)
    return notification
