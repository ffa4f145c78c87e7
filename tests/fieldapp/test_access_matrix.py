"""Issue 7: every route x every role is an explicit, reviewed decision, checked over HTTP.

Letters: A allowed, D denied (403), H hidden (404: the record is outside the user's
scope), L anonymous visitor sent to sign in (302 for pages, 401 for the API).
A route that is not in EXPECTED fails test_every_route_has_a_decision.
"""

from __future__ import annotations

import pytest

ROLES = (
    "admin",
    "coordinator",
    "social",
    "social2",
    "psych",
    "instructor",
    "instructor2",
)
MANAGERS = {"admin", "coordinator"}
STAFF = set(ROLES)


def rule(
    allowed: set[str], hidden: set[str] = frozenset(), public: bool = False
) -> dict[str, str]:
    """Return {role: letter} for every role and the anonymous visitor."""
    decision = {
        role: ("H" if role in hidden else "A" if role in allowed else "D")
        for role in ROLES
    }
    decision["anon"] = "A" if public else "L"
    return decision


#: endpoint -> (method, path template, {role: letter}); {family}, {course}, ... from the world.
EXPECTED: dict[str, tuple[str, str, dict[str, str]]] = {
    "home.index": ("GET", "/", rule(STAFF)),
    "home.healthz": ("GET", "/healthz", rule(STAFF, public=True)),
    "auth.login": ("GET", "/auth/login", rule(STAFF, public=True)),
    "auth.login_submit": ("POST", "/auth/login", rule(STAFF, public=True)),
    "auth.logout": ("POST", "/auth/logout", rule(STAFF)),
    "auth.password": ("GET", "/auth/password", rule(STAFF)),
    "auth.password_submit": ("POST", "/auth/password", rule(STAFF)),
    "pwa.manifest": ("GET", "/manifest.webmanifest", rule(STAFF, public=True)),
    "pwa.offline": ("GET", "/offline", rule(STAFF, public=True)),
    "pwa.service_worker": ("GET", "/sw.js", rule(STAFF, public=True)),
    "pwa.outbox": ("GET", "/outbox", rule(STAFF)),
    "audit.index": ("GET", "/audit/", rule({"admin"})),
    "devices.index": ("GET", "/devices/", rule({"admin"})),
    "devices.revoke": ("GET", "/devices/{device}/revoke", rule({"admin"})),
    "devices.revoke_submit": ("POST", "/devices/{device}/revoke", rule({"admin"})),
    "devices.sign_out_submit": ("POST", "/devices/{device}/sign-out", rule({"admin"})),
    "users.index": ("GET", "/users/", rule(MANAGERS)),
    "users.create": ("GET", "/users/new", rule(MANAGERS)),
    "users.create_submit": ("POST", "/users/new", rule(MANAGERS)),
    "users.edit": ("GET", "/users/{social_id}/edit", rule(MANAGERS)),
    "users.edit_submit": ("POST", "/users/{social_id}/edit", rule(MANAGERS)),
    # Only admins issue temporary passwords (per target: tests/fieldapp/test_accounts.py).
    "users.password_submit": ("POST", "/users/{social_id}/password", rule({"admin"})),
    "families.index": (
        "GET",
        "/families/",
        rule(MANAGERS | {"social", "social2", "psych"}),
    ),
    "families.shell": (
        "GET",
        "/families/shell?shell=1",
        rule(MANAGERS | {"social", "social2", "psych"}),
    ),
    "families.create": ("GET", "/families/new", rule(MANAGERS)),
    "families.create_submit": ("POST", "/families/new", rule(MANAGERS)),
    "families.detail": (
        "GET",
        "/families/{family}",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "families.edit": ("GET", "/families/{family}/edit", rule(MANAGERS)),
    "families.edit_submit": ("POST", "/families/{family}/edit", rule(MANAGERS)),
    "families.member_add_submit": (
        "POST",
        "/families/{family}/members",
        rule(MANAGERS),
    ),
    "families.member_edit": (
        "GET",
        "/families/{family}/members/{member}/edit",
        rule(MANAGERS),
    ),
    "families.member_edit_submit": (
        "POST",
        "/families/{family}/members/{member}/edit",
        rule(MANAGERS),
    ),
    "families.assign_submit": (
        "POST",
        "/families/{family}/assignments",
        rule(MANAGERS),
    ),
    "families.unassign_submit": (
        "POST",
        "/families/{family}/assignments/{assignment}/end",
        rule(MANAGERS),
    ),
    "cases.index": ("GET", "/cases/", rule(MANAGERS)),
    "cases.file": (
        "GET",
        "/cases/family/{family}",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.open_submit": ("POST", "/cases/family/{family}/open", rule(MANAGERS)),
    "cases.activate_submit": (
        "POST",
        "/cases/{case}/activate",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.close_submit": (
        "POST",
        "/cases/{case}/close",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.reopen_submit": (
        "POST",
        "/cases/{case}/reopen",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.service_add_submit": (
        "POST",
        "/cases/{case}/services",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.service_update_submit": (
        "POST",
        "/cases/services/{service}",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.consent_submit": (
        "POST",
        "/cases/{case}/consent",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.referral_add_submit": (
        "POST",
        "/cases/{case}/referrals",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.referral_update_submit": (
        "POST",
        "/cases/referrals/{referral}",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.partners": ("GET", "/cases/partners", rule(MANAGERS)),
    "cases.partner_add_submit": ("POST", "/cases/partners", rule(MANAGERS)),
    "cases.partner_toggle_submit": (
        "POST",
        "/cases/partners/{partner}/toggle",
        rule(MANAGERS),
    ),
    "cases.goal_add_submit": (
        "POST",
        "/cases/{case}/goals",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.review_submit": (
        "POST",
        "/cases/{case}/reviews",
        rule(MANAGERS | {"social", "psych"}, hidden={"social2"}),
    ),
    "cases.my_work": (
        "GET",
        "/cases/my-work",
        rule(MANAGERS | {"social", "social2", "psych"}),
    ),
    "cases.reassign_submit": ("POST", "/cases/{case}/reassign", rule(MANAGERS)),
    # Only admins erase; an empty confirmation is refused (422) and erases nothing.
    "protection.erase": ("GET", "/families/{family}/erase", rule({"admin"})),
    "protection.erase_submit": ("POST", "/families/{family}/erase", rule({"admin"})),
    "protection.withdraw_submit": (
        "POST",
        "/families/{family}/consents/store/withdraw",
        rule(MANAGERS, hidden=set()),
    ),
    "protection.access_report": (
        "GET",
        "/families/{family}/access-report",
        rule(MANAGERS),
    ),
    "protection.access_report_file": (
        "GET",
        "/families/{family}/access-report.json",
        rule(MANAGERS),
    ),
    "courses.index": (
        "GET",
        "/courses/",
        rule(MANAGERS | {"instructor", "instructor2"}),
    ),
    "courses.detail": (
        "GET",
        "/courses/{course}",
        rule(MANAGERS | {"instructor"}, hidden={"instructor2"}),
    ),
    "courses.register": (
        "GET",
        "/courses/{course}/register?date=2026-01-05",
        rule(MANAGERS | {"instructor"}, hidden={"instructor2"}),
    ),
    "courses.create": ("GET", "/courses/new", rule(MANAGERS)),
    "courses.create_submit": ("POST", "/courses/new", rule(MANAGERS)),
    "courses.edit": ("GET", "/courses/{course}/edit", rule(MANAGERS)),
    "courses.edit_submit": ("POST", "/courses/{course}/edit", rule(MANAGERS)),
    "courses.enrol_submit": ("POST", "/courses/{course}/enrolments", rule(MANAGERS)),
    "courses.complete_submit": (
        "POST",
        "/courses/{course}/enrolments/{enrolment}/complete",
        rule(MANAGERS),
    ),
    "courses.leave_submit": (
        "POST",
        "/courses/{course}/enrolments/{enrolment}/leave",
        rule(MANAGERS),
    ),
    # Issue 17: students. The instructor who teaches the student sees the progress
    # page (class attendance and life skills only); other instructors and social
    # workers of other families do not learn that the student exists.
    "prevention.index": ("GET", "/students/", rule(STAFF)),
    "prevention.detail": (
        "GET",
        "/students/{member}",
        rule(
            MANAGERS | {"social", "psych", "instructor"},
            hidden={"social2", "instructor2"},
        ),
    ),
    "prevention.record": ("GET", "/students/{member}/record", rule(MANAGERS)),
    "prevention.record_submit": (
        "POST",
        "/students/{member}/record",
        rule(MANAGERS),
    ),
    "courses.unenrol_submit": (
        "POST",
        "/courses/{course}/enrolments/{enrolment}/end",
        rule(MANAGERS),
    ),
    "submissions.index": ("GET", "/submissions/", rule(STAFF)),
    "submissions.fill": (
        "GET",
        "/forms/home_visit",
        rule(MANAGERS | {"social", "social2"}),
    ),
    "submissions.fill_submit": (
        "POST",
        "/forms/home_visit",
        rule(MANAGERS | {"social", "social2"}),
    ),
    # A home visit to the family of "social": psychologists following the family may
    # read it; another social worker and instructors may not know it exists.
    "submissions.detail": (
        "GET",
        "/submissions/{visit}",
        rule(
            MANAGERS | {"social", "psych"},
            hidden={"social2", "instructor", "instructor2"},
        ),
    ),
    "submissions.receipt": (
        "GET",
        "/submissions/{visit}/receipt",
        rule(
            MANAGERS | {"social", "psych"},
            hidden={"social2", "instructor", "instructor2"},
        ),
    ),
    "review.index": ("GET", "/review/", rule(MANAGERS)),
    "review.conflict": (
        "GET",
        "/review/conflicts/999999",
        rule(set(), hidden=MANAGERS),
    ),
    "review.conflict_submit": (
        "POST",
        "/review/conflicts/999999",
        rule(set(), hidden=MANAGERS),
    ),
    "review.rejected_submit": (
        "POST",
        "/review/rejected/999999",
        rule(set(), hidden=MANAGERS),
    ),
    # Issue 18: exports leave the app, so only the roles that see every record make
    # them (the rows and columns inside follow each form's rules: test_exports.py).
    "exports.index": ("GET", "/exports/", rule(MANAGERS)),
    "exports.options": ("GET", "/exports/home_visit", rule(MANAGERS)),
    "exports.download_submit": ("POST", "/exports/home_visit", rule(MANAGERS)),
    "push.settings": ("GET", "/settings/notifications", rule(STAFF)),
    "push.settings_test_submit": ("POST", "/settings/notifications/test", rule(STAFF)),
    "push.key": ("GET", "/api/v1/push/key", rule(STAFF)),
    "push.subscribe_submit": ("POST", "/api/v1/push/subscriptions", rule(STAFF)),
    "push.unsubscribe_submit": ("DELETE", "/api/v1/push/subscriptions", rule(STAFF)),
    "sync_api.csrf_token": ("GET", "/api/v1/csrf", rule(STAFF)),
    "sync_api.openapi": ("GET", "/api/v1/openapi.json", rule(STAFF, public=True)),
    "sync_api.pull": ("GET", "/api/v1/sync/pull", rule(STAFF)),
    "sync_api.push_submit": ("POST", "/api/v1/sync/push", rule(STAFF)),
    "sync_api.devices_submit": ("POST", "/api/v1/devices", rule(STAFF)),
    # Every role is refused without a session bound to a device of its own that signed
    # in with the password just now (tests/fieldapp/test_vault.py covers the allowed case).
    "sync_api.vault_key": ("GET", "/api/v1/vault", rule(set())),
    "sync_api.vault_seal_key": ("GET", "/api/v1/vault/seal-key", rule(STAFF)),
    "pwa.phone": ("GET", "/settings/phone", rule(STAFF)),
    # Issue 18: every role has a dashboard of its own figures; the donor report is
    # for coordinators and admins.
    "dashboard.index": ("GET", "/dashboard/", rule(STAFF)),
    "reports.quarterly": ("GET", "/reports/quarterly", rule(MANAGERS)),
    "reports.story_submit": ("POST", "/reports/quarterly/story", rule(MANAGERS)),
}


def test_every_route_has_a_decision(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    missing = endpoints - set(EXPECTED)
    assert missing == set(), (
        f"routes without an access decision in this table: {missing}"
    )
    stale = set(EXPECTED) - endpoints
    assert stale == set(), f"decisions for routes that no longer exist: {stale}"


def _outcome(response, path: str) -> str:
    status = response.status_code
    if status == 403:
        return "D"
    if status == 404:
        return "H"
    location = response.headers.get("Location", "")
    if status == 302 and "logged_out=1" in location:
        return "A"  # a successful sign-out lands on the sign-in page
    if status == 401 or (
        status == 302 and "/auth/login" in location and path != "/auth/login"
    ):
        return "L"
    return "A"


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_allows_and_denies_exactly_the_expected_roles(
    app, world, signed_in, endpoint
):
    method, template, expected = EXPECTED[endpoint]
    path = template.format(**world.ids)
    actual = {}
    # Denied roles first: an allowed role's POST may change what the next one sees.
    order = sorted(expected, key=lambda role: expected[role] == "A")
    for role in order:
        client, token = signed_in(None if role == "anon" else role)
        headers = {"X-CSRFToken": token}
        if method == "GET":
            response = client.get(path, headers=headers)
        elif path.startswith("/api/"):
            response = client.open(path, method=method, json={}, headers=headers)
        else:
            response = client.open(
                path, method=method, data={"csrf_token": token}, headers=headers
            )
        # 503 only where push is not configured in this test app (no VAPID keys).
        assert response.status_code < 500 or (
            endpoint == "push.key" and response.status_code == 503
        ), role
        actual[role] = _outcome(response, path)
    assert actual == expected
