"""show_if conditions: every operator, combinators, cascades and row scope."""

from __future__ import annotations

import pytest

from forms import evaluate_condition
from forms import validate_answers

ANSWERS = {"kind": "a", "n": 5, "day": "2025-03-15", "tags": ["x", "y"], "ok": True}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "kind", "equals": "a"}, True),
        ({"field": "kind", "equals": "b"}, False),
        ({"field": "missing", "equals": "a"}, False),
        ({"field": "kind", "not_equals": "b"}, True),
        ({"field": "missing", "not_equals": "b"}, True),
        ({"field": "kind", "in": ["a", "b"]}, True),
        ({"field": "kind", "not_in": ["a"]}, False),
        ({"field": "tags", "contains": "x"}, True),
        ({"field": "tags", "contains": "z"}, False),
        ({"field": "kind", "contains": "a"}, False),
        ({"field": "tags", "contains_any": ["z", "y"]}, True),
        ({"field": "tags", "contains_any": ["z"]}, False),
        ({"field": "n", "gt": 4}, True),
        ({"field": "n", "gt": 5}, False),
        ({"field": "n", "gte": 5}, True),
        ({"field": "n", "lt": 5}, False),
        ({"field": "n", "lte": 5}, True),
        ({"field": "n", "gt": "4"}, False),
        ({"field": "day", "gte": "2025-03-15"}, True),
        ({"field": "day", "lt": "2025-03-15"}, False),
        ({"field": "missing", "lt": 3}, False),
        ({"field": "kind", "answered": True}, True),
        ({"field": "missing", "answered": False}, True),
        ({"field": "ok", "equals": True}, True),
        ({"field": "ok", "equals": 1}, False),
        ({"field": "n", "equals": 5.0}, True),
        ({"all": [{"field": "kind", "equals": "a"}, {"field": "n", "gt": 1}]}, True),
        ({"all": [{"field": "kind", "equals": "a"}, {"field": "n", "gt": 9}]}, False),
        ({"any": [{"field": "kind", "equals": "b"}, {"field": "n", "gt": 1}]}, True),
        ({"any": [{"field": "kind", "equals": "b"}, {"field": "n", "gt": 9}]}, False),
        ({"not": {"field": "kind", "equals": "a"}}, False),
    ],
)
def test_operators(condition, expected) -> None:
    assert evaluate_condition(condition, ANSWERS) is expected


def test_row_field_is_looked_up_in_the_row_first() -> None:
    condition = {"field": "kind", "equals": "b"}
    assert evaluate_condition(condition, ANSWERS, {"kind": "b"})
    assert not evaluate_condition(condition, ANSWERS, {"other": 1})


@pytest.fixture
def branching(make_definition, q, tx):
    return make_definition(
        q(
            "source",
            "single_choice",
            choices=[{"value": v, "label": tx(v)} for v in "ab"],
        ),
        q("other", "text", required=True, show_if={"field": "source", "equals": "b"}),
        q(
            "no_other",
            "yes_no",
            required=True,
            show_if={"field": "other", "answered": False},
        ),
        q("ok", "yes_no"),
    )


def test_hidden_question_is_not_required_and_its_answer_is_dropped(branching) -> None:
    result = validate_answers(branching, {"source": "a", "other": 42, "no_other": True})
    # "other" is hidden: its wrong type is not reported and it is not stored.
    # "no_other" depends on a hidden question, so it is hidden too.
    assert result.ok
    assert result.clean == {"source": "a"}
    assert result.visible == ("source", "ok")


def test_visible_question_is_required(branching) -> None:
    result = validate_answers(branching, {"source": "b"})
    assert {p: [i.code for i in v] for p, v in result.errors.items()} == {
        "other": ["required"],
        "no_other": ["required"],
    }


def test_invalid_answer_does_not_open_a_branch(branching) -> None:
    result = validate_answers(branching, {"source": ["b"]})
    assert [i.code for i in result.errors["source"]] == ["type"]
    assert "other" not in result.errors


def test_row_questions_see_siblings_then_the_form(make_definition, q, tx) -> None:
    definition = make_definition(
        q("has_kids", "yes_no"),
        q(
            "members",
            "repeat",
            questions=[
                q("child", "yes_no"),
                q("school", "text", required=True,
                  show_if={"all": [{"field": "child", "equals": True},
                                   {"field": "has_kids", "equals": True}]}),
            ],
        ),
    )  # fmt: skip
    answers = {
        "has_kids": True,
        "members": [{"child": True}, {"child": False, "school": "x"}],
    }
    result = validate_answers(definition, answers)
    assert [p for p in result.errors] == ["members.0.school"]
    assert result.clean["members"] == [{"child": True}, {"child": False}]
