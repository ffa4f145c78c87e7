from __future__ import annotations

import copy
import gzip
import json
import uuid

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.families import services as family_services
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.submissions.models import Submission
from sync import samples

DEVICE = str(uuid.uuid4())


class Api:
    """A signed-in device talking to /api/v1 like the PWA's sync client."""

    def __init__(self, client, auth, username):
        self.client = client
        auth.login(username)
        self.token = client.get("/api/v1/csrf").json["csrf_token"]
        self.device = str(uuid.uuid4())

    def headers(self, **extra):
        return {"X-CSRFToken": self.token, "X-Device-Id": self.device, **extra}

    def push(self, *items, **kw):
        body = {
            "protocol": 1,
            "device": {
                "id": self.device,
                "pending_count": len(items),
                "oldest_pending_at": None,
                "app_version": "1",
            },
            "items": list(items),
        }
        return self.client.post(
            "/api/v1/sync/push", json=body, headers=self.headers(), **kw
        )

    def pull(self, cursor=None):
        url = "/api/v1/sync/pull" + (f"?cursor={cursor}" if cursor else "")
        response = self.client.get(url, headers={"X-Device-Id": self.device})
        assert response.status_code == 200
        return response.json


@pytest.fixture
def api(client, auth, make_user):
    make_user("ana", "social_worker")
    return Api(client, auth, "ana")


def count(app, model=Submission):
    with app.app_context():
        return db.session().scalar(sa.select(sa.func.count()).select_from(model))


def test_csrf_endpoint_needs_a_session(client):
    response = client.get("/api/v1/csrf")
    assert response.status_code == 401
    assert response.json["error"] == "login_required"


def test_push_without_session_is_401_and_keeps_nothing(app, client):
    response = client.post(
        "/api/v1/sync/push",
        json={
            "protocol": 1,
            "device": {"id": DEVICE},
            "items": [samples.home_visit(uuid.uuid4())],
        },
    )
    assert response.status_code == 401
    assert response.json["error"] == "login_required"
    assert count(app) == 0


def test_push_without_csrf_token_is_refused(app, api):
    body = {
        "protocol": 1,
        "device": {"id": api.device},
        "items": [samples.home_visit(uuid.uuid4())],
    }
    response = api.client.post("/api/v1/sync/push", json=body)
    assert response.status_code == 400
    assert response.json["error"] == "csrf"
    assert count(app) == 0


def test_replaying_a_batch_stores_each_item_once(app, api):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    first = api.push(*batch).json["results"]
    assert [r["status"] for r in first] == ["accepted"] * 3
    for _ in range(3):
        again = api.push(*copy.deepcopy(batch)).json["results"]
        assert [r["status"] for r in again] == ["duplicate"] * 3
        assert [r["receipt"] for r in again] == [r["receipt"] for r in first]
    assert count(app) == 3


def test_a_response_lost_after_commit_makes_the_retry_a_duplicate(app, api):
    item = samples.home_visit(uuid.uuid4())
    api.push(item)  # the device never sees this answer
    retry = api.push(item).json["results"][0]
    assert retry["status"] == "duplicate"
    with app.app_context():
        stored = db.session().scalar(sa.select(Submission))
    assert retry["receipt"]["server_id"] == stored.id
    assert retry["receipt"]["content_hash"] == stored.content_hash


def test_one_bad_item_does_not_sink_the_batch(app, api):
    good, later = samples.home_visit(uuid.uuid4()), samples.home_visit(uuid.uuid4())
    bad = samples.home_visit(uuid.uuid4(), living_conditions="lots")
    results = api.push(good, bad, "not an item", later).json["results"]
    assert [r["status"] for r in results] == [
        "accepted",
        "rejected",
        "refused",
        "accepted",
    ]
    assert results[1]["errors"]["living_conditions"][0]["message"]
    assert results[1]["message"]
    assert count(app) == 2


def test_intake_and_earlier_visit_in_one_batch_are_both_accepted_and_linked(app, api):
    family = uuid.uuid4()
    visit = samples.home_visit(family, next_visit_date="2025-04-09")
    results = api.push(visit, samples.family_intake(family)).json["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    with app.app_context():
        linked = db.session().scalars(
            sa.select(Submission.form_id).join(
                Family, Family.id == Submission.family_id
            )
        )
        assert sorted(linked) == ["family_intake", "home_visit"]
    pulled = api.pull()
    assert [f["id"] for f in pulled["families"]] == [str(family)]
    assert pulled["families"][0]["next_visit_on"] == "2025-04-09"


def test_roster_naming_a_student_not_enrolled_is_rejected_field_by_field(
    app, client, auth, make_user, make_family, make_course
):
    teacher = make_user("ilir", "instructor")
    family = make_family(members=("A", "B"))
    stranger = make_family("Other", members=("C",)).members[0]
    course = make_course(teacher, students=(family.members[0],))
    api = Api(client, auth, "ilir")
    item = samples.class_attendance(
        course.id, [str(family.members[0].id), str(stranger.id)]
    )
    result = api.push(item).json["results"][0]
    assert result["status"] == "rejected"
    assert list(result["errors"]) == [f"attendance.{stranger.id}"]
    assert result["errors"][f"attendance.{stranger.id}"][0]["code"] == "not_enrolled"


def test_a_form_version_that_does_not_exist_is_rejected_with_a_clear_message(api):
    item = dict(samples.home_visit(uuid.uuid4()), form_version=7)
    result = api.push(item).json["results"][0]
    assert result["status"] == "rejected"
    issue = result["errors"]["form_version"][0]
    assert issue["code"] == "unknown_version"
    assert "7" in issue["message"]
    assert result["message"] == issue["message"]


def test_author_id_of_another_user_is_refused(api):
    item = dict(samples.home_visit(uuid.uuid4()), author_id=999)
    result = api.push(item).json["results"][0]
    assert result["status"] == "refused"


def test_malformed_bodies_get_400_with_field_errors_never_500(api):
    post = api.client.post
    headers = api.headers()
    assert (
        post(
            "/api/v1/sync/push",
            data="{nope",
            headers=headers,
            content_type="application/json",
        ).status_code
        == 400
    )
    assert (
        post(
            "/api/v1/sync/push",
            data="[]",
            headers=headers,
            content_type="application/json",
        ).status_code
        == 400
    )
    response = post(
        "/api/v1/sync/push",
        json={"protocol": "1", "device": {}, "items": {}},
        headers=headers,
    )
    assert response.status_code == 400
    assert set(response.json["errors"]) >= {"protocol", "device", "items"}
    assert (
        post(
            "/api/v1/sync/push",
            data="x=1",
            headers=headers,
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 415
    )
    assert (
        post(
            "/api/v1/sync/push",
            data=b"\xff\xfe",
            headers=headers,
            content_type="application/json",
        ).status_code
        == 400
    )


def test_too_many_items_is_422(app, api):
    app.config["SYNC_MAX_ITEMS"] = 2
    response = api.push(*[samples.home_visit(uuid.uuid4()) for _ in range(3)])
    assert response.status_code == 422
    assert response.json["error"] == "too_many_items"
    assert count(app) == 0


def test_an_oversize_body_is_413_in_the_json_error_shape(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    item = samples.home_visit(uuid.uuid4(), follow_up="x" * 2000)
    response = api.push(item)
    assert response.status_code == 413
    assert response.json["code"] == 413
    assert response.json["error"] == "too_large"
    assert response.json["message"]


def test_errors_come_in_the_users_language(app, client, auth, make_user):
    make_user("besa", "social_worker", locale="sq")
    api = Api(client, auth, "besa")
    bad = samples.home_visit(uuid.uuid4(), living_conditions=42)
    result = api.push(bad).json["results"][0]
    assert result["errors"]["living_conditions"][0]["message"].startswith("Vlera")


def test_a_visit_for_another_workers_family_is_rejected(api, make_user, make_family):
    other = make_user("dea", "social_worker")
    family = make_family(assigned_to=(other,))
    result = api.push(samples.home_visit(family.id)).json["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"]["subject_id"][0]["code"] == "not_your_family"


def test_pull_never_returns_another_workers_family(app, api, make_user, make_family):
    from fieldapp.auth.models import User

    other = make_user("dea", "social_worker")
    theirs = make_family("Theirs", assigned_to=(other,))
    with app.app_context():
        ana_user = db.session().scalar(sa.select(User).where(User.username == "ana"))
    mine = make_family("Mine", assigned_to=(ana_user,))
    pulled = api.pull()
    assert pulled["family_ids"] == [str(mine.id)]
    assert [f["id"] for f in pulled["families"]] == [str(mine.id)]
    assert str(theirs.id) not in json.dumps(pulled)


def test_a_reassigned_family_disappears_from_the_next_pull(app, api, make_family):
    from fieldapp.auth.models import User

    with app.app_context():
        ana_user = db.session().scalar(sa.select(User).where(User.username == "ana"))
    family = make_family("Mine", assigned_to=(ana_user,))
    first = api.pull()
    assert first["full"]
    assert first["family_ids"] == [str(family.id)]
    with app.app_context():
        assignment = db.session().scalar(sa.select(Assignment))
        family_services.end_assignment(assignment)
        db.session().commit()
    second = api.pull(first["cursor"])
    assert not second["full"]
    assert second["family_ids"] == []
    assert second["forms"] == []


def test_instructors_pull_rosters_only(
    client, auth, make_user, make_family, make_course
):
    teacher = make_user("ilir", "instructor")
    family = make_family(members=("Student",))
    make_course(teacher, students=(family.members[0],))
    make_course(make_user("other", "instructor"), name="Not mine")
    pulled = Api(client, auth, "ilir").pull()
    assert pulled["families"] == []
    assert pulled["family_ids"] == []
    assert [c["name"] for c in pulled["courses"]] == ["Welding"]
    assert pulled["courses"][0]["roster"] == [
        {
            "id": str(family.members[0].id),
            "full_name": "Student",
            # class attendance for the course page offline (issue 17)
            "rate": None,
            "attended": 0,
            "counted": 0,
            "absent_run": 0,
        }
    ]
    assert [f["id"] for f in pulled["forms"]] == [
        "class_attendance",
        "group_activity",
        "life_skills",
    ]


def test_psych_sessions_are_not_pulled_or_readable_by_social_workers(
    app, client, auth, make_user, make_family
):
    psy = make_user("pia", "psychologist")
    ana = make_user("ana", "social_worker")
    family = make_family(assigned_to=(psy, ana))
    api = Api(client, auth, "pia")
    item = samples.psych_support(
        family.id, present=[str(family.members[0].id)], clinical_notes="deep secret"
    )
    assert api.push(item).json["results"][0]["status"] == "accepted"
    auth.logout()
    social = Api(client, auth, "ana")
    assert "deep secret" not in json.dumps(social.pull())
    assert "psych_support" not in [f["id"] for f in social.pull()["forms"]]
    page = client.get(f"/submissions/{item['uuid']}")
    assert page.status_code == 404


def test_pull_is_gzipped_when_the_client_accepts_it(api):
    response = api.client.get(
        "/api/v1/sync/pull", headers={"Accept-Encoding": "gzip, br"}
    )
    assert response.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.data))
    assert body["protocol"] == 1
    assert response.headers["Cache-Control"] == "no-store"
