"""Store one submission item, online form or sync batch alike, through the engine."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any
from typing import Literal

from fieldapp import db
from fieldapp.audit import log
from fieldapp.auth.models import User
from fieldapp.submissions.forms_registry import registry
from fieldapp.submissions.messages import issue_dict
from fieldapp.submissions.messages import result_message
from fieldapp.submissions.store import SqlSubmissionStore
from sync import engine
from sync.changes import ItemResult as EngineResult
from sync.protocol import storable_text
from sync.store import Author

Status = Literal["accepted", "duplicate", "conflict", "rejected", "refused"]


@dataclass
class ItemResult:
    """The verdict on one item, as the device and the page see it."""

    status: Status
    uuid: str
    #: accepted/duplicate: {"server_id", "received_at", "content_hash"}
    receipt: dict[str, Any] | None = None
    #: rejected: {path: [{"code", "params", "message"}]} in the user's language
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    message: str = ""
    #: machine reason for rejected/refused/conflict ("" when accepted)
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the RESULT object of the sync API."""
        return {
            "uuid": self.uuid,
            "status": self.status,
            "receipt": self.receipt,
            "errors": self.errors,
            "message": self.message,
        }


def _loggable(value: Any) -> str:
    """Return ``value`` as short text the access log can keep (any database)."""
    text = str(value)[:64]
    return text if storable_text(text) else ""


def record_ingest(
    results: Sequence[ItemResult], items: Sequence[Any], device_id: uuid.UUID | None
) -> None:
    """Write the access-log entries of ingested items; the caller commits.

    Written after the items' own transactions, never inside them: an item is never
    lost because its log line could not be written.
    """
    log.record_many(
        (
            "create" if result.status == "accepted" else f"submit_{result.status}",
            "submission",
            result.uuid,
            {
                "form": _loggable(
                    item.get("form_id", "") if isinstance(item, Mapping) else ""
                ),
                "device": str(device_id) if device_id else None,
            },
        )
        for result, item in zip(results, items, strict=True)
    )


def ingest_item(
    item: Mapping[str, Any],
    *,
    user: User,
    device_id: uuid.UUID | None,
    locale: str,
    keep_rejected: bool = False,
    today: date | None = None,
) -> ItemResult:
    """Validate and store one item in its own transaction; never raise for bad input.

    ``keep_rejected`` keeps a rejected item for coordinators (sync API); the HTML path
    shows the errors on the page instead.
    """
    (result,) = ingest_batch(
        [item],
        user=user,
        device_id=device_id,
        locale=locale,
        keep_rejected=keep_rejected,
        today=today,
    )
    return result


def ingest_batch(
    items: Sequence[Any],
    *,
    user: User,
    device_id: uuid.UUID | None,
    locale: str,
    keep_rejected: bool = True,
    today: date | None = None,
    group: int = 50,
    leave_open: bool = False,
    delay: float = 0.0,
) -> list[ItemResult]:
    """Validate and store a batch: accepted items ``group`` to a transaction.

    Each item gets its own verdict, as if it came alone; see sync.engine.
    ``leave_open`` leaves the last group's transaction open: the caller adds the log
    lines and commits (one commit, one disk flush, for a batch of up to ``group``).
    ``delay`` is the test-only fault injection of TEST_INGEST_DELAY_MS (seconds).
    """
    store = SqlSubmissionStore(
        db.session(),
        user,
        device_id=device_id,
        keep_rejections=keep_rejected,
        delay=delay,
    )
    raws = [dict(item) if isinstance(item, Mapping) else item for item in items]
    pushed = engine.apply_push(
        store,
        raws,
        author=Author(user.id, user.role),
        registry=registry(),
        today=today,
        group=group,
        leave_open=leave_open,
    )
    return [_for_people(result, locale) for result in pushed.results]


def _for_people(result: EngineResult, locale: str) -> ItemResult:
    """Return the engine's verdict with its messages in ``locale``."""
    return ItemResult(
        status=result.status,
        uuid=result.uuid,
        receipt=result.receipt.as_dict() if result.receipt else None,
        errors={
            path: [issue_dict(i, locale) for i in found]
            for path, found in result.errors.items()
        },
        message=result_message(result, locale),
        code=result.code,
    )
