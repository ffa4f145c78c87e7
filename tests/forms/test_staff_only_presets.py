"""Staff-only questions, date presets, day-first dates and alphabetical order (issue 21)."""

from __future__ import annotations

from datetime import date

import pytest

from forms import ValidationContext
from forms import validate_answers
from forms.collation import sorted_by
from forms.collation import surname_first
from forms.field_types import FIELD_TYPES
from forms.loader import DefinitionError
from forms.loader import parse_document
from tests.forms.conftest import document
from tests.forms.conftest import question


def test_staff_only_is_a_boolean_of_top_level_questions() -> None:
    doc = document(question("risk", "text", staff_only=True))
    definition = parse_document(doc, "t.yaml")
    assert definition.question("risk").staff_only is True
    assert [q.id for q in definition.staff_questions] == ["risk"]
    assert definition.client_dict()["sections"][0]["questions"][0]["staff_only"]
    with pytest.raises(DefinitionError, match="staff_only"):
        parse_document(document(question("x", "text", staff_only="yes")), "t.yaml")
    row = question("rows", "repeat", questions=[question("n", "text", staff_only=True)])
    with pytest.raises(DefinitionError, match="top-level questions only"):
        parse_document(document(row), "t.yaml")


def test_the_intake_keeps_risks_and_notes_for_staff(registry) -> None:
    intake = registry.latest("family_intake")
    assert {q.id for q in intake.staff_questions} == {"risk_indicators", "notes"}
    assert intake.question("consent_date").preset == "today"


def test_default_today_presets_a_date_and_is_never_assumed() -> None:
    doc = document(question("day", "date", required=True, default="today"))
    definition = parse_document(doc, "t.yaml")
    day = definition.question("day")
    assert (day.preset, day.default) == ("today", None)
    assert definition.client_dict()["sections"][0]["questions"][0]["preset"] == "today"
    result = validate_answers(definition, {}, ValidationContext(today=date(2026, 1, 5)))
    assert [i.code for i in result.errors["day"]] == ["required"]
    with pytest.raises(DefinitionError, match="not a valid date"):
        parse_document(document(question("d", "date", default="tomorrow")), "t.yaml")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("31.12.2025", "2025-12-31"),
        ("5.1.2026", "2026-01-05"),
        ("05/01/2026", "2026-01-05"),
        ("05,01,2026", "2026-01-05"),
        ("2026-01-05", "2026-01-05"),
        ("1/2/26", "1/2/26"),
    ],
)
def test_a_posted_date_is_read_day_first(typed: str, read: str) -> None:
    definition = parse_document(document(question("d", "date")), "t.yaml")
    field = FIELD_TYPES["date"]
    assert field.from_strings(definition.question("d"), [typed]) == read


def test_a_date_not_written_as_a_date_gets_the_format_message() -> None:
    definition = parse_document(document(question("d", "date")), "t.yaml")
    result = validate_answers(definition, {"d": "1/2/26"})
    assert [i.code for i in result.errors["d"]] == ["date_format"]


def test_choices_sort_in_each_alphabet() -> None:
    cyrillic = ["Штрпце", "Ђаковица", "Витина", "Драгаш", "Јуник", "Љубиње"]
    assert sorted_by(cyrillic, str, "sr_Cyrl") == [
        "Витина", "Драгаш", "Ђаковица", "Јуник", "Љубиње", "Штрпце",
    ]  # fmt: skip
    albanian = ["Zubin Potok", "Çabrat", "Shtime", "Skenderaj", "Gjilan", "Graçanicë"]
    assert sorted_by(albanian, str, "sq") == [
        "Çabrat", "Graçanicë", "Gjilan", "Skenderaj", "Shtime", "Zubin Potok",
    ]  # fmt: skip
    latin = ["Štimlje", "Đakovica", "Dečani", "Elez Han", "Uroševac"]
    assert sorted_by(latin, str, "sr_Latn") == [
        "Dečani", "Đakovica", "Elez Han", "Štimlje", "Uroševac",
    ]  # fmt: skip


def test_rosters_sort_by_surname() -> None:
    names = ["Arben Krasniqi", "Valon Gashi", "Dea Berisha"]
    assert sorted_by(names, surname_first, "sq") == [
        "Dea Berisha", "Valon Gashi", "Arben Krasniqi",
    ]  # fmt: skip
