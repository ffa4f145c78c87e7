"""Each field type, each rule and each issue code, at its boundaries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from forms import FIELD_TYPES
from forms import ISSUE_CODES
from forms import FieldType
from forms import ValidationContext
from forms import validate_answers
from forms.field_types import _by_name

TODAY = datetime.date(2025, 3, 15)


def codes(result: Any) -> dict[str, list[str]]:
    return {path: [i.code for i in found] for path, found in result.errors.items()}


def check(definition: Any, answers: Any, **context: Any) -> Any:
    return validate_answers(
        definition, answers, ValidationContext(today=TODAY, **context)
    )


@pytest.mark.parametrize(
    ("options", "value", "expected", "clean"),
    [
        ({}, "  Ana  ", {}, "Ana"),
        ({"required": True}, "   ", {"f": ["required"]}, None),
        ({"required": True}, None, {"f": ["required"]}, None),
        ({}, 12, {"f": ["type"]}, None),
        ({"min_length": 3}, "abc", {}, "abc"),
        ({"min_length": 3}, "ab", {"f": ["min_length"]}, "ab"),
        ({"max_length": 3}, "ëçš", {}, "ëçš"),
        ({"max_length": 3}, "ëçšd", {"f": ["max_length"]}, "ëçšd"),
        ({"pattern": r"\d{3}"}, "123", {}, "123"),
        ({"pattern": r"\d{3}"}, "1234", {"f": ["pattern"]}, "1234"),
    ],
)
def test_text_rules(make_definition, q, options, value, expected, clean) -> None:
    result = check(make_definition(q("f", "text", **options)), {"f": value})
    assert codes(result) == expected
    assert result.clean.get("f") == clean


def test_pattern_uses_the_documents_own_message(make_definition, q, tx) -> None:
    definition = make_definition(
        q("f", "text", pattern="[0-9]+", messages={"pattern": tx("Samo cifre")})
    )
    issue = check(definition, {"f": "abc"}).errors["f"][0]
    assert issue.message("en") == "Samo cifre en"
    assert issue.message("sr_Cyrl") == "Само цифре ср"


@pytest.mark.parametrize(
    ("qtype", "value", "expected", "clean"),
    [
        ("integer", 3, {}, 3),
        ("integer", 3.0, {}, 3),
        ("integer", 3.5, {"f": ["type"]}, None),
        ("integer", "3", {"f": ["type"]}, None),
        ("integer", True, {"f": ["type"]}, None),
        ("integer", 0, {}, 0),
        ("integer", -1, {"f": ["min"]}, -1),
        ("integer", 10, {}, 10),
        ("integer", 11, {"f": ["max"]}, 11),
        ("decimal", 2.5, {}, 2.5),
        ("decimal", float("nan"), {"f": ["type"]}, None),
        ("decimal", 10.01, {"f": ["max"]}, 10.01),
        ("decimal", False, {"f": ["type"]}, None),
    ],
)
def test_number_rules(make_definition, q, qtype, value, expected, clean) -> None:
    definition = make_definition(q("f", qtype, min=0, max=10))
    result = check(definition, {"f": value})
    assert codes(result) == expected
    assert result.clean.get("f") == clean


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, ["min"]), (1, []), (5, []), (6, ["max"]), (2.5, ["type"])],
)
def test_rating_defaults_to_one_to_five(make_definition, q, value, expected) -> None:
    result = check(make_definition(q("f", "rating")), {"f": value})
    assert codes(result).get("f", []) == expected


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({}, "2024-02-29", []),
        ({}, "2025-02-29", ["date"]),
        ({}, "2025-02-30", ["date"]),
        ({}, "2025-13-01", ["date"]),
        ({}, "2025-2-3", ["date_format"]),
        ({}, "03.02.2025", ["date_format"]),
        ({}, 20250203, ["type"]),
        ({"max": "today"}, "2025-03-15", []),
        ({"max": "today"}, "2025-03-16", ["future_date"]),
        ({"min": "today"}, "2025-03-14", ["past_date"]),
        ({"min": "2025-01-01"}, "2024-12-31", ["min"]),
        ({"max": "2025-01-01"}, "2025-01-02", ["max"]),
        ({"min": "2025-01-01", "max": "2025-12-31"}, "2025-06-01", []),
    ],
)
def test_date_rules(make_definition, q, options, value, expected) -> None:
    result = check(make_definition(q("f", "date", **options)), {"f": value})
    assert codes(result).get("f", []) == expected


def test_date_bound_message_shows_the_kosovo_date_format(make_definition, q) -> None:
    definition = make_definition(q("f", "date", min="2025-03-01"))
    issue = check(definition, {"f": "2025-02-01"}).errors["f"][0]
    assert issue.params == {"min": "2025-03-01"}
    assert issue.message("sq") == "Data nuk mund të jetë para 01.03.2025."
    assert issue.message("en") == "The date cannot be before 01.03.2025."


def test_date_bound_can_name_an_earlier_date(make_definition, q) -> None:
    definition = make_definition(
        q("visit", "date"), q("next", "date", min={"field": "visit"})
    )
    result = check(definition, {"visit": "2025-03-10", "next": "2025-03-09"})
    assert codes(result) == {"next": ["min"]}
    assert result.errors["next"][0].params == {"min": "2025-03-10"}
    assert check(definition, {"next": "2000-01-01"}).ok  # no visit date: no bound


@pytest.mark.parametrize(
    ("value", "expected"),
    [("00:00", []), ("23:59", []), ("24:00", ["time"]), ("12:60", ["time"]),
     ("7:30", ["type"]), (730, ["type"])],
)  # fmt: skip
def test_time_rules(make_definition, q, value, expected) -> None:
    result = check(make_definition(q("f", "time")), {"f": value})
    assert codes(result).get("f", []) == expected


@pytest.mark.parametrize(
    ("value", "expected", "clean"),
    [
        (True, [], True),
        (False, [], False),
        ("yes", ["type"], None),
        (1, ["type"], None),
    ],
)
def test_yes_no(make_definition, q, value, expected, clean) -> None:
    result = check(make_definition(q("f", "yes_no", required=True)), {"f": value})
    assert codes(result).get("f", []) == expected
    assert result.clean.get("f") == clean


def choice_question(q, tx, qtype: str) -> dict[str, Any]:
    return q(
        "f",
        qtype,
        choices=[
            {"value": "a", "label": tx("A")},
            {"value": "b", "label": tx("B")},
            *([{"value": "none", "label": tx("None"), "exclusive": True}]
              if qtype == "multiple_choice" else []),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a", []), ("c", ["choice"]), (["a"], ["type"]), (1, ["type"])],
)
def test_single_choice(make_definition, q, tx, value, expected) -> None:
    definition = make_definition(choice_question(q, tx, "single_choice"))
    assert codes(check(definition, {"f": value})).get("f", []) == expected


@pytest.mark.parametrize(
    ("value", "expected", "clean"),
    [
        (["a", "b", "a"], [], ["a", "b"]),
        (["a", "x", "y"], ["choice", "choice"], ["a", "x", "y"]),
        (["none"], [], ["none"]),
        (["a", "none"], ["exclusive"], ["a", "none"]),
        ("a", ["type"], None),
        ([1], ["type"], None),
        ([], [], None),
    ],
)
def test_multiple_choice(make_definition, q, tx, value, expected, clean) -> None:
    definition = make_definition(choice_question(q, tx, "multiple_choice"))
    result = check(definition, {"f": value})
    assert codes(result).get("f", []) == expected
    assert result.clean.get("f") == clean


@pytest.mark.parametrize("sensitive", [False, True])
@pytest.mark.parametrize(
    ("qtype", "value", "code"),
    [
        ("single_choice", "trafficking", "choice"),
        ("multiple_choice", ["trafficking"], "choice"),
        ("multiple_choice", ["a", "none"], "exclusive"),
    ],
)
def test_an_issue_quotes_the_answer_only_when_it_is_not_sensitive(
    make_definition, q, tx, qtype, value, code, sensitive
) -> None:
    question = choice_question(q, tx, qtype) | {"sensitive": sensitive}
    result = check(make_definition(question), {"f": value})
    (found,) = result.errors["f"]
    assert found.code == code
    quoted = value if isinstance(value, str) else value[-1]
    assert found.params == ({} if sensitive else {"value": quoted})


@pytest.mark.parametrize("qtype", ["single_choice", "multiple_choice"])
def test_choices_from_family_members(make_definition, q, qtype) -> None:
    definition = make_definition(q("f", qtype, choices_from="family_members"))
    value = "m3" if qtype == "single_choice" else ["m1", "m3"]
    assert check(definition, {"f": value}).ok  # members unknown: not checked
    result = check(definition, {"f": value}, members=frozenset({"m1", "m2"}))
    assert codes(result) == {"f": ["not_member"]}
    assert result.errors["f"][0].params == {"value": "m3"}


@pytest.fixture
def household(make_definition, q):
    return make_definition(
        q(
            "members",
            "repeat",
            min_rows=1,
            max_rows=2,
            questions=[q("name", "text", required=True), q("year", "integer")],
        )
    )


UUID = "0b7e9a6e-3f5c-4c1e-9a56-0d8f2f1f8a10"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{"name": "Ana"}], {}),
        ([], {}),
        ([{"name": "A"}, {"name": "B"}, {"name": "C"}], {"members": ["max_rows"]}),
        ([{"year": 1990}], {"members.0.name": ["required"]}),
        (["Ana"], {"members.0": ["type"]}),
        ({"name": "Ana"}, {"members": ["type"]}),
        ([{"name": "A", "age": 3}], {"members.0.age": ["unknown_field"]}),
        ([{"name": "A", "id": "not-a-uuid"}], {"members.0.id": ["uuid"]}),
        ([{"name": "A"}, {"name": "B", "year": "x"}], {"members.1.year": ["type"]}),
    ],
)
def test_repeat_rows(household, rows, expected) -> None:
    assert codes(check(household, {"members": rows})) == expected


def test_repeat_min_rows(make_definition, q) -> None:
    definition = make_definition(
        q("kids", "repeat", min_rows=2, questions=[q("name", "text")])
    )
    result = check(definition, {"kids": [{"name": "A"}]})
    assert codes(result) == {"kids": ["min_rows"]}
    assert result.errors["kids"][0].message("en") == "Add at least 2 entries."


def test_repeat_keeps_the_row_uuid(household) -> None:
    result = check(household, {"members": [{"id": UUID, "name": " Ana "}]})
    assert result.ok
    assert result.clean == {"members": [{"id": UUID, "name": "Ana"}]}


@pytest.fixture
def attendance(make_definition, q, tx):
    status = q(
        "status",
        "single_choice",
        required=True,
        default="present",
        choices=[{"value": v, "label": tx(v)} for v in ("present", "absent")],
    )
    note = q("note", "text", max_length=5)
    return make_definition(q("att", "roster", required=True, questions=[status, note]))


def test_roster_applies_defaults_and_checks_enrolment(attendance) -> None:
    answers = {"att": {"s1": {}, "s2": {"status": "absent", "note": "late!!"}, "x": {}}}
    result = check(attendance, answers, roster=frozenset({"s1", "s2", "s3"}))
    assert codes(result) == {
        "att.s2.note": ["max_length"],
        "att.x": ["not_enrolled"],
        "att.s3": ["roster_missing"],
    }
    assert result.clean["att"] == {
        "s1": {"status": "present"},
        "s2": {"status": "absent", "note": "late!!"},
    }


def test_roster_without_context_accepts_any_student(attendance) -> None:
    assert check(attendance, {"att": {"anyone": {"status": "absent"}}}).ok
    assert codes(check(attendance, {"att": {}})) == {"att": ["required"]}
    assert codes(check(attendance, {"att": {"s": "absent"}})) == {"att.s": ["type"]}
    assert codes(check(attendance, {"att": ["s"]})) == {"att": ["type"]}


def test_unknown_keys_are_reported_and_never_kept(make_definition, q) -> None:
    result = check(make_definition(q("f", "text")), {"f": "x", "g": "y"})
    assert codes(result) == {"g": ["unknown_field"]}
    assert result.clean == {"f": "x"}


def test_answers_must_be_a_mapping(make_definition, q) -> None:
    assert codes(check(make_definition(q("f", "text")), ["x"])) == {"": ["type"]}


@pytest.mark.parametrize("code", sorted(ISSUE_CODES))
@pytest.mark.parametrize("locale", ["sq", "sr_Latn", "sr_Cyrl", "en"])
def test_every_issue_code_has_a_message(code, locale) -> None:
    from forms import Issue

    message = Issue(
        code, {"min": 1, "max": 2, "value": "a", "missing": "2, 5"}
    ).message(locale)
    assert message
    assert "%(" not in message


def test_messages_read_as_a_social_worker_expects() -> None:
    from forms import Issue

    required = Issue("required")
    assert required.message("sq") == "Kjo fushë është e detyrueshme."
    assert required.message("sr_Latn") == "Ovo polje je obavezno."
    assert required.message("sr_Cyrl") == "Ово поље је обавезно."
    assert required.message("sr") == "Ovo polje je obavezno."
    assert required.message("de") == "Kjo fushë është e detyrueshme."


def test_field_type_registry_rejects_duplicate_names() -> None:
    class Twin(FieldType):
        name = "text"

    with pytest.raises(ValueError, match="text"):
        _by_name(FIELD_TYPES["text"], Twin)


def test_registry_lists_every_documented_type() -> None:
    assert set(FIELD_TYPES) == {
        "text", "long_text", "integer", "decimal", "date", "time", "yes_no",
        "single_choice", "multiple_choice", "rating", "repeat", "roster",
    }  # fmt: skip
