"""Issue 16, "My work" offline: the pull carries the due list the page shows."""

from __future__ import annotations

import json
import uuid
from datetime import date
from datetime import timedelta

import jsonschema
import sqlalchemy as sa

from fieldapp import db
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family

TODAY = date.today()


def _pull(client):
    response = client.get(
        "/api/v1/sync/pull", headers={"X-Device-Id": str(uuid.uuid4())}
    )
    assert response.status_code == 200
    return response.json


def _make_due(app, world):
    """The family of ``social``: a visit 2 days late, a literacy service 3 days late,
    a review due in 3 days (within the days the phone gets ahead), a case ending in 60."""
    with app.app_context():
        family = db.session().get(Family, world.ids["family"])
        family.next_visit_on = TODAY - timedelta(days=2)
        case = db.session().get(SupportCase, world.ids["case"])
        case.next_review_on = TODAY + timedelta(days=3)
        case.planned_end_on = TODAY + timedelta(days=60)
        service = db.session().get(CaseService, world.ids["service"])
        service.planned_on = TODAY - timedelta(days=3)
        service.service_type = "literacy"
        db.session().commit()


def test_the_pull_carries_the_due_list_of_my_work_without_names(app, world, signed_in):
    _make_due(app, world)
    client, _ = signed_in("social")
    pulled = _pull(client)
    family = str(world.ids["family"])
    due = {(item["kind"], item["detail"]): item for item in pulled["due"]}
    assert set(due) >= {
        ("visit", ""),
        ("service", "literacy"),
        ("review", ""),
        ("ending", ""),
    }
    assert due["visit", ""] == {
        "kind": "visit",
        "family_id": family,
        "due_on": (TODAY - timedelta(days=2)).isoformat(),
        "show_from": (TODAY - timedelta(days=2)).isoformat(),
        "detail": "",
        "target": "form:home_visit",
    }
    assert due["service", "literacy"]["target"] == "form:service_record"
    # Due in 3 days: the phone shows it on the day, offline; the page does not yet.
    assert due["review", ""]["show_from"] == (TODAY + timedelta(days=3)).isoformat()
    # A planned end shows 90 days before.
    assert due["ending", ""]["show_from"] == (TODAY - timedelta(days=30)).isoformat()
    # Oldest first, as on the page.
    days = [item["due_on"] for item in pulled["due"]]
    assert days == sorted(days)
    # Nothing the family record does not already carry: no names, no case details.
    text = json.dumps(pulled["due"])
    for name in ("Krasniqi", "QPS", "Besa"):
        assert name not in text
    for item in pulled["due"]:
        assert set(item) == {
            "kind",
            "family_id",
            "due_on",
            "show_from",
            "detail",
            "target",
        }
    # The same source as the page: what is due today there is on the phone too.
    page = client.get("/cases/my-work").get_data(as_text=True)
    assert f"/forms/service_record?family={family}" in page
    assert "Plan review" not in page  # not due yet online


def test_the_due_list_is_the_users_caseload_only(app, world, signed_in):
    _make_due(app, world)
    family = str(world.ids["family"])
    for username in ("social2", "instructor"):
        client, _ = signed_in(username)
        pulled = _pull(client)
        assert family not in json.dumps(pulled["due"]), username
    client, _ = signed_in("instructor")
    assert _pull(client)["due"] == []
    # Psychologists get the sessions, not the home visits.
    client, _ = signed_in("psych")
    kinds = {item["kind"] for item in _pull(client)["due"]}
    assert "visit" not in kinds
    assert "service" in kinds


def test_the_due_list_matches_the_openapi_document(app, world, signed_in, client):
    _make_due(app, world)
    document = client.get("/api/v1/openapi.json").json
    social, _ = signed_in("social")
    pulled = _pull(social)
    assert pulled["due"]
    spec = document["paths"]["/api/v1/sync/pull"]["get"]["responses"]["200"]
    schema = spec["content"]["application/json"]["schema"]
    jsonschema.validate(
        pulled,
        {**schema, "components": document["components"]},
        format_checker=jsonschema.FormatChecker(),
    )
    broken = {**pulled, "due": [{**pulled["due"][0], "target": "elsewhere"}]}
    try:
        jsonschema.validate(broken, {**schema, "components": document["components"]})
    except jsonschema.ValidationError:
        pass
    else:  # pragma: no cover - the document must say what a target looks like
        raise AssertionError("the document accepts any target")


def test_a_service_recorded_for_a_planned_one_fulfils_it_and_leaves_the_list(
    app, world, signed_in
):
    from fieldapp.submissions.ingest import ingest_item

    _make_due(app, world)
    item = {
        "uuid": str(uuid.uuid4()),
        "form_id": "service_record",
        "form_version": 1,
        "subject_id": str(world.ids["family"]),
        "course_id": None,
        "respondent_locale": "sq",
        "answers": {
            "service_type": "literacy",
            "service_date": TODAY.isoformat(),
            "status": "completed",
            "provider": "",
            "outcome": "Reads the bus timetable",
        },
    }
    with app.test_request_context():
        social = db.session().merge(world.users["social"])
        assert ingest_item(item, user=social, device_id=None, locale="en").status == (
            "accepted"
        )
        assert ingest_item(item, user=social, device_id=None, locale="en").status == (
            "duplicate"
        )
        db.session().commit()
    with app.app_context():
        rows = list(
            db.session().scalars(
                sa.select(CaseService).where(
                    CaseService.case_id == world.ids["case"],
                    CaseService.service_type == "literacy",
                )
            )
        )
        # The planned service itself, not a second one beside it.
        assert [(r.id, r.status, r.completed_on) for r in rows] == [
            (world.ids["service"], "completed", TODAY)
        ]
        assert rows[0].submission_uuid == uuid.UUID(item["uuid"])
        assert rows[0].outcome == "Reads the bus timetable"
        event = db.session().scalar(
            sa.select(CaseEvent).where(CaseEvent.service_id == rows[0].id)
        )
        assert event.kind == "service_changed"
        assert event.changes["status"] == ["planned", "completed"]
    client, _ = signed_in("social")
    assert ("service", "literacy") not in {
        (i["kind"], i["detail"]) for i in _pull(client)["due"]
    }
    assert "Literacy" not in client.get("/cases/my-work").get_data(as_text=True)
