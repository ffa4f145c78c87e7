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
import unicodedata
from collections.abc import Iterable
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
from sync.protocol import parse_item
from sync.store import Author
from sync.store import DuplicateKey
from sync.store import StoredSubmission
from sync.store import SubmissionStore


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
    text = json.dumps(
        canonical(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _issue(code: str, **params: Any) -> Issue:
    return Issue(code, params)


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


def _subject(
    store: SubmissionStore,
    item: SubmissionItem,
    definition: FormDefinition,
    author: Author,
) -> tuple[str, dict[str, list[Issue]], ValidationContext]:
    """Check the item's subject; return (code, errors, context) ("" when fine)."""
    members: frozenset[str] | None = None
    roster: frozenset[str] | None = None
    if definition.subject in ("new_family", "family"):
        if item.subject_id is None:
            return (
                "subject_required",
                {"subject_id": [_issue("required")]},
                ValidationContext(),
            )
        access = store.family_access(author, item.subject_id)
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
        if definition.subject == "family" and access == "visible":
            members = store.family_members(item.subject_id)
        # An unknown family is accepted: it may be registered offline and arrive later
        # (or later in this batch); queries join on family_id, so the item links then.
    elif definition.subject == "course_session":
        if item.course_id is None:
            return (
                "subject_required",
                {"course_id": [_issue("required")]},
                ValidationContext(),
            )
        if store.course_access(author, item.course_id) != "visible":
            return (
                "not_your_course",
                {"course_id": [_issue("not_your_course")]},
                ValidationContext(),
            )
        roster = store.course_roster(item.course_id)
    return "", {}, ValidationContext(members=members, roster=roster)


def apply_item(
    store: SubmissionStore,
    raw: Any,
    *,
    author: Author,
    registry: FormRegistry,
    today: date | None = None,
) -> ItemResult:
    """Ingest one raw item (a decoded JSON object); never raise for bad input."""
    item, uuid_text, shape_errors = parse_item(raw)
    if item is None:
        errors = {
            p: [_issue("invalid", detail=m) for m in ms]
            for p, ms in shape_errors.items()
        }
        return ItemResult(uuid_text, "refused", errors=errors, code="invalid_item")
    if item.author_id is not None and item.author_id != author.id:
        return ItemResult(uuid_text, "refused", code="wrong_user")
    digest = content_hash(item)
    stored = store.find(item.uuid)
    if stored is not None:
        return _replay(store, stored, item, author, digest)

    code, errors, context = "", {}, ValidationContext()
    definition: FormDefinition | None = None
    try:
        definition = registry.get(item.form_id, item.form_version)
    except UnknownForm:
        code, errors = "unknown_form", {"form_id": [_issue("unknown_form")]}
    except UnknownVersion:
        known = ", ".join(str(v) for v in registry.versions(item.form_id))
        code = "unknown_version"
        errors = {
            "form_version": [
                _issue("unknown_version", version=item.form_version, known=known)
            ]
        }
    if definition is not None and not definition.may_fill(author.role):
        return ItemResult(uuid_text, "refused", code="form_not_allowed")
    if definition is not None:
        code, errors, context = _subject(store, item, definition, author)
    clean: dict[str, Any] = {}
    if definition is not None and not code:
        # Bounds like "not in the future" hold for the day the form was filled, but a
        # device clock ahead of the server must not widen them.
        day = today or date.today()
        if item.completed_at is not None:
            day = min(day, item.completed_at.date())
        context = ValidationContext(context.members, context.roster, day)
        verdict = validate_answers(definition, item.answers, context)
        if not verdict.ok:
            code, errors = "invalid_answers", verdict.errors
        clean = verdict.clean
    if code:
        # A twin delivery may have stored this UUID since the look-up above, changing
        # what the checks saw (its family now "exists"): answer as its replay instead.
        stored = store.find(item.uuid)
        if stored is not None:
            return _replay(store, stored, item, author, digest)
        store.record_rejection(
            item, author=author, errors=errors, code=code, content_hash=digest
        )
        return ItemResult(uuid_text, "rejected", errors=errors, code=code)
    assert definition is not None  # noqa: S101 - every path without one set a code
    try:
        stored = store.insert(
            item,
            author=author,
            definition=definition,
            answers=clean,
            content_hash=digest,
        )
    except DuplicateKey:
        # Another delivery of this UUID won the race; answer as its replay.
        again = store.find(item.uuid)
        if again is None:  # pragma: no cover - the winner's row must be there
            raise
        return _replay(store, again, item, author, digest)
    return ItemResult(uuid_text, "accepted", receipt=stored.receipt())


def apply_push(
    store: SubmissionStore,
    items: Iterable[Any],
    *,
    author: Author,
    registry: FormRegistry,
    today: date | None = None,
) -> PushResult:
    """Ingest a batch in order; each item gets its own result and transaction."""
    result = PushResult()
    for raw in items:
        result.results.append(
            apply_item(store, raw, author=author, registry=registry, today=today)
        )
    return result
