"""Checks of a document's meaning that its schema cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from forms.conditions import COMBINATORS
from forms.conditions import COMPARISONS
from forms.field_base import InvalidAnswer
from forms.field_base import is_iso_date
from forms.field_types import COMMON_OPTIONS
from forms.field_types import FIELD_TYPES
from forms.locales import DOCUMENT_LANGUAGES
from forms.messages import ISSUE_CODES

#: (field path, language or None, what is wrong)
Problem = tuple[str, str | None, str]
Doc = Mapping[str, Any]
# Python-only regular expression syntax the browser mirror could not run.
_PY_ONLY_REGEX = re.compile(r"\(\?P|\\[AZ]|\(\?[aiLmsux]")


def check_texts(texts: Doc | None, path: str) -> Iterator[Problem]:
    """Report languages missing from a text."""
    if texts is None:
        return
    for language in DOCUMENT_LANGUAGES:
        if not str(texts.get(language, "")).strip():
            yield path, language, f"missing the {language!r} translation"


def check_document(doc: Doc) -> list[Problem]:
    """Return every problem in a document that passed FormSchema."""
    problems = list(check_texts(doc["title"], "title"))
    problems += check_texts(doc.get("description"), "description")
    every_id = {q["id"] for q in _all_questions(doc)}
    seen_sections: set[str] = set()
    seen: set[str] = set()
    available: dict[str, Doc] = {}
    for section in doc["sections"]:
        where = f"sections.{section['id']}"
        if section["id"] in seen_sections:
            problems.append((where, None, f"duplicate section id {section['id']!r}"))
        seen_sections.add(section["id"])
        problems += check_texts(section["title"], f"{where}.title")
        problems += check_texts(section.get("description"), f"{where}.description")
        for question in section["questions"]:
            problems += _question(question, "", available, every_id, seen, None)
            available[question["id"]] = question
    problems += _scales(doc.get("scales", ()), available)
    return problems


def _scales(scales: Any, top: Mapping[str, Doc]) -> Iterator[Problem]:
    """Check each scale: its items are top-level whole-number questions in range."""
    seen: set[str] = set()
    for scale in scales:
        path = f"scales.{scale['id']}"
        if scale["id"] in seen or scale["id"] in top:
            yield path, None, f"scale id {scale['id']!r} is already used"
        seen.add(scale["id"])
        yield from check_texts(scale["label"], f"{path}.label")
        low, high = scale["item_min"], scale["item_max"]
        if low >= high:
            yield path, None, "item_min must be less than item_max"
        items = scale["items"]
        if len(set(items)) != len(items):
            yield path, None, "an item is listed twice"
        for item in items:
            q = top.get(item)
            if q is None or q["type"] not in ("integer", "rating"):
                yield path, None, f"item {item!r} is not a top-level integer or rating"
                continue
            bounds = FIELD_TYPES[q["type"]].bounds(_Bounds(q))  # type: ignore[attr-defined]
            if tuple(bounds) != (low, high):
                yield path, None, f"item {item!r} must range from {low} to {high}"
        for item in scale.get("reverse", ()):
            if item not in items:
                yield path, None, f"reverse item {item!r} is not among the items"


class _Bounds:
    """The min and max of a question document, as FieldType.bounds reads them."""

    def __init__(self, q: Doc) -> None:
        self.min = q.get("min")
        self.max = q.get("max")


def _all_questions(doc: Doc) -> Iterator[Doc]:
    for section in doc["sections"]:
        for question in section["questions"]:
            yield question
            yield from question.get("questions", ())


def _question(
    q: Doc,
    prefix: str,
    available: Mapping[str, Doc],
    every_id: set[str],
    seen: set[str],
    group: Doc | None,
) -> Iterator[Problem]:
    path = prefix + q["id"]
    if q["id"] in seen:
        yield path, None, f"duplicate question id {q['id']!r}"
    seen.add(q["id"])
    kind = FIELD_TYPES.get(q["type"])
    if kind is None:
        known = ", ".join(sorted(FIELD_TYPES))
        yield path, None, f"unknown type {q['type']!r}; known types: {known}"
        return
    for option in sorted(set(q) - COMMON_OPTIONS - kind.options):
        yield path, None, f"option {option!r} does not apply to a {kind.name} question"
    for name in ("label", "hint", "row_label"):
        yield from check_texts(q.get(name), f"{path}.{name}")
    for end in ("min", "max"):
        yield from check_texts(q.get("labels", {}).get(end), f"{path}.labels.{end}")
    for choice in q.get("choices", ()):
        yield from check_texts(
            choice["label"], f"{path}.choices.{choice['value']}.label"
        )
    for code, texts in q.get("messages", {}).items():
        if code not in ISSUE_CODES:
            yield f"{path}.messages", None, f"unknown issue code {code!r}"
        yield from check_texts(texts, f"{path}.messages.{code}")
    for problem in _options(q, kind.name, available):
        yield path, None, problem
    if "show_if" in q:
        for problem in _condition(q["show_if"], available, every_id):
            yield f"{path}.show_if", None, problem
    if q.get("staff_only") and group is not None:
        yield path, None, "'staff_only' applies to top-level questions only"
    if kind.name == "date" and q.get("default") == "today":
        pass  # a preset: the day a new form starts (never assumed when missing)
    elif "default" in q and kind.name not in ("repeat", "roster"):
        many = kind.name == "multiple_choice" and isinstance(q["default"], list)
        for value in q["default"] if many else [q["default"]]:
            wrong = _literal(q, value)
            if wrong is not None:
                yield f"{path}.default", None, wrong
    if kind.is_group:
        if group is not None:
            yield path, None, "a repeat or roster cannot hold another group"
            return
        if "questions" not in q:
            yield path, None, f"a {kind.name} question needs 'questions'"
        siblings = dict(available)
        for sub in q.get("questions", ()):
            if sub["id"] == "id" and kind.name == "repeat":
                yield f"{path}.id", None, "'id' is reserved for the row's UUID"
            yield from _question(sub, path + ".", siblings, every_id, seen, q)
            siblings[sub["id"]] = sub


def _options(q: Doc, kind: str, available: Mapping[str, Doc]) -> Iterator[str]:
    if kind in ("single_choice", "multiple_choice"):
        if ("choices" in q) == ("choices_from" in q):
            yield "give exactly one of 'choices' and 'choices_from'"
        values = [c["value"] for c in q.get("choices", ())]
        for value in sorted({v for v in values if values.count(v) > 1}):
            yield f"duplicate choice value {value!r}"
        for choice in q.get("choices", ()):
            if choice.get("exclusive") and kind != "multiple_choice":
                yield "'exclusive' applies to multiple_choice only"
    if kind in ("integer", "decimal", "rating"):
        yield from _number_bounds(q, kind, available)
    if kind == "date":
        for end in ("min", "max"):
            if end in q:
                yield from _date_bound(end, q[end], available)
    if q.get("min_length", 0) > q.get("max_length", float("inf")):
        yield "min_length is greater than max_length"
    if q.get("min_rows", 0) > q.get("max_rows", float("inf")):
        yield "min_rows is greater than max_rows"
    if "pattern" in q:
        try:
            re.compile(q["pattern"])
        except re.error as exc:
            yield f"pattern does not compile: {exc}"
        if _PY_ONLY_REGEX.search(q["pattern"]):
            yield "pattern uses syntax that JavaScript does not understand"


def _number_bounds(q: Doc, kind: str, available: Mapping[str, Doc]) -> Iterator[str]:
    whole = kind in ("integer", "rating")
    for end in ("min", "max"):
        value = q.get(end)
        if value is None:
            continue
        if isinstance(value, Mapping) and kind != "rating":
            # Bounded by an earlier number answer: days attended <= days possible.
            other = available.get(str(value.get("field")))
            numeric = other is not None and other["type"] in ("integer", "decimal")
            if set(value) != {"field"} or not numeric:
                yield f"{end} must name an earlier number question: {{field: <id>}}"
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield f"{end} must be a number"
        elif whole and not isinstance(value, int):
            yield f"{end} must be a whole number"
    low: Any = q.get("min")
    high: Any = q.get("max")
    if kind == "rating":
        low = 1 if low is None else low
        high = 5 if high is None else high
    if not all(isinstance(v, int | float) for v in (low, high)):
        return
    # A rating needs two points at least; a number range may be one value.
    if low > high or (kind == "rating" and low == high):
        yield "min must be less than max"


def _date_bound(end: str, bound: Any, available: Mapping[str, Doc]) -> Iterator[str]:
    if isinstance(bound, Mapping):
        other = available.get(str(bound.get("field")))
        if set(bound) != {"field"} or other is None or other["type"] != "date":
            yield f"{end} must name an earlier date question: {{field: <id>}}"
    elif bound != "today" and not (isinstance(bound, str) and is_iso_date(bound)):
        yield f"{end} must be a date YYYY-MM-DD, 'today' or {{field: <id>}}"


def _literal(q: Doc, value: Any) -> str | None:
    """Return why ``value`` cannot be an answer of question ``q`` (None if it can)."""
    kind = FIELD_TYPES[q["type"]]
    if kind.has_choices:
        if not isinstance(value, str):
            return f"{value!r} is not a choice value"
        if "choices" in q and value not in {c["value"] for c in q["choices"]}:
            return f"{value!r} is not among the choices of {q['id']!r}"
        return None
    try:
        kind.parse(None, value)  # type: ignore[arg-type]  # parse reads no option
    except (InvalidAnswer, NotImplementedError):
        return f"{value!r} is not a valid {kind.name} answer for {q['id']!r}"
    return None


def _condition(
    cond: Any, available: Mapping[str, Doc], every_id: set[str]
) -> Iterator[str]:
    if not isinstance(cond, Mapping) or not cond:
        yield "a condition must be a non-empty mapping"
        return
    combinators = COMBINATORS & set(cond)
    if combinators:
        if len(cond) != 1:
            yield f"{sorted(cond)}: a combinator stands alone in its mapping"
            return
        (name,) = combinators
        parts = [cond[name]] if name == "not" else cond[name]
        if name != "not" and (not isinstance(parts, list) or not parts):
            yield f"{name!r} needs a non-empty list of conditions"
            return
        for part in parts:
            yield from _condition(part, available, every_id)
        return
    operators = set(cond) - {"field"}
    if "field" not in cond or len(operators) != 1:
        yield "write {field: <id>, <operator>: <value>} with exactly one operator"
        return
    (operator,) = operators
    if operator not in COMPARISONS:
        known = ", ".join(sorted(COMPARISONS | COMBINATORS))
        yield f"unknown operator {operator!r}; use one of {known}"
        return
    name, value = str(cond["field"]), cond[operator]
    target = available.get(name)
    if target is None:
        later = name in every_id
        yield f"refers to {'a later' if later else 'an unknown'} field {name!r}"
        return
    kind = FIELD_TYPES.get(target["type"])
    if kind is None:
        return
    if operator not in kind.operators:
        yield f"operator {operator!r} does not apply to {kind.name} {name!r}"
        return
    if operator == "answered":
        if not isinstance(value, bool):
            yield "'answered' takes true or false"
        return
    listed = operator in ("in", "not_in", "contains_any")
    if listed and (not isinstance(value, list) or not value):
        yield f"{operator!r} needs a non-empty list"
        return
    for item in value if listed else [value]:
        problem = _literal(target, item)
        if problem:
            yield problem
