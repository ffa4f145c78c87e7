"""An in-memory SubmissionStore: the engine tested with no Flask and no database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from forms import FormDefinition
from forms import FormRegistry
from forms import Issue
from forms import load_registry
from sync.changes import SubmissionItem
from sync.store import Access
from sync.store import Author
from sync.store import DuplicateKey
from sync.store import StoredSubmission


@dataclass
class FakeStore:
    """Dicts for tables; ``race`` makes the next insert lose to another delivery."""

    families: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    courses: dict[int, dict[str, Any]] = field(default_factory=dict)
    rows: dict[uuid.UUID, StoredSubmission] = field(default_factory=dict)
    answers: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    conflicts: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    rejections: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    race: StoredSubmission | None = None

    def find(self, item_uuid: uuid.UUID) -> StoredSubmission | None:
        return self.rows.get(item_uuid)

    def family_access(self, author: Author, family_id: uuid.UUID) -> Access:
        family = self.families.get(family_id)
        if family is None:
            return "unknown"
        return "visible" if author.id in family["workers"] else "hidden"

    def family_members(self, family_id: uuid.UUID) -> frozenset[str] | None:
        family = self.families.get(family_id)
        return None if family is None else frozenset(family["members"])

    def course_access(self, author: Author, course_id: int) -> Access:
        course = self.courses.get(course_id)
        if course is None:
            return "unknown"
        return "visible" if course["instructor"] == author.id else "hidden"

    def course_roster(self, course_id: int) -> frozenset[str] | None:
        return frozenset(self.courses[course_id]["roster"])

    def insert(
        self,
        item: SubmissionItem,
        *,
        author: Author,
        definition: FormDefinition,
        answers: dict[str, Any],
        content_hash: str,
    ) -> StoredSubmission:
        if self.race is not None:
            self.rows[item.uuid], self.race = self.race, None
            raise DuplicateKey(str(item.uuid))
        if item.uuid in self.rows:
            raise DuplicateKey(str(item.uuid))
        row = StoredSubmission(
            len(self.rows) + 1, item.uuid, author.id, content_hash, datetime.now(UTC)
        )
        self.rows[item.uuid] = row
        self.answers[item.uuid] = answers
        if definition.subject == "new_family" and item.subject_id is not None:
            self.families[item.subject_id] = {"workers": {author.id}, "members": []}
        return row

    def record_conflict(
        self,
        stored: StoredSubmission,
        item: SubmissionItem,
        *,
        author: Author,
        content_hash: str,
    ) -> bool:
        if (item.uuid, content_hash) in self.conflicts:
            return False
        self.conflicts.append((item.uuid, content_hash))
        return True

    def record_rejection(
        self,
        item: SubmissionItem,
        *,
        author: Author,
        errors: dict[str, list[Issue]],
        code: str,
        content_hash: str,
    ) -> bool:
        key = (item.uuid, content_hash, code)
        if key in self.rejections:
            return False
        self.rejections.append(key)
        return True


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    return load_registry()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()
