"""Issue 22, item 6: no value of a sensitive question is ever kept in the clear.

A phone on another form version can send a real risk code that this version does not
offer: the item is rejected, and kept for review with its payload encrypted. Its
errors must not quote the code beside that cipher text, nor may a log or the access
log. Checked by dumping every table as text, and every line logged.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.submissions.models import RejectedSubmission
from sync import samples

from .conftest import csrf_token


def dump(app) -> str:
    """Return every row of every table as text (SELECT * from each)."""
    with app.app_context():
        connection = db.session().connection()
        tables = sa.inspect(connection).get_table_names()
        assert "rejected_submission" in tables
        return "\n".join(
            f"{table}: {row}"
            for table in tables
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
        )


def secret() -> str:
    return "trafficking_" + uuid.uuid4().hex  # distinctive, and shaped like a code


def invalid_items(code: str) -> list[dict]:
    """One item per sensitive choice question, each with ``code`` as an answer."""
    family = str(uuid.uuid4())
    return [
        samples.home_visit(family, risk_level=code),
        samples.psych_support(family, risk_flags=["none", code]),
        samples.family_intake(risk_indicators=[code]),
    ]


@pytest.mark.parametrize(
    "item", [0, 1, 2], ids=["risk_level", "risk_flags", "risk_indicators"]
)
def test_an_invalid_sensitive_choice_is_nowhere_in_the_clear(
    app, client, auth, make_user, caplog, item
):
    make_user("ana", "admin")  # may fill every form
    auth.login("ana")
    token = client.get("/api/v1/csrf").json["csrf_token"]
    code = secret()
    pushed = invalid_items(code)[item]
    caplog.set_level(logging.DEBUG)
    response = client.post(
        "/api/v1/sync/push",
        json={
            "protocol": 1,
            "device": {"id": str(uuid.uuid4())},
            "items": [pushed],
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    (result,) = response.json["results"]
    assert result["status"] == "rejected"
    question = next(iter(result["errors"]))
    assert question in ("risk_level", "risk_flags", "risk_indicators")
    assert result["errors"][question][0]["code"] == "choice"
    assert code not in response.get_data(as_text=True)
    # The rejection is kept (the dump is real), without the code in the clear.
    with app.app_context():
        kept = db.session().scalar(sa.select(RejectedSubmission))
        assert kept is not None
        assert kept.errors["fields"][question][0]["code"] == "choice"
    # Open it for review too: reading it back must not log it either.
    page = client.get("/review/")
    assert page.status_code == 200
    everything = dump(app)
    assert pushed["form_id"] in everything  # the dump is real
    assert code not in everything
    assert code not in caplog.text


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, name
    return match.group(1)


def test_an_invalid_sensitive_choice_posted_as_html_is_nowhere_in_the_clear(
    app, client, auth, make_user, make_family, caplog
):
    social = make_user("social", "social_worker")
    family = make_family("Hoxha", assigned_to=(social,))
    auth.login("social")
    page = client.get(f"/forms/home_visit?family={family.id}").get_data(as_text=True)
    code = secret()
    caplog.set_level(logging.DEBUG)
    response = client.post(
        "/forms/home_visit",
        data={
            name: _hidden(page, name)
            for name in ("csrf_token", "submission_uuid", "form_version", "started_at")
        }
        | {
            "respondent_locale": "en",
            "subject_id": str(family.id),
            "visit_date": date.today().isoformat(),
            "present_members": str(family.members[0].id),
            "living_conditions": "3",
            "risk_level": code,
        },
    )
    assert response.status_code == 422
    everything = dump(app)
    assert "Hoxha" in everything  # the dump is real
    assert code not in everything
    assert code not in caplog.text


def test_a_non_sensitive_invalid_choice_still_names_the_value(
    app, client, auth, make_user
):
    """Only sensitive questions lose the value: others keep it for the reviewer."""
    make_user("ana", "admin")
    auth.login("ana")
    token = csrf_token(client, "/submissions/")
    item = samples.home_visit(uuid.uuid4(), living_issues=["not-an-option"])
    result = client.post(
        "/api/v1/sync/push",
        json={"protocol": 1, "device": {"id": str(uuid.uuid4())}, "items": [item]},
        headers={"X-CSRFToken": token},
    ).json["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"]["living_issues"][0]["params"] == {"value": "not-an-option"}
