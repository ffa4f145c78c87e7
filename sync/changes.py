"""What goes through the engine: incoming items, receipts and per-item results."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import Literal
from uuid import UUID

from forms import Issue

Status = Literal["accepted", "duplicate", "conflict", "rejected", "refused"]


@dataclass(frozen=True)
class SubmissionItem:
    """One completed form as a device (or the HTML page) sends it."""

    uuid: UUID
    form_id: str
    form_version: int
    subject_id: UUID | None = None
    course_id: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    respondent_locale: str = "sq"
    author_id: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """Proof that the server stored an item: shown on the device's outbox."""

    server_id: int
    received_at: datetime
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of a receipt."""
        return {
            "server_id": self.server_id,
            "received_at": self.received_at.isoformat(),
            "content_hash": self.content_hash,
        }


@dataclass
class ItemResult:
    """The engine's verdict on one item; the web layer renders its messages."""

    uuid: str
    status: Status
    receipt: Receipt | None = None
    #: field path -> issues (codes are forms' or the engine's own, see ENGINE_CODES)
    errors: dict[str, list[Issue]] = field(default_factory=dict)
    #: machine reason for rejected/refused/conflict items ("" when accepted)
    code: str = ""


@dataclass
class PushResult:
    """The results of a batch, in the order of its items."""

    results: list[ItemResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """Return how many items got ``status``."""
        return sum(1 for result in self.results if result.status == status)


#: Item-level reasons the engine reports, beyond forms' own issue codes. The web
#: layer owns their translated messages.
ENGINE_CODES = frozenset(
    {
        "invalid_item",  # the item's envelope fields are missing or of the wrong type
        "wrong_user",  # author_id is not the signed-in user
        "uuid_taken",  # the UUID is stored under another author
        "unknown_form",
        "unknown_version",
        "form_not_allowed",  # the user's role may not fill this form
        "not_stored",  # a server fault kept it from being stored: send it again
        "not_your_family",  # the family exists but is outside the author's scope
        "not_your_course",
        "family_exists",  # an intake for a family id that is already registered
        "family_erased",  # the family was erased: nothing about it is stored again
        "subject_required",
        "invalid_answers",  # field errors: see ItemResult.errors
        "conflict",
    }
)
