"""Ingest a batch: each item parsed, checked, validated and stored once, on its own.

The content hash is the SHA-256 of the canonical JSON of the *content fields*:
``form_id``, ``form_version``, ``subject_id``, ``course_id``, ``answers`` as received.
Timestamps, the author and the respondent's language are metadata, not content: a page
posted twice (a new ``completed_at``) is the same submission. Canonical JSON means keys
sorted, no insignificant whitespace, UTF-8 without escapes, and every string (keys
included) in Unicode NFC, so "ë" typed as one or two code points hashes the same.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
import unicodedata
import uuid
from collections.abc import Callable
from collections.abc import Sequence
from datetime import date
from typing import Any

from forms import FormDefinition
from forms import FormRegistry
from forms import Issue
from forms import UnknownForm
from forms import UnknownVersion
from forms import ValidationContext
from forms import validate_answers
from sync.changes import ItemResult
from sync.changes import PushResult
from sync.changes import SubmissionItem
from sync.protocol import TIME_RANGE_MESSAGE
from sync.protocol import parse_item
from sync.store import Access
from sync.store import Author
from sync.store import DuplicateKey
from sync.store import InsertFailed
from sync.store import KnownFamily
from sync.store import NewSubmission
from sync.store import StoredSubmission
from sync.store import SubmissionStore

_log = logging.getLogger(__name__)


def canonical(value: Any) -> Any:
    """Return ``value`` with every string (and key) in Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {canonical(str(k)): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def content_hash(item: SubmissionItem) -> str:
    """Return the SHA-256 (hex) of the item's canonical content fields."""
    content = {
        "form_id": item.form_id,
        "form_version": item.form_version,
        "subject_id": str(item.subject_id) if item.subject_id else None,
        "course_id": item.course_id,
        "answers": item.answers,
    }
    try:
        text = _dumps(content)
    except TypeError:  # a key that is not text: canonical() makes it one
        text = ""
    # Already canonical when the whole text is NFC: then so is every string in it
    # (the quotes and escapes around them compose with nothing). Else normalize each.
    if not text or not (text.isascii() or unicodedata.is_normalized("NFC", text)):
        text = _dumps(canonical(content))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dumps(content: dict[str, Any]) -> str:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _issue(code: str, **params: Any) -> Issue:
    return Issue(code, params)


def _shape_issue(path: str, message: str) -> Issue:
    """Return the issue of one protocol error (an item that could not be read)."""
    if message == TIME_RANGE_MESSAGE:
        return _issue("time_range", field=path)
    return _issue("invalid", detail=message)


def _uuid_of(raw: Any) -> str:
    """Return the uuid text of a raw item, for its answer when reading it failed."""
    value = raw.get("uuid") if isinstance(raw, dict) else None
    if isinstance(value, str) and len(value) <= 100:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    return ""


def _log_fault(what: str, doing: str, error: BaseException) -> None:
    """Log an unexpected failure: what it concerned, where it happened, and no values.

    Never the exception's text nor the variables: a database error's text quotes the
    values of its statement, answers among them, and sensitive ones must never reach
    a log in the clear. The type and the stack say where to look.
    """
    frames = "".join(traceback.format_tb(error.__traceback__))
    _log.error(
        "%s: %s while %s\n%s", what, type(error).__name__, doing, frames.rstrip()
    )


def _fault(uuid_text: str, doing: str, error: BaseException) -> ItemResult:
    """Log an unexpected failure with one item; answer it "refused" (send it again)."""
    _log_fault(f"submission {uuid_text or '(no uuid)'} not stored", doing, error)
    return ItemResult(uuid_text, "refused", code="not_stored")


def _replay(
    store: SubmissionStore,
    stored: StoredSubmission,
    item: SubmissionItem,
    author: Author,
    digest: str,
) -> ItemResult:
    """Answer an item whose UUID is already stored: duplicate or conflict."""
    uuid_text = str(item.uuid)
    if stored.author_id != author.id:
        return ItemResult(uuid_text, "refused", code="uuid_taken")
    if stored.content_hash == digest:
        return ItemResult(uuid_text, "duplicate", receipt=stored.receipt())
    store.record_conflict(stored, item, author=author, content_hash=digest)
    return ItemResult(uuid_text, "conflict", code="conflict")


#: subjects that are a family (the intake registers it, the others visit it)
_FAMILY_SUBJECTS = ("new_family", "family")


class _Batch:
    """One push on its way in: what the store was asked once, and what waits to be stored.

    Accepted items are stored in groups of up to ``group`` in one transaction each (one
    commit, one fsync, for many items). A group that fails because a twin delivery
    stored one of its UUIDs in the meantime is stored again item by item, so one item
    never sinks the others. An item that depends on a waiting one (the same UUID, or a
    visit to a family registered earlier in the batch) stores the group first: every
    item is judged against what the items before it did, as if they came one by one.
    """

    def __init__(
        self,
        store: SubmissionStore,
        *,
        author: Author,
        registry: FormRegistry,
        today: date,
        group: int,
        leave_open: bool,
    ) -> None:
        self.store = store
        self.leave_open = leave_open
        self.author = author
        self.registry = registry
        self.today = today
        self.group = max(1, group)
        self.results: list[ItemResult | None] = []
        #: accepted items waiting to be stored, with their place in the results
        self.waiting: list[tuple[int, NewSubmission]] = []
        self.waiting_uuids: set[uuid.UUID] = set()
        self.waiting_families: set[uuid.UUID] = set()
        self.stored: dict[uuid.UUID, StoredSubmission] = {}
        #: what the store said of each family (None: not on the server)
        self.families: dict[uuid.UUID, KnownFamily | None] = {}
        self.courses: dict[int, tuple[Access, frozenset[str] | None]] = {}

    def run(self, raws: Sequence[Any]) -> list[ItemResult]:
        """Judge and store every item; return the results in the items' order.

        Bad input is answered by the rules. Anything else that goes wrong with one item
        (a bug, a database fault) is that item's "refused" answer, logged with its
        uuid: the device sends it again, and the other items are judged and stored.
        """
        parsed: list[tuple[int, SubmissionItem, str]] = []
        for index, raw in enumerate(raws):
            self.results.append(None)
            try:
                outcome = self._read(raw)
            except Exception as error:
                self.results[index] = _fault(_uuid_of(raw), "reading it", error)
                continue
            if isinstance(outcome, ItemResult):
                self.results[index] = outcome
            else:
                parsed.append((index, *outcome))
        # Whether a UUID is stored already is left to the store's unique key (see
        # _store_waiting): one look-up fewer for the usual batch, of new items only.
        try:
            self._look_up(
                {
                    item.subject_id
                    for _, item, _ in parsed
                    if item.subject_id is not None
                }
            )
        except Exception as error:
            # Each item asks again on its own (_judge_fresh), and fails on its own.
            self.store.recover()
            _log_fault("push", "looking up the families of its items", error)
        for index, item, digest in parsed:
            if item.uuid in self.waiting_uuids or (
                item.subject_id in self.waiting_families
            ):
                self._store_waiting()
            try:
                verdict = self._judge_fresh(item, digest)
            except Exception as error:
                self.store.recover()
                self.results[index] = _fault(str(item.uuid), "judging it", error)
                continue
            if isinstance(verdict, NewSubmission):
                self._wait(index, verdict)
            else:
                self.results[index] = verdict
            if len(self.waiting) >= self.group:
                self._store_waiting()
        self._store_waiting(last=True)
        results = [result for result in self.results if result is not None]
        assert len(results) == len(raws)  # noqa: S101 - every item was answered
        return results

    def _read(self, raw: Any) -> ItemResult | tuple[SubmissionItem, str]:
        """Return the parsed item and its content hash, or its answer if unreadable."""
        item, uuid_text, shape_errors = parse_item(raw)
        if item is None:
            errors = {
                p: [_shape_issue(p, m) for m in ms] for p, ms in shape_errors.items()
            }
            return ItemResult(uuid_text, "refused", errors=errors, code="invalid_item")
        if item.author_id is not None and item.author_id != self.author.id:
            return ItemResult(uuid_text, "refused", code="wrong_user")
        return item, content_hash(item)

    def _judge_fresh(
        self, item: SubmissionItem, digest: str
    ) -> ItemResult | NewSubmission:
        """Judge an item of this batch, asking about its family first if need be."""
        if item.subject_id is not None and item.subject_id not in self.families:
            # Registered in this batch since the look-up (or the look-up failed).
            self._look_up({item.subject_id})
        return self._judge(item, digest)

    def _look_up(self, family_ids: set[uuid.UUID]) -> None:
        """Ask the store (once) about these families."""
        if family_ids:
            known = self.store.families(self.author, family_ids)
            for family in family_ids:
                self.families[family] = known.get(family)

    def _replay_if_stored(self, item: SubmissionItem, digest: str) -> ItemResult | None:
        """Answer an item the engine would not store as its replay, if it is stored.

        An item sent before (its response lost) or stored by a twin delivery since the
        look-up is answered duplicate or conflict, whatever the checks would say now
        (its family "exists" since it was stored, say).
        """
        stored = self.store.find({item.uuid}).get(item.uuid)
        return None if stored is None else self._replay(item, stored, digest)

    def _replay(
        self, item: SubmissionItem, row: StoredSubmission, digest: str
    ) -> ItemResult:
        """Remember ``row`` for the rest of the batch; answer ``item`` as its replay."""
        self.stored[item.uuid] = row
        return _replay(self.store, row, item, self.author, digest)

    def _course(self, course_id: int) -> tuple[Access, frozenset[str] | None]:
        if course_id not in self.courses:
            access = self.store.course_access(self.author, course_id)
            roster = (
                self.store.course_roster(course_id) if access == "visible" else None
            )
            self.courses[course_id] = (access, roster)
        return self.courses[course_id]

    def _subject(
        self, item: SubmissionItem, definition: FormDefinition
    ) -> tuple[str, dict[str, list[Issue]], ValidationContext]:
        """Check the item's subject; return (code, errors, context) ("" when fine)."""
        members: frozenset[str] | None = None
        roster: frozenset[str] | None = None
        if definition.subject in _FAMILY_SUBJECTS:
            if item.subject_id is None:
                return (
                    "subject_required",
                    {"subject_id": [_issue("required")]},
                    ValidationContext(),
                )
            family = self.families.get(item.subject_id)
            access = "unknown" if family is None else family.access
            if definition.subject == "new_family" and access != "unknown":
                return (
                    "family_exists",
                    {"subject_id": [_issue("family_exists")]},
                    ValidationContext(),
                )
            if access == "hidden":
                return (
                    "not_your_family",
                    {"subject_id": [_issue("not_your_family")]},
                    ValidationContext(),
                )
            if definition.subject == "family" and family is not None and family.visible:
                members = family.members
            # An unknown family is accepted: it may be registered offline and arrive
            # later (or later in this batch); queries join on family_id, so it links.
        elif definition.subject == "course_session":
            if item.course_id is None:
                return (
                    "subject_required",
                    {"course_id": [_issue("required")]},
                    ValidationContext(),
                )
            access, roster = self._course(item.course_id)
            if access != "visible":
                return (
                    "not_your_course",
                    {"course_id": [_issue("not_your_course")]},
                    ValidationContext(),
                )
        return "", {}, ValidationContext(members=members, roster=roster)

    def _judge(self, item: SubmissionItem, digest: str) -> ItemResult | NewSubmission:
        """Return the item's result, or the submission to store when it is accepted."""
        author, uuid_text = self.author, str(item.uuid)
        stored = self.stored.get(item.uuid)  # earlier in this batch
        if stored is not None:
            return _replay(self.store, stored, item, author, digest)
        code, errors, context = "", {}, ValidationContext()
        definition: FormDefinition | None = None
        try:
            definition = self.registry.get(item.form_id, item.form_version)
        except UnknownForm:
            code, errors = "unknown_form", {"form_id": [_issue("unknown_form")]}
        except UnknownVersion:
            known = ", ".join(str(v) for v in self.registry.versions(item.form_id))
            code = "unknown_version"
            errors = {
                "form_version": [
                    _issue("unknown_version", version=item.form_version, known=known)
                ]
            }
        if definition is not None and not definition.may_fill(author.role):
            return self._replay_if_stored(item, digest) or ItemResult(
                uuid_text, "refused", code="form_not_allowed"
            )
        if (
            definition is not None
            and definition.subject in _FAMILY_SUBJECTS
            and item.subject_id is not None
        ):
            subject = self.families.get(item.subject_id)
            if subject is not None and subject.erased:
                # Refused, not rejected: a rejection would keep the item's answers.
                return self._replay_if_stored(item, digest) or ItemResult(
                    uuid_text, "refused", code="family_erased"
                )
        if definition is not None:
            code, errors, context = self._subject(item, definition)
        clean: dict[str, Any] = {}
        if definition is not None and not code:
            # Bounds like "not in the future" hold for the day the form was filled,
            # but a device clock ahead of the server must not widen them.
            day = self.today
            if item.completed_at is not None:
                day = min(day, item.completed_at.date())
            context = ValidationContext(context.members, context.roster, day)
            verdict = validate_answers(definition, item.answers, context)
            if not verdict.ok:
                code, errors = "invalid_answers", verdict.errors
            clean = verdict.clean
        if code:
            replay = self._replay_if_stored(item, digest)
            if replay is not None:
                return replay
            self.store.record_rejection(
                item, author=author, errors=errors, code=code, content_hash=digest
            )
            return ItemResult(uuid_text, "rejected", errors=errors, code=code)
        assert definition is not None  # noqa: S101 - every path without one set a code
        return NewSubmission(item, definition, clean, digest)

    def _wait(self, index: int, entry: NewSubmission) -> None:
        """Queue an accepted item to be stored with its group."""
        self.waiting.append((index, entry))
        self.waiting_uuids.add(entry.item.uuid)
        if entry.definition.subject == "new_family" and entry.item.subject_id:
            self.waiting_families.add(entry.item.subject_id)

    def _store_waiting(self, *, last: bool = False) -> None:
        """Store the waiting items as one group; answer those stored before as replays.

        A UUID stored already (a batch resent after its response was lost, or a twin
        delivery that won a race) fails the group on the unique key; those items are
        answered as replays and the others stored again as a group. A group that fails
        on anything else is stored again item by item, so one item never sinks the
        others.
        """
        waiting, self.waiting = self.waiting, []
        self.waiting_uuids.clear()
        for family in self.waiting_families:
            # Registered now (or by a twin): ask again when an item needs to know.
            self.families.pop(family, None)
        self.waiting_families.clear()
        while waiting:
            try:
                stored = self.store.insert(
                    [entry for _, entry in waiting],
                    author=self.author,
                    commit=not (last and self.leave_open),
                )
            except DuplicateKey as taken:
                rest = []
                for index, entry in waiting:
                    row = taken.stored.get(entry.item.uuid)
                    if row is None:
                        rest.append((index, entry))
                    else:
                        self.results[index] = self._safely(
                            entry, "answering it as a replay", self._replay_entry, row
                        )
                if len(rest) < len(waiting):
                    waiting = rest
                    continue
                self._store_each(waiting)  # pragma: no cover - the store named none
                return
            except InsertFailed:
                if len(waiting) == 1:
                    ((index, entry),) = waiting
                    self.results[index] = self._safely(
                        entry, "judging it again", self._judge_again
                    )
                else:
                    self._store_each(waiting)
                return
            except Exception as error:
                # Unexpected, and nothing of the group was kept: each item on its own,
                # so that only the one at fault (if any) fails.
                self.store.recover()
                if len(waiting) == 1:
                    ((index, entry),) = waiting
                    self.results[index] = _fault(
                        str(entry.item.uuid), "storing it", error
                    )
                else:
                    self._store_each(waiting)
                return
            for (index, entry), row in zip(waiting, stored, strict=True):
                self.results[index] = self._accepted(entry, row)
            return

    def _replay_entry(self, entry: NewSubmission, row: StoredSubmission) -> ItemResult:
        return self._replay(entry.item, row, entry.content_hash)

    def _accepted(self, entry: NewSubmission, row: StoredSubmission) -> ItemResult:
        """Remember ``row`` for the rest of the batch; answer ``entry`` as stored."""
        self.stored[entry.item.uuid] = row
        return ItemResult(str(entry.item.uuid), "accepted", receipt=row.receipt())

    def _store_each(self, waiting: list[tuple[int, NewSubmission]]) -> None:
        """Store each item in a transaction of its own."""
        for index, entry in waiting:
            self.results[index] = self._safely(entry, "storing it", self._store_alone)

    def _safely(
        self,
        entry: NewSubmission,
        doing: str,
        answer: Callable[..., ItemResult],
        *args: Any,
    ) -> ItemResult:
        """Return ``answer(entry, *args)``; an unexpected failure refuses the entry."""
        try:
            return answer(entry, *args)
        except Exception as error:
            self.store.recover()
            return _fault(str(entry.item.uuid), doing, error)

    def _store_alone(self, entry: NewSubmission, *, again: bool = False) -> ItemResult:
        """Store one item on its own; return its result (see _judge_again)."""
        item = entry.item
        try:
            (row,) = self.store.insert([entry], author=self.author)
        except DuplicateKey as taken:
            return self._replay_entry(entry, taken.stored[item.uuid])
        except InsertFailed as failed:
            if again:
                return _fault(
                    str(item.uuid), "storing it again", failed.__cause__ or failed
                )
            return self._judge_again(entry)
        return self._accepted(entry, row)

    def _judge_again(self, entry: NewSubmission) -> ItemResult:
        """Judge and store anew an item that failed to be stored on its own.

        It was most likely overtaken since its look-up: two devices registered the same
        family at the same moment (the family exists now: a rejection), or PostgreSQL
        chose it to give way in a deadlock (stored now). Should it fail once more, the
        fault is the server's: the item is refused, so the device keeps it and sends it
        again, and the error is logged.
        """
        item = entry.item
        if item.subject_id is not None:
            self._look_up({item.subject_id})  # what the store says of it now
        verdict = self._judge(item, entry.content_hash)
        if isinstance(verdict, ItemResult):
            return verdict
        return self._store_alone(verdict, again=True)


def apply_item(
    store: SubmissionStore,
    raw: Any,
    *,
    author: Author,
    registry: FormRegistry,
    today: date | None = None,
) -> ItemResult:
    """Ingest one raw item (a decoded JSON object); never raise for bad input."""
    return apply_push(
        store, [raw], author=author, registry=registry, today=today
    ).results[0]


def apply_push(
    store: SubmissionStore,
    items: Sequence[Any],
    *,
    author: Author,
    registry: FormRegistry,
    today: date | None = None,
    group: int = 50,
    leave_open: bool = False,
) -> PushResult:
    """Ingest a batch; each item gets its own result, judged as if it came alone.

    Accepted items are stored ``group`` at a time, each group in one transaction.
    ``leave_open`` leaves the last group's transaction to the caller, to add its own
    writes (a log line per item) and commit once: an unacknowledged batch is resent.
    """
    batch = _Batch(
        store,
        author=author,
        registry=registry,
        today=today or date.today(),
        group=group,
        leave_open=leave_open,
    )
    return PushResult(results=batch.run(list(items)))
