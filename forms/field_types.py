"""The field types a form definition may use, and how each reads and checks answers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from typing import ClassVar

from forms.definition import Question
from forms.field_base import EQUALITY
from forms.field_base import ORDER
from forms.field_base import FieldType
from forms.field_base import InvalidAnswer
from forms.field_base import RuleEnv
from forms.field_base import is_real_day
from forms.field_base import issue
from forms.issues import Issue

__all__ = ["COMMON_OPTIONS", "FIELD_TYPES", "FieldType", "InvalidAnswer", "RuleEnv"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")
#: a date typed day first, as the fill page shows dates: 31.12.2025, 1.2.2026, 31/12/2025
_DAY_FIRST = re.compile(r"^([0-9]{1,2})[.,/-]([0-9]{1,2})[.,/-]([0-9]{4})\.?$")
# At most 300 digits: longer text is not read as a number (Python refuses to convert
# very long digit strings, and no answer needs them); it is answered "not a number".
_INT_TEXT = re.compile(r"^[+-]?\d{1,300}$")
_DECIMAL_TEXT = re.compile(r"^[+-]?(?:\d{1,300}(?:[.,]\d{1,300})?|[.,]\d{1,300})$")
#: ints this large make math.isfinite() raise OverflowError: they keep the long path
_HUGE = 2**1000


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    # An int of any size is finite (math.isfinite would overflow on a huge one).
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


class TextField(FieldType):
    """One line of free text."""

    name = "text"
    options = frozenset({"min_length", "max_length", "pattern"})

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the text without surrounding blanks."""
        if not isinstance(raw, str):
            raise InvalidAnswer
        return raw.strip()

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        """Check length (in characters) and pattern."""
        found = []
        if question.min_length is not None and len(value) < question.min_length:
            found.append(issue(question, "min_length", min=question.min_length))
        if question.max_length is not None and len(value) > question.max_length:
            found.append(issue(question, "max_length", max=question.max_length))
        if question.pattern and not _compiled(question.pattern).fullmatch(value):
            found.append(issue(question, "pattern"))
        return found


class LongTextField(TextField):
    """Several lines of free text."""

    name = "long_text"


def _number_or_none(value: Any) -> Any:
    return value if _is_number(value) else None


class IntegerField(FieldType):
    """A whole number."""

    name = "integer"
    options = frozenset({"min", "max"})
    operators = EQUALITY | ORDER

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return an int (JSON 3.0 is 3: JavaScript cannot tell them apart)."""
        if type(raw) is int and -_HUGE < raw < _HUGE:  # the usual answer
            return raw
        if not _is_number(raw) or raw != int(raw):
            raise InvalidAnswer
        return int(raw)

    @classmethod
    def bounds(cls, question: Question) -> tuple[Any, Any]:
        """Return (min, max), None where unbounded."""
        return question.min, question.max

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        """Check the bounds; {field: id} bounds read another number answer."""
        low, high = cls.bounds(question)
        if isinstance(low, Mapping):
            low = _number_or_none(env.lookup(low["field"]))
        if isinstance(high, Mapping):
            high = _number_or_none(env.lookup(high["field"]))
        if low is not None and value < low:
            return [issue(question, "min", min=low)]
        if high is not None and value > high:
            return [issue(question, "max", max=high)]
        return []

    @classmethod
    def from_strings(cls, question: Question, values: list[str]) -> Any:
        """Read "12" as 12."""
        text = super().from_strings(question, values)
        if text is not None and _INT_TEXT.match(text.strip()):
            return int(text.strip())
        return text


class DecimalField(IntegerField):
    """A number that may have a fraction."""

    name = "decimal"

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the number as given."""
        if not _is_number(raw):
            raise InvalidAnswer
        return raw

    @classmethod
    def from_strings(cls, question: Question, values: list[str]) -> Any:
        """Read "2,5" (Kosovo's decimal comma) and "2.5" as 2.5."""
        text = FieldType.from_strings(question, values)
        if text is not None and _DECIMAL_TEXT.match(text.strip()):
            return float(text.strip().replace(",", "."))
        return text


class RatingField(IntegerField):
    """A point on a scale, 1 to 5 unless the question sets min and max."""

    name = "rating"
    options = frozenset({"min", "max", "labels"})

    @classmethod
    def bounds(cls, question: Question) -> tuple[Any, Any]:
        """Return the ends of the scale."""
        return (
            1 if question.min is None else question.min,
            5 if question.max is None else question.max,
        )


class DateField(FieldType):
    """A calendar day, YYYY-MM-DD; bounds may be dates, "today" or another date."""

    name = "date"
    options = frozenset({"min", "max"})
    operators = EQUALITY | ORDER

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the ISO date string."""
        if not isinstance(raw, str):
            raise InvalidAnswer
        text = raw.strip()
        if not _ISO_DATE.match(text):
            raise InvalidAnswer("date_format")
        if not is_real_day(text):
            raise InvalidAnswer("date")
        return text

    @staticmethod
    def resolve(bound: Any, env: RuleEnv) -> str | None:
        """Return a bound as an ISO date (None when it refers to an empty answer)."""
        if bound is None:
            return None
        if bound == "today":
            return env.today.isoformat()
        if type(bound) is dict or isinstance(bound, Mapping):
            other = env.lookup(bound["field"])
            return other if isinstance(other, str) else None
        return bound if isinstance(bound, str) else None

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        """Check the bounds; "today" bounds have their own messages."""
        low = cls.resolve(question.min, env)
        if low is not None and value < low:
            if question.min == "today":
                return [issue(question, "past_date")]
            return [issue(question, "min", min=low)]
        high = cls.resolve(question.max, env)
        if high is not None and value > high:
            if question.max == "today":
                return [issue(question, "future_date")]
            return [issue(question, "max", max=high)]
        return []

    @classmethod
    def from_strings(cls, question: Question, values: list[str]) -> Any:
        """Read a date as the page shows it, 31.12.2025 (or 31/12/2025), as ISO."""
        text = super().from_strings(question, values)
        if text is not None and (match := _DAY_FIRST.match(text.strip())):
            day, month, year = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return text


class TimeField(FieldType):
    """A time of day, HH:MM on a 24-hour clock."""

    name = "time"
    operators = EQUALITY | ORDER

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the HH:MM string."""
        if not isinstance(raw, str) or not _TIME.match(raw.strip()):
            raise InvalidAnswer
        hours, minutes = (int(part) for part in raw.strip().split(":"))
        if hours > 23 or minutes > 59:
            raise InvalidAnswer("time")
        return raw.strip()


class YesNoField(FieldType):
    """Yes or no."""

    name = "yes_no"
    operators = frozenset({"equals", "not_equals", "answered"})
    _WORDS: ClassVar[dict[str, bool]] = {
        "yes": True, "true": True, "1": True, "on": True,
        "no": False, "false": False, "0": False, "off": False,
    }  # fmt: skip

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the boolean."""
        if not isinstance(raw, bool):
            raise InvalidAnswer
        return raw

    @classmethod
    def from_strings(cls, question: Question, values: list[str]) -> Any:
        """Read yes/no, true/false, 1/0 and on/off."""
        text = super().from_strings(question, values)
        if text is None:
            return None
        return cls._WORDS.get(text.strip().lower(), text)


class SingleChoiceField(FieldType):
    """One option from a list (``choices``) or from the app (``choices_from``)."""

    name = "single_choice"
    options = frozenset({"choices", "choices_from"})
    has_choices = True

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the chosen value."""
        if not isinstance(raw, str):
            raise InvalidAnswer
        return raw

    @classmethod
    def check_value(cls, question: Question, value: str, env: RuleEnv) -> list[Issue]:
        """Check one chosen value against the choices or the family."""
        if question.choices_from is not None:
            if env.members is not None and value not in env.members:
                return [issue(question, "not_member", value=value)]
            return []
        if question.choice(value) is None:
            return [issue(question, "choice", value=value)]
        return []

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        """Check the chosen value."""
        return cls.check_value(question, value, env)


class MultipleChoiceField(SingleChoiceField):
    """Any number of options; an ``exclusive`` option must be chosen alone."""

    name = "multiple_choice"
    operators = frozenset({"contains", "contains_any", "answered"})

    @classmethod
    def is_empty(cls, raw: Any) -> bool:
        """Return whether nothing was chosen."""
        return FieldType.is_empty(raw) or raw == []

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the chosen values once each, in the order given."""
        if not isinstance(raw, list):
            raise InvalidAnswer
        for v in raw:
            if not isinstance(v, str):
                raise InvalidAnswer
        return list(dict.fromkeys(raw))

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        """Check every value, then exclusivity."""
        found: list[Issue] = []
        for v in value:
            found += cls.check_value(question, v, env)
        if len(value) > 1:
            for v in value:
                choice = question.choice(v)
                if choice is not None and choice.exclusive:
                    found.append(issue(question, "exclusive", value=v))
        return found

    @classmethod
    def from_strings(cls, question: Question, values: list[str]) -> Any:
        """Return every non-empty posted value."""
        chosen = [v for v in values if v.strip()]
        return chosen or None


class RepeatField(FieldType):
    """A list of rows of sub-questions, e.g. household members."""

    name = "repeat"
    options = frozenset({"questions", "min_rows", "max_rows", "row_label"})
    operators = frozenset({"answered"})
    is_group = True

    @classmethod
    def is_empty(cls, raw: Any) -> bool:
        """Return whether there are no rows."""
        return raw is None or raw == []

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the list of rows (each row is checked by the validator)."""
        if not isinstance(raw, list):
            raise InvalidAnswer
        return raw


class RosterField(FieldType):
    """One row per enrolled student, keyed by member id, e.g. attendance."""

    name = "roster"
    options = frozenset({"questions"})
    operators = frozenset({"answered"})
    is_group = True

    @classmethod
    def is_empty(cls, raw: Any) -> bool:
        """Return whether no student has a row."""
        return raw is None or (isinstance(raw, Mapping) and not raw)

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        """Return the mapping of member id to row."""
        if not isinstance(raw, Mapping):
            raise InvalidAnswer
        return raw


def _by_name(*types: type[FieldType]) -> Mapping[str, type[FieldType]]:
    registry: dict[str, type[FieldType]] = {}
    for field_type in types:
        if field_type.name in registry:
            raise ValueError(f"Two field types are named {field_type.name!r}.")
        registry[field_type.name] = field_type
    return registry


#: every question type a document may use, by name
FIELD_TYPES: Mapping[str, type[FieldType]] = _by_name(
    TextField,
    LongTextField,
    IntegerField,
    DecimalField,
    DateField,
    TimeField,
    YesNoField,
    SingleChoiceField,
    MultipleChoiceField,
    RatingField,
    RepeatField,
    RosterField,
)
#: options every question may set, whatever its type
COMMON_OPTIONS: frozenset[str] = frozenset(
    {"id", "type", "label", "hint", "required", "sensitive", "staff_only", "show_if",
     "default", "messages"}
)  # fmt: skip
