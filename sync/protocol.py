"""The wire format of a push (version 1): envelope, items and results."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate

from forms import LOCALES
from sync.changes import SubmissionItem

PROTOCOL_VERSION = 1


def _when() -> fields.AwareDateTime:
    """Return an optional ISO 8601 time field; a time without offset is taken as UTC."""
    return fields.AwareDateTime(
        format="iso", default_timezone=UTC, load_default=None, allow_none=True
    )


class DeviceSchema(Schema):
    """What the device reports about itself with every push."""

    class Meta:
        # Newer clients may report more; an older server ignores it.
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    pending_count = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=1_000_000)
    )
    oldest_pending_at = _when()
    app_version = fields.String(load_default="", validate=validate.Length(max=32))


class PushSchema(Schema):
    """The envelope of a batch; items are parsed one by one (see ItemSchema)."""

    class Meta:
        unknown = EXCLUDE

    protocol = fields.Integer(
        strict=True, required=True, validate=validate.Equal(PROTOCOL_VERSION)
    )
    device = fields.Nested(DeviceSchema, required=True)
    items = fields.List(fields.Raw(), required=True)


class ItemSchema(Schema):
    """One item of a batch; a bad item is answered on its own, never sinks the batch."""

    class Meta:
        unknown = EXCLUDE

    uuid = fields.UUID(required=True)
    form_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    form_version = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=1, max=1_000_000)
    )
    subject_id = fields.UUID(load_default=None, allow_none=True)
    course_id = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
    )
    started_at = _when()
    completed_at = _when()
    respondent_locale = fields.String(
        load_default="sq", validate=validate.OneOf(LOCALES)
    )
    author_id = fields.Integer(strict=True, load_default=None, allow_none=True)
    answers = fields.Dict(keys=fields.String(), required=True)

    @post_load
    def make_item(self, data: dict[str, Any], **_kwargs: Any) -> SubmissionItem:
        """Return the parsed item as a SubmissionItem."""
        return SubmissionItem(**data)


class ReceiptSchema(Schema):
    """A receipt as the device receives it."""

    server_id = fields.Integer(required=True)
    received_at = fields.String(required=True)
    content_hash = fields.String(required=True)


class IssueSchema(Schema):
    """One problem with an answer, in the user's language."""

    code = fields.String(required=True)
    params = fields.Dict(required=True)
    message = fields.String(required=True)


class ResultSchema(Schema):
    """The verdict on one item."""

    uuid = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(
            ["accepted", "duplicate", "conflict", "rejected", "refused"]
        ),
    )
    receipt = fields.Nested(ReceiptSchema, allow_none=True, required=True)
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(IssueSchema))
    )
    message = fields.String(required=True)


def parse_item(raw: Any) -> tuple[SubmissionItem | None, str, dict[str, list[str]]]:
    """Return (item, uuid text, errors); item is None when the item cannot be read."""
    raw_uuid = raw.get("uuid") if isinstance(raw, dict) else None
    uuid_text = raw_uuid if isinstance(raw_uuid, str) else ""
    if not isinstance(raw, dict):
        return None, uuid_text, {"": ["Not an object."]}
    try:
        item: SubmissionItem = ItemSchema().load(raw)
    except ValidationError as exc:
        messages = exc.messages
        if not isinstance(messages, dict):
            messages = {"": messages}
        return None, uuid_text, {str(k): _flatten(v) for k, v in messages.items()}
    return item, str(item.uuid), {}


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    return [str(value)]


def dump_item(item: SubmissionItem) -> dict[str, Any]:
    """Return ``item`` as the JSON object a device sends (for keeping and review)."""
    return {
        "uuid": str(item.uuid),
        "form_id": item.form_id,
        "form_version": item.form_version,
        "subject_id": str(item.subject_id) if item.subject_id else None,
        "course_id": item.course_id,
        "started_at": item.started_at.isoformat() if item.started_at else None,
        "completed_at": item.completed_at.isoformat() if item.completed_at else None,
        "respondent_locale": item.respondent_locale,
        "author_id": item.author_id,
        "answers": item.answers,
    }
