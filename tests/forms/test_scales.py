"""Scored scales declared in form documents: totals, reverse items, missing items."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from forms import DefinitionError
from forms import FormRegistry
from forms import ValidationContext
from forms import validate_answers
from forms.loader import parse_document

CONTEXT = ValidationContext(members=frozenset({"m1"}), today=date(2025, 3, 15))
ABOUT = {"student": "m1", "timepoint": "baseline", "measure_date": "2025-03-01"}


def rses(*values: int | None) -> dict[str, Any]:
    items = {f"rses_{n}": v for n, v in enumerate(values, 1) if v is not None}
    return ABOUT | items


@pytest.mark.parametrize(
    ("values", "total"),
    [
        # every answer "strongly agree": positives 3, reverse items (2,5,6,8,9) 0
        ((3,) * 10, 15),
        ((0,) * 10, 15),
        ((3, 0, 3, 3, 0, 0, 3, 0, 0, 3), 30),
        ((0, 3, 0, 0, 3, 3, 0, 3, 3, 0), 0),
        # 3 + (3-0) + 2 + 1 + (3-1) + (3-2) + 3 + (3-3) + (3-0) + 2 = 20
        ((3, 0, 2, 1, 1, 2, 3, 3, 0, 2), 20),
    ],
)
def test_rosenberg_total_with_reverse_items(
    registry: FormRegistry, values: tuple[int, ...], total: int
) -> None:
    result = validate_answers(registry.get("self_esteem"), rses(*values), CONTEXT)
    assert result.ok, result.errors
    assert result.clean["_scores"] == {"self_esteem": total}
    # The score is kept beside the answers, which stay as given.
    assert result.clean["rses_2"] == values[1]


def test_no_score_from_partial_answers_and_the_missing_items_are_named(
    registry: FormRegistry,
) -> None:
    answers = rses(3, None, 3, 3, None, 3, 3, 3, 3, None)
    result = validate_answers(registry.get("self_esteem"), answers, CONTEXT)
    assert "_scores" not in result.clean
    assert [i.code for i in result.errors["rses_2"]] == ["scale_item_missing"]
    assert set(result.errors) == {"rses_2", "rses_5", "rses_10", "self_esteem"}
    (summary,) = result.errors["self_esteem"]
    assert summary.params == {"missing": "2, 5, 10"}
    assert "2, 5, 10" in summary.message("sr_Cyrl")
    assert (
        summary.message("en") == "No score yet: statements 2, 5, 10 are not answered."
    )
    # The rest of the answers are kept.
    assert result.clean["rses_1"] == 3


def test_an_answer_out_of_range_gets_its_own_message_and_no_score(
    registry: FormRegistry,
) -> None:
    answers = rses(3, 4, 3, 3, 3, 3, 3, 3, 3, 3)
    result = validate_answers(registry.get("self_esteem"), answers, CONTEXT)
    assert [i.code for i in result.errors["rses_2"]] == ["max"]
    assert "self_esteem" not in result.errors
    assert "_scores" not in result.clean


def test_a_score_sent_by_the_phone_is_computed_again(registry: FormRegistry) -> None:
    answers = rses(*(3,) * 10) | {"_scores": {"self_esteem": 30}}
    result = validate_answers(registry.get("self_esteem"), answers, CONTEXT)
    assert result.ok
    assert result.clean["_scores"] == {"self_esteem": 15}


def test_forms_without_scales_refuse_a_scores_key(registry: FormRegistry) -> None:
    answers = {"timepoint": "mid", "measure_date": "2025-03-01", "students": {}}
    answers["_scores"] = {}
    result = validate_answers(registry.get("life_skills"), answers)
    assert [i.code for i in result.errors["_scores"]] == ["unknown_field"]


def test_days_attended_cannot_exceed_days_possible(registry: FormRegistry) -> None:
    form = registry.get("school_attendance")
    answers = ABOUT | {"days_possible": 90, "days_attended": 91}
    result = validate_answers(form, answers, CONTEXT)
    (found,) = result.errors["days_attended"]
    assert found.code == "max"
    assert found.message("en") == (
        "Days attended cannot be more than the school days (90)."
    )
    assert result.clean["days_possible"] == 90
    ok = validate_answers(form, answers | {"days_attended": 90}, CONTEXT)
    assert ok.ok


def test_the_rosenberg_translation_is_marked_unreviewed(registry: FormRegistry) -> None:
    form = registry.get("self_esteem")
    assert form.unreviewed_in("sq")
    assert form.unreviewed_in("sr_Cyrl")
    assert not form.unreviewed_in("en")
    assert form.client_dict()["unreviewed"] == ["sq", "sr"]
    assert not registry.get("school_attendance").unreviewed


def _t(word: str) -> dict[str, str]:
    return {"sq": word, "sr": word, "en": word}


SCALED: dict[str, Any] = {
    "id": "scaled",
    "version": 1,
    "roles": ["admin"],
    "subject": "family",
    "title": _t("Scaled"),
    "sections": [{"id": "s", "title": _t("S"), "questions": [
        {"id": "a", "type": "rating", "min": 1, "max": 4, "label": _t("a")},
        {"id": "b", "type": "integer", "min": 1, "max": 4, "label": _t("b")},
        {"id": "c", "type": "text", "label": _t("c")},
    ]}],
    "scales": [{"id": "total", "label": _t("T"), "items": ["a", "b"],
                "reverse": ["b"], "item_min": 1, "item_max": 4, "total": "sum"}],
}  # fmt: skip


def test_a_new_instrument_is_a_new_document() -> None:
    form = parse_document(SCALED, "scaled.yaml")
    result = validate_answers(form, {"a": 4, "b": 1})
    assert result.clean["_scores"] == {"total": 8}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"items": ["a", "c"]}, "item 'c' is not a top-level integer or rating"),
        ({"items": ["a", "zz"]}, "item 'zz' is not a top-level integer or rating"),
        ({"reverse": ["c"]}, "reverse item 'c' is not among the items"),
        ({"item_min": 0}, "item 'a' must range from 0 to 4"),
        ({"item_max": 1}, "item_min must be less than item_max"),
        ({"id": "c"}, "scale id 'c' is already used"),
        ({"items": ["a", "a"]}, "an item is listed twice"),
    ],
)
def test_scale_mistakes_are_named(change: dict[str, Any], message: str) -> None:
    doc = copy.deepcopy(SCALED)
    doc["scales"][0].update(change)
    with pytest.raises(DefinitionError) as caught:
        parse_document(doc, "scaled.yaml")
    assert message in [p.message for p in caught.value.problems]


def test_an_unknown_total_rule_is_refused() -> None:
    doc = copy.deepcopy(SCALED)
    doc["scales"][0]["total"] = "median"
    with pytest.raises(DefinitionError):
        parse_document(doc, "scaled.yaml")


def test_a_number_bound_must_name_an_earlier_number() -> None:
    doc = copy.deepcopy(SCALED)
    doc["sections"][0]["questions"][1]["max"] = {"field": "c"}
    with pytest.raises(DefinitionError) as caught:
        parse_document(doc, "scaled.yaml")
    assert any("earlier number question" in p.message for p in caught.value.problems)


def test_missing_items_are_named_beside_an_answer_out_of_range(
    registry: FormRegistry,
) -> None:
    answers = rses(3, None, 3, 3, 3, 3, 3, 3, 3, 9)
    result = validate_answers(registry.get("self_esteem"), answers, CONTEXT)
    assert [i.code for i in result.errors["rses_10"]] == ["max"]
    assert [i.code for i in result.errors["rses_2"]] == ["scale_item_missing"]
    assert result.errors["self_esteem"][0].params == {"missing": "2"}
    assert "_scores" not in result.clean
