"""Coordinator screens: users, families with members, courses, enrolments, assignments."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family


def _get(app, model, *where):
    with app.app_context():
        return db.session().scalar(sa.select(model).where(*where))


def test_coordinator_creates_a_family_adds_a_member_and_assigns_a_worker(
    client, auth, make_user, app
):
    make_user("drita", "coordinator")
    worker = make_user("besa", "social_worker")
    auth.login("drita")
    response = client.post(
        "/families/new",
        data={
            "name": "Berisha",
            "consent_store": "yes",
            "consent_share": "yes",
            "consent_report": "no",
            "municipality": "ferizaj",
            "village": "Softaj",
            "programme": "rehabilitation_daily",
            "is_active": "y",
            "csrf_token": auth.csrf("/families/new"),
        },
    )
    assert response.status_code == 302
    family = _get(app, Family, Family.name == "Berisha")
    assert family.municipality == "ferizaj"
    detail = f"/families/{family.id}"
    response = client.post(
        f"{detail}/members",
        data={
            "full_name": "Erza Berisha",
            "birth_year": "2012",
            "sex": "female",
            "relationship": "child",
            "school": "Tefik Çanga",
            "grade": "7",
            "csrf_token": auth.csrf(detail),
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"{detail}/assignments",
        data={"user_id": str(worker.id), "csrf_token": auth.csrf(detail)},
    )
    assert response.status_code == 302
    assert (
        _get(
            app,
            Assignment,
            Assignment.family_id == family.id,
            Assignment.user_id == worker.id,
        )
        is not None
    )
    page = client.get(detail).get_data(as_text=True)
    assert "Erza Berisha" in page
    assert "Besa" in page
    assert "Ferizaj" in page  # the municipality's name, not its code


def test_coordinator_creates_a_course_and_enrols_a_student(
    client, auth, make_user, make_family, app
):
    make_user("drita", "coordinator")
    teacher = make_user("agron", "instructor")
    family = make_family("Gashi", members=("Valon Gashi",))
    auth.login("drita")
    response = client.post(
        "/courses/new",
        data={
            "name": "Saldim",
            "vocation": "welding",
            "instructor_id": str(teacher.id),
            "weekdays": ["1", "3"],
            "start_time": "14:00",
            "duration_minutes": "120",
            "location": "Punëtoria",
            "is_active": "y",
            "csrf_token": auth.csrf("/courses/new"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    course = _get(app, Course, Course.name == "Saldim")
    assert course.weekdays == "1,3"
    member_id = str(family.members[0].id)
    # Only students are offered (issue 17): register Valon first.
    response = client.post(
        f"/students/{member_id}/record",
        data={
            "referral_source": "school",
            "referral_on": "2026-09-01",
            "referral_risk": "",
            "form_locale": "sq",
            "csrf_token": auth.csrf(f"/students/{member_id}/record"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(
        f"/courses/{course.id}/enrolments",
        data={"member_id": member_id, "csrf_token": auth.csrf(f"/courses/{course.id}")},
    )
    assert response.status_code == 302
    assert _get(app, Enrolment, Enrolment.course_id == course.id) is not None
    assert "Valon Gashi" in client.get(f"/courses/{course.id}").get_data(as_text=True)


def test_creating_a_user_with_a_taken_username_gets_409(client, auth, make_user):
    make_user("drita", "coordinator")
    make_user("besa")
    auth.login("drita")
    response = client.post(
        "/users/new",
        data={
            "username": "Besa",
            "full_name": "Another Besa",
            "role": "social_worker",
            "locale": "sq",
            "is_active": "y",
            "csrf_token": auth.csrf("/users/new"),
        },
    )
    assert response.status_code == 409
    assert "already taken" in response.get_data(as_text=True)


def test_a_password_typed_into_the_new_account_form_is_refused(
    client, auth, make_user, app
):
    make_user("drita", "coordinator")
    auth.login("drita")
    response = client.post(
        "/users/new",
        data={
            "username": "newbie",
            "full_name": "New",
            "role": "instructor",
            "locale": "sq",
            "password": "a long new passphrase",
            "is_active": "y",
            "csrf_token": auth.csrf("/users/new"),
        },
    )
    assert response.status_code == 403
    assert "temporary password" in response.get_data(as_text=True)
    assert _get(app, User, User.username == "newbie") is None


def test_coordinator_cannot_create_or_edit_an_administrator(
    client, auth, make_user, app
):
    make_user("drita", "coordinator")
    admin = make_user("arta", "admin")
    auth.login("drita")
    response = client.post(
        "/users/new",
        data={
            "username": "sneaky",
            "full_name": "Sneaky",
            "role": "admin",
            "locale": "sq",
            "is_active": "y",
            "csrf_token": auth.csrf("/users/new"),
        },
    )
    assert response.status_code == 403
    assert _get(app, User, User.username == "sneaky") is None
    assert client.get(f"/users/{admin.id}/edit").status_code == 403


def test_tampered_and_unknown_ids_get_clear_4xx(client, auth, make_user):
    make_user("drita", "coordinator")
    auth.login("drita")
    assert client.get(f"/families/{uuid.uuid4()}").status_code == 404
    assert client.get("/families/not-a-uuid").status_code == 404
    assert client.get("/courses/999999").status_code == 404
    assert client.get("/users/999999/edit").status_code == 404
    response = client.post(
        "/families/new",
        data={
            "name": "",
            "municipality": "atlantis",
            "programme": "nonsense",
            "csrf_token": auth.csrf("/families/new"),
        },
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    # A post with no CSRF token at all.
    assert client.post("/families/new", data={"name": "X"}).status_code == 400


def test_family_search_ignores_diacritics_and_script(
    client, auth, make_user, make_family
):
    make_user("drita", "coordinator")
    make_family("Nikolić", members=("Đorđe Nikolić",))
    make_family("Krasniqi", members=("Arben Krasniqi",))
    auth.login("drita")
    for query in ("nikolic", "Djordje", "Ђорђе", "НИКОЛИЋ"):
        page = client.get("/families/", query_string={"q": query}).get_data(
            as_text=True
        )
        assert "Nikolić" in page, query
        assert "Krasniqi" not in page, query
