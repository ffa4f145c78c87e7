"""The browser mirror (form-rules.js) reaches the same verdict as the Python engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from forms import FormRegistry
from forms import ValidationContext
from forms import validate_answers
from forms.loader import parse_document

RULES_JS = Path(__file__).resolve().parents[2] / "fieldapp/static/js/form-rules.js"
NODE = shutil.which("node")
TODAY = "2025-03-15"
MEMBERS = ["m-ana", "m-besim", "m-drita"]
ROSTER = ["s01", "s02", "s03"]
UUID = "0b7e9a6e-3f5c-4c1e-9a56-0d8f2f1f8a10"

pytestmark = pytest.mark.skipif(
    NODE is None and not os.environ.get("CI"), reason="node is not installed"
)

_RUNNER = """
import { validateAnswers, messageFor } from %s;
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map(({ def, answers, context }) => {
  const r = validateAnswers(def, answers, context);
  const errors = Object.fromEntries(Object.entries(r.errors).map(([p, list]) =>
    [p, list.map((i) => [i.code, i.params, messageFor(i, 'sr_Cyrl')])]));
  return { ok: r.ok, clean: r.clean, errors, visible: r.visible };
});
process.stdout.write(JSON.stringify(out));
"""

INTAKE_VALID = {
    "family_name": "Krasniqi",
    "municipality": "gjilan",
    "phone": "+383 44 123 456",
    "safe_to_call": True,
    "members": [
        {"id": UUID, "full_name": "Drita Krasniqi", "birth_year": 1985,
         "sex": "female", "relationship": "head"},
        {"full_name": "Arbër Krasniqi", "birth_year": 2011, "sex": "male",
         "relationship": "child", "attends_school": True, "school_name": "Selami Hallaqi",
         "grade": 8},
        {"full_name": "Nana", "birth_year": 1950, "sex": "female",
         "relationship": "grandparent", "attends_school": False, "grade": 3},
    ],
    "referral_source": "centre_for_social_work",
    "referral_other": "hidden because the source is not other",
    "programme": "prevention",
    "presenting_needs": ["food", "education"],
    "risk_indicators": ["school_dropout"],
    "consent_services": True,
    "consent_data": True,
    "consent_recorded_by": "Arta M.",
    "consent_date": "2025-03-10",
}  # fmt: skip

CASES: dict[str, list[dict[str, Any]]] = {
    "family_intake": [
        INTAKE_VALID,
        {},
        {**INTAKE_VALID, "referral_source": "other", "referral_other": "  "},
        {**INTAKE_VALID, "phone": "call me", "consent_date": "2025-02-30"},
        {**INTAKE_VALID, "consent_date": "2025-03-16", "referral_date": "15.03.2025"},
        {**INTAKE_VALID, "risk_indicators": ["none", "trafficking", "bogus"]},
        {**INTAKE_VALID, "members": []},
        {**INTAKE_VALID, "members": [{"id": "nope", "full_name": "X", "birth_year": 1900,
                                      "sex": "x", "relationship": "child", "extra": 1},
                                     "row", {"birth_year": 2040.5}]},
        {**INTAKE_VALID, "members": [{"full_name": "A", "birth_year": 2015, "sex": "male",
                                      "relationship": "child", "attends_school": "yes"}]},
        {**INTAKE_VALID, "members": {"full_name": "A"}},
        {**INTAKE_VALID, "unknown": 1, "consent_services": 1, "municipality": ["gjilan"]},
        {**INTAKE_VALID, "phone": None, "safe_to_call": True, "family_name": 5},
        {**INTAKE_VALID, "members": [{"full_name": "x" * 121, "birth_year": 3.0,
                                      "sex": "female", "relationship": "other"}] * 21},
    ],
    "home_visit": [
        {"visit_date": "2025-03-15", "present_members": ["m-ana", "m-drita"],
         "living_conditions": 3, "living_issues": ["damp", "heating"],
         "school_attendance": "irregular", "children_behaviour": 4,
         "risk_level": "high", "safety_plan": "Plan me QPS dhe policinë.",
         "referrals_made": ["police", "other"], "referrals_other": "Komuna",
         "next_visit_date": "2025-03-22", "observations": "Sensitive."},
        {"visit_date": "2025-03-16", "present_members": ["m-zana"],
         "living_conditions": 6, "risk_level": "medium", "safety_plan": "",
         "school_attendance": "not_applicable", "children_behaviour": 2,
         "next_visit_date": "2025-03-01"},
        {"visit_date": "2025-03-10", "present_members": "m-ana", "living_conditions": 0,
         "risk_level": "low", "safety_plan": "hidden", "referrals_made": ["none", "police"],
         "referrals_other": "hidden", "next_visit_date": "2025-03-09"},
        {"visit_date": None, "present_members": [], "living_conditions": 2.5,
         "risk_level": "extreme", "living_issues": ["none"], "services_delivered": ["x"]},
    ],
    "psych_support": [
        {"session_date": "2025-03-14", "members_present": ["m-besim"],
         "session_type": "family", "modality": "centre",
         "interventions": ["psychoeducation", "relaxation"], "wellbeing": 10,
         "risk_flags": ["none"], "follow_up_plan": "hidden", "clinical_notes": "..."},
        {"session_date": "2025-03-14", "members_present": ["m-besim"],
         "session_type": "individual", "modality": "remote", "interventions": ["crisis"],
         "wellbeing": 11, "risk_flags": ["suicidal_ideation"],
         "next_session_date": "2025-03-13"},
        {"session_date": "2025-03-14", "members_present": ["m-besim"],
         "session_type": "group", "modality": "home_visit", "interventions": ["cbt"],
         "wellbeing": 0, "risk_flags": ["self_harm", "none"], "follow_up_plan": "Plan"},
        {"session_date": "14:00", "session_type": True, "risk_flags": []},
    ],
    "class_attendance": [
        {"session_date": "2025-03-15", "lesson_topic": "Saldimi",
         "attendance": {"s01": {}, "s02": {"status": "absent"},
                        "s03": {"status": "late", "note": "Erdhi 10 min vonë."}}},
        {"session_date": "2025-03-16", "attendance": {"s01": {"status": "gone"},
                                                      "s09": {"status": "present"}}},
        {"session_date": "2025-03-15", "attendance": {"s01": "present", "s02": {"note": 3},
                                                      "s03": {"note": "x" * 501, "mood": 1}}},
        {"session_date": "2025-03-15", "attendance": {}},
        {"session_date": "2025-03-15", "attendance": [], "extra": True},
    ],
}  # fmt: skip


def _t(word: str) -> dict[str, str]:
    return {"sq": word, "sr": word, "en": word}


def _c(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": _t(v)} for v in values]


# Every type and every show_if operator, including a cascade through a hidden question.
SAMPLE = {
    "id": "sample",
    "version": 1,
    "roles": ["admin"],
    "subject": "family",
    "title": _t("Sample"),
    "sections": [{"id": "main", "title": _t("Main"), "questions": [
        {"id": "kind", "type": "single_choice", "label": _t("k"), "choices": _c("a", "b")},
        {"id": "detail", "type": "text", "label": _t("d"),
         "show_if": {"field": "kind", "equals": "a"}},
        {"id": "no_detail", "type": "yes_no", "label": _t("n"), "required": True,
         "show_if": {"field": "detail", "answered": False}},
        {"id": "other", "type": "yes_no", "label": _t("o"),
         "show_if": {"not": {"field": "detail", "not_equals": "x"}}},
        {"id": "at", "type": "time", "label": _t("t")},
        {"id": "late", "type": "text", "label": _t("l"), "required": True,
         "show_if": {"all": [{"field": "at", "gte": "18:00"}, {"field": "at", "lt": "23:00"}]}},
        {"id": "amount", "type": "decimal", "label": _t("a"), "min": 0.5, "max": 9.5},
        {"id": "big", "type": "yes_no", "label": _t("b"), "required": True,
         "show_if": {"any": [{"field": "amount", "gt": 5}, {"field": "amount", "lte": 1}]}},
        {"id": "tags", "type": "multiple_choice", "label": _t("g"), "choices": _c("x", "y", "z")},
        {"id": "why", "type": "long_text", "label": _t("w"), "required": True,
         "min_length": 2, "show_if": {"field": "tags", "contains_any": ["x", "y"]}},
        {"id": "zed", "type": "integer", "label": _t("z"), "required": True,
         "show_if": {"all": [{"field": "tags", "contains": "z"},
                             {"field": "kind", "not_in": ["b"]}]}},
        {"id": "since", "type": "date", "label": _t("s"), "min": "2020-01-01"},
        {"id": "rows", "type": "repeat", "label": _t("r"), "max_rows": 3, "questions": [
            {"id": "flag", "type": "yes_no", "label": _t("f")},
            {"id": "why_flag", "type": "text", "label": _t("wf"), "required": True,
             "show_if": {"field": "flag", "equals": True}},
            {"id": "k_row", "type": "text", "label": _t("kr"), "required": True,
             "show_if": {"field": "kind", "in": ["b"]}},
            {"id": "when", "type": "date", "label": _t("w"), "min": {"field": "since"}},
        ]},
    ]}],
}  # fmt: skip
CASES["sample"] = [
    {"kind": "a", "detail": "x", "at": "12:00", "amount": 3, "since": "2021-05-05"},
    {"kind": "b", "detail": "hidden", "no_detail": "hidden", "other": "hidden"},
    {
        "kind": "a",
        "no_detail": None,
        "at": "19:30",
        "amount": 9.6,
        "tags": ["z", "x"],
        "why": "a",
        "zed": 4.0,
        "since": "2019-12-31",
    },
    {"at": "24:00", "late": "x", "amount": 0.2, "tags": ["y", "y", "q"], "why": " ok "},
    {"at": "7:00", "amount": "1", "tags": "x", "since": "2021-02-29"},
    {
        "kind": "b",
        "since": "2022-01-01",
        "rows": [
            {"flag": True, "k_row": "ok", "when": "2021-12-31"},
            {"flag": False, "why_flag": "hidden", "when": "2022-01-01"},
            {"k_row": " ", "flag": "no"},
            {"id": UUID.upper(), "k_row": "x"},
        ],
    },
    {"kind": "a", "detail": "y", "other": True, "rows": None, "amount": True},
]


def _rses(*values: Any) -> dict[str, Any]:
    about = {"student": "m-drita", "timepoint": "baseline", "measure_date": TODAY}
    return about | {f"rses_{n}": v for n, v in enumerate(values, 1) if v is not None}


# Scored scales: reverse items, a missing item, an item out of range, a forged score.
CASES["self_esteem"] = [
    _rses(3, 0, 3, 2, 1, 0, 3, 1, 0, 2),  # 3+3+3+2+2+3+3+2+3+2 = 26
    _rses(0, 3, 0, 0, 3, 3, 0, 3, 3, 0) | {"_scores": {"self_esteem": 30}},  # 0
    _rses(2, None, 2, 2, 2, None, 2, 2, 2, 2),
    _rses(2, 4, 2, 2, 2, 2, 2, 2, 2, -1),
    _rses(2, 2.0, 2, 2, 2, 2, 2, 2, 2, "2") | {"timepoint": "later"},
    {"student": "m-x"},
]
CASES["school_attendance"] = [
    {"student": "m-ana", "timepoint": "mid", "measure_date": "2025-02-01",
     "days_possible": 90, "days_attended": 81},
    {"student": "m-ana", "timepoint": "mid", "measure_date": "2025-02-01",
     "days_possible": 90, "days_attended": 91},
    {"student": "m-ana", "timepoint": "mid", "measure_date": "2025-02-01",
     "days_attended": 500},
    {"student": "m-ana", "timepoint": "mid", "measure_date": "2025-02-01",
     "days_possible": 0, "days_attended": -1},
]  # fmt: skip
CASES["school_behaviour"] = [
    {"student": "m-ana", "timepoint": "completion", "measure_date": "2025-03-01",
     "incidents": 0, "teacher_rating": 4},
    {"student": "m-ana", "timepoint": "completion", "measure_date": "2025-03-16",
     "incidents": 101, "teacher_rating": 5},
]  # fmt: skip
CASES["life_skills"] = [
    {"timepoint": "baseline", "measure_date": "2025-03-01", "students": {
        "s01": {"skills": ["teamwork", "anger"], "reading": 2, "writing": 1},
        "s02": {}, "s03": {"reading": 4}}},
    {"timepoint": "mid", "measure_date": "2025-03-01", "students": {
        "s01": {"skills": ["flying"], "reading": 0}, "s02": {}}},
]  # fmt: skip
CASES["group_activity"] = [
    {"activity_date": "2025-03-10", "kind": "workshop", "topic": "conflict",
     "facilitators": "Arta, Besnik", "place": "Shkolla 'Naim Frashëri'",
     "girls_12_16": 7, "boys_12_16": 9, "students": ["s01", "s02"]},
    {"activity_date": "2025-03-10", "kind": "parents", "topic": "other",
     "facilitators": "Arta", "place": "Qendra", "women_17_plus": -1},
    {"activity_date": "2025-03-10", "kind": "awareness", "topic": "gender",
     "topic_other": "hidden", "facilitators": " ", "place": "x", "boys_under_12": 1.5},
]  # fmt: skip
CONTEXTS: dict[str, dict[str, Any]] = {
    "group_activity": {},
    "self_esteem": {"members": MEMBERS},
    "school_attendance": {"members": MEMBERS},
    "school_behaviour": {"members": MEMBERS},
    "life_skills": {"roster": ROSTER},
    "sample": {},
    "family_intake": {},
    "home_visit": {"members": MEMBERS},
    "psych_support": {"members": MEMBERS},
    "class_attendance": {"roster": ROSTER},
}


def definition(registry: FormRegistry, form_id: str) -> Any:
    if form_id == "sample":
        return parse_document(SAMPLE, "sample.yaml")
    return registry.get(form_id)


def python_verdict(
    registry: FormRegistry, form_id: str, answers: Any
) -> dict[str, Any]:
    raw = CONTEXTS[form_id]
    context = ValidationContext(
        members=frozenset(raw["members"]) if "members" in raw else None,
        roster=frozenset(raw["roster"]) if "roster" in raw else None,
        today=__import__("datetime").date.fromisoformat(TODAY),
    )
    result = validate_answers(definition(registry, form_id), answers, context)
    return {
        "ok": result.ok,
        "clean": result.clean,
        "errors": {
            p: [[i.code, i.params, i.message("sr_Cyrl")] for i in found]
            for p, found in result.errors.items()
        },
        "visible": list(result.visible),
    }


@pytest.fixture(scope="module")
def js_verdicts(registry: FormRegistry) -> list[dict[str, Any]]:
    assert NODE is not None, "CI must have node to prove the browser rules"
    batch = [
        {
            "def": definition(registry, form_id).client_dict(),
            "answers": answers,
            "context": {**CONTEXTS[form_id], "today": TODAY},
        }
        for form_id, cases in CASES.items()
        for answers in cases
    ]
    script = _RUNNER % json.dumps(RULES_JS.as_uri())
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(json.loads(done.stdout))


PARAMS = [(f, i) for f, cases in CASES.items() for i in range(len(cases))]


@pytest.mark.parametrize(("form_id", "index"), PARAMS)
def test_js_reaches_the_python_verdict(
    registry: FormRegistry, js_verdicts: list[dict[str, Any]], form_id: str, index: int
) -> None:
    expected = python_verdict(registry, form_id, CASES[form_id][index])
    assert js_verdicts[PARAMS.index((form_id, index))] == expected


def test_cases_cover_every_issue_code(registry: FormRegistry) -> None:
    seen = {
        code
        for form_id, cases in CASES.items()
        for answers in cases
        for found in python_verdict(registry, form_id, answers)["errors"].values()
        for code, _, _ in found
    }
    expected = {
        "required", "type", "min", "max", "max_length", "pattern", "choice",
        "exclusive", "date", "unknown_field", "uuid", "not_member", "not_enrolled",
        "roster_missing", "max_rows", "future_date", "time", "min_length",
        "scale_item_missing", "scale_incomplete",
    }  # fmt: skip
    assert expected <= seen


def test_valid_cases_are_valid(registry: FormRegistry) -> None:
    for form_id in CASES:
        verdict = python_verdict(registry, form_id, CASES[form_id][0])
        assert verdict["ok"], (form_id, verdict["errors"])


def test_rules_module_stays_small() -> None:
    import gzip

    assert len(gzip.compress(RULES_JS.read_bytes())) < 6 * 1024
