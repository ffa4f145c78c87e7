"""Issue 17: students, the age rule, the enrolment lifecycle and each student's progress."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from fieldapp import crypto
from fieldapp import db
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.families.models import Member
from fieldapp.prevention import services
from fieldapp.prevention.models import EnrolmentEvent
from fieldapp.prevention.models import Student
from fieldapp.submissions.ingest import ingest_item

START = date(2026, 9, 1)


@pytest.fixture
def people(app, make_user, make_family):
    users = {
        "drita": make_user("drita", "coordinator"),
        "besa": make_user("besa", "social_worker"),
        "other": make_user("other", "social_worker"),
        "agron": make_user("agron", "instructor"),
        "ilir": make_user("ilir", "instructor"),
    }
    family = make_family(
        "Berisha",
        members=("Mother Berisha", "Arta Berisha", "Dren Berisha"),
        assigned_to=(users["besa"],),
    )
    with app.app_context():
        mother, arta, dren = (db.session().get(Member, m.id) for m in family.members)
        mother.birth_year = 1985
        arta.birth_year = 2012  # 14 in 2026
        dren.birth_year = 2015  # 11 in 2026: too young
        for member in (arta, dren):
            db.session().add(
                Student(member_id=member.id, referral_source="csw", referral_on=START)
            )
        course = Course(
            name="Saldim",
            vocation="welding",
            instructor_id=users["agron"].id,
            starts_on=START,
        )
        db.session().add(course)
        db.session().commit()
        ids = {
            "family": family.id,
            "mother": mother.id,
            "arta": arta.id,
            "dren": dren.id,
            "course": course.id,
        }
    return users, ids


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _enrol(client, course_id, member_id, reason: str = ""):
    return client.post(
        f"/courses/{course_id}/enrolments",
        data={
            "member_id": str(member_id),
            "age_reason": reason,
            "csrf_token": _csrf(client, f"/courses/{course_id}"),
        },
    )


def test_enrolment_offers_students_only_never_adults(client, auth, people):
    _, ids = people
    auth.login("drita")
    page = client.get(f"/courses/{ids['course']}").get_data(as_text=True)
    assert f'value="{ids["arta"]}"' in page
    assert f'value="{ids["dren"]}"' in page
    assert f'value="{ids["mother"]}"' not in page  # an adult, not a student
    response = _enrol(client, ids["course"], ids["mother"])
    assert response.status_code == 422


def test_age_rule_and_its_recorded_override(client, auth, people, app):
    _, ids = people
    auth.login("drita")
    assert _enrol(client, ids["course"], ids["arta"]).status_code == 302
    response = _enrol(client, ids["course"], ids["dren"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "11 years old, outside 12–16" in page
    with app.app_context():
        assert (
            db.session().scalar(
                sa.select(Enrolment).where(Enrolment.member_id == ids["dren"])
            )
            is None
        )
    reason = "His sister attends; the school asked us to include him."
    assert _enrol(client, ids["course"], ids["dren"], reason).status_code == 302
    with app.app_context():
        enrolment = db.session().scalar(
            sa.select(Enrolment).where(Enrolment.member_id == ids["dren"])
        )
        assert enrolment.age_reason == reason
        event = db.session().scalar(
            sa.select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment.id)
        )
        assert (event.kind, event.note) == ("enrolled", reason)


def test_age_is_exact_when_the_birthday_is_known(app, people):
    _, ids = people
    with app.app_context():
        member = db.session().get(Member, ids["arta"])
        student = services.student_of(member.id)
        student.birth_date = date(2010, 9, 2)
        assert services.age_on(member, student, START) == 15
        student.birth_date = date(2010, 9, 1)
        assert services.age_on(member, student, START) == 16
        student.birth_date = date(2009, 8, 31)
        assert services.age_on(member, student, START) == 17
        assert not services.age_ok(17)
        member.birth_year = None
        assert services.age_on(member, None, START) is None


def _enrolment(app, member_id) -> int:
    with app.app_context():
        return db.session().scalar(
            sa.select(Enrolment.id).where(Enrolment.member_id == member_id)
        )


def test_completion_then_no_second_ending(client, auth, people, app):
    _, ids = people
    auth.login("drita")
    _enrol(client, ids["course"], ids["arta"])
    eid = _enrolment(app, ids["arta"])
    path = f"/courses/{ids['course']}/enrolments/{eid}"
    token = _csrf(client, f"/courses/{ids['course']}")
    early = client.post(
        path + "/complete",
        data={f"c{eid}-completed_on": "2026-08-31", "csrf_token": token},
    )
    assert early.status_code == 422
    assert "cannot be before the course started (01.09.2026)" in early.get_data(
        as_text=True
    )
    done = client.post(
        path + "/complete",
        data={
            f"c{eid}-completed_on": "2026-11-30",
            f"c{eid}-certificate": "y",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    again = client.post(
        path + "/leave",
        data={f"l{eid}-left_on": "2026-12-01", f"l{eid}-reason": "moved",
              "csrf_token": token},
    )  # fmt: skip
    assert again.status_code == 409
    assert "This enrolment has already ended." in again.get_data(as_text=True)
    with app.app_context():
        enrolment = db.session().get(Enrolment, eid)
        assert (enrolment.status, enrolment.ended_on) == (
            "completed",
            date(2026, 11, 30),
        )
        events = (
            db.session()
            .scalars(
                sa.select(EnrolmentEvent)
                .where(EnrolmentEvent.enrolment_id == eid)
                .order_by(EnrolmentEvent.id)
            )
            .all()
        )
        assert [(e.kind, e.certificate) for e in events] == [
            ("enrolled", False),
            ("completed", True),
        ]
    # The roster no longer lists her; the course page shows her as former.
    page = client.get(f"/courses/{ids['course']}").get_data(as_text=True)
    assert 'data-status="completed"' in page


def test_leaving_early_needs_a_listed_reason_and_a_second_course_is_allowed(
    client, auth, people, app, make_user
):
    users, ids = people
    auth.login("drita")
    _enrol(client, ids["course"], ids["arta"])
    eid = _enrolment(app, ids["arta"])
    path = f"/courses/{ids['course']}/enrolments/{eid}/leave"
    token = _csrf(client, f"/courses/{ids['course']}")
    bad = client.post(
        path,
        data={f"l{eid}-left_on": "2026-10-10", f"l{eid}-reason": "bored",
              f"l{eid}-note": "kept", "csrf_token": token},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "kept" in bad.get_data(as_text=True)
    ok = client.post(
        path,
        data={f"l{eid}-left_on": "2026-10-10", f"l{eid}-reason": "employment",
              "csrf_token": token},
    )  # fmt: skip
    assert ok.status_code == 302
    with app.app_context():
        second = Course(
            name="Berberi",
            vocation="barbering",
            instructor_id=users["ilir"].id,
            starts_on=date(2026, 11, 1),
        )
        db.session().add(second)
        db.session().commit()
        second_id = second.id
    assert _enrol(client, second_id, ids["arta"]).status_code == 302
    page = client.get(f"/students/{ids['arta']}").get_data(as_text=True)
    assert page.count("data-enrolment=") == 2
    assert 'data-event="left_early"' in page
    assert "Found work" in page


def test_the_referral_risk_is_sealed_and_shown_to_case_staff_only(
    client, auth, people, app
):
    _, ids = people
    auth.login("drita")
    path = f"/students/{ids['arta']}/record"
    response = client.post(
        path,
        data={
            "school": "Shkolla Naim Frashëri",
            "grade": "8",
            "referral_source": "youth_probation",
            "referral_on": "2026-08-20",
            "referral_risk": "perpetrator",
            "form_locale": "sr_Cyrl",
            "csrf_token": _csrf(client, path),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        raw = (
            db.session()
            .execute(
                sa.text("SELECT referral_risk FROM student WHERE member_id = :m"),
                {
                    "m": ids["arta"].hex
                    if db.engine().dialect.name == "sqlite"
                    else ids["arta"]
                },
            )
            .scalar_one()
        )
        assert "perpetrator" not in raw
        assert crypto.decrypt_json(raw) == {"risk": "perpetrator"}
        assert Student.referral_risk.info == crypto.SEALED
    page = client.get(f"/students/{ids['arta']}").get_data(as_text=True)
    assert "At risk of becoming a perpetrator" in page
    # Measures open in the student's own language.
    link = re.search(r'data-measure-form="self_esteem" href="([^"]+)"', page).group(1)
    assert "respondent_lang=sr_Cyrl" in link
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Уопште се не слажем" in form
    auth.logout()
    auth.login("besa")  # the family's social worker
    page = client.get(f"/students/{ids['arta']}").get_data(as_text=True)
    assert "At risk of becoming a perpetrator" in page
    auth.logout()
    _enrol_directly(app, ids["course"], ids["arta"])
    auth.login("agron")  # the instructor: attendance and life skills only
    page = client.get(f"/students/{ids['arta']}").get_data(as_text=True)
    assert "perpetrator" not in page
    assert "Naim Frashëri" not in page
    assert "Berisha</a>" not in page  # no link to the family's case
    assert 'data-measure="self_esteem"' not in page
    auth.logout()
    auth.login("ilir")  # another instructor
    assert client.get(f"/students/{ids['arta']}").status_code == 404
    auth.logout()
    auth.login("other")  # a social worker of other families
    assert client.get(f"/students/{ids['arta']}").status_code == 404


def _enrol_directly(app, course_id, member_id) -> None:
    with app.app_context():
        db.session().add(
            Enrolment(course_id=course_id, member_id=member_id, enrolled_on=START)
        )
        db.session().commit()


def _ingest(app, user, form_id, answers, *, family=None, course=None) -> None:
    with app.test_request_context():
        result = ingest_item(
            {
                "uuid": str(uuid.uuid4()),
                "form_id": form_id,
                "form_version": 1,
                "subject_id": str(family) if family else None,
                "course_id": course,
                "respondent_locale": "sq",
                "answers": answers,
            },
            user=db.session().merge(user),
            device_id=None,
            locale="en",
        )
        assert result.status == "accepted", result.errors


def test_progress_figures_match_hand_computed_values(client, auth, people, app):
    users, ids = people
    _enrol_directly(app, ids["course"], ids["arta"])
    arta = str(ids["arta"])
    marks = [
        ("2026-09-02", "present"),
        ("2026-09-09", "absent"),
        ("2026-09-16", "late"),
        ("2026-09-23", "excused"),
        ("2026-10-07", "present"),
        ("2026-10-14", "present"),
    ]
    for day, status in marks:
        _ingest(app, users["agron"], "class_attendance",
                {"session_date": day, "attendance": {arta: {"status": status}}},
                course=ids["course"])  # fmt: skip
    about = {"student": arta, "measure_date": "2026-09-05"}
    baseline = (3, 0, 2, 1, 1, 2, 3, 3, 0, 2)  # 20 (reverse: 2, 5, 6, 8, 9)
    completion = (3, 0, 3, 3, 0, 0, 3, 0, 0, 3)  # 30
    for timepoint, values in (("baseline", baseline), ("completion", completion)):
        answers = about | {"timepoint": timepoint}
        answers |= {f"rses_{n}": v for n, v in enumerate(values, 1)}
        _ingest(app, users["besa"], "self_esteem", answers, family=ids["family"])
    _ingest(app, users["besa"], "school_attendance",
            about | {"timepoint": "mid", "days_possible": 90, "days_attended": 81},
            family=ids["family"])  # fmt: skip
    _ingest(app, users["agron"], "life_skills",
            {"timepoint": "baseline", "measure_date": "2026-09-05",
             "students": {arta: {"skills": ["teamwork", "anger"], "reading": 2}}},
            course=ids["course"])  # fmt: skip

    auth.login("besa")
    page = client.get(f"/students/{arta}").get_data(as_text=True)
    # September: present + late of present, absent, late (excused not counted) = 2/3
    assert re.search(r'data-month="2026-09">.*?2 / 3</td><td>67%', page, re.S)
    assert re.search(r'data-month="2026-10">.*?2 / 2</td><td>100%', page, re.S)
    row = re.search(r'data-measure="self_esteem">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["20", "—", "30"]
    row = re.search(r'data-measure="school_rate">(.*?)</tr>', page, re.S).group(1)
    assert "90%" in row
    assert "(81/90)" in row
    row = re.search(r'data-measure="life_skills">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["2", "—", "—"]
    # The chart: a title, a text summary, no inline style.
    assert '<title id="chart-self-esteem-title">' in page
    assert "Baseline: 20; Completion: 30" in page
    assert "style=" not in page
    auth.logout()

    auth.login("agron")
    page = client.get(f"/students/{arta}").get_data(as_text=True)
    assert re.search(r'data-month="2026-09">.*?67%', page, re.S)
    assert 'data-measure="life_skills"' in page
    assert 'data-measure="self_esteem"' not in page
    assert 'data-measure="school_rate"' not in page
    assert "chart-self-esteem" not in page


def test_the_demo_has_two_cohorts_with_measures_and_leavers(
    app, runner, monkeypatch, client, auth
):
    monkeypatch.setenv("FIELDAPP_DEMO_PASSWORD", "demo password for tests")
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # safe to run again
    with app.app_context():
        session = db.session()
        statuses = session.execute(
            sa.select(Enrolment.status, sa.func.count()).group_by(Enrolment.status)
        ).all()
        counts = dict(statuses)
        assert counts["completed"] >= 10
        assert counts["left_early"] >= 4
        assert session.scalar(sa.select(sa.func.count()).select_from(Student)) >= 16
        courses = session.scalars(
            sa.select(Course).where(Course.starts_on.is_not(None))
        )
        assert len(list(courses)) == 2
        member_id = session.scalar(
            sa.select(Enrolment.member_id).where(Enrolment.status == "completed")
        )
    client.post("/auth/login", data={})  # a fresh session
    auth.login("coordinator", "demo password for tests")
    page = client.get(f"/students/{member_id}").get_data(as_text=True)
    months = re.findall(r'data-month="(\d{4}-\d{2})"', page)
    assert len(months) >= 6
    row = re.search(r'data-measure="self_esteem">(.*?)</tr>', page, re.S).group(1)
    assert "—" not in row  # baseline, mid and completion all measured


def test_a_group_activity_writes_its_row_and_shows_on_the_progress_page(
    client, auth, people, app
):
    _, ids = people
    _enrol_directly(app, ids["course"], ids["arta"])
    arta = str(ids["arta"])
    auth.login("agron")
    page = client.get("/forms/group_activity?lang=en").get_data(as_text=True)
    assert f'value="{arta}"' in page  # the instructor's students are offered
    assert f'value="{ids["mother"]}"' not in page
    envelope = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)
        for name in ("csrf_token", "submission_uuid", "form_version", "started_at")
    } | {"respondent_locale": "en"}
    data = envelope | {
        "activity_date": "2026-10-05",
        "kind": "workshop",
        "topic": "other",
        "facilitators": "Agron",
        "place": "Punëtoria",
        "girls_12_16": "6",
        "boys_12_16": "8",
        "students": [arta],
    }
    refused = client.post("/forms/group_activity", data=data)
    assert refused.status_code == 422  # "other" needs its topic
    assert "Punëtoria" in refused.get_data(as_text=True)
    data["topic_other"] = "Menaxhimi i parave"
    response = client.post("/forms/group_activity", data=data)
    assert response.status_code in (302, 303)
    with app.app_context():
        from fieldapp.prevention.models import ActivityStudent
        from fieldapp.prevention.models import GroupActivity

        activity = db.session().scalar(sa.select(GroupActivity))
        assert (activity.kind, activity.topic_other, activity.total) == (
            "workshop",
            "Menaxhimi i parave",
            14,
        )
        assert activity.participants == {"girls_12_16": 6, "boys_12_16": 8}
        taking_part = db.session().scalars(sa.select(ActivityStudent.member_id)).all()
        assert taking_part == [ids["arta"]]
    detail = client.get(f"/submissions/{data['submission_uuid']}")
    assert detail.status_code == 200  # no family or course: still readable
    page = client.get(f"/students/{arta}").get_data(as_text=True)
    assert "Life and social skills workshop" in page
    assert "Menaxhimi i parave" in page


def test_course_page_shows_rates_and_highlights_three_absences_in_a_row(
    client, auth, people, app
):
    users, ids = people
    _enrol_directly(app, ids["course"], ids["arta"])
    _enrol_directly(app, ids["course"], ids["dren"])
    arta, dren = str(ids["arta"]), str(ids["dren"])
    week = [
        ("2026-09-02", "present", "present"),
        ("2026-09-09", "absent", "absent"),
        ("2026-09-16", "absent", "present"),
        ("2026-09-23", "excused", "absent"),
        ("2026-09-30", "absent", "absent"),
    ]
    for day, a, d in week:
        _ingest(app, users["agron"], "class_attendance",
                {"session_date": day, "attendance": {arta: {"status": a},
                                                     dren: {"status": d}}},
                course=ids["course"])  # fmt: skip
    auth.login("agron")
    page = client.get(f"/courses/{ids['course']}").get_data(as_text=True)
    rows = dict(re.findall(r'<li data-student-row="([^"]+)"([^>]*)>', page))
    # Arta: absent 09, 16, (excused 23 skipped), 30: three in a row; 1 of 4 = 25%
    assert 'data-streak="3"' in rows[arta]
    assert "attended 25% (1 of 4)" in page
    # Dren: absent 23 and 30 only: two in a row, not highlighted; 2 of 5 = 40%
    assert "streak" not in rows[dren]
    assert "attended 40% (2 of 5)" in page
    assert "absent 3 times in a row" in page
    # The phone pulls the same figures, for the course page it shows offline.
    from tests.fieldapp.test_sync_api import Api

    auth.logout()
    (course,) = Api(client, auth, "agron").pull()["courses"]
    rows = {r["id"]: r for r in course["roster"]}
    assert (rows[arta]["rate"], rows[arta]["absent_run"]) == (25, 3)
    assert (rows[dren]["rate"], rows[dren]["counted"]) == (40, 5)
    # The copy kept offline carries no names.
    shell = client.get(f"/courses/{ids['course']}?shell=1").get_data(as_text=True)
    assert "Berisha" not in shell
    assert f'data-course-shell="{ids["course"]}"' in shell
