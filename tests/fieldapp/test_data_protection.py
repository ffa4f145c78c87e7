"""Issue 7: injected text stays text, ids of others' records reveal nothing, sensitive
answers are encrypted at rest and hidden from roles that must not see them."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.models import Submission

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SECRET_NOTE = "Client disclosed abuse by her brother-in-law in Prizren"


def _store(app, user, item):
    with app.test_request_context():
        result = ingest_item(
            item, user=db.session().merge(user), device_id=None, locale="en"
        )
    assert result.status == "accepted", result.errors
    return item["uuid"]


@pytest.fixture
def case(app, make_user, make_family):
    social = make_user("social", "social_worker")
    psych = make_user("psych", "psychologist")
    family = make_family(
        f"Krasniqi {SCRIPT}", members=(f"Arben {SCRIPT}",), assigned_to=(social, psych)
    )
    member = str(family.members[0].id)
    today = date.today().isoformat()
    visit = _store(
        app,
        social,
        {
            "uuid": str(uuid.uuid4()),
            "form_id": "home_visit",
            "form_version": 1,
            "subject_id": str(family.id),
            "respondent_locale": "en",
            "answers": {
                "visit_date": today,
                "present_members": [member],
                "living_conditions": 2,
                "risk_level": "low",
                "others_present": SCRIPT,
                "follow_up": SCRIPT,
                "observations": SECRET_NOTE,
            },
        },
    )
    session = _store(
        app,
        psych,
        {
            "uuid": str(uuid.uuid4()),
            "form_id": "psych_support",
            "form_version": 1,
            "subject_id": str(family.id),
            "respondent_locale": "en",
            "answers": {
                "session_date": today,
                "members_present": [member],
                "session_type": "family",
                "modality": "centre",
                "interventions": ["psychoeducation"],
                "risk_flags": ["none"],
                "clinical_notes": SECRET_NOTE,
            },
        },
    )
    return {
        "social": social,
        "psych": psych,
        "family": family,
        "visit": visit,
        "session": session,
    }


def test_injected_script_is_shown_as_text_in_every_view(client, auth, make_user, case):
    make_user("drita", "coordinator")
    for username, paths in {
        "social": [
            "/",
            "/families/",
            f"/families/{case['family'].id}",
            f"/submissions/{case['visit']}",
            "/submissions/",
        ],
        "drita": [
            "/families/",
            f"/families/{case['family'].id}",
            f"/submissions/{case['visit']}",
            f"/families/{case['family'].id}/edit",
        ],
    }.items():
        auth.login(username)
        for path in paths:
            page = client.get(path).get_data(as_text=True)
            assert "<script>alert" not in page, path
            assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", ""), path
        auth.logout()
    auth.login("drita")
    page = client.get(f"/submissions/{case['visit']}").get_data(as_text=True)
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    )  # escaped, still readable


def test_sensitive_answers_are_not_in_a_raw_database_dump(app, case):
    with app.app_context():
        # The test's rows are uncommitted: dump through the same connection.
        connection = db.session().connection()
        if connection.dialect.name == "sqlite":
            dump = "\n".join(connection.connection.driver_connection.iterdump())
        else:
            tables = (
                connection.execute(
                    sa.text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                )
                .scalars()
                .all()
            )
            dump = "\n".join(
                str(row)
                for table in tables
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))
            )
        stored = db.session().scalars(sa.select(Submission)).all()
    assert len(stored) == 2
    assert (
        "Krasniqi" in dump
    )  # the dump is real: it holds the family's (non-sensitive) name
    assert SECRET_NOTE not in dump
    assert all(s.sensitive_answers for s in stored)


def test_sensitive_answers_are_shown_only_to_roles_allowed_to_read_them(
    client, auth, make_user, case
):
    make_user("drita", "coordinator")
    auth.login("psych")
    assert SECRET_NOTE in client.get(f"/submissions/{case['session']}").get_data(
        as_text=True
    )
    auth.logout()
    # The coordinator may read the session but not its clinical notes.
    auth.login("drita")
    page = client.get(f"/submissions/{case['session']}").get_data(as_text=True)
    assert SECRET_NOTE not in page
    assert "Restricted" in page
    # ...and sees the home visit's observations (coordinators review home visits).
    assert SECRET_NOTE in client.get(f"/submissions/{case['visit']}").get_data(
        as_text=True
    )


def test_an_instructor_cannot_open_a_session_note(client, auth, make_user, case):
    make_user("agron", "instructor")
    auth.login("agron")
    assert client.get(f"/submissions/{case['session']}").status_code == 404
    assert client.get(f"/families/{case['family'].id}").status_code == 403
    pull = client.get("/api/v1/sync/pull").get_json()
    assert pull["families"] == []
    assert SECRET_NOTE not in str(pull)


def test_a_social_worker_cannot_open_a_session_note(client, auth, case):
    auth.login("social")
    assert client.get(f"/submissions/{case['session']}").status_code == 404


def test_swapping_ids_never_shows_another_workers_family(
    client, auth, make_user, make_family, case
):
    other = make_user("besa", "social_worker")
    theirs = make_family("Gashi", members=("Valon Gashi",), assigned_to=(other,))
    auth.login("social")
    assert client.get(f"/families/{theirs.id}").status_code == 404
    assert client.get(f"/forms/home_visit?family={theirs.id}").status_code == 404
    listing = client.get("/families/").get_data(as_text=True)
    assert "Gashi" not in listing
    pulled = client.get("/api/v1/sync/pull").get_json()
    assert {f["id"] for f in pulled["families"]} == {str(case["family"].id)}
    assert str(theirs.id) not in str(pulled)
    auth.logout()
    auth.login("besa")
    assert client.get(f"/families/{case['family'].id}").status_code == 404
    assert client.get(f"/submissions/{case['visit']}").status_code == 404
