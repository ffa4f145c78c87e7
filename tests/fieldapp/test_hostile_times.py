"""Issue 22, item 3: one bad item never blocks a phone's outbox.

A time whose offset carries it past the calendar's ends, and any unexpected failure
with one item, are that item's answer: the push answers 200, the valid items beside
it are stored, and sending it all again gives the same answers (never a 500).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.devices.models import Device
from fieldapp.submissions.models import Submission
from sync import samples
from sync.times import EARLIEST
from sync.times import LATEST

from .conftest import AuthActions

PUSH = "/api/v1/sync/push"
TOO_LATE = "9999-12-31T23:59:59-14:00"  # valid text, after year 9999 in UTC
TOO_EARLY = "0001-01-01T00:00:00+14:00"  # valid text, before year 1 in UTC


class Phone:
    """A signed-in phone pushing its outbox."""

    def __init__(self, client, auth, username):
        self.client = client
        auth.login(username)
        self.token = client.get("/api/v1/csrf").json["csrf_token"]
        self.device = str(uuid.uuid4())

    def push(self, *items, oldest_pending_at=None, held=0):
        """Push ``items``; ``held`` more stay in the outbox (a draft not yet due)."""
        body = {
            "protocol": 1,
            "device": {
                "id": self.device,
                "pending_count": len(items) + held,
                "oldest_pending_at": oldest_pending_at,
                "app_version": "1",
            },
            "items": list(items),
        }
        return self.client.post(
            PUSH,
            json=body,
            headers={"X-CSRFToken": self.token, "X-Device-Id": self.device},
        )


@pytest.fixture
def phone(client, auth, make_user):
    make_user("ana", "social_worker")
    return Phone(client, auth, "ana")


def stored_uuids(app):
    with app.app_context():
        return {str(u) for u in db.session().scalars(sa.select(Submission.uuid))}


def visit(answers=None, **envelope):
    return samples.home_visit(uuid.uuid4(), **(answers or {})) | envelope


@pytest.mark.parametrize("field", ["completed_at", "started_at"])
@pytest.mark.parametrize("value", [TOO_LATE, TOO_EARLY])
def test_a_time_past_the_calendar_refuses_its_item_and_the_rest_is_stored(
    app, phone, field, value
):
    good, bad, later = visit(), visit(**{field: value}), visit()
    for attempt in range(2):  # and again, as the phone retries
        response = phone.push(good, bad, later)
        assert response.status_code == 200, response.get_data(as_text=True)
        results = response.json["results"]
        statuses = ["accepted", "refused", "accepted"]
        if attempt:
            statuses = ["duplicate", "refused", "duplicate"]
        assert [r["status"] for r in results] == statuses
    refused = results[1]
    assert refused["uuid"] == bad["uuid"]
    (issue,) = refused["errors"][field]
    assert issue["code"] == "time_range"
    assert field in issue["message"]
    assert field in refused["message"]  # what the outbox shows names the field
    assert stored_uuids(app) == {good["uuid"], later["uuid"]}


def test_the_time_message_is_translated(app, client, auth, make_user):
    make_user("ana", "social_worker", locale="sq")
    phone = Phone(client, auth, "ana")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sq"
    result = phone.push(visit(completed_at=TOO_LATE)).json["results"][0]
    assert "completed_at" in result["message"]
    assert result["message"].startswith("Koha në completed_at")


def test_an_overflowing_oldest_pending_at_is_clamped_and_the_items_stored(
    app, phone, make_user
):
    items = [visit(), visit()]
    # One more item stays on the phone, so the oldest pending time is kept.
    response = phone.push(*items, oldest_pending_at=TOO_EARLY, held=1)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["status"] for r in response.json["results"]] == ["accepted"] * 2
    assert stored_uuids(app) == {item["uuid"] for item in items}
    with app.app_context():
        device = db.session().get(Device, uuid.UUID(phone.device))
        # Kept as the window's first instant: "pending for ages".
        assert device.oldest_pending_at == EARLIEST
    late = phone.push(visit(), oldest_pending_at=TOO_LATE, held=1)
    assert late.status_code == 200
    with app.app_context():
        device = db.session().get(Device, uuid.UUID(phone.device))
        assert device.oldest_pending_at == LATEST
    # And the admins' page of devices shows it, in local time.
    make_user("boss", "admin")
    admin = app.test_client()
    AuthActions(admin).login("boss")
    assert admin.get("/devices/").status_code == 200


def test_an_unreadable_oldest_pending_at_is_still_a_400(phone):
    response = phone.push(visit(), oldest_pending_at="yesterday")
    assert response.status_code == 400
    assert "oldest_pending_at" in response.json["errors"]["device"]


@pytest.mark.parametrize("stage", ["judging", "storing"])
def test_an_unexpected_failure_with_one_item_refuses_it_alone(
    app, phone, monkeypatch, caplog, stage
):
    """Any exception with one item: that item is refused (sent again), logged by uuid
    without its answers; the others in the same push are stored; the push answers 200."""
    marker = "distinctive-observation-" + uuid.uuid4().hex
    items = [visit(), visit({"observations": marker}), visit(), visit()]
    victim = items[1]["uuid"]
    if stage == "judging":
        from sync import engine

        real = engine.validate_answers

        def validate(definition, answers, context=None):
            if answers.get("observations") == marker:
                raise RuntimeError(f"cannot judge {answers}")
            return real(definition, answers, context)

        monkeypatch.setattr(engine, "validate_answers", validate)
    else:
        from fieldapp.submissions import effects

        real_effects = effects.apply

        def apply(session, stored, *args, **kwargs):
            # Inside the group's transaction, after its rows were written.
            if any(str(s.uuid) == victim for s in stored):
                raise RuntimeError(f"cannot store {[s.answers for s in stored]}")
            return real_effects(session, stored, *args, **kwargs)

        monkeypatch.setattr(effects, "apply", apply)
    caplog.set_level(logging.INFO)
    response = phone.push(*items)
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.json["results"]
    assert [r["status"] for r in results] == [
        "accepted",
        "refused",
        "accepted",
        "accepted",
    ]
    assert results[1]["uuid"] == victim
    assert "sent again" in results[1]["message"]
    assert stored_uuids(app) == {items[i]["uuid"] for i in (0, 2, 3)}
    assert victim in caplog.text
    assert "RuntimeError" in caplog.text
    assert marker not in caplog.text


# --- the HTML form ----------------------------------------------------------------------


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, name
    return match.group(1)


@pytest.mark.parametrize("value", [TOO_LATE, TOO_EARLY])
def test_an_html_form_with_a_started_at_past_the_calendar_is_a_field_error(
    app, client, auth, make_user, make_family, value
):
    social = make_user("social", "social_worker")
    family = make_family("Hoxha", assigned_to=(social,))
    auth.login("social")
    page = client.get(f"/forms/home_visit?family={family.id}").get_data(as_text=True)
    typed = "Typed observation " + uuid.uuid4().hex
    data = {
        name: _hidden(page, name)
        for name in ("csrf_token", "submission_uuid", "form_version")
    } | {
        "started_at": value,
        "respondent_locale": "en",
        "subject_id": str(family.id),
        "visit_date": datetime.now(UTC).date().isoformat(),
        "present_members": str(family.members[0].id),
        "living_conditions": "3",
        "risk_level": "low",
        "observations": typed,
    }
    response = client.post("/forms/home_visit", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "started_at" in text  # the field is named
    assert typed in text  # what was typed is kept
    # The hidden time is replaced, so sending the page again stores it.
    again = data | {"started_at": _hidden(text, "started_at")}
    assert again["started_at"] != value
    assert client.post("/forms/home_visit", data=again).status_code == 302
    assert stored_uuids(app) == {data["submission_uuid"]}
