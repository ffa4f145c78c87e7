"""Web Push notifications: subscriptions, reminders and delivery."""

from __future__ import annotations

from typing import Any

#: Push settings and their defaults; FIELDAPP_<KEY> overrides each one.
DEFAULTS: dict[str, Any] = {
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
}


def is_truthy(value: Any) -> bool:
    """Read a flag that may come from the environment as 1, "1", "true" or True."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
