"""What a request brings in, read once and bounded: the one place for hostile input.

Every request passes ``refuse_unreadable_input`` before anything else runs (before the
CSRF check, the session and the language): a query argument or a form field holding a
control character, or a form carrying a file, is answered 400 with a message in the
user's language (a page, or JSON under /api/), before anything is read or written. NUL
would otherwise be stored by SQLite and refused by PostgreSQL (a 500), and no form here
takes files (a file where text is expected failed the text filters).

The helpers below read the rest: ``<int:...>`` in every URL (BoundedIntConverter, which
replaces Werkzeug's ``int`` app-wide), whole numbers and days in query arguments
(int_arg, day_arg) and JSON bodies (read_json). Client timestamps have their own one
parser, shared with the sync engine: sync.times.parse_client_time.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask import Flask
from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map
from werkzeug.routing import ValidationError

from fieldapp.errors import AppError
from fieldapp.errors import is_api_request
from sync.protocol import unstorable

#: the largest whole number read from a URL or a query: that of PostgreSQL's INTEGER,
#: the type of every id here (compared with a larger number, PostgreSQL fails the
#: statement, and SQLite fails past 64 bits)
MAX_INT = 2**31 - 1
#: days a query may name: far beyond any record kept here, and far enough from the
#: ends of the calendar that the day after (an "until" filter) always exists
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

#: C0 and C1 control characters and DEL (Unicode category Cc)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: the same, but tab, line feed and carriage return: typed in multi-line text
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches -MAX_INT-1..MAX_INT only: beyond, a 404, not a 500."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(
            map,
            fixed_digits,
            -MAX_INT - 1 if min is None else min,
            MAX_INT if max is None else max,
            signed,
        )

    def to_python(self, value: str) -> Any:
        """Return the number; more digits than MAX_INT has never match."""
        if len(value.lstrip("-")) > len(str(MAX_INT)):
            raise ValidationError()
        return super().to_python(value)


def has_control_characters(text: str, *, in_text: bool = False) -> bool:
    """Tell whether ``text`` holds a control character (``in_text``: but tab/CR/LF)."""
    return (_CONTROL_IN_TEXT if in_text else _CONTROL).search(text) is not None


def _unreadable(values: MultiDict[str, str], *, in_text: bool) -> bool:
    return any(
        has_control_characters(key) or has_control_characters(value, in_text=in_text)
        for key, value in values.items(multi=True)
    )


def refuse_unreadable_input() -> None:
    """Refuse (400) control characters in the query, the path or a form, and files.

    Forms may hold tab, CR and LF (multi-line answers); a query or a path may not.
    The API reads JSON only (read_json); its form body, if any, is not looked at.
    """
    view_args = request.view_args or {}
    if _unreadable(request.args, in_text=False) or any(
        isinstance(value, str) and has_control_characters(value)
        for value in view_args.values()
    ):
        raise AppError(
            _(
                "The address contains control characters, which are not allowed. "
                "Please check the link and try again."
            ),
            code="control_characters",
        )
    if is_api_request() or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.files:
        raise AppError(
            _("Files cannot be sent here. Please send the form without attachments."),
            code="file_not_accepted",
        )
    if _unreadable(request.form, in_text=True):
        raise AppError(
            _(
                "The form contains control characters, which cannot be saved. "
                "Please remove them (they are often pasted in by accident) and "
                "send it again."
            ),
            code="control_characters",
        )


def int_arg(name: str, values: MultiDict[str, str] | None = None) -> int | None:
    """Return the whole number in query argument ``name`` (None when absent or empty).

    :raise 400: when it is not a whole number from 0 to MAX_INT.
    """
    text = (request.args if values is None else values).get(name, "").strip()
    if not text:
        return None
    if not _WHOLE_NUMBER.fullmatch(text) or int(text) > MAX_INT:
        raise AppError(
            _("This is not a valid number: %(name)s.", name=name),
            errors={name: [_("Enter a whole number from 0 to %(max)d.", max=MAX_INT)]},
            code="bad_argument",
        )
    return int(text)


def day_arg(name: str, values: MultiDict[str, str] | None = None) -> date | None:
    """Return the day (YYYY-MM-DD) in query argument ``name`` (None when absent or empty).

    :raise 400: when it is not a real day from FIRST_DAY to LAST_DAY.
    """
    text = (request.args if values is None else values).get(name, "").strip()
    if not text:
        return None
    day: date | None = None
    if _ISO_DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise AppError(
            _("This is not a valid date: %(name)s.", name=name),
            errors={
                name: [
                    _(
                        "Enter a date from %(first)s to %(last)s.",
                        first=FIRST_DAY.strftime("%d.%m.%Y"),
                        last=LAST_DAY.strftime("%d.%m.%Y"),
                    )
                ]
            },
            code="bad_argument",
        )
    return day


def read_json(*, storable: bool = True) -> Any:
    """Return the request's decoded JSON body: the one JSON reader of every API route.

    With ``storable``, text no database keeps (NUL, a lone surrogate) or values nested
    too deeply are refused for the whole body; the sync push passes False, since it
    answers each of its items on its own (a bad item never sinks the batch).

    :raise 415: not sent as application/json; 413: too large; 400: unreadable.
    """
    if request.mimetype != "application/json":
        raise AppError(status_code=415, code="not_json")
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise AppError(status_code=413, code="too_large") from None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the parser goes (about 1000 levels).
        raise AppError(
            status_code=400,
            code="malformed_json",
            errors={"": [_("The body is not valid JSON.")]},
        ) from None
    if storable and unstorable(body):
        raise AppError(
            status_code=400,
            code="malformed_json",
            errors={"": [_("The body holds characters that cannot be stored.")]},
        )
    return body


def init_app(app: Flask) -> None:
    """Bound ``<int:...>`` and refuse unreadable input before any other hook runs.

    Call it before any blueprint is registered (rules take their converters when they
    are added) and before the other extensions (hooks run in the order added).
    """
    if any(rule.endpoint != "static" for rule in app.url_map.iter_rules()):
        raise RuntimeError("inputs.init_app must run before any route is added")
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_unreadable_input)
