"""The faster validator gives exactly the verdicts of the straightforward one it replaced.

REFERENCE below is the validator as it was before the per-definition plan, compiled
show_if conditions and quicker field-type code, kept here as the oracle. Generated
answers (good, bad and hostile) must get the same clean values, the same issues in the
same order (codes, params, custom texts, messages) and the same visible questions.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from forms import FormDefinition
from forms import Issue
from forms import Question
from forms import ValidationContext
from forms import ValidationResult
from forms import conditions
from forms import evaluate_condition
from forms import load_registry
from forms import validate_answers
from forms.conditions import referenced_fields
from forms.field_base import FieldType
from forms.field_base import InvalidAnswer
from forms.field_base import RuleEnv
from forms.field_base import is_iso_date
from forms.field_base import issue
from forms.field_types import FIELD_TYPES
from forms.field_types import DateField
from forms.field_types import IntegerField
from forms.field_types import MultipleChoiceField
from forms.field_types import RatingField
from forms.field_types import SingleChoiceField
from forms.loader import parse_document

# -- the reference: conditions -------------------------------------------------------

_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return isinstance(a, str) and isinstance(b, str) and a == b


def _ordered(a: Any, b: Any) -> tuple[Any, Any] | None:
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
    return bool(left <= right)


def reference_condition(
    condition: Mapping[str, Any],
    answers: Mapping[str, Any],
    row: Mapping[str, Any] | None = None,
) -> bool:
    if "all" in condition:
        return all(reference_condition(c, answers, row) for c in condition["all"])
    if "any" in condition:
        return any(reference_condition(c, answers, row) for c in condition["any"])
    if "not" in condition:
        return not reference_condition(condition["not"], answers, row)
    name = condition["field"]
    if row is not None and name in row:
        value = row[name]
    else:
        value = answers.get(name, _MISSING)
    operator = next(key for key in condition if key != "field")
    return _compare(operator, value, condition[operator])


# -- the reference: field types as they were -----------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def reference_is_iso_date(value: str) -> bool:
    if not _ISO_DATE.match(value):
        return False
    year, month, day = (int(part) for part in value.split("-"))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return year >= 1 and 1 <= month <= 12 and 1 <= day <= days[month - 1]


def reference_choice(question: Question, value: Any) -> Any:
    return next((c for c in question.choices if c.value == value), None)


def _integer_parse(cls: Any, question: Question, raw: Any) -> Any:
    # One deliberate change from the old code: an int of any size is a number (the old
    # math.isfinite() raised OverflowError on ints of 2**1024 and more).
    number = isinstance(raw, int | float) and not isinstance(raw, bool)
    finite = number and (isinstance(raw, int) or math.isfinite(raw))
    if not finite or raw != int(raw):
        raise InvalidAnswer
    return int(raw)


class RefInteger(IntegerField):
    parse = classmethod(_integer_parse)  # type: ignore[assignment]


class RefRating(RatingField):
    parse = classmethod(_integer_parse)  # type: ignore[assignment]


class RefDate(DateField):
    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        if not isinstance(raw, str):
            raise InvalidAnswer
        if not _ISO_DATE.match(raw.strip()):
            raise InvalidAnswer("date_format")
        if not reference_is_iso_date(raw.strip()):
            raise InvalidAnswer("date")
        return raw.strip()

    @staticmethod
    def resolve(bound: Any, env: RuleEnv) -> str | None:
        if bound == "today":
            return env.today.isoformat()
        if isinstance(bound, Mapping):
            other = env.lookup(bound["field"])
            return other if isinstance(other, str) else None
        return bound if isinstance(bound, str) else None


def _check_value(cls: Any, question: Question, value: str, env: RuleEnv) -> Any:
    if question.choices_from is not None:
        if env.members is not None and value not in env.members:
            return [issue(question, "not_member", value=value)]
        return []
    if reference_choice(question, value) is None:
        return [issue(question, "choice", value=value)]
    return []


class RefSingle(SingleChoiceField):
    check_value = classmethod(_check_value)  # type: ignore[assignment]


class RefMultiple(MultipleChoiceField):
    check_value = classmethod(_check_value)  # type: ignore[assignment]

    @classmethod
    def is_empty(cls, raw: Any) -> bool:
        return super().is_empty(raw) or raw == []

    @classmethod
    def parse(cls, question: Question, raw: Any) -> Any:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise InvalidAnswer
        return list(dict.fromkeys(raw))

    @classmethod
    def check(cls, question: Question, value: Any, env: RuleEnv) -> list[Issue]:
        found = [i for v in value for i in cls.check_value(question, v, env)]
        if len(value) > 1:
            for v in value:
                choice = reference_choice(question, v)
                if choice is not None and choice.exclusive:
                    found.append(issue(question, "exclusive", value=v))
        return found


REF_TYPES: dict[str, type[FieldType]] = {
    **FIELD_TYPES,
    "integer": RefInteger,
    "rating": RefRating,
    "date": RefDate,
    "single_choice": RefSingle,
    "multiple_choice": RefMultiple,
}

# -- the reference: the validator ----------------------------------------------------

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_EMPTY = object()


@dataclass
class _Scope:
    questions: Sequence[Question]
    clean: dict[str, Any] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)

    def ids(self) -> set[str]:
        return {q.id for q in self.questions}


class _Reference:
    def __init__(self, context: ValidationContext) -> None:
        self.context = context
        self.today = context.today or date.today()
        self.errors: dict[str, list[Issue]] = {}

    def add(self, path: str, found: Issue) -> None:
        self.errors.setdefault(path, []).append(found)

    def visible(self, question: Question, scope: _Scope, top: _Scope) -> bool:
        if question.show_if is None:
            return True
        own = scope.ids() if scope is not top else set()
        for name in referenced_fields(question.show_if):
            if name in (scope.hidden if name in own else top.hidden):
                return False
        row = scope.clean if scope is not top else None
        return reference_condition(question.show_if, top.clean, row)

    def level(
        self, answers: Mapping[str, Any], path: str, scope: _Scope, top: _Scope
    ) -> None:
        for question in scope.questions:
            if not self.visible(question, scope, top):
                scope.hidden.add(question.id)
                continue
            value = self.answer(
                question, answers.get(question.id), path + question.id, scope, top
            )
            if value is not _EMPTY:
                scope.clean[question.id] = value

    def unknown_keys(
        self, answers: Mapping[str, Any], path: str, known: set[str]
    ) -> None:
        for key in answers:
            if key not in known:
                self.add(path + str(key), Issue("unknown_field"))

    def answer(
        self, question: Question, raw: Any, path: str, scope: _Scope, top: _Scope
    ) -> Any:
        kind = REF_TYPES[question.type]
        if raw is None and question.default is not None:
            raw = question.default
        if kind.is_empty(raw):
            if question.required:
                self.add(path, issue(question, "required"))
            return _EMPTY
        try:
            value = kind.parse(question, raw)
        except InvalidAnswer as exc:
            self.add(path, issue(question, exc.code))
            return _EMPTY
        if question.type == "repeat":
            return self.repeat(question, value, path, top)
        if question.type == "roster":
            return self.roster(question, value, path, top)

        def lookup(name: str) -> Any:
            return scope.clean.get(name, top.clean.get(name))

        env = RuleEnv(self.today, self.context.members, lookup)
        for found in kind.check(question, value, env):
            self.add(path, found)
        return value

    def row(self, question: Question, raw: Any, path: str, top: _Scope) -> Any:
        if not isinstance(raw, Mapping):
            self.add(path, issue(question, "type"))
            return _EMPTY
        scope = _Scope(question.questions)
        known = scope.ids()
        if question.type == "repeat" and "id" in raw:
            known.add("id")
            row_id = raw["id"]
            if isinstance(row_id, str) and _UUID.match(row_id):
                scope.clean["id"] = row_id
            else:
                self.add(f"{path}.id", Issue("uuid"))
        self.level(raw, path + ".", scope, top)
        self.unknown_keys(raw, path + ".", known)
        return scope.clean

    def repeat(
        self, question: Question, rows: list[Any], path: str, top: _Scope
    ) -> Any:
        if question.min_rows is not None and len(rows) < question.min_rows:
            self.add(path, issue(question, "min_rows", min=question.min_rows))
        if question.max_rows is not None and len(rows) > question.max_rows:
            self.add(path, issue(question, "max_rows", max=question.max_rows))
        clean = [
            self.row(question, raw, f"{path}.{i}", top) for i, raw in enumerate(rows)
        ]
        return [row for row in clean if row is not _EMPTY]

    def roster(
        self, question: Question, rows: Mapping[str, Any], path: str, top: _Scope
    ) -> Any:
        enrolled = self.context.roster
        clean: dict[str, Any] = {}
        for member_id, raw in rows.items():
            if enrolled is not None and member_id not in enrolled:
                self.add(f"{path}.{member_id}", issue(question, "not_enrolled"))
                continue
            row = self.row(question, raw, f"{path}.{member_id}", top)
            if row is not _EMPTY:
                clean[member_id] = row
        for member_id in sorted(enrolled or ()):
            if member_id not in rows:
                self.add(f"{path}.{member_id}", issue(question, "roster_missing"))
        return clean


def reference_validate(
    definition: FormDefinition,
    answers: Any,
    context: ValidationContext | None = None,
) -> ValidationResult:
    validator = _Reference(context or ValidationContext())
    top = _Scope(definition.questions)
    if not isinstance(answers, Mapping):
        validator.add("", Issue("type"))
        return ValidationResult({}, validator.errors)
    validator.level(answers, "", top, top)
    validator.unknown_keys(answers, "", top.ids())
    visible = tuple(q.id for q in top.questions if q.id not in top.hidden)
    return ValidationResult(top.clean, validator.errors, visible)


# -- definitions and generated answers -----------------------------------------------


def _t(word: str) -> dict[str, str]:
    return {"sq": word, "sr": word, "en": word}


def _q(qid: str, qtype: str, **options: Any) -> dict[str, Any]:
    return {"id": qid, "type": qtype, "label": _t(qid), **options}


def _c(*values: str, exclusive: str = "") -> list[dict[str, Any]]:
    return [
        {"value": v, "label": _t(v), **({"exclusive": True} if v == exclusive else {})}
        for v in values
    ]


def _doc(qid: str, subject: str, *questions: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": qid,
        "version": 1,
        "roles": ["admin"],
        "subject": subject,
        "title": _t(qid),
        "sections": [{"id": "main", "title": _t("Main"), "questions": list(questions)}],
    }


# Every type, option and show_if operator, cascades and row scope included.
EVERYTHING = _doc(
    "everything",
    "family",
    _q("kind", "single_choice", choices=_c("a", "b", "c"), default="a"),
    _q("detail", "text", min_length=2, max_length=5, pattern="[a-z ]+",
       show_if={"field": "kind", "equals": "a"},
       messages={"pattern": _t("letters only")}),
    _q("no_detail", "yes_no", required=True,
       show_if={"field": "detail", "answered": False}),
    _q("other", "yes_no", show_if={"not": {"field": "detail", "not_equals": "ab"}}),
    _q("at", "time"),
    _q("late", "long_text", required=True,
       show_if={"all": [{"field": "at", "gte": "18:00"}, {"field": "at", "lt": "23:00"}]}),
    _q("amount", "decimal", min=0.5, max=9.5),
    _q("count", "integer", min=-2, max=10, default=3),
    _q("big", "yes_no", required=True,
       show_if={"any": [{"field": "amount", "gt": 5}, {"field": "count", "lte": 1}]}),
    _q("score", "rating", show_if={"field": "count", "in": [1, 2, 3.0]}),
    _q("stars", "rating", min=0, max=10, show_if={"field": "kind", "not_in": ["c"]}),
    _q("tags", "multiple_choice", choices=_c("x", "y", "z", "none", exclusive="none")),
    _q("why", "long_text", required=True, min_length=2,
       show_if={"field": "tags", "contains_any": ["x", "y"]}),
    _q("zed", "integer", required=True,
       show_if={"all": [{"field": "tags", "contains": "z"}, {"field": "kind", "in": ["a", "b"]}]}),
    _q("flagged", "yes_no", show_if={"field": "other", "equals": True}),
    _q("since", "date", min="2020-01-01", max="today"),
    _q("until", "date", min={"field": "since"}, max="2030-12-31"),
    _q("future", "date", min="today", messages={"past_date": _t("not past")}),
    _q("who", "single_choice", choices_from="family_members"),
    _q("whom", "multiple_choice", choices_from="family_members", required=True),
    _q("rows", "repeat", min_rows=1, max_rows=3, questions=[
        _q("flag", "yes_no"),
        _q("why_flag", "text", required=True, show_if={"field": "flag", "equals": True}),
        _q("k_row", "text", show_if={"field": "kind", "in": ["b"]}),
        _q("born", "integer", min=1900, max=2025),
        _q("grown", "yes_no", show_if={"field": "born", "lt": 2007}),
        _q("grown_note", "text", show_if={"field": "grown", "answered": False}),
        _q("when", "date", min={"field": "since"}, max={"field": "until"}),
        _q("start", "date"),
        _q("end", "date", min={"field": "start"}, max="today"),
        _q("pick", "single_choice", choices=_c("p", "q"), required=True),
    ]),
)  # fmt: skip
ATTENDANCE = _doc(
    "attendance",
    "course_session",
    _q("day", "date", required=True),
    _q("sheet", "roster", required=True, questions=[
        _q("status", "single_choice", choices=_c("present", "absent"), required=True),
        _q("note", "text", max_length=5, show_if={"field": "status", "equals": "absent"}),
        _q("since", "date", min={"field": "day"}),
    ]),
)  # fmt: skip
REGISTRY = load_registry()
DEFINITIONS = [
    parse_document(EVERYTHING, "everything.yaml"),
    parse_document(ATTENDANCE, "attendance.yaml"),
    *(REGISTRY.get(form_id) for form_id in ("home_visit", "family_intake")),
    *(REGISTRY.get(form_id) for form_id in ("psych_support", "class_attendance")),
]
MEMBERS = ["m1", "m2", str(uuid.UUID(int=7))]
ROW_IDS = [str(uuid.UUID(int=1)), str(uuid.UUID(int=2)).upper(), "nope", 5]
SCALARS = [
    None, True, False, 0, 1, 2, 3, 3.0, -1, 5, 9.5, 9.6, 0.5, 2007, 1899, 2**70,
    2**1000 - 1, 2**1000, -(2**1000), 10**400, float("inf"), float("nan"), -0.0, 1e308,
    "", " ", "a", "ab", " ab ", "abcdef", "AB", "a1", "x", "y", "z", "none", "p", "q",
    "b", "c", "present", "absent", "low", "high", "other", "m1", "m3",
    "2025-03-01", " 2025-03-01 ", "2025-03-01\n", "2024-02-29", "2025-02-29",
    "2025-13-01", "0000-01-01", "1899-12-31", "2030-12-31", "2031-01-01",
    "２０２５-０３-０１", "2025-3-1", "12:00", "18:00", "23:59", "24:00", "7:00",
    "yes", "1",
]  # fmt: skip
LISTS = [[], ["x"], ["x", "none"], ["none"], ["z", "x", "z"], ["m1"], ["m3", "m1"], [1]]
SCALARS += LISTS  # type: ignore[arg-type]


#: values each type sees more often than the others
TYPICAL: dict[str, list[Any]] = {
    "date": [
        *("2019-12-31", "2020-01-01", "2024-02-29", "2025-03-14", "2025-03-15"),
        *("2025-03-16", "2030-12-31", " 2025-03-01 "),
    ],
    "integer": [-3, -2, 0, 1, 2, 3, 10, 11, 1900, 2006, 2007, 2025, 3.0],
    "decimal": [0.4, 0.5, 1, 5, 5.5, 9.5, 9.6],
    "rating": [0, 1, 3, 5, 6, 10, 11, 2.0],
    "time": ["00:00", "17:59", "18:00", "22:59", "23:00", "23:60"],
    "yes_no": [True, False],
    "text": ["", " ", "a", "ab", "abcde", "abcdef", "a b", "A1"],
    "multiple_choice": [["m1"], ["m1", "m2"], ["m3"], ["x", "y"], ["z", "none"]],
}
TYPICAL["long_text"] = TYPICAL["text"]
TYPICAL["single_choice"] = MEMBERS


def _values(question: Question) -> st.SearchStrategy[Any]:
    own: list[Any] = [c.value for c in question.choices]
    own += TYPICAL.get(question.type, [])
    if question.type == "repeat":
        rows = st.lists(_row(question), max_size=4)
        return rows | st.sampled_from([None, [], {}, "rows", [1]])
    if question.type == "roster":
        rows = st.dictionaries(
            st.sampled_from(["s1", "s2", "s9", "s01"]), _row(question)
        )
        return rows | st.sampled_from([None, {}, [], "x"])
    return st.sampled_from(own + own + SCALARS) if own else st.sampled_from(SCALARS)


def _row(group: Question) -> st.SearchStrategy[Any]:
    ids = [q.id for q in group.questions]

    @st.composite
    def row(draw: st.DrawFn) -> Any:
        if draw(st.sampled_from(range(8))) == 5:
            return draw(st.sampled_from(["row", 3, None, ["a"]]))
        out: dict[str, Any] = {}
        for question in group.questions:
            if draw(st.booleans()):
                out[question.id] = draw(_values(question))
        if draw(st.booleans()):
            out["id"] = draw(st.sampled_from(ROW_IDS))
        if draw(st.sampled_from(range(6))) == 2:
            out[draw(st.sampled_from(["extra", *ids]))] = 1
        return out

    return row()


@st.composite
def cases(draw: st.DrawFn) -> tuple[FormDefinition, Any, ValidationContext]:
    definition = draw(st.sampled_from(DEFINITIONS))
    answers: dict[str, Any] = {}
    for question in definition.questions:
        if draw(st.booleans()):
            answers[question.id] = draw(_values(question))
    if draw(st.sampled_from(range(5))) == 1:
        answers[draw(st.sampled_from(["unknown", "id", "kind"]))] = "x"
    members = draw(st.sampled_from([None, frozenset(), frozenset(MEMBERS)]))
    roster = draw(st.sampled_from([None, frozenset({"s1", "s01"}), frozenset()]))
    today = draw(st.sampled_from([None, date(2025, 3, 15), date(2031, 1, 1)]))
    context = ValidationContext(members=members, roster=roster, today=today)
    if draw(st.sampled_from(range(20))) == 3:
        return definition, draw(st.sampled_from([None, [], "answers", 1])), context
    return definition, answers, context


def outcome(validate: Any, *args: Any) -> str:
    """Return the verdict of validate(*args), or the exception it raised."""
    try:
        return verdict(validate(*args))
    except Exception as exc:  # failing alike is agreeing too
        return f"raised {type(exc).__name__}"


def verdict(result: ValidationResult) -> str:
    """Return a text that differs whenever two results differ in any way."""
    errors = [
        (path, [(i.code, i.params, i.custom, i.message("sr_Cyrl")) for i in found])
        for path, found in result.errors.items()
    ]
    # repr() tells 1 from 1.0 and True, which == does not.
    return repr((result.clean, errors, result.visible, result.ok))


# -- the tests -----------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, database=None)
@given(case=cases())
def test_validate_answers_gives_the_reference_verdict(case) -> None:
    definition, answers, context = case
    expected = outcome(reference_validate, definition, answers, context)
    assert outcome(validate_answers, definition, answers, context) == expected


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.id)
def test_every_question_of_a_definition_is_checked_as_before(definition) -> None:
    # Each question alone with each kind of value, so no branch depends on luck.
    context = ValidationContext(members=frozenset(MEMBERS), today=date(2025, 3, 15))
    for question in definition.questions:
        for value in SCALARS:
            answers = {question.id: value}
            expected = outcome(reference_validate, definition, answers, context)
            found = outcome(validate_answers, definition, answers, context)
            assert found == expected, (question.id, value)


ROWS_CASES = [
    [{"pick": "p", "start": "2025-03-10", "end": "2025-03-01"}, {"end": "2025-01-01"}],
    [{"start": "2025-03-01", "end": "2025-03-02"}, {"start": "2025-04-01"}],
    [{"born": 2000, "grown": True}, {"born": 2010, "grown_note": "x"}, {"flag": 1}],
]


@pytest.mark.parametrize("rows", ROWS_CASES)
@pytest.mark.parametrize("today", [None, date(2025, 3, 5)])
def test_rules_in_a_row_read_the_row_first_then_the_form(rows, today) -> None:
    definition = DEFINITIONS[0]
    answers = {"since": "2025-03-02", "until": "2025-03-09", "rows": rows}
    context = ValidationContext(today=today)
    expected = outcome(reference_validate, definition, answers, context)
    assert outcome(validate_answers, definition, answers, context) == expected


def test_a_definition_s_plan_is_reused_and_never_confused() -> None:
    first = parse_document(EVERYTHING, "a.yaml")
    again = parse_document(EVERYTHING, "a.yaml")
    answers = {"kind": "b", "whom": ["m1"], "rows": [{"pick": "p"}]}
    assert verdict(validate_answers(first, answers)) == verdict(
        validate_answers(again, answers)
    )
    for definition in DEFINITIONS:
        assert verdict(validate_answers(definition, answers)) == verdict(
            reference_validate(definition, answers)
        )


OPERATORS = ["equals", "not_equals", "in", "not_in", "contains", "contains_any"]
OPERATORS += ["gt", "gte", "lt", "lte", "answered"]
CONDITIONS = st.recursive(
    st.builds(
        lambda name, op, value: {"field": name, op: value},
        st.sampled_from(["a", "b", "n", "tags", "missing"]),
        st.sampled_from([*OPERATORS, "weird"]),
        st.sampled_from(SCALARS) | st.lists(st.sampled_from(SCALARS), max_size=3),
    ),
    lambda inner: (
        st.builds(lambda c: {"not": c}, inner)
        | st.builds(lambda cs: {"all": cs}, st.lists(inner, max_size=3))
        | st.builds(lambda cs: {"any": cs}, st.lists(inner, max_size=3))
    ),
    max_leaves=6,
)
ANSWERS = st.dictionaries(
    st.sampled_from(["a", "b", "n", "tags"]), st.sampled_from(SCALARS)
)


def test_every_comparison_has_a_compiled_test() -> None:
    assert set(conditions._CHECKS) == conditions.COMPARISONS


@settings(max_examples=800, deadline=None, database=None)
@given(condition=CONDITIONS, answers=ANSWERS, row=st.none() | ANSWERS)
@example(condition={"field": "a", "in": ["x", "y"]}, answers={"a": True}, row=None)
@example(condition={"field": "a", "equals": "1"}, answers={"a": 1}, row=None)
@example(condition={"field": "a", "equals": True}, answers={"a": 1}, row=None)
def test_compiled_conditions_evaluate_as_the_reference(condition, answers, row) -> None:
    try:
        expected: Any = reference_condition(condition, answers, row)
    except TypeError as exc:  # e.g. `in` over a number: both must fail alike
        expected = type(exc)
    try:
        found: Any = evaluate_condition(condition, answers, row)
    except TypeError as exc:
        found = type(exc)
    assert found == expected


@settings(max_examples=1000, deadline=None, database=None)
@given(
    text=st.from_regex(r"^\d{4}-\d{2}-\d{2}\n?$", fullmatch=False)
    | st.from_regex(r"^[0-9]{4}-[01][0-9]-[0-3][0-9]$")
    | st.dates().map(str)
    | st.text(max_size=11)
)
@example(text="2024-02-29")
@example(text="1900-02-29")
@example(text="2000-02-29")
@example(text="0000-01-01")
@example(text="2025-03-01\n")
@example(text="２０２５-０３-０１")
def test_iso_dates_are_recognised_as_before(text) -> None:
    assert is_iso_date(text) == reference_is_iso_date(text)


@given(value=st.sampled_from(SCALARS) | st.text(max_size=3))
def test_a_choice_is_found_as_by_a_scan(value) -> None:
    for definition in DEFINITIONS:
        for _path, question in definition.all_questions():
            assert question.choice(value) is reference_choice(question, value)
