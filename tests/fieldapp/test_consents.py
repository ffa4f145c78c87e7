"""Issue 20: consent that is enforced. An intake records the family's consents; without
consent to store personal data the family is kept under a code, with no names."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.crypto import decrypt_json
from fieldapp.families.models import Family
from fieldapp.protection import consents
from fieldapp.protection.models import FamilyConsent
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.models import Submission
from sync import samples


def _intake(app, user, *, store: bool, photos: bool = False):
    family_id = uuid.uuid4()
    item = samples.family_intake(
        family_id,
        name="Berisha",
        members=("Drita", "Agim"),
        address="Rr. Nëna Terezë 7",
    )
    item["answers"]["consent_data"] = store
    item["answers"]["consent_photos"] = photos
    with app.test_request_context():
        result = ingest_item(
            item, user=db.session().merge(user), device_id=None, locale="en"
        )
    assert result.status == "accepted", result.errors
    return family_id, item


def test_an_intake_without_consent_to_store_keeps_no_identity(app, make_user):
    ana = make_user("ana", "social_worker")
    family_id, item = _intake(app, ana, store=False)
    with app.app_context():
        family = db.session().get(Family, family_id)
        code = consents.code_for(family_id)
        assert family.name == code
        assert family.village == ""
        assert sorted(m.full_name for m in family.members) == [f"{code}-1", f"{code}-2"]
        assert all(m.birth_year is None and m.school == "" for m in family.members)
        assert "berisha" not in family.search_key
        submission = db.session().scalar(
            sa.select(Submission).where(Submission.family_id == family_id)
        )
        text = repr(submission.answers) + repr(
            decrypt_json(submission.sensitive_answers)
        )
        for secret in ("Berisha", "Drita", "Agim", "Nëna Terezë", "Softaj"):
            assert secret not in text
        assert submission.answers["programme"] == item["answers"]["programme"]
        assert not consents.allows(family, "store")
        assert not consents.allows(family, "photos")
        assert not consents.allows(family, "share")  # never asked: no
        decisions = (
            db.session()
            .scalars(
                sa.select(FamilyConsent).where(FamilyConsent.family_id == family_id)
            )
            .all()
        )
        assert {(d.kind, d.given) for d in decisions} >= {("store", False)}
        assert all(d.recorded_by_id == ana.id for d in decisions)
        assert all(
            d.form_id == "family_intake" and d.form_version == 1 for d in decisions
        )


def test_consent_allows_from_its_day_until_its_withdrawal(app, make_user):
    ana = make_user("ana", "social_worker")
    family_id, item = _intake(app, ana, store=True, photos=True)
    given = date.fromisoformat(item["answers"]["consent_date"])
    with app.app_context():
        family = db.session().get(Family, family_id)
        assert family.name == "Berisha"
        assert consents.allows(family, "store", at=given)
        assert consents.allows(family_id, "photos", at=given)
        assert not consents.allows(family, "store", at=given - timedelta(days=1))
        withdrawn = given + timedelta(days=3)
        assert consents.withdraw(family, "photos", on=withdrawn, by=ana.id)
        db.session().commit()
        assert consents.allows(family, "photos", at=withdrawn - timedelta(days=1))
        assert not consents.allows(family, "photos", at=withdrawn)
        assert not consents.allows(family, "photos", at=withdrawn + timedelta(days=9))
        assert consents.withdraw(family, "photos", on=withdrawn, by=ana.id) is None
        with pytest.raises(ValueError, match="unknown consent"):
            consents.allows(family, "everything")


def test_the_family_page_shows_consents_and_records_a_withdrawal(
    app, make_user, signed_in
):
    ana = make_user("ana", "social_worker")
    make_user("drita", "coordinator")
    family_id, _item = _intake(app, ana, store=True, photos=True)
    client, token = signed_in("drita")
    page = client.get(f"/families/{family_id}").get_data(as_text=True)
    assert "Storing personal data" in page
    assert "Sharing with partners through referrals" in page
    assert "not asked: not allowed" in page
    assert "Record withdrawal today" in page
    done = client.post(
        f"/families/{family_id}/consents/photos/withdraw", data={"csrf_token": token}
    )
    assert done.status_code == 302
    page = client.get(f"/families/{family_id}").get_data(as_text=True)
    assert "withdrawn on" in page
    with app.app_context():
        from fieldapp.audit.models import AccessLogEntry

        assert db.session().scalar(
            sa.select(AccessLogEntry.detail).where(
                AccessLogEntry.action == "withdraw_consent"
            )
        ) == {"kind": "photos"}
    with app.app_context():
        assert not consents.allows(family_id, "photos")
        assert consents.allows(family_id, "store")
    again = client.post(
        f"/families/{family_id}/consents/photos/withdraw", data={"csrf_token": token}
    )
    assert again.status_code == 302
    unknown = client.post(
        f"/families/{family_id}/consents/everything/withdraw",
        data={"csrf_token": token},
    )
    assert unknown.status_code == 404
    social, social_token = signed_in("ana")
    refused = social.post(
        f"/families/{family_id}/consents/store/withdraw",
        data={"csrf_token": social_token},
    )
    assert refused.status_code == 403


def test_coordinator_screens_ask_for_consent_like_the_intake(app, make_user, signed_in):
    make_user("drita", "coordinator")
    client, token = signed_in("drita")
    form = client.get("/families/new").get_data(as_text=True)
    assert "<legend>Consent</legend>" in form
    assert "kept under a code" in form
    missing = client.post(
        "/families/new",
        data={
            "csrf_token": token,
            "name": "Hoxha",
            "municipality": "ferizaj",
            "programme": "prevention",
        },
    )
    assert missing.status_code == 422
    assert "answer." in missing.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(sa.select(sa.func.count()).select_from(Family)) == 0
    done = client.post(
        "/families/new",
        data={
            "csrf_token": token,
            "name": "Hoxha",
            "village": "Softaj",
            "municipality": "ferizaj",
            "programme": "prevention",
            "consent_store": "no",
            "consent_share": "no",
            "consent_report": "yes",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        family = db.session().scalars(sa.select(Family)).one()
        assert family.name == consents.code_for(family.id)
        assert family.village == ""
        assert not consents.allows(family, "store")
        assert consents.allows(family, "report")
        family_id = family.id
    # Adding a member keeps no name either.
    client.post(
        f"/families/{family_id}/members",
        data={
            "csrf_token": token,
            "full_name": "Besnik Hoxha",
            "birth_year": "2012",
            "relationship": "child",
            "sex": "",
        },
    )
    with app.app_context():
        family = db.session().get(Family, family_id)
        assert [m.full_name for m in family.members] == [
            f"{consents.code_for(family_id)}-1"
        ]
        assert family.members[0].birth_year is None
    # Consent given later, on the edit screen: names are kept from then on.
    edit = client.get(f"/families/{family_id}/edit").get_data(as_text=True)
    assert 'value="no" checked' in edit or "checked" in edit
    client.post(
        f"/families/{family_id}/edit",
        data={
            "csrf_token": token,
            "name": "Hoxha",
            "municipality": "ferizaj",
            "programme": "prevention",
            "is_active": "y",
            "consent_store": "yes",
            "consent_share": "no",
            "consent_report": "yes",
        },
    )
    with app.app_context():
        family = db.session().get(Family, family_id)
        assert family.name == "Hoxha"
        assert consents.allows(family, "store")
        kinds = (
            db.session()
            .scalars(
                sa.select(FamilyConsent.kind).where(
                    FamilyConsent.family_id == family_id
                )
            )
            .all()
        )
        assert sorted(kinds) == ["report", "share", "store", "store"]


def test_the_right_of_access_gives_everything_in_the_family_language(
    app, make_user, signed_in
):
    ana = make_user("ana", "social_worker")
    make_user("drita", "coordinator")
    family_id, _item = _intake(app, ana, store=True)
    with app.app_context():
        sub = db.session().scalar(sa.select(Submission))
        sub.respondent_locale = "sq"
        db.session().commit()
    client, _token = signed_in("drita")
    client.get(f"/families/{family_id}")  # a view, to be listed in the report
    page = client.get(f"/families/{family_id}/access-report")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Berisha" in text
    assert "Drita" in text
    assert "Regjistrimi i familjes" in text  # the intake's title in Albanian
    assert "Ruajtja e të dhënave personale" in text  # consent labels in Albanian
    assert "Rr. Nëna Terezë 7" in text  # sensitive answers are the family's too
    assert "drita" in text  # who viewed the family
    data = client.get(f"/families/{family_id}/access-report.json")
    assert data.status_code == 200
    assert "attachment" in data.headers["Content-Disposition"]
    report = data.json
    assert report["language"] == "sq"
    assert report["family"]["id"] == str(family_id)
    assert any(
        "Rr. Nëna Terezë 7" in value
        for s in report["submissions"]
        for _label, value in s["answers"]
    )
    # In the family's language (sq), with the code beside it for whoever processes it.
    assert any(
        e["action"] == "shikoi" and e["action_code"] == "view"
        for e in report["access_log"]
    )
    with app.app_context():
        from fieldapp.audit.models import AccessLogEntry

        formats = (
            db.session()
            .scalars(
                sa.select(AccessLogEntry.detail).where(
                    AccessLogEntry.action == "export",
                    AccessLogEntry.record_id == str(family_id),
                )
            )
            .all()
        )
        assert {d["format"] for d in formats} == {"html", "json"}


def test_intake_version_2_asks_sharing_and_reporting_and_says_what_no_means(
    app, make_user, client, auth
):
    ana = make_user("ana", "social_worker")
    family_id = uuid.uuid4()
    item = samples.family_intake(family_id, name="Berisha", members=("Drita",))
    item["form_version"] = 2
    item["answers"] |= {"consent_share": True, "consent_report": False}
    with app.test_request_context():
        result = ingest_item(
            item, user=db.session().merge(ana), device_id=None, locale="en"
        )
    assert result.status == "accepted", result.errors
    with app.app_context():
        assert consents.allows(family_id, "share")
        assert not consents.allows(family_id, "report")
        assert consents.allows(family_id, "store")
    auth.login("ana")
    page = client.get("/forms/family_intake").get_data(as_text=True)
    assert "registered under a code" in page
    assert 'name="consent_share"' in page
