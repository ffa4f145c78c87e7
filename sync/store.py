"""What the engine needs from storage; fieldapp implements it with SQLAlchemy."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Literal
from typing import Protocol

from forms import FormDefinition
from forms import Issue
from sync.changes import Receipt
from sync.changes import SubmissionItem

#: visible: in the author's scope; hidden: someone else's; unknown: not on the server
Access = Literal["visible", "hidden", "unknown"]


class DuplicateKey(Exception):
    """Some of the UUIDs are stored already: by an earlier push, or a twin delivery.

    ``stored`` holds what is stored under them, by uuid; nothing of the group was kept.
    """

    def __init__(self, stored: dict[uuid.UUID, StoredSubmission]) -> None:
        super().__init__(", ".join(str(key) for key in stored))
        self.stored = stored


class InsertFailed(Exception):
    """Entries could not be stored, none of them: a constraint other than the UUID, or
    the database chose their transaction to give way in a deadlock.

    The engine then stores a group's items one by one, so the faulty one fails alone,
    and judges an item that fails alone again (see engine._Batch._judge_again).
    """


@dataclass(frozen=True)
class Author:
    """The signed-in user an item is ingested for."""

    id: int
    role: str


@dataclass(frozen=True)
class StoredSubmission:
    """The parts of a stored submission the engine compares with an incoming item."""

    server_id: int
    uuid: uuid.UUID
    author_id: int
    content_hash: str
    received_at: datetime

    def receipt(self) -> Receipt:
        """Return the receipt of this stored submission."""
        return Receipt(self.server_id, self.received_at, self.content_hash)


@dataclass(frozen=True)
class KnownFamily:
    """A family the server knows, as the author may see it."""

    #: in the author's scope
    visible: bool
    #: the ids of its members (only filled in when visible)
    members: frozenset[str] = frozenset()
    #: the family was erased: nothing about it may be stored again
    erased: bool = False

    @property
    def access(self) -> Access:
        """Return "visible" or "hidden"."""
        return "visible" if self.visible else "hidden"


@dataclass(frozen=True)
class NewSubmission:
    """An item the engine accepted, ready to be stored."""

    item: SubmissionItem
    definition: FormDefinition
    #: the clean answers, sensitive ones included (the store encrypts those)
    answers: dict[str, Any]
    content_hash: str


class SubmissionStore(Protocol):
    """Storage for submissions; every write method runs in its own transaction.

    Look-ups take many keys at once: the engine asks once per batch, not per item.
    Whether a UUID is stored already the engine learns from ``insert`` (the unique
    key decides, as it must anyway for twin deliveries racing each other) or, for an
    item it would not store, from ``find``.
    """

    def find(self, uuids: Collection[uuid.UUID]) -> dict[uuid.UUID, StoredSubmission]:
        """Return the submissions stored under any of ``uuids``, by uuid."""

    def families(
        self, author: Author, family_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, KnownFamily]:
        """Return what the server knows of each family (unknown ones are left out)."""

    def course_access(self, author: Author, course_id: int) -> Access:
        """Tell whether the course is the author's, someone else's, or unknown."""

    def course_roster(self, course_id: int) -> frozenset[str] | None:
        """Return the member ids enrolled in the course (None when unknown)."""

    def insert(
        self, entries: Sequence[NewSubmission], *, author: Author, commit: bool = True
    ) -> list[StoredSubmission]:
        """Store the entries and apply their effects in one transaction, in order.

        All or nothing: a failure keeps none of them. ``commit=False`` leaves the
        transaction open for the caller to commit.

        :raise DuplicateKey: when some of the UUIDs are already stored, with their rows.
        :raise InsertFailed: when the entries fail on another constraint, or lose a
            deadlock.
        """

    def record_conflict(
        self,
        stored: StoredSubmission,
        item: SubmissionItem,
        *,
        author: Author,
        content_hash: str,
    ) -> bool:
        """Keep a different payload for review, once per distinct hash; True if new."""

    def record_rejection(
        self,
        item: SubmissionItem,
        *,
        author: Author,
        errors: dict[str, list[Issue]],
        code: str,
        content_hash: str,
    ) -> bool:
        """Keep a rejected item for review, once per uuid and hash; True if new."""

    def recover(self) -> None:
        """Undo whatever a call that raised left half done (roll its transaction back).

        The engine calls it after an unexpected failure with one item, before it goes on
        with the next: what was committed stays, and nothing else was written yet.
        """
