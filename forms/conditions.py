"""Declarative show_if conditions: their operators and how they are evaluated."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

#: operators that combine conditions
COMBINATORS: frozenset[str] = frozenset({"all", "any", "not"})
#: operators that compare one answer ({field: X, <operator>: value})
COMPARISONS: frozenset[str] = frozenset(
    {
        "equals",
        "not_equals",
        "in",
        "not_in",
        "contains",
        "contains_any",
        "gt",
        "gte",
        "lt",
        "lte",
        "answered",
    }
)
_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    # Python says True == 1; JavaScript's === does not, and both engines must agree.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return isinstance(a, str) and isinstance(b, str) and a == b


def _ordered(a: Any, b: Any) -> tuple[Any, Any] | None:
    # Numbers compare with numbers and ISO dates (strings) with strings; else false.
    numeric = (int, float)
    plain = not isinstance(a, bool) and not isinstance(b, bool)
    if plain and isinstance(a, numeric) and isinstance(b, numeric):
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    return None


def _compare(operator: str, value: Any, expected: Any) -> bool:
    if operator == "answered":
        return (value is not _MISSING) is expected
    if operator == "not_equals":
        return not _compare("equals", value, expected)
    if operator == "not_in":
        return not _compare("in", value, expected)
    if value is _MISSING:
        return False
    if operator == "equals":
        return _same(value, expected)
    if operator == "in":
        return any(_same(value, item) for item in expected)
    if operator == "contains":
        return isinstance(value, list) and any(_same(v, expected) for v in value)
    if operator == "contains_any":
        return isinstance(value, list) and any(
            _same(v, item) for v in value for item in expected
        )
    pair = _ordered(value, expected)
    if pair is None:
        return False
    left, right = pair
    if operator == "gt":
        return bool(left > right)
    if operator == "gte":
        return bool(left >= right)
    if operator == "lt":
        return bool(left < right)
    return bool(left <= right)  # lte


def comparison_operator(condition: Mapping[str, Any]) -> str:
    """Return the comparison operator of a {field: ..., <op>: ...} condition."""
    return next(key for key in condition if key != "field")


def evaluate_condition(
    condition: Mapping[str, Any],
    answers: Mapping[str, Any],
    row: Mapping[str, Any] | None = None,
) -> bool:
    """Evaluate ``condition`` against answers; ``field`` looks in ``row`` first."""
    if "all" in condition:
        return all(evaluate_condition(c, answers, row) for c in condition["all"])
    if "any" in condition:
        return any(evaluate_condition(c, answers, row) for c in condition["any"])
    if "not" in condition:
        return not evaluate_condition(condition["not"], answers, row)
    name = condition["field"]
    if row is not None and name in row:
        value = row[name]
    else:
        value = answers.get(name, _MISSING)
    operator = comparison_operator(condition)
    return _compare(operator, value, condition[operator])


def referenced_fields(condition: Mapping[str, Any]) -> Iterator[str]:
    """Yield the field ids a condition reads, in order."""
    for key in ("all", "any"):
        for part in condition.get(key, ()):
            yield from referenced_fields(part)
    if "not" in condition:
        yield from referenced_fields(condition["not"])
    if "field" in condition:
        yield condition["field"]
