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
#: deeper than any form needs (answers > repeat rows > row > list of choices), far
#: shallower than Python's recursion limit, which deeper values would hit further on
MAX_DEPTH = 32
#: longest uuid text echoed back for an item that cannot be read
_ECHO_MAX = 100


def storable_text(text: str) -> bool:
    """Tell whether every database can keep ``text``: no NUL, no unpaired surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_storable(value: str) -> None:
    """Marshmallow validator: refuse text that storable_text() refuses."""
    if not storable_text(value):
        raise ValidationError("Contains characters that cannot be stored.")


def unstorable(raw: Any) -> dict[str, list[str]]:
    """Return errors for values nested too deeply or holding text no database keeps."""
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack:  # a loop, not recursion: the depth is what is being checked
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return {path: [f"Nested deeper than {MAX_DEPTH} levels."]}
        if isinstance(value, str) and not storable_text(value):
            return {path: ["Contains characters that cannot be stored."]}
        children: Any = ()
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        for key, inner in children:
            name = str(key)
            if not storable_text(name):
                return {path: ["Contains characters that cannot be stored."]}
            name = name[:64]
            stack.append((inner, f"{path}.{name}" if path else name, depth + 1))
    return {}


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
    app_version = fields.String(
        load_default="", validate=[validate.Length(max=32), check_storable]
    )


class PushSchema(Schema):
    """The envelope of a batch; items are parsed one by one (see ItemSchema)."""

    class Meta:
        unknown = EXCLUDE

    protocol = fields.Integer(
        strict=True, required=True, validate=validate.Equal(PROTOCOL_VERSION)
    )
    device = fields.Nested(DeviceSchema, required=True)
    # Any value, null included: a bad item is answered on its own (refused).
    items = fields.List(fields.Raw(allow_none=True), required=True)


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


#: built once: making a schema costs more than loading an item with it
_ITEM_SCHEMA = ItemSchema()


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
    uuid_text = ""
    if isinstance(raw_uuid, str) and storable_text(raw_uuid):
        uuid_text = raw_uuid[:_ECHO_MAX]
    if not isinstance(raw, dict):
        return None, uuid_text, {"": ["Not an object."]}
    # NUL and unpaired surrogates pass JSON but fail in the database (PostgreSQL
    # refuses NUL in text; UTF-8 cannot encode a lone surrogate): refuse them here.
    errors = unstorable(raw)
    if errors:
        return None, uuid_text, errors
    try:
        item: SubmissionItem = _ITEM_SCHEMA.load(raw)
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
