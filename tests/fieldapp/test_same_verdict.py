"""The HTML form path and the sync API reach the same verdict on the same answers."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.submissions.models import Submission
from sync import samples


def form_fields(answers):
    """Return the HTML form post for ``answers``, named as forms.from_form_data reads."""
    data = []

    def put(name, value):
        if isinstance(value, bool):
            data.append((name, "true" if value else "false"))
        elif isinstance(value, list):
            data.extend((name, str(v)) for v in value)
        else:
            data.append((name, str(value)))

    for key, value in answers.items():
        if isinstance(value, dict):  # roster
            for member, row in value.items():
                for field, cell in row.items():
                    put(f"{key}.{member}.{field}", cell)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for field, cell in row.items():
                    put(f"{key}.{index}.{field}", cell)
        else:
            put(key, value)
    return data


def both_paths(client, auth, item):
    """Send ``item`` through POST /forms/<id> and /api/v1/sync/push; return verdicts."""
    token = auth.csrf("/")
    html_uuid, api_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    fields = [
        *form_fields(item["answers"]),
        ("csrf_token", token),
        ("submission_uuid", html_uuid),
        ("form_version", str(item["form_version"])),
        ("respondent_locale", "en"),
        ("subject_id", item["subject_id"] or ""),
        ("course_id", str(item["course_id"] or "")),
    ]
    from werkzeug.datastructures import MultiDict

    page = client.post(f"/forms/{item['form_id']}", data=MultiDict(fields))
    html = {302: "accepted", 422: "rejected"}.get(page.status_code, page.status_code)
    body = {
        "protocol": 1,
        "device": {"id": str(uuid.uuid4())},
        "items": [dict(item, uuid=api_uuid, completed_at=None)],
    }
    api = client.post(
        "/api/v1/sync/push", json=body, headers={"X-CSRFToken": token}
    ).json["results"][0]
    return html, api, html_uuid, api_uuid


def stored_answers(app, submission_uuid):
    with app.app_context():
        row = db.session().scalar(
            sa.select(Submission).where(Submission.uuid == uuid.UUID(submission_uuid))
        )
        return None if row is None else row.answers


@pytest.fixture
def family(make_user, make_family, auth):
    ana = make_user("ana", "social_worker")
    family = make_family(assigned_to=(ana,))
    auth.login("ana")
    return family


def visit(family, **answers):
    return samples.home_visit(
        family.id,
        present=[str(family.members[0].id)],
        visit_date="2020-01-01",
        next_visit_date="2099-01-01",
        **answers,
    )


CASES = {
    "valid": ({}, "accepted"),
    "invalid type": ({"living_conditions": "abc"}, "rejected"),
    "out of range": ({"living_conditions": 9}, "rejected"),
    "unknown choice": ({"risk_level": "nope"}, "rejected"),
    "hidden answer dropped": ({"referrals_other": "should vanish"}, "accepted"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_home_visit_same_verdict_and_same_stored_answers(
    app, client, auth, family, case
):
    answers, expected = CASES[case]
    html, api, html_uuid, api_uuid = both_paths(client, auth, visit(family, **answers))
    assert html == api["status"] == expected, api
    assert stored_answers(app, html_uuid) == stored_answers(app, api_uuid)
    if case == "hidden answer dropped":
        assert "referrals_other" not in stored_answers(app, api_uuid)


def test_unknown_keys_are_rejected_by_the_api_and_cannot_be_posted_by_a_page(
    app, client, auth, family
):
    # A page only posts its own questions (from_form_data ignores other names), so an
    # unknown key can only arrive through the API, which rejects it field by field.
    html, api, html_uuid, _ = both_paths(client, auth, visit(family, surprise="x"))
    assert api["status"] == "rejected"
    assert api["errors"]["surprise"][0]["code"] == "unknown_field"
    assert html == "accepted"
    assert "surprise" not in stored_answers(app, html_uuid)


def test_roster_with_a_student_not_enrolled_is_rejected_by_both(
    client, auth, make_user, make_family, make_course
):
    teacher = make_user("ilir", "instructor")
    family = make_family(members=("A", "B"))
    stranger = make_family("Other", members=("C",)).members[0]
    course = make_course(teacher, students=(family.members[0],))
    auth.login("ilir")
    item = samples.class_attendance(
        course.id,
        [str(family.members[0].id), str(stranger.id)],
        session_date="2020-01-06",
    )
    html, api, _, _ = both_paths(client, auth, item)
    assert html == api["status"] == "rejected"
    assert list(api["errors"]) == [f"attendance.{stranger.id}"]
