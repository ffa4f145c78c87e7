"""Declarative show_if conditions: their operators and how they are evaluated."""

from __future__ import annotations

import operator
from collections.abc import Callable
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
#: a compiled condition: (answers, row or None) -> shown?
Test = Callable[[Mapping[str, Any], Mapping[str, Any] | None], bool]


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


#: a test of one answer (or _MISSING) against an operator's expected value
Check = Callable[[Any], bool]


def _equal_to(expected: Any) -> Check:
    # Each test equals `value is not _MISSING and _same(value, expected)`, with the
    # branches of _same that cannot apply to ``expected`` left out.
    if isinstance(expected, bool):
        return lambda value: value is expected
    if type(expected) is str:
        return lambda value: isinstance(value, str) and value == expected
    return lambda value: value is not _MISSING and _same(value, expected)


def _among(expected: Any) -> Check:
    def test(value: Any) -> bool:
        return value is not _MISSING and any(_same(value, item) for item in expected)

    if isinstance(expected, list | tuple) and all(type(i) is str for i in expected):
        # A plain string is _same as a plain string exactly when they are equal.
        strings = frozenset(expected)
        return lambda value: value in strings if type(value) is str else test(value)
    return test


def _not(check: Check) -> Check:
    return lambda value: not check(value)


def _contains(expected: Any) -> Check:
    return lambda value: (
        isinstance(value, list) and any(_same(v, expected) for v in value)
    )


def _contains_any(expected: Any) -> Check:
    return lambda value: (
        isinstance(value, list)
        and any(_same(v, item) for v in value for item in expected)
    )


def _order(compare: Callable[[Any, Any], Any]) -> Callable[[Any], Check]:
    def make(expected: Any) -> Check:
        def test(value: Any) -> bool:
            if value is _MISSING:
                return False
            pair = _ordered(value, expected)
            return pair is not None and bool(compare(*pair))

        return test

    return make


_LTE = _order(operator.le)
#: for each comparison: given the expected value, the test of an answer
_CHECKS: Mapping[str, Callable[[Any], Check]] = {
    "answered": lambda expected: lambda value: (value is not _MISSING) is expected,
    "equals": _equal_to,
    "not_equals": lambda expected: _not(_equal_to(expected)),
    "in": _among,
    "not_in": lambda expected: _not(_among(expected)),
    "contains": _contains,
    "contains_any": _contains_any,
    "gt": _order(operator.gt),
    "gte": _order(operator.ge),
    "lt": _order(operator.lt),
    "lte": _LTE,
}


def comparison_operator(condition: Mapping[str, Any]) -> str:
    """Return the comparison operator of a {field: ..., <op>: ...} condition."""
    return next(key for key in condition if key != "field")


def compile_condition(condition: Mapping[str, Any]) -> Test:
    """Return a function of (answers, row) that evaluates ``condition``."""
    if "all" in condition:
        every = tuple(compile_condition(c) for c in condition["all"])

        def all_of(answers: Mapping[str, Any], row: Mapping[str, Any] | None) -> bool:
            for test in every:  # noqa: SIM110 - no generator per call
                if not test(answers, row):
                    return False
            return True

        return all_of
    if "any" in condition:
        some = tuple(compile_condition(c) for c in condition["any"])

        def any_of(answers: Mapping[str, Any], row: Mapping[str, Any] | None) -> bool:
            for test in some:  # noqa: SIM110 - no generator per call
                if test(answers, row):
                    return True
            return False

        return any_of
    if "not" in condition:
        inner = compile_condition(condition["not"])
        return lambda answers, row: not inner(answers, row)
    name = condition["field"]
    op = comparison_operator(condition)
    # Validated documents name known operators only; any other word has always
    # been read as "lte".
    check = _CHECKS.get(op, _LTE)(condition[op])

    def compare(answers: Mapping[str, Any], row: Mapping[str, Any] | None) -> bool:
        if row is not None and name in row:
            return check(row[name])
        return check(answers.get(name, _MISSING))

    return compare


def evaluate_condition(
    condition: Mapping[str, Any],
    answers: Mapping[str, Any],
    row: Mapping[str, Any] | None = None,
) -> bool:
    """Evaluate ``condition`` against answers; ``field`` looks in ``row`` first."""
    return compile_condition(condition)(answers, row)


def referenced_fields(condition: Mapping[str, Any]) -> Iterator[str]:
    """Yield the field ids a condition reads, in order."""
    for key in ("all", "any"):
        for part in condition.get(key, ()):
            yield from referenced_fields(part)
    if "not" in condition:
        yield from referenced_fields(condition["not"])
    if "field" in condition:
        yield condition["field"]
