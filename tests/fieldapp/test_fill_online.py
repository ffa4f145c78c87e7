"""Issue 3: each form filled online through the plain HTML page, as its role, in each language."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.courses.models import Attendance
from fieldapp.families.models import Family
from fieldapp.submissions.models import Submission

LANGS = ["sq", "sr_Latn", "sr_Cyrl", "en"]
TODAY = date.today().isoformat()


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, name
    return match.group(1)


def _envelope(page: str) -> dict[str, str]:
    return {
        name: _hidden(page, name)
        for name in (
            "csrf_token",
            "submission_uuid",
            "form_version",
            "started_at",
            "respondent_locale",
        )
    }


def _visit_form(client, family, lang: str = "en") -> dict[str, object]:
    """Open the home visit page for ``family``; return its envelope and subject."""
    page = client.get(f"/forms/home_visit?family={family.id}&lang={lang}").get_data(
        as_text=True
    )
    return _envelope(page) | {"subject_id": str(family.id)}


@pytest.fixture
def people(make_user, make_family, make_course):
    social = make_user("social", "social_worker")
    psych = make_user("psych", "psychologist")
    teacher = make_user("agron", "instructor")
    family = make_family(
        "Hoxha", members=("Lumnije Hoxha", "Endrit Hoxha"), assigned_to=(social, psych)
    )
    course = make_course(teacher, students=tuple(family.members))
    return {"family": family, "course": course}


def _stored(app, submission_uuid: str) -> Submission:
    with app.app_context():
        return db.session().scalar(
            sa.select(Submission).where(Submission.uuid == uuid.UUID(submission_uuid))
        )


@pytest.mark.parametrize("lang", LANGS)
def test_family_intake_creates_the_family_and_its_members(
    client, auth, people, app, lang
):
    auth.login("social")
    page = client.get(
        f"/forms/family_intake?lang={lang}&respondent_lang=sr_Cyrl"
    ).get_data(as_text=True)
    assert 'lang="sr-Cyrl"' in page  # the family reads the questions in their language
    data = _envelope(page) | {
        "subject_id": _hidden(page, "subject_id"),
        "family_name": "Morina",
        "municipality": "gjakove",
        "village": "Rogovë",
        "members.0.full_name": "Hysen Morina",
        "members.0.birth_year": "1975",
        "members.0.sex": "male",
        "members.0.relationship": "head",
        "members.1.full_name": "Kushtrim Morina",
        "members.1.birth_year": "2011",
        "members.1.sex": "male",
        "members.1.relationship": "child",
        "members.1.attends_school": "true",
        "members.1.school": "Mustafa Bakija",
        "members.1.grade": "8",
        "referral_source": "school",
        "programme": "prevention",
        "consent_services": "true",
        "consent_data": "true",
        "consent_photos": "false",
        "consent_recorded_by": "Besa",
        "consent_date": TODAY,
    }
    response = client.post("/forms/family_intake", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    stored = _stored(app, data["submission_uuid"])
    assert stored.respondent_locale == "sr_Cyrl"
    with app.app_context():
        family = db.session().get(Family, uuid.UUID(data["subject_id"]))
        assert family is not None
        assert family.name == "Morina"
        assert sorted(m.full_name for m in family.members) == [
            "Hysen Morina",
            "Kushtrim Morina",
        ]
    # The worker who registered the family now has it in their caseload.
    assert "Morina" in client.get("/families/").get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGS)
def test_home_visit_is_stored_with_its_family(client, auth, people, app, lang):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family, lang) | {
        "visit_date": TODAY,
        "present_members": [str(m.id) for m in family.members],
        "living_conditions": "4",
        "risk_level": "no_concern",
        "next_visit_date": TODAY,
    }
    response = client.post("/forms/home_visit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    stored = _stored(app, data["submission_uuid"])
    assert stored.family_id == family.id
    assert stored.author_id is not None
    with app.app_context():
        assert db.session().get(Family, family.id).next_visit_on == date.today()


@pytest.mark.parametrize("lang", LANGS)
def test_psych_support_is_stored_by_a_psychologist(client, auth, people, app, lang):
    auth.login("psych")
    family = people["family"]
    page = client.get(f"/forms/psych_support?family={family.id}&lang={lang}").get_data(
        as_text=True
    )
    data = _envelope(page) | {
        "subject_id": str(family.id),
        "session_date": TODAY,
        "members_present": [str(family.members[0].id)],
        "session_type": "individual",
        "modality": "centre",
        "interventions": ["psychoeducation"],
        "wellbeing": "6",
        "risk_flags": ["none"],
    }
    response = client.post("/forms/psych_support", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _stored(app, data["submission_uuid"]).form_id == "psych_support"


@pytest.mark.parametrize("lang", LANGS)
def test_class_attendance_writes_one_row_per_student(client, auth, people, app, lang):
    auth.login("agron")
    course = people["course"]
    members = people["family"].members
    page = client.get(
        f"/forms/class_attendance?course={course.id}&lang={lang}"
    ).get_data(as_text=True)
    assert page.count('value="present" checked') == len(
        members
    )  # everyone starts present
    data = _envelope(page) | {
        "course_id": str(course.id),
        "session_date": TODAY,
        f"attendance.{members[0].id}.status": "present",
        f"attendance.{members[1].id}.status": "late",
        f"attendance.{members[1].id}.note": "Came after the break",
    }
    response = client.post("/forms/class_attendance", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    stored = _stored(app, data["submission_uuid"])
    with app.app_context():
        rows = (
            db.session()
            .scalars(sa.select(Attendance).where(Attendance.submission_id == stored.id))
            .all()
        )
        assert {(r.member_id, r.status) for r in rows} == {
            (members[0].id, "present"),
            (members[1].id, "late"),
        }


def test_bad_answers_are_refused_field_by_field_and_the_rest_kept(
    client, auth, people, app
):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family) | {
        "visit_date": "2025-02-30",
        "present_members": [str(uuid.uuid4())],
        "living_conditions": "9",
        "risk_level": "apocalyptic",
        "follow_up": "Call the school on Monday",
        "not_a_question": "x",
    }
    response = client.post("/forms/home_visit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="error"') >= 4
    assert "Call the school on Monday" in page  # the user's other answers are kept
    assert _stored(app, data["submission_uuid"]) is None


@pytest.mark.parametrize("number", ["9" * 5000, str(2**1024), "-" + "9" * 400])
def test_a_number_too_long_to_read_is_an_answer_to_fix_not_a_crash(
    client, auth, people, app, number
):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family) | {
        "visit_date": TODAY,
        "present_members": [str(family.members[0].id)],
        "living_conditions": number,
        "risk_level": "low",
    }
    response = client.post("/forms/home_visit", data=data)
    assert response.status_code == 422
    assert 'id="living_conditions-error"' in response.get_data(as_text=True)
    assert _stored(app, data["submission_uuid"]) is None


def test_errors_come_in_the_users_language(client, auth, people):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family, "sq")
    page = client.post("/forms/home_visit", data=data).get_data(as_text=True)
    assert "Kjo fushë është e detyrueshme" in page


def test_a_roster_naming_a_student_not_enrolled_is_refused(
    client, auth, people, app, make_family
):
    auth.login("agron")
    stranger = make_family("Shala", members=("Rina Shala",)).members[0]
    course = people["course"]
    page = client.get(f"/forms/class_attendance?course={course.id}&lang=en").get_data(
        as_text=True
    )
    data = (
        _envelope(page)
        | {"course_id": str(course.id), "session_date": TODAY}
        | {f"attendance.{m.id}.status": "present" for m in people["family"].members}
        | {f"attendance.{stranger.id}.status": "present"}
    )
    assert client.post("/forms/class_attendance", data=data).status_code == 422


def test_a_form_version_that_no_longer_exists_is_refused(client, auth, people):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family) | {
        "form_version": "99",
        "visit_date": TODAY,
        "living_conditions": "3",
        "risk_level": "low",
        "present_members": [str(family.members[0].id)],
    }
    response = client.post("/forms/home_visit", data=data)
    assert response.status_code == 422


def test_a_role_that_may_not_fill_a_form_gets_403(client, auth, people):
    auth.login("agron")
    assert client.get("/forms/home_visit").status_code == 403
    assert client.get("/forms/psych_support").status_code == 403
    auth.logout()
    auth.login("social")
    assert client.get("/forms/psych_support").status_code == 403
    assert client.get("/forms/no_such_form").status_code == 404


def test_without_javascript_continue_shows_the_chosen_familys_members(
    client, auth, people
):
    auth.login("social")
    page = client.get("/forms/home_visit?lang=en").get_data(as_text=True)
    assert 'name="continue"' in page
    family = people["family"]
    assert "Endrit Hoxha" not in page
    page = client.get(f"/forms/home_visit?subject_id={family.id}&continue=1").get_data(
        as_text=True
    )
    assert "Endrit Hoxha" in page


def test_sending_the_same_page_twice_with_other_answers_is_kept_aside_and_said(
    client, auth, people, app
):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family) | {
        "visit_date": TODAY,
        "present_members": [str(family.members[0].id)],
        "living_conditions": "4",
        "risk_level": "low",
    }
    assert client.post("/forms/home_visit", data=data).status_code == 302
    again = client.post("/forms/home_visit", data=data)
    assert again.status_code == 302
    assert "status=duplicate" in again.headers["Location"]
    changed = client.post("/forms/home_visit", data=data | {"living_conditions": "1"})
    assert changed.status_code == 409
    assert 'class="error-summary"' in changed.get_data(as_text=True)


def test_a_text_over_its_limit_is_refused_whole_never_cut(client, auth, people, app):
    auth.login("social")
    family = people["family"]
    page = client.get(f"/forms/home_visit?family={family.id}").get_data(as_text=True)
    # The browser would cut a long paste silently at a maxlength: none is set.
    assert "maxlength=" not in page
    assert 'data-max-length="4000"' in page
    long_text = "Vizita zgjati. " * 360  # 5,400 characters
    data = _visit_form(client, family) | {
        "visit_date": TODAY,
        "present_members": [str(family.members[0].id)],
        "living_conditions": "3",
        "risk_level": "low",
        "follow_up": long_text,
    }
    response = client.post("/forms/home_visit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="follow_up-error"' in page
    assert "at most 2000 characters" in page  # follow_up's limit, in the message
    assert long_text.strip() in page  # all 5,400 characters are still there to shorten
    assert _stored(app, data["submission_uuid"]) is None


def test_the_error_summary_counts_the_answers_and_links_to_each(
    client, auth, people, app
):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family) | {
        "visit_date": "2025-02-30",
        "present_members": [str(family.members[0].id)],
        "living_conditions": "9",
        "risk_level": "low",
    }
    page = client.post("/forms/home_visit", data=data).get_data(as_text=True)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert "2 answers need your attention" in summary
    assert {target for target, _ in links} == {
        "visit_date-error",
        "living_conditions-error",
    }
    # Each link leads to the message beside its answer, and reads as the question.
    for target, label in links:
        assert f'id="{target}"' in page
        assert label != target.removesuffix("-error")


def test_an_answer_path_reads_as_its_question():
    from forms import load_registry

    definition = load_registry().get("family_intake")
    assert definition.label_of("members.1.full_name", "en").endswith(" 2: Full name")
    assert definition.label_of("nonsense", "en") == "nonsense"


@pytest.mark.parametrize(
    ("username", "form_id"), [("social", "home_visit"), ("psych", "psych_support")]
)
def test_the_family_page_starts_the_workers_form_in_one_tap(
    client, auth, people, username, form_id
):
    auth.login(username)
    family = people["family"]
    page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert f'href="/forms/{form_id}?family={family.id}"' in page
    assert "/forms/family_intake?" not in page


def test_the_list_of_sent_forms_names_whom_each_was_about(client, auth, people, app):
    auth.login("social")
    family = people["family"]
    data = _visit_form(client, family) | {
        "visit_date": TODAY,
        "present_members": [str(family.members[0].id)],
        "living_conditions": "3",
        "risk_level": "low",
    }
    assert client.post("/forms/home_visit", data=data).status_code == 302
    listing = client.get("/submissions/").get_data(as_text=True)
    assert f"· {family.name}</strong>" in listing
