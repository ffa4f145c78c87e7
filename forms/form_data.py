"""Turn an HTML form post into the same typed answers the JSON API receives."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from typing import Protocol

from forms.definition import FormDefinition
from forms.definition import Question
from forms.field_types import FIELD_TYPES
from forms.validation import ROW_ID


class _MultiDict(Protocol):
    def getlist(self, key: str) -> list[str]: ...


def _getlist(data: Mapping[str, Any], key: str) -> list[str]:
    if hasattr(data, "getlist"):
        return list(data.getlist(key))
    value = data.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _row(question: Question, data: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for sub in question.questions:
        value = FIELD_TYPES[sub.type].from_strings(sub, _getlist(data, prefix + sub.id))
        if value is not None:
            row[sub.id] = value
    return row


def _repeat(question: Question, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    key = re.compile(rf"^{re.escape(question.id)}\.(\d+)\.")
    # Indexes may have gaps where the page removed a row: keep their order only.
    indexes = sorted({int(m.group(1)) for k in data if (m := key.match(k))})
    rows = []
    for index in indexes:
        prefix = f"{question.id}.{index}."
        row = _row(question, data, prefix)
        row_id = "".join(_getlist(data, prefix + ROW_ID)[:1]).strip()
        if row_id:
            row = {ROW_ID: row_id, **row}
        # A blank row is the "add another" row of a page without JavaScript.
        if row:
            rows.append(row)
    return rows


def _roster(question: Question, data: Mapping[str, Any]) -> dict[str, Any]:
    key = re.compile(rf"^{re.escape(question.id)}\.([^.]+)\.[a-z][a-z0-9_]*$")
    members = dict.fromkeys(m.group(1) for k in data if (m := key.match(k)))
    return {
        member: _row(question, data, f"{question.id}.{member}.") for member in members
    }


def from_form_data(
    definition: FormDefinition, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Return typed answers from a form post (MultiDict-like or a dict of lists).

    Names are ``field``, ``group.<index>.field`` and ``roster.<member_id>.field``.
    Unreadable values stay raw strings so validation reports ``type`` and the page
    can show what was typed; keys that are not questions (csrf_token) are ignored.
    """
    answers: dict[str, Any] = {}
    for question in definition.questions:
        value: Any
        if question.type == "repeat":
            value = _repeat(question, data) or None
        elif question.type == "roster":
            value = _roster(question, data) or None
        else:
            kind = FIELD_TYPES[question.type]
            value = kind.from_strings(question, _getlist(data, question.id))
        if value is not None:
            answers[question.id] = value
    return answers
