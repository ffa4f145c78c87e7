"""An in-memory SubmissionStore: the engine tested with no Flask and no database."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from forms import FormRegistry
from forms import Issue
from forms import load_registry
from sync.changes import SubmissionItem
from sync.store import Access
from sync.store import Author
from sync.store import DuplicateKey
from sync.store import InsertFailed
from sync.store import KnownFamily
from sync.store import NewSubmission
from sync.store import StoredSubmission


@dataclass
class FakeStore:
    """Dicts for tables; ``race`` makes the next insert lose to another delivery."""

    family_rows: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    courses: dict[int, dict[str, Any]] = field(default_factory=dict)
    rows: dict[uuid.UUID, StoredSubmission] = field(default_factory=dict)
    answers: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    conflicts: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    rejections: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    #: stored by "another delivery" just before the next insert
    race: StoredSubmission | None = None
    #: the size of each insert (one transaction each)
    groups: list[int] = field(default_factory=list)
    #: calls of find, and of families
    lookups: int = 0
    family_lookups: int = 0
    #: groups whose transaction was left to the caller
    left_open: int = 0
    #: a group of several fails as a whole (InsertFailed); one item alone is stored
    refuse_groups: bool = False
    #: items whose insert always fails on "another constraint" (a server fault)
    broken: set[uuid.UUID] = field(default_factory=set)
    #: items whose insert raises something no store should (a bug, say)
    crash: set[uuid.UUID] = field(default_factory=set)
    #: calls of recover (after an unexpected failure)
    recoveries: int = 0

    def find(self, uuids: Collection[uuid.UUID]) -> dict[uuid.UUID, StoredSubmission]:
        self.lookups += 1
        return {key: self.rows[key] for key in uuids if key in self.rows}

    def families(
        self, author: Author, family_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, KnownFamily]:
        self.family_lookups += 1
        found = {}
        for family_id in family_ids:
            family = self.family_rows.get(family_id)
            if family is not None:
                mine = author.id in family["workers"]
                members = frozenset(family["members"]) if mine else frozenset()
                found[family_id] = KnownFamily(mine, members)
        return found

    def course_access(self, author: Author, course_id: int) -> Access:
        course = self.courses.get(course_id)
        if course is None:
            return "unknown"
        return "visible" if course["instructor"] == author.id else "hidden"

    def course_roster(self, course_id: int) -> frozenset[str] | None:
        return frozenset(self.courses[course_id]["roster"])

    def insert(
        self, entries: Sequence[NewSubmission], *, author: Author, commit: bool = True
    ) -> list[StoredSubmission]:
        self.groups.append(len(entries))
        self.left_open += not commit
        if self.race is not None:
            self.rows[self.race.uuid], self.race = self.race, None
        found = {
            e.item.uuid: self.rows[e.item.uuid]
            for e in entries
            if e.item.uuid in self.rows
        }
        if found:
            raise DuplicateKey(found)
        if self.refuse_groups and len(entries) > 1:
            raise InsertFailed()
        # The family's primary key: a family registered since the look-up (by another
        # device) fails the insert, as the database's would.
        registers = [
            e.item.subject_id for e in entries if e.definition.subject == "new_family"
        ]
        if any(family in self.family_rows for family in registers) or len(
            set(registers)
        ) < len(registers):
            raise InsertFailed()
        if any(e.item.uuid in self.broken for e in entries):
            raise InsertFailed()
        if any(e.item.uuid in self.crash for e in entries):
            # Like a database error, its text quotes the values it was given.
            raise ZeroDivisionError(repr([e.answers for e in entries]))
        stored = []
        for entry in entries:
            item = entry.item
            row = StoredSubmission(
                len(self.rows) + 1,
                item.uuid,
                author.id,
                entry.content_hash,
                datetime.now(UTC),
            )
            self.rows[item.uuid] = row
            self.answers[item.uuid] = entry.answers
            if entry.definition.subject == "new_family" and item.subject_id:
                members = [str(m["id"]) for m in entry.answers.get("members", [])]
                self.family_rows[item.subject_id] = {
                    "workers": {author.id},
                    "members": members,
                }
            stored.append(row)
        return stored

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

    def recover(self) -> None:
        self.recoveries += 1


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    return load_registry()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()
