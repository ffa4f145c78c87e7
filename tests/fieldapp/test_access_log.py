"""Issue 7: every view, creation, change and export of beneficiary records is logged."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit import details
from fieldapp.audit import log
from fieldapp.audit.models import AccessLogEntry

from .conftest import PASSWORD

#: Routes that show or change no beneficiary record, and why they need no entry.
NOT_AUDITED = {
    "protection.withdraw_submit": (
        "logged as withdraw_consent when a consent in force is withdrawn "
        "(tests/fieldapp/test_consents.py); the world's families have none"
    ),
    "home.index": "counts only",
    "devices.revoke": "a question only (the answers are logged)",
    "home.healthz": "no data",
    "auth.login": "form only (attempts are logged by login_submit)",
    "auth.password": "form only (changes are logged by password_submit)",
    "pwa.manifest": "no data",
    "pwa.offline": "no data",
    "pwa.service_worker": "no data",
    "pwa.outbox": "an empty shell; the device's own data is rendered by script",
    "families.shell": "an empty shell kept offline; the family comes from the phone",
    "courses.index": "course names only",
    "courses.create": "empty form",
    "families.create": "empty form",
    "users.index": "staff, not beneficiaries",
    "users.create": "empty form",
    "users.edit": "staff, not beneficiaries",
    "submissions.index": "form titles and receipt numbers only",
    "submissions.receipt": "a receipt number only",
    "push.settings": "no data",
    "push.settings_test_submit": "no beneficiary data",
    "push.key": "no data",
    "push.subscribe_submit": "no beneficiary data",
    "push.unsubscribe_submit": "no beneficiary data",
    "sync_api.csrf_token": "no data",
    "sync_api.openapi": "no data",
    "sync_api.devices_submit": "device registration, logged by devices service",
    "devices.index": "device list, no beneficiary data",
    "review.index": "lists items; opening one is logged",
    "submissions.fill": "an empty form (with a family chosen: logged)",
    "sync_api.vault_key": "logged as vault_key when handed out (test_vault.py)",
    "sync_api.vault_seal_key": "the server's public key only",
    "pwa.phone": "this device's settings; no beneficiary data",
    "reports.story_submit": (
        "logged as update quarter_story when saved (tests/fieldapp/test_reports.py);"
        " an empty post is refused"
    ),
    "cases.partners": "partner organisations, not beneficiaries",
    # These log "activate" and "reopen", but need a referred or a closed case: see
    # test_admission_and_reopening_are_logged in tests/fieldapp/test_cases.py.
    "cases.activate_submit": "logged; tested in test_cases.py",
    "cases.reopen_submit": "logged; tested in test_cases.py",
    "exports.index": "form titles and counts only",
    "exports.options": "the options of an export and a count (the download is logged)",
}

#: endpoint -> (who, method, path, expected action) for routes that must log.
AUDITED = {
    "auth.login_submit": ("anon", "POST", "/auth/login", "login_failed"),
    "auth.logout": ("social", "POST", "/auth/logout", "logout"),
    "auth.password_submit": ("social", "POST", "/auth/password", "password_changed"),
    "audit.index": ("admin", "GET", "/audit/", "view"),
    "dashboard.index": ("coordinator", "GET", "/dashboard/", "view"),
    "reports.quarterly": (
        "coordinator",
        "GET",
        "/reports/quarterly?year=2025&quarter=1&language=en",
        "view",
    ),
    "families.index": ("social", "GET", "/families/", "list"),
    "families.detail": ("social", "GET", "/families/{family}", "view"),
    "families.edit": ("coordinator", "GET", "/families/{family}/edit", "view"),
    "families.member_edit": (
        "coordinator",
        "GET",
        "/families/{family}/members/{member}/edit",
        "view",
    ),
    "families.create_submit": ("coordinator", "POST", "/families/new", "create"),
    "families.edit_submit": (
        "coordinator",
        "POST",
        "/families/{family}/edit",
        "update",
    ),
    "families.member_add_submit": (
        "coordinator",
        "POST",
        "/families/{family}/members",
        "create",
    ),
    "families.member_edit_submit": (
        "coordinator",
        "POST",
        "/families/{family}/members/{member}/edit",
        "update",
    ),
    "families.assign_submit": (
        "coordinator",
        "POST",
        "/families/{family}/assignments",
        "assign",
    ),
    "families.unassign_submit": (
        "coordinator",
        "POST",
        "/families/{family}/assignments/{assignment}/end",
        "unassign",
    ),
    "courses.detail": ("instructor", "GET", "/courses/{course}", "view"),
    "courses.register": (
        "instructor",
        "GET",
        "/courses/{course}/register?date=2026-01-05",
        "view",
    ),
    "courses.edit": ("coordinator", "GET", "/courses/{course}/edit", "view"),
    "courses.create_submit": ("coordinator", "POST", "/courses/new", "create"),
    "courses.edit_submit": ("coordinator", "POST", "/courses/{course}/edit", "update"),
    "courses.enrol_submit": (
        "coordinator",
        "POST",
        "/courses/{course}/enrolments",
        "enrol",
    ),
    "courses.unenrol_submit": (
        "coordinator",
        "POST",
        "/courses/{course}/enrolments/{enrolment}/end",
        "unenrol",
    ),
    "courses.complete_submit": (
        "coordinator",
        "POST",
        "/courses/{course}/enrolments/{enrolment}/complete",
        "complete",
    ),
    "courses.leave_submit": (
        "coordinator",
        "POST",
        "/courses/{course}/enrolments/{enrolment}/leave",
        "leave",
    ),
    "prevention.index": ("instructor", "GET", "/students/", "list"),
    "prevention.detail": ("instructor", "GET", "/students/{member}", "view"),
    "prevention.record": ("coordinator", "GET", "/students/{member}/record", "view"),
    "prevention.record_submit": (
        "coordinator",
        "POST",
        "/students/{member}/record",
        "update",
    ),
    "users.create_submit": ("coordinator", "POST", "/users/new", "create"),
    "users.edit_submit": ("coordinator", "POST", "/users/{social_id}/edit", "update"),
    "users.password_submit": (
        "admin",
        "POST",
        "/users/{social_id}/password",
        "password_issued",
    ),
    "submissions.detail": ("social", "GET", "/submissions/{visit}", "view"),
    "submissions.fill_submit": ("social", "POST", "/forms/home_visit", "create"),
    "sync_api.push_submit": ("social", "POST", "/api/v1/sync/push", "create"),
    "sync_api.pull": ("social", "GET", "/api/v1/sync/pull", "export"),
    "review.conflict": ("coordinator", "GET", "/review/conflicts/{conflict}", "view"),
    "review.conflict_submit": (
        "coordinator",
        "POST",
        "/review/conflicts/{conflict}",
        "resolve",
    ),
    "review.rejected_submit": (
        "coordinator",
        "POST",
        "/review/rejected/{rejected}",
        "resolve",
    ),
    "devices.revoke_submit": ("admin", "POST", "/devices/{device}/revoke", "revoke"),
    "exports.download_submit": ("coordinator", "POST", "/exports/home_visit", "export"),
    "devices.sign_out_submit": (
        "admin",
        "POST",
        "/devices/{device}/sign-out",
        "sign_out",
    ),
    "cases.index": ("coordinator", "GET", "/cases/", "list"),
    "cases.file": ("social", "GET", "/cases/family/{family}", "view"),
    "cases.my_work": ("social", "GET", "/cases/my-work", "list"),
    "cases.open_submit": (
        "coordinator",
        "POST",
        "/cases/family/{family}/open",
        "create",
    ),
    "cases.close_submit": ("coordinator", "POST", "/cases/{case}/close", "close"),
    "cases.service_add_submit": ("social", "POST", "/cases/{case}/services", "create"),
    "cases.service_update_submit": (
        "social",
        "POST",
        "/cases/services/{service}",
        "update",
    ),
    "cases.consent_submit": ("social", "POST", "/cases/{case}/consent", "consent"),
    "cases.referral_add_submit": (
        "coordinator",
        "POST",
        "/cases/{case}/referrals",
        "refer_without_consent",
    ),
    "cases.referral_update_submit": (
        "social",
        "POST",
        "/cases/referrals/{referral}",
        "update",
    ),
    "cases.goal_add_submit": ("social", "POST", "/cases/{case}/goals", "create"),
    "cases.review_submit": ("social", "POST", "/cases/{case}/reviews", "review"),
    "cases.partner_add_submit": ("coordinator", "POST", "/cases/partners", "create"),
    "cases.reassign_submit": (
        "coordinator",
        "POST",
        "/cases/{case}/reassign",
        "reassign",
    ),
    "cases.partner_toggle_submit": (
        "coordinator",
        "POST",
        "/cases/partners/{partner}/toggle",
        "update",
    ),
    "protection.access_report": (
        "coordinator",
        "GET",
        "/families/{family}/access-report",
        "export",
    ),
    "protection.access_report_file": (
        "coordinator",
        "GET",
        "/families/{family}/access-report.json",
        "export",
    ),
    "protection.erase": ("admin", "GET", "/families/{family}/erase", "view"),
    "protection.erase_submit": ("admin", "POST", "/families/{family}/erase", "erase"),
}


def test_every_route_is_either_audited_or_explained(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(AUDITED) - set(NOT_AUDITED) == set()
    assert set(AUDITED) & set(NOT_AUDITED) == set()


def _payload(endpoint: str, world) -> dict:
    ids = world.ids
    return {
        "families.create_submit": {
            "name": "Morina",
            "consent_store": "yes",
            "consent_share": "yes",
            "consent_report": "yes",
            "municipality": "gjakove",
            "programme": "prevention",
            "is_active": "y",
        },
        "families.edit_submit": {
            "name": "Krasniqi",
            "consent_store": "yes",
            "consent_share": "yes",
            "consent_report": "yes",
            "municipality": "prishtine",
            "programme": "prevention",
            "is_active": "y",
        },
        "families.member_add_submit": {
            "full_name": "Dion Krasniqi",
            "relationship": "child",
            "sex": "",
        },
        "families.member_edit_submit": {
            "full_name": "Arben K.",
            "relationship": "child",
            "sex": "",
        },
        "families.assign_submit": {"user_id": str(world.users["social2"].id)},
        "devices.revoke_submit": {"confirm": "wipe"},
        "exports.download_submit": {"file_format": "csv", "language": "en"},
        "courses.create_submit": {
            "name": "Barbering",
            "vocation": "barbering",
            "instructor_id": str(world.users["instructor"].id),
            "duration_minutes": "90",
            "is_active": "y",
        },
        "courses.edit_submit": {
            "name": "Welding",
            "vocation": "welding",
            "instructor_id": str(world.users["instructor"].id),
            "duration_minutes": "120",
            "is_active": "y",
        },
        "courses.enrol_submit": {"member_id": str(ids["member2"])},
        "courses.complete_submit": {
            f"c{ids['enrolment']}-completed_on": date.today().isoformat(),
            f"c{ids['enrolment']}-certificate": "y",
        },
        "courses.leave_submit": {
            f"l{ids['enrolment']}-left_on": date.today().isoformat(),
            f"l{ids['enrolment']}-reason": "moved",
        },
        "prevention.record_submit": {
            "referral_source": "csw",
            "referral_on": date.today().isoformat(),
            "referral_risk": "victim",
            "form_locale": "sr_Latn",
        },
        "users.create_submit": {
            "username": "newbie",
            "full_name": "New Worker",
            "role": "social_worker",
            "locale": "sq",
            "is_active": "y",
        },
        "users.edit_submit": {
            "username": "social",
            "full_name": "Social",
            "locale": "en",
            "role": "social_worker",
            "is_active": "y",
        },
        "review.conflict_submit": {"rule": "keep_both"},
        "cases.open_submit": {"programme": "rehabilitation_residential"},
        "cases.close_submit": {
            "closed_on": date.today().isoformat(),
            "reason": "goals_met",
            "summary": "Done.",
            "override": "The open items move to the partner.",
        },
        "cases.service_add_submit": {
            "service_type": "counselling",
            "status": "planned",
        },
        "cases.service_update_submit": {f"s{ids['service']}-status": "in_progress"},
        "cases.consent_submit": {"consent_share": "yes"},
        "cases.referral_add_submit": {
            "partner_id": str(ids["partner"]),
            "sent_on": date.today().isoformat(),
            "override": "Immediate danger.",
        },
        "cases.referral_update_submit": {f"r{ids['referral']}-status": "accepted"},
        "cases.goal_add_submit": {"area": "safety", "description": "Safety plan"},
        "cases.review_submit": {"reviewed_on": date.today().isoformat()},
        "cases.partner_add_submit": {"name": "IOM Kosovo", "kind": "iom"},
        "cases.reassign_submit": {"worker": str(world.users["social2"].id)},
        "protection.erase_submit": {"confirm": str(ids["family"])[:8]},
        "auth.login_submit": {"username": "nobody", "password": "wrong password"},
        "auth.password_submit": {
            "current_password": PASSWORD,
            "new_password": "a fresh and long passphrase",
            "confirm": "a fresh and long passphrase",
        },
        "submissions.fill_submit": {
            "submission_uuid": str(uuid.uuid4()),
            "form_version": "1",
            "subject_id": str(ids["family"]),
            "visit_date": date.today().isoformat(),
            "present_members": [str(ids["member"])],
            "living_conditions": "3",
            "risk_level": "low",
        },
    }.get(endpoint, {})


@pytest.mark.parametrize("endpoint", sorted(AUDITED))
def test_route_writes_who_what_when_and_where_to_the_access_log(
    app, world, signed_in, endpoint
):
    who, method, template, action = AUDITED[endpoint]
    with app.app_context():
        from fieldapp.families.models import Member

        world.ids["member2"] = db.session().scalar(
            sa.select(Member.id).where(Member.family_id != world.ids["family"])
        )
    path = template.format(**world.ids)
    client, token = signed_in(None if who == "anon" else who)
    with app.app_context():
        before = db.session().scalar(sa.select(sa.func.max(AccessLogEntry.id))) or 0
    headers = {"X-CSRFToken": token, "User-Agent": "audit-test/1.0"}
    if method == "GET":
        response = client.get(path, headers=headers)
    elif endpoint == "sync_api.push_submit":
        item = {
            "uuid": str(uuid.uuid4()),
            "form_id": "home_visit",
            "form_version": 1,
            "subject_id": str(world.ids["family"]),
            "respondent_locale": "en",
            "answers": {
                "visit_date": date.today().isoformat(),
                "present_members": [str(world.ids["member"])],
                "living_conditions": 3,
                "risk_level": "low",
            },
        }
        device = {
            "id": str(world.ids["device"]),
            "pending_count": 1,
            "app_version": "t",
        }
        response = client.post(
            path,
            json={"protocol": 1, "device": device, "items": [item]},
            headers=headers,
        )
    else:
        response = client.post(
            path,
            data={"csrf_token": token} | _payload(endpoint, world),
            headers=headers,
        )
    assert response.status_code < 400 or endpoint == "auth.login_submit", (
        response.status_code,
        response.get_data(as_text=True)[:500],
    )
    with app.app_context():
        entries = (
            db.session()
            .scalars(sa.select(AccessLogEntry).where(AccessLogEntry.id > before))
            .all()
        )
    matching = [e for e in entries if e.action == action]
    assert matching, [(e.action, e.record_type) for e in entries]
    entry = matching[-1]
    assert entry.ip == "127.0.0.1"
    assert entry.user_agent == "audit-test/1.0"
    assert entry.at is not None
    assert entry.username == ("nobody" if who == "anon" else who)


def test_the_app_offers_no_way_to_change_or_delete_the_access_log(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


_RECORDED = re.compile(
    r"""log\.record\(\s*["']([a-z_]+)["'](?:,\s*["']([a-z_]+)["'])?"""
)


def test_every_action_and_record_kind_the_app_logs_has_words():
    # Scanned from the source, so a new log.record("...") without a label fails here.
    found = [
        match.groups()
        for path in Path(log.__file__).resolve().parents[1].rglob("*.py")
        for match in _RECORDED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(found) > 20
    assert {action for action, _ in found} - set(details.ACTIONS) == set()
    assert {kind for _, kind in found if kind} - set(details.RECORD_TYPES) == set()


@pytest.mark.parametrize("lang", ["sq", "sr_Cyrl"])
def test_the_log_page_names_records_and_speaks_the_readers_language(
    app, make_user, make_family, signed_in, lang
):
    ana = make_user("ana", "social_worker", full_name="Ana Berisha")
    family = make_family(name="Gashi", assigned_to=(ana,))
    make_user("root", "admin")
    worker, _ = signed_in("ana")
    worker.get(f"/families/{family.id}")
    device = str(uuid.uuid4())
    token = worker.get("/api/v1/csrf", headers={"X-Device-Id": device}).json
    worker.post(
        "/api/v1/devices",
        json={"device_id": device},
        headers={"X-CSRFToken": token["csrf_token"], "X-Device-Id": device},
    )
    worker.get("/api/v1/sync/pull", headers={"X-Device-Id": device})
    admin, _ = signed_in("root")
    page = admin.get(f"/audit/?lang={lang}").get_data(as_text=True)
    rows = page.split("<tbody>")[1]
    assert "Gashi" in rows  # the family by its name, not only its id
    assert "Ana Berisha (ana)" in rows
    with app.test_request_context(f"/?lang={lang}"):
        viewed = str(details.ACTIONS["view"])
        downloaded = str(details.ACTIONS["export"])
    assert viewed != "viewed"
    assert f"<td>{viewed}</td>" in rows
    assert ">view<" not in rows  # no action code on the page
    # The phone's routine pull is recorded, and shown only when asked for.
    assert downloaded not in rows
    with_pulls = admin.get(f"/audit/?lang={lang}&routine=1").get_data(as_text=True)
    assert downloaded in with_pulls.split("<tbody>")[1]
