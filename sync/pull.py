"""What a device needs offline since its cursor, computed from a scoped source.

The cursor is opaque to the device: base64url of {"v": 1, "t": <iso time>, "f": <forms
digest>}. Families changed after ``t - OVERLAP`` are sent again: a transaction that
started before the previous pull but committed after it has an older ``updated_at``,
and re-sending a family is harmless (the device upserts). Form definitions are sent
when the device has none or when they changed. ``family_ids``/``course_ids`` are always
the whole current scope, so the device deletes what its user may no longer see. The
due list ("My work") is sent whole every time, like the rosters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol

from sync.times import EARLIEST
from sync.times import parse_client_time

CURSOR_VERSION = 1
#: how far back an incremental pull looks beyond its cursor (see the module docstring)
OVERLAP = timedelta(minutes=5)


class PullSource(Protocol):
    """The records one user may see, as plain dicts (the web layer scopes them)."""

    def forms(self) -> list[dict[str, Any]]:
        """Return the client definitions of the forms the user may fill."""

    def families(self, since: datetime | None) -> list[dict[str, Any]]:
        """Return the visible families changed after ``since`` (all when None)."""

    def family_ids(self) -> list[str]:
        """Return the ids of every family the user may see now."""

    def courses(self) -> list[dict[str, Any]]:
        """Return the visible courses with their rosters."""

    def due(self) -> list[dict[str, Any]]:
        """Return the user's due list ("My work"), a few days ahead, without names."""


@dataclass(frozen=True)
class Cursor:
    """Where a device's last pull ended."""

    at: datetime
    forms_digest: str

    def encode(self) -> str:
        """Return the opaque text the device keeps."""
        raw = json.dumps(
            {"v": CURSOR_VERSION, "t": self.at.isoformat(), "f": self.forms_digest}
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """Return the cursor in ``text``; None (full pull) if absent or unreadable."""
        if not text or len(text) > 512:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            data = json.loads(raw)
            if data.get("v") != CURSOR_VERSION:
                return None
            # The client's copy of a server time: read as every client time is.
            at = parse_client_time(data["t"], default_timezone=None)
            if at - EARLIEST < OVERLAP:  # build_pull looks back OVERLAP before it
                return None
            return cls(at, str(data["f"]))
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            return None


@dataclass
class PullResult:
    """The body of a pull, before the web layer adds user and server time."""

    cursor: str
    full: bool
    forms: list[dict[str, Any]] = field(default_factory=list)
    families: list[dict[str, Any]] = field(default_factory=list)
    family_ids: list[str] = field(default_factory=list)
    courses: list[dict[str, Any]] = field(default_factory=list)
    course_ids: list[int] = field(default_factory=list)
    due: list[dict[str, Any]] = field(default_factory=list)


def forms_digest(forms: Sequence[dict[str, Any]]) -> str:
    """Return a short digest that changes when any definition changes."""
    text = json.dumps(list(forms), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_pull(
    source: PullSource, cursor_text: str | None, now: datetime
) -> PullResult:
    """Return what the device needs since ``cursor_text``, and its next cursor."""
    cursor = Cursor.decode(cursor_text)
    forms = source.forms()
    digest = forms_digest(forms)
    since = cursor.at - OVERLAP if cursor is not None else None
    courses = source.courses()
    return PullResult(
        cursor=Cursor(now, digest).encode(),
        full=cursor is None,
        forms=forms if cursor is None or cursor.forms_digest != digest else [],
        families=source.families(since),
        family_ids=sorted(source.family_ids()),
        # Rosters are small and change with enrolments: always sent whole.
        courses=courses,
        course_ids=sorted(int(course["id"]) for course in courses),
        # The due list depends on every family's dates and cases: always sent whole.
        due=source.due(),
    )
