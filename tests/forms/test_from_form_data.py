"""An HTML form post reaches the same verdict as the same answers sent as JSON."""

from __future__ import annotations

import datetime

from forms import ValidationContext
from forms import from_form_data
from forms import validate_answers

UUID = "0b7e9a6e-3f5c-4c1e-9a56-0d8f2f1f8a10"


class MultiDict:
    """The part of werkzeug's MultiDict that from_form_data uses."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __iter__(self):
        return iter(dict.fromkeys(k for k, _ in self._pairs))

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._pairs if k == key]

    def get(self, key, default=None):
        values = self.getlist(key)
        return values[0] if values else default


def test_intake_post_is_typed_like_json(registry) -> None:
    definition = registry.get("family_intake")
    post = MultiDict([
        ("csrf_token", "t"), ("family_name", "Berisha"), ("municipality", "prizren"),
        ("members.0.id", UUID), ("members.0.full_name", "Vjosa"),
        ("members.0.birth_year", "1988"), ("members.0.sex", "female"),
        ("members.0.relationship", "head"),
        ("members.3.full_name", "Dion"), ("members.3.birth_year", "2012"),
        ("members.3.sex", "male"), ("members.3.relationship", "child"),
        ("members.3.attends_school", "yes"), ("members.3.grade", "7"),
        ("members.4.full_name", ""), ("members.4.birth_year", ""),
        ("presenting_needs", "food"), ("presenting_needs", "literacy"),
        ("referral_source", "school"), ("programme", "prevention"),
        ("consent_services", "yes"), ("consent_data", "no"), ("consent_photos", ""),
        ("consent_recorded_by", "Arta"), ("consent_date", "2025-03-01"),
    ])  # fmt: skip
    answers = from_form_data(definition, post)
    assert answers["members"] == [
        {"id": UUID, "full_name": "Vjosa", "birth_year": 1988, "sex": "female",
         "relationship": "head"},
        {"full_name": "Dion", "birth_year": 2012, "sex": "male",
         "relationship": "child", "attends_school": True, "grade": 7},
    ]  # fmt: skip
    assert answers["presenting_needs"] == ["food", "literacy"]
    assert answers["consent_data"] is False
    assert "consent_photos" not in answers
    assert "csrf_token" not in answers
    assert validate_answers(definition, answers).ok


def test_unreadable_values_stay_raw_and_fail_as_type(make_definition, q) -> None:
    definition = make_definition(
        q("n", "integer"), q("d", "decimal"), q("ok", "yes_no"), q("day", "date")
    )
    data = {"n": ["twelve"], "d": ["2,5"], "ok": ["maybe"], "day": ["2025-02-30"]}
    answers = from_form_data(definition, data)
    assert answers == {"n": "twelve", "d": 2.5, "ok": "maybe", "day": "2025-02-30"}
    result = validate_answers(definition, answers)
    assert {p: [i.code for i in v] for p, v in result.errors.items()} == {
        "n": ["type"], "ok": ["type"], "day": ["date"],
    }  # fmt: skip


def test_attendance_post_matches_json(registry) -> None:
    definition = registry.get("class_attendance")
    post = {
        "session_date": ["2025-03-15"],
        "attendance.s1.status": ["present"],
        "attendance.s2.status": ["absent"],
        "attendance.s2.note": ["Ishte i sëmurë"],
        "attendance.s3.note": [""],
    }
    answers = from_form_data(definition, post)
    assert answers["attendance"] == {
        "s1": {"status": "present"},
        "s2": {"status": "absent", "note": "Ishte i sëmurë"},
        "s3": {},
    }
    context = ValidationContext(
        roster=frozenset({"s1", "s2", "s3"}), today=datetime.date(2025, 3, 15)
    )
    html = validate_answers(definition, answers, context)
    json_answers = {
        "session_date": "2025-03-15",
        "attendance": {"s1": {}, "s2": {"status": "absent", "note": "Ishte i sëmurë"},
                       "s3": {"status": "present"}},
    }  # fmt: skip
    api = validate_answers(definition, json_answers, context)
    assert html.ok
    assert api.ok
    assert html.clean == api.clean
