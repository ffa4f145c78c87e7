from __future__ import annotations

import copy
import uuid

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.crypto import decrypt_json
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict
from sync import samples


def ingest(app, user, item):
    with app.test_request_context():
        return ingest_item(
            item,
            user=db.session().merge(user),
            device_id=None,
            locale="en",
            keep_rejected=True,
        )


@pytest.fixture
def conflict(app, make_user):
    ana = make_user("ana", "social_worker")
    item = samples.home_visit(uuid.uuid4(), observations="first words")
    ingest(app, ana, item)
    changed = copy.deepcopy(item)
    changed["answers"]["observations"] = "second words"
    changed["answers"]["living_conditions"] = 1
    assert ingest(app, ana, changed).status == "conflict"
    with app.app_context():
        return db.session().scalar(sa.select(SubmissionConflict)).id, item


def test_coordinator_sees_both_versions_side_by_side(client, auth, make_user, conflict):
    make_user("cora", "coordinator")
    auth.login("cora")
    assert client.get("/review/").status_code == 200
    detail = client.get(f"/review/conflicts/{conflict[0]}").get_data(as_text=True)
    assert "first words" in detail
    assert "second words" in detail
    assert "How would you rate the family&#39;s living conditions?" in detail


def test_social_workers_cannot_open_review(client, auth, conflict):
    auth.login("ana")
    assert client.get("/review/").status_code == 403


def test_sensitive_answers_hidden_from_admin_on_review(
    client, auth, make_user, conflict
):
    make_user("root", "admin")
    auth.login("root")
    detail = client.get(f"/review/conflicts/{conflict[0]}").get_data(as_text=True)
    assert "first words" not in detail
    assert "second words" not in detail


def resolve(client, auth, conflict_id, rule):
    token = auth.csrf("/review/")
    return client.post(
        f"/review/conflicts/{conflict_id}", data={"rule": rule, "csrf_token": token}
    )


def test_keep_incoming_replaces_the_stored_answers(
    app, client, auth, make_user, conflict
):
    make_user("cora", "coordinator")
    auth.login("cora")
    assert resolve(client, auth, conflict[0], "keep_incoming").status_code == 302
    with app.app_context():
        sub = db.session().scalar(sa.select(Submission))
        assert sub.answers["living_conditions"] == 1
        assert decrypt_json(sub.sensitive_answers)["observations"] == "second words"
        resolved = db.session().get(SubmissionConflict, conflict[0])
        assert resolved.resolution == "kept_incoming"


def test_keep_both_stores_the_incoming_under_a_new_uuid(
    app, client, auth, make_user, conflict
):
    make_user("cora", "coordinator")
    auth.login("cora")
    resolve(client, auth, conflict[0], "keep_both")
    with app.app_context():
        subs = db.session().scalars(sa.select(Submission).order_by(Submission.id)).all()
        assert len(subs) == 2
        assert str(subs[0].uuid) == conflict[1]["uuid"]
        assert subs[0].answers["living_conditions"] == 3
        assert subs[1].answers["living_conditions"] == 1


def test_keep_original_changes_nothing_and_closes_the_conflict(
    app, client, auth, make_user, conflict
):
    make_user("cora", "coordinator")
    auth.login("cora")
    resolve(client, auth, conflict[0], "keep_original")
    with app.app_context():
        sub = db.session().scalar(sa.select(Submission))
        assert sub.answers["living_conditions"] == 3
    assert client.get(f"/review/conflicts/{conflict[0]}").status_code == 404


def test_rejected_items_show_errors_in_the_viewers_language_and_can_be_closed(
    app, client, auth, make_user
):
    ana = make_user("ana", "social_worker")
    ingest(app, ana, samples.home_visit(uuid.uuid4(), living_conditions=42))
    make_user("cora", "coordinator", locale="sq")
    auth.login("cora")
    page = client.get("/review/").get_data(as_text=True)
    assert "Vlera mund të jetë më së shumti" in page
    with app.app_context():
        rejected_id = db.session().scalar(sa.select(RejectedSubmission.id))
    token = auth.csrf("/review/")
    client.post(f"/review/rejected/{rejected_id}", data={"csrf_token": token})
    with app.app_context():
        assert db.session().get(RejectedSubmission, rejected_id).resolved_at


def test_coordinator_start_page_links_to_review(client, auth, make_user):
    make_user("cora", "coordinator")
    auth.login("cora")
    assert "/review/" in client.get("/").get_data(as_text=True)
