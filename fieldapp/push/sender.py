"""Deliver queued notifications with pywebpush, outside any web request.

A 404 or 410 from the push service means the subscription is dead: it is deleted. Any
other failure is logged with its status, the subscription is kept, and the notification
is tried again later with exponential backoff (Notification.next_attempt_at).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from pywebpush import WebPushException
from pywebpush import webpush

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.db import utcnow
from fieldapp.push import keys
from fieldapp.push import payloads
from fieldapp.push.models import Notification
from fieldapp.push.models import PushSubscription

logger = logging.getLogger(__name__)

#: A notification is given up after this many failed rounds (about 4 hours of backoff).
MAX_ATTEMPTS = 8
#: How long a sender owns a notification it picked, so two cron runs never both send it.
LEASE = timedelta(minutes=5)
#: VAPID tokens live 12 hours: push services refuse more than 24.
VAPID_TOKEN_LIFETIME = timedelta(hours=12)


class PushNotConfigured(RuntimeError):
    """No VAPID key is configured, so nothing can be sent."""


@dataclass
class SendStats:
    """What one delivery run did, per subscription."""

    sent: int = 0
    failed: int = 0
    removed: int = 0
    #: notifications given up: too old, too many attempts, or nobody subscribed
    dropped: int = 0

    def add(self, other: SendStats) -> None:
        """Add the figures of ``other`` to these."""
        self.sent += other.sent
        self.failed += other.failed
        self.removed += other.removed
        self.dropped += other.dropped


def backoff(attempts: int) -> timedelta:
    """Return the wait after ``attempts`` failed rounds: 2, 4, 8 ... min, max 6 h."""
    return min(timedelta(minutes=2**attempts), timedelta(hours=6))


def origin_of(endpoint: str) -> str:
    """Return the scheme://host[:port] of an endpoint: the VAPID audience."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Outcome:
    """The result of one request to a push service."""

    status: str  # "sent" | "gone" | "failed"
    detail: str = ""
    retry_after: timedelta | None = None


def push_one(
    subscription: PushSubscription,
    data: bytes,
    *,
    vapid: keys.VapidKeys,
    urgency: str,
    ttl: int,
    topic: str,
    session: requests.Session | None = None,
) -> Outcome:
    """Send one encrypted message to one subscription."""
    claims: dict[str, str | int] = {
        "sub": current_app.config["VAPID_CLAIM_SUBJECT"],
        "aud": origin_of(subscription.endpoint),
        "exp": int((utcnow() + VAPID_TOKEN_LIFETIME).timestamp()),
    }
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        webpush(
            info,
            data=data.decode("utf-8"),
            vapid_private_key=vapid.signer,
            vapid_claims=claims,
            ttl=ttl,
            headers={"Urgency": urgency, "Topic": topic},
            timeout=current_app.config["PUSH_TIMEOUT_SECONDS"],
            requests_session=session,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            return Outcome("gone", f"HTTP {status}")
        retry_after = None
        if error.response is not None:
            header = error.response.headers.get("Retry-After", "")
            if header.isdigit():
                retry_after = timedelta(seconds=min(int(header), 6 * 3600))
        return Outcome(
            "failed", f"HTTP {status}" if status else "push error", retry_after
        )
    except requests.RequestException as error:
        return Outcome("failed", type(error).__name__)
    return Outcome("sent")


def deliver(
    notification: Notification,
    vapid: keys.VapidKeys,
    session: requests.Session | None = None,
) -> SendStats:
    """Send ``notification`` to every subscription of its user; record the result."""
    stats = SendStats()
    now = utcnow()
    dbs = db.session()
    user = dbs.get(User, notification.user_id)
    kind = payloads.kind_of(notification.kind)
    if user is None or not user.is_active:
        notification.last_error, notification.attempts = "no such user", MAX_ATTEMPTS
        stats.dropped += 1
        return stats
    languages = current_app.config["LANGUAGES"]
    locale = user.locale if user.locale in languages else languages[0]
    body = payloads.encode(
        payloads.build(
            notification.kind,
            notification.payload.get("count", 1),
            notification.payload.get("url", "/"),
            locale,
        )
    )
    subscriptions = list(
        dbs.scalars(
            sa.select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.id)
        )
    )
    retry_after: timedelta | None = None
    errors: list[str] = []
    for subscription in subscriptions:
        if subscription.expires_at is not None and subscription.expires_at < now:
            dbs.delete(subscription)
            stats.removed += 1
            continue
        # A retry also reaches devices that already got it: the same tag makes the
        # phone replace the notification instead of showing it twice.
        outcome = push_one(
            subscription,
            body,
            vapid=vapid,
            urgency=kind.urgency,
            ttl=kind.ttl,
            topic=notification.kind[:32],
            session=session,
        )
        if outcome.status == "sent":
            subscription.last_success_at, subscription.failure_count = now, 0
            stats.sent += 1
        elif outcome.status == "gone":
            logger.info(
                "push subscription %s is gone (%s): deleted",
                subscription.id,
                outcome.detail,
            )
            dbs.delete(subscription)
            stats.removed += 1
        else:
            logger.warning(
                "push to subscription %s failed: %s", subscription.id, outcome.detail
            )
            subscription.failure_count += 1
            stats.failed += 1
            errors.append(outcome.detail)
            retry_after = max(
                filter(None, [retry_after, outcome.retry_after]), default=None
            )
    if errors:
        notification.attempts += 1
        notification.last_error = "; ".join(sorted(set(errors)))[:300]
        notification.next_attempt_at = now + (
            retry_after or backoff(notification.attempts)
        )
    else:
        notification.sent_at = now
        notification.last_error = "" if stats.sent else "no subscription"
        if not stats.sent:
            stats.dropped += 1
    return stats


def _claim(notification_id: int, now: datetime) -> bool:
    # One UPDATE decides who sends: a second cron run or a web thread loses the race.
    claimable = sa.or_(
        Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now
    )
    result = db.session().execute(
        sa.update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.sent_at.is_(None),
            claimable,
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session().commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def deliver_due(ids: Iterable[int] | None = None, *, limit: int = 500) -> SendStats:
    """Send the queued notifications that are due (or only ``ids``), committing each.

    :raise PushNotConfigured: when there is no VAPID key.
    """
    vapid = keys.load()
    if vapid is None:
        raise PushNotConfigured("no VAPID key: run `flask --app wsgi push vapid-keys`")
    now = utcnow()
    dbs = db.session()
    query = (
        sa.select(Notification.id)
        .where(
            Notification.sent_at.is_(None),
            Notification.attempts < MAX_ATTEMPTS,
            sa.or_(
                Notification.next_attempt_at.is_(None),
                Notification.next_attempt_at <= now,
            ),
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    due = list(dbs.scalars(query))
    dbs.commit()  # no transaction stays open while we talk to push services
    stats = SendStats()
    with requests.Session() as session:
        for notification_id in due:
            if not _claim(notification_id, now):
                continue
            notification = dbs.get(
                Notification, notification_id, populate_existing=True
            )
            if notification is None:
                continue
            age = now - notification.created_at
            if age > timedelta(seconds=payloads.kind_of(notification.kind).ttl):
                # A reminder for yesterday helps nobody.
                notification.attempts, notification.last_error = MAX_ATTEMPTS, "expired"
                notification.next_attempt_at = None
                stats.dropped += 1
            else:
                stats.add(deliver(notification, vapid, session))
            dbs.commit()
    return stats


def prune(older_than: timedelta = timedelta(days=60)) -> int:
    """Delete notifications older than ``older_than``; return how many."""
    result = db.session().execute(
        sa.delete(Notification)
        .where(Notification.created_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def deliver_soon(ids: list[int]) -> None:
    """Send ``ids`` from a background thread, so the web request does not wait."""
    if not ids or not current_app.config.get("PUSH_SEND_AFTER_REQUEST"):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_deliver_in_thread, args=(app, ids), daemon=True).start()


def _deliver_in_thread(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver_due(ids)
        except PushNotConfigured:
            logger.warning("push is not configured: test notification not sent")
        except Exception:  # a background thread has nobody else to report to
            logger.exception("sending notifications %s failed", ids)
