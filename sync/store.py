"""What the engine needs from storage; fieldapp implements it with SQLAlchemy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from typing import Protocol

from forms import FormDefinition
from forms import Issue
from sync.changes import Receipt
from sync.changes import SubmissionItem

#: visible: in the author's scope; hidden: someone else's; unknown: not on the server
Access = Literal["visible", "hidden", "unknown"]


class DuplicateKey(Exception):
    """The UUID was stored by someone else between our lookup and our insert."""


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


class SubmissionStore(Protocol):
    """Storage for submissions; every write method runs in its own transaction."""

    def find(self, item_uuid: uuid.UUID) -> StoredSubmission | None:
        """Return the submission stored under ``item_uuid``, if any."""

    def family_access(self, author: Author, family_id: uuid.UUID) -> Access:
        """Tell whether the family is the author's, someone else's, or unknown."""

    def family_members(self, family_id: uuid.UUID) -> frozenset[str] | None:
        """Return the ids of the family's members (None when the family is unknown)."""

    def course_access(self, author: Author, course_id: int) -> Access:
        """Tell whether the course is the author's, someone else's, or unknown."""

    def course_roster(self, course_id: int) -> frozenset[str] | None:
        """Return the member ids enrolled in the course (None when unknown)."""

    def insert(
        self,
        item: SubmissionItem,
        *,
        author: Author,
        definition: FormDefinition,
        answers: dict[str, object],
        content_hash: str,
    ) -> StoredSubmission:
        """Store the item with its clean answers and apply its effects, atomically.

        :raise DuplicateKey: when the UUID is already stored (nothing is kept).
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
