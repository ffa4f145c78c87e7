"""Conflict resolution rules: one named function per rule a coordinator may choose."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import replace
from typing import Any
from typing import Protocol

from sync.changes import SubmissionItem


@dataclass(frozen=True)
class Resolution:
    """What storage must do to settle a conflict."""

    #: kept_original | kept_incoming | kept_both (stored on the conflict row)
    name: str
    #: answers that replace the stored submission's (keep_incoming)
    replace_answers: dict[str, Any] | None = None
    #: the incoming version as a submission of its own (keep_both)
    new_item: SubmissionItem | None = None


class Rule(Protocol):
    """A conflict resolution rule."""

    def __call__(
        self, incoming: SubmissionItem, *, new_uuid: uuid.UUID | None = None
    ) -> Resolution: ...


def keep_original(
    incoming: SubmissionItem, *, new_uuid: uuid.UUID | None = None
) -> Resolution:
    """Keep the stored version; the incoming one stays on the conflict row only."""
    return Resolution("kept_original")


def keep_incoming(
    incoming: SubmissionItem, *, new_uuid: uuid.UUID | None = None
) -> Resolution:
    """Replace the stored answers with the incoming ones (storage validates them)."""
    return Resolution("kept_incoming", replace_answers=dict(incoming.answers))


def keep_both(
    incoming: SubmissionItem, *, new_uuid: uuid.UUID | None = None
) -> Resolution:
    """Store the incoming version as a separate submission under a new UUID."""
    return Resolution(
        "kept_both", new_item=replace(incoming, uuid=new_uuid or uuid.uuid4())
    )


#: the rules by the name the review page posts
RULES: dict[str, Rule] = {
    "keep_original": keep_original,
    "keep_incoming": keep_incoming,
    "keep_both": keep_both,
}
