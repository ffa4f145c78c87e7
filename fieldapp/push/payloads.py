"""What a notification says: a type, a count and a link, in the recipient's language.

A notification is read on a lock screen by whoever holds the phone, so the texts say
what kind of work is waiting and how much, never who or what it is about.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

#: Payloads above this many bytes are cut: small keeps every push service happy.
MAX_PAYLOAD_BYTES = 512


@dataclass(frozen=True)
class Kind:
    """How one kind of notification is delivered and worded."""

    #: RFC 8030 Urgency: "high" wakes the phone now; "normal" may wait for a wake-up
    urgency: str
    #: seconds the push service keeps it for an offline phone
    ttl: int
    title: Callable[[int], str]
    body: Callable[[int], str]


HOUR = 3600

KINDS: dict[str, Kind] = {
    "assigned": Kind(
        "high",
        3 * 24 * HOUR,
        lambda n: ngettext(
            "A family was assigned to you", "%(num)d families were assigned to you", n
        ),
        lambda n: _("Open your caseload to see who is new."),
    ),
    "visit_due": Kind(
        "normal",
        24 * HOUR,
        lambda n: ngettext(
            "%(num)d home visit is due", "%(num)d home visits are due", n
        ),
        lambda n: _("Due today or overdue. Open your caseload to plan them."),
    ),
    "session_due": Kind(
        "normal",
        24 * HOUR,
        lambda n: ngettext("%(num)d session is due", "%(num)d sessions are due", n),
        lambda n: _("Due today or overdue. Open your caseload to plan them."),
    ),
    "case_ending": Kind(
        "normal",
        7 * 24 * HOUR,
        lambda n: ngettext(
            "Support for %(num)d family ends within 90 days",
            "Support for %(num)d families ends within 90 days",
            n,
        ),
        lambda n: _("Open your list of work to plan the closure and follow-ups."),
    ),
    "class_soon": Kind(
        "high",
        HOUR,
        lambda n: ngettext(
            "Your class starts soon", "%(num)d of your classes start soon", n
        ),
        lambda n: _("Open your courses to take attendance."),
    ),
    "absences": Kind(
        "normal",
        24 * HOUR,
        lambda n: ngettext(
            "%(num)d student missed several sessions in a row",
            "%(num)d students missed several sessions in a row",
            n,
        ),
        lambda n: _("Open your caseload to follow up."),
    ),
    "stale_outbox": Kind(
        "normal",
        24 * HOUR,
        lambda n: ngettext(
            "%(num)d item is waiting on your device",
            "%(num)d items are waiting on your device",
            n,
        ),
        lambda n: _(
            "Some have waited more than 3 days. Open the app with a "
            "connection to send them."
        ),
    ),
    "rejected": Kind(
        "high",
        3 * 24 * HOUR,
        lambda n: ngettext(
            "%(num)d submission needs correcting",
            "%(num)d submissions need correcting",
            n,
        ),
        lambda n: _("Open the app to see what to fix."),
    ),
    "conflict": Kind(
        "normal",
        3 * 24 * HOUR,
        lambda n: ngettext(
            "%(num)d submission is kept for review",
            "%(num)d submissions are kept for review",
            n,
        ),
        lambda n: _(
            "It differed from a copy already received. A coordinator will "
            "review it; nothing is lost."
        ),
    ),
    # Account events, told to the owner's devices at once: a password they did not
    # expect to change is how they notice someone else at work.
    "password_reset": Kind(
        "high",
        3 * 24 * HOUR,
        lambda n: _("Your password was reset by an administrator"),
        lambda n: _(
            "Sign in with the temporary password you were given, then choose your "
            "own. If you did not ask for this, tell your coordinator."
        ),
    ),
    "password_changed": Kind(
        "high",
        3 * 24 * HOUR,
        lambda n: _("Your password was changed"),
        lambda n: _("If you did not change it, tell an administrator at once."),
    ),
    "test": Kind(
        "high",
        600,
        lambda n: _("Test notification"),
        lambda n: _("Notifications work on this device."),
    ),
}

#: Used for a kind this module does not know (sent by newer code, say).
GENERIC = Kind(
    "normal",
    24 * HOUR,
    lambda n: _("fieldapp"),
    lambda n: _("Something needs your attention. Open the app."),
)


def kind_of(name: str) -> Kind:
    """Return how notifications of kind ``name`` are delivered and worded."""
    return KINDS.get(name, GENERIC)


def safe_url(url: object) -> str:
    """Return ``url`` if it is a same-origin path, else the start page."""
    if (
        isinstance(url, str)
        and url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and len(url) <= 100
    ):
        return url
    return "/"


def build(kind: str, count: int, url: object, locale: str) -> dict[str, Any]:
    """Return the payload of a notification, worded in ``locale``."""
    spec = kind_of(kind)
    count = max(int(count), 1)
    with force_locale(locale):
        title, body = spec.title(count), spec.body(count)
    payload: dict[str, Any] = {
        "type": kind if kind in KINDS else "other",
        "count": count,
        "url": safe_url(url),
        "title": title,
        "body": body,
        # One notification per kind on the phone: a newer one replaces the older.
        "tag": "fieldapp-" + (kind if kind in KINDS else "other"),
    }
    while len(encode(payload)) > MAX_PAYLOAD_BYTES and payload["body"]:
        payload["body"] = payload["body"][: len(payload["body"]) // 2]
    return payload


def encode(payload: dict[str, Any]) -> bytes:
    """Serialize a payload compactly, in UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )
