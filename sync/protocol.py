"""The wire format of a push (version 1): envelope, items and results."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any
from uuid import UUID

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate

from forms import DEFAULT_LOCALE
from forms import LOCALES
from sync.changes import SubmissionItem
from sync.times import NotATime
from sync.times import TimeOutOfRange
from sync.times import parse_client_time

PROTOCOL_VERSION = 1
#: deeper than any form needs (answers > repeat rows > row > list of choices), far
#: shallower than Python's recursion limit, which deeper values would hit further on
MAX_DEPTH = 32
#: longest uuid text echoed back for an item that cannot be read
_ECHO_MAX = 100
#: limits of ItemSchema, read by the fast path of parse_item() too
FORM_ID_LENGTH = (1, 64)
FORM_VERSION_RANGE = (1, 1_000_000)
COURSE_ID_RANGE = (1, 2**31 - 1)
#: the zone of a time sent without an offset
DEFAULT_TIMEZONE = UTC
#: the error of a time that cannot be stored; the engine answers it as "time_range"
TIME_RANGE_MESSAGE = "Outside the times that can be stored (0001-01-02 to 9999-12-30)."


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


class ClientTime(fields.AwareDateTime):
    """An optional ISO 8601 time, read by sync.times.parse_client_time (one parser).

    A time without an offset is taken as UTC. One outside sync.times' window is refused
    with TIME_RANGE_MESSAGE, or with ``clamp`` moved to the window's nearer end (for
    figures a device reports about itself, which are not data).
    """

    def __init__(self, *, clamp: bool = False) -> None:
        super().__init__(
            format="iso",
            default_timezone=DEFAULT_TIMEZONE,
            load_default=None,
            allow_none=True,
        )
        self.clamp = clamp

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        try:
            return parse_client_time(
                value, default_timezone=self.default_timezone, clamp=self.clamp
            )
        except TimeOutOfRange:
            raise ValidationError(TIME_RANGE_MESSAGE) from None
        except NotATime:
            raise self.make_error(
                "invalid", input=value, obj_type=self.OBJ_TYPE
            ) from None


class DeviceSchema(Schema):
    """What the device reports about itself with every push."""

    class Meta:
        # Newer clients may report more; an older server ignores it.
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    pending_count = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=1_000_000)
    )
    # A figure, not data: a time outside the window is moved to its nearer end
    # ("pending for ages", "not yet"), and the items of the push are stored as ever.
    oldest_pending_at = ClientTime(clamp=True)
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

    # _fast_item() mirrors these rules: change both (test_fast_protocol.py checks).
    uuid = fields.UUID(required=True)
    form_id = fields.String(required=True, validate=validate.Length(*FORM_ID_LENGTH))
    form_version = fields.Integer(
        strict=True, required=True, validate=validate.Range(*FORM_VERSION_RANGE)
    )
    subject_id = fields.UUID(load_default=None, allow_none=True)
    course_id = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(*COURSE_ID_RANGE),
    )
    started_at = ClientTime()
    completed_at = ClientTime()
    respondent_locale = fields.String(
        load_default=DEFAULT_LOCALE, validate=validate.OneOf(LOCALES)
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


def _plain(value: dict[str, Any] | list[Any], depth: int, texts: list[str]) -> bool:
    """Tell whether a container holds only JSON types, shallow enough; collect text."""
    if depth >= MAX_DEPTH and value:
        return False  # its children are too deep: unstorable() says where
    if type(value) is dict:
        for key in value:
            if type(key) is not str:
                return False
            texts.append(key)
        inners: Any = value.values()
    else:
        inners = value
    for inner in inners:
        kind = type(inner)
        if kind is str:
            texts.append(inner)
        elif kind is dict or kind is list:
            if not _plain(inner, depth + 1, texts):
                return False
        elif isinstance(inner, str | dict | list):
            return False  # a subclass: let unstorable() judge it
    return True


def plainly_storable(raw: dict[str, Any]) -> bool:
    """Tell quickly that unstorable(raw) finds nothing in decoded JSON (False: ask it)."""
    texts: list[str] = []
    if not _plain(raw, 0, texts):
        return False
    # One check of all the text at once: joining makes no NUL and pairs no surrogate
    # (UTF-8 refuses every surrogate code point, paired or not).
    text = "".join(texts)
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fast_when(value: Any) -> datetime | None:
    """Return an optional time as ItemSchema's ClientTime loads it; ValueError."""
    if value is None:
        return None
    if type(value) is not str:
        raise ValueError(value)
    return parse_client_time(value, default_timezone=DEFAULT_TIMEZONE)


def _fast_item(raw: dict[str, Any]) -> SubmissionItem | None:
    """Return the item ItemSchema would load from plain JSON; None if unsure.

    ``raw`` passed plainly_storable(), so every key in it is a str. Anything unusual
    returns None, and ItemSchema (the contract, with its error messages) decides.
    """
    get = raw.get
    uuid_text, form_id = get("uuid"), get("form_id")
    version, answers = get("form_version"), get("answers")
    subject, course_id = get("subject_id"), get("course_id")
    locale, author_id = get("respondent_locale", DEFAULT_LOCALE), get("author_id")
    # `type(x) is int` leaves bool out, as Integer(strict=True) does.
    if (
        type(uuid_text) is not str
        or type(form_id) is not str
        or not FORM_ID_LENGTH[0] <= len(form_id) <= FORM_ID_LENGTH[1]
        or type(version) is not int
        or not FORM_VERSION_RANGE[0] <= version <= FORM_VERSION_RANGE[1]
        or type(answers) is not dict
        or not (subject is None or type(subject) is str)
        or not (
            course_id is None
            or (
                type(course_id) is int
                and COURSE_ID_RANGE[0] <= course_id <= COURSE_ID_RANGE[1]
            )
        )
        or type(locale) is not str
        or locale not in LOCALES
        or not (author_id is None or type(author_id) is int)
    ):
        return None
    try:
        # fields.UUID calls uuid.UUID(text), and ClientTime parse_client_time: the
        # same functions accept the same text. A ValueError (TimeOutOfRange too)
        # leaves the item to ItemSchema, whose message says what is wrong.
        return SubmissionItem(
            uuid=UUID(uuid_text),
            form_id=form_id,
            form_version=version,
            subject_id=None if subject is None else UUID(subject),
            course_id=course_id,
            started_at=_fast_when(get("started_at")),
            completed_at=_fast_when(get("completed_at")),
            respondent_locale=locale,
            author_id=author_id,
            answers=dict(answers),  # fields.Dict returns a new dict too
        )
    except ValueError:
        return None


def parse_item(raw: Any) -> tuple[SubmissionItem | None, str, dict[str, list[str]]]:
    """Return (item, uuid text, errors); item is None when the item cannot be read."""
    # Most items are well formed: read those without marshmallow (same result, about
    # a fifth of the time), and let ItemSchema judge everything else.
    if type(raw) is dict and plainly_storable(raw):
        fast = _fast_item(raw)
        if fast is not None:
            return fast, str(fast.uuid), {}
    return _parse_with_schema(raw)


def _parse_with_schema(
    raw: Any,
) -> tuple[SubmissionItem | None, str, dict[str, list[str]]]:
    """Return what parse_item() returns, always through ItemSchema."""
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
