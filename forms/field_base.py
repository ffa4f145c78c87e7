"""What every field type shares: the FieldType contract and the rule environment."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from typing import ClassVar
from typing import NamedTuple

from forms.definition import Question
from forms.issues import Issue

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LEAP_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
#: show_if operators that test equality, for any scalar type
EQUALITY = frozenset({"equals", "not_equals", "in", "not_in", "answered"})
#: show_if operators that order numbers, dates and times
ORDER = frozenset({"gt", "gte", "lt", "lte"})


class InvalidAnswer(Exception):
    """The answer cannot be read as this type; ``code`` is the issue to report."""

    def __init__(self, code: str = "type") -> None:
        super().__init__(code)
        self.code = code


class RuleEnv(NamedTuple):
    """What rules may consult besides the answer: today, the family, other answers."""

    # A NamedTuple, not a frozen dataclass: one is made per validation, and a tuple
    # is several times cheaper to make.
    today: date
    members: frozenset[str] | None
    #: typed answer of another question (same row first), or None
    lookup: Callable[[str], Any]


#: parameters that quote the answer itself (the others are the definition's bounds)
ANSWER_PARAMS = frozenset({"value"})


def issue(question: Question, code: str, **params: Any) -> Issue:
    """Return an Issue, with the document's own message for ``code`` if it has one.

    An issue of a sensitive question never quotes the answer: issues travel further
    than answers do (kept in the clear with a rejected item, shown, logged), and a
    risk code sent as an invalid choice is still a risk code.
    """
    if question.sensitive and not params.keys().isdisjoint(ANSWER_PARAMS):
        params = {k: v for k, v in params.items() if k not in ANSWER_PARAMS}
    return Issue(code, params, question.messages.get(code))


def is_iso_date(value: str) -> bool:
    """Return whether ``value`` is a real calendar date written YYYY-MM-DD."""
    return bool(_ISO_DATE.match(value)) and is_real_day(value)


def is_real_day(value: str) -> bool:
    """Return whether text that matched ^\\d{4}-\\d{2}-\\d{2}$ names a day that exists."""
    if len(value) == 10 and value.isascii():
        # Exactly YYYY-MM-DD in ASCII digits: the C parser applies the same calendar.
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    # Digits of other scripts (\d matches them) or a final newline ("$" allows one).
    year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = _LEAP_DAYS if leap else _DAYS
    return year >= 1 and 1 <= month <= 12 and 1 <= day <= days[month - 1]


class FieldType:
    """Base class for a question type; subclasses are listed in FIELD_TYPES."""

    #: name used in definition documents, e.g. "integer"
    name: ClassVar[str]
    #: options a question of this type may set besides the common ones
    options: ClassVar[frozenset[str]] = frozenset()
    #: show_if operators that may test an answer of this type
    operators: ClassVar[frozenset[str]] = EQUALITY
    #: answers are rows of sub-questions (repeat, roster)
    is_group: ClassVar[bool] = False
    #: the question offers choices (static or from the app)
    has_choices: ClassVar[bool] = False

    @classmethod
    def is_empty(cls, raw: Any) -> bool:
        """Return whether ``raw`` means "not answered"."""
        return raw is None or (isinstance(raw, str) and not raw.strip())

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the typed answer; raise InvalidAnswer if it has the wrong type."""
        raise NotImplementedError

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        """Return the rule violations of a typed answer."""
        return []

    @classmethod
    def from_strings(cls, question: Question, values: list[str]) -> Any:
        """Return the answer posted by an HTML form (raw text if unreadable)."""
        text = values[0] if values else ""
        return text if text.strip() else None
