"""Times sent by clients: the one parser of every timestamp a phone or a page sends.

A client's time is ISO 8601 text as ``datetime.fromisoformat`` reads it; one without an
offset is taken in the zone the caller names (the sync protocol: UTC). The server keeps
times in UTC and shows them in the local zone, so a time must also *convert*:
"9999-12-31T23:59:59-14:00" is valid text, but its instant lies after the last day
Python (and so fieldapp) can hold, and converting it raised OverflowError deep in the
database layer. Such a time is refused here, where it is read, as that one value's
error (TimeOutOfRange).

The window, EARLIEST to LATEST, is what can be stored and shown in any time zone: the
ends of Python's calendar less one day each (offsets are under a day), so 0001-01-02
to 9999-12-30 in UTC. No narrower rule (years before 2000, say) is applied: a phone
whose clock was reset to 1970 still holds real visits, and refusing them would keep
them on that phone for good. Such times are stored as sent. Figures that are not data
(a device's "oldest pending" time) may be clamped into the window instead.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo

#: the first and last instants a client may send: storable, and showable in any zone
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


class NotATime(ValueError):
    """The text is not an ISO 8601 date and time."""


class TimeOutOfRange(ValueError):
    """The time is readable but falls outside EARLIEST..LATEST."""


def in_range(when: datetime) -> bool:
    """Tell whether the aware ``when`` lies within EARLIEST..LATEST."""
    # Comparing aware times never overflows (converting them may, near the ends).
    return EARLIEST <= when <= LATEST


def parse_client_time(
    value: object, *, default_timezone: tzinfo | None = UTC, clamp: bool = False
) -> datetime:
    """Return the aware time ``value`` (ISO 8601 text) names, with the offset it gave.

    A time without an offset is taken in ``default_timezone``; with None, it is refused
    (NotATime). With ``clamp``, a time outside the window is moved to the end of the
    window it passed, instead of refused.

    :raise NotATime: when ``value`` is not text in ISO 8601 (both are ValueErrors).
    :raise TimeOutOfRange: when it is outside the window (see the module's docstring).
    """
    if not isinstance(value, str):
        raise NotATime(type(value).__name__)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise NotATime(value[:64]) from None
    if when.tzinfo is None or when.tzinfo.utcoffset(when) is None:
        if default_timezone is None:
            raise NotATime("no offset")
        when = when.replace(tzinfo=default_timezone)
    if not in_range(when):
        if clamp:
            return EARLIEST if when < EARLIEST else LATEST
        raise TimeOutOfRange(value[:64])
    return when
