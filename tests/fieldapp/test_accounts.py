"""Issue 22, item 2: no role gives itself, through another account, access it lacks.

Each escalation path the outside probe found (and its neighbours) is written out as a
request a coordinator could craft: each is refused with 403, changes nothing and is
logged. Admins can do these things, and each is in the access log without a password.
Temporary passwords force the owner to choose their own before anything else.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.auth.models import AuthSession
from fieldapp.auth.models import User
from fieldapp.push import payloads
from fieldapp.push.models import Notification
from fieldapp.submissions.ingest import ingest_item

from .conftest import PASSWORD
from .conftest import csrf_token

SECRET_NOTE = "She named the man who sold her in Ferizaj"
NEW_PASSWORD = "my own long passphrase"
ROLES = ("admin", "coordinator", "social_worker", "psychologist", "instructor")
#: The decision of issue 22, written out by hand (not read from fieldapp.access): whose
#: accounts each role may create, change, promote to or from and (de)activate.
MAY_MANAGE = {
    "admin": set(ROLES),
    "coordinator": {"coordinator", "social_worker", "instructor"},
}
_TEMPORARY = re.compile(r'<code id="temporary-password">([^<]+)</code>')


# --- helpers ----------------------------------------------------------------------------


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _login(client, username: str, password: str = PASSWORD, **extra: str):
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token} | extra,
    )


def _as(app, username: str, password: str = PASSWORD):
    client = _client(app)
    response = _login(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _post(client, path: str, data: dict, page: str = "/users/"):
    return client.post(path, data={"csrf_token": csrf_token(client, page)} | data)


def _user(app, username: str) -> User | None:
    with app.app_context():
        return db.session().scalar(sa.select(User).where(User.username == username))


def _account_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "locale": user.locale,
    }
    if user.is_active:
        data["is_active"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _options(page: str) -> set[str]:
    """Return the values of the <option>s of a page."""
    return set(re.findall(r'<option (?:selected )?value="([^"]*)"', page))


def _log(app, action: str | None = None, since: int = 0) -> list[AccessLogEntry]:
    with app.app_context():
        query = sa.select(AccessLogEntry).where(AccessLogEntry.id > since)
        if action:
            query = query.where(AccessLogEntry.action == action)
        return list(db.session().scalars(query.order_by(AccessLogEntry.id)))


def _last_log_id(app) -> int:
    with app.app_context():
        return db.session().scalar(sa.select(sa.func.max(AccessLogEntry.id))) or 0


def _snapshot(app, username: str) -> tuple:
    user = _user(app, username)
    assert user is not None
    return (
        user.username,
        user.full_name,
        user.role,
        user.locale,
        user.is_active,
        user.password_hash,
        user.must_change_password,
    )


def _open_sessions(app, user_id: int) -> int:
    with app.app_context():
        return db.session().scalar(
            sa.select(sa.func.count())
            .select_from(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        )


@pytest.fixture
def staff(make_user):
    """An admin, a coordinator and one account of each role to act on."""
    people = {
        "boss": make_user("boss", "admin"),
        "drita": make_user("drita", "coordinator"),
    }
    for role in ROLES:
        people[role] = make_user(f"target-{role.replace('_', '-')}", role)
    return people


def _refused(app, response, username: str, before: tuple, since: int) -> None:
    """Assert a 403 that changed nothing about ``username`` and was logged."""
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    assert _snapshot(app, username) == before
    assert _log(app, "refused", since), "a refused attempt must be in the access log"


# --- the reported attack, replayed -----------------------------------------------------


def _store_session(app, psych: User, family) -> str:
    item = {
        "uuid": str(uuid.uuid4()),
        "form_id": "psych_support",
        "form_version": 1,
        "subject_id": str(family.id),
        "respondent_locale": "en",
        "answers": {
            "session_date": date.today().isoformat(),
            "members_present": [str(family.members[0].id)],
            "session_type": "family",
            "modality": "centre",
            "interventions": ["psychoeducation"],
            "risk_flags": ["none"],
            "follow_up_plan": SECRET_NOTE,
            "clinical_notes": SECRET_NOTE,
        },
    }
    with app.test_request_context():
        result = ingest_item(
            item, user=db.session().merge(psych), device_id=None, locale="en"
        )
    assert result.status == "accepted", result.errors
    return item["uuid"]


def test_the_reported_attack_no_longer_reaches_clinical_notes(
    app, make_user, make_family
):
    psych = make_user("vesa", "psychologist")
    make_user("drita", "coordinator")
    family = make_family("Berisha", assigned_to=(psych,))
    session_id = _store_session(app, psych, family)
    coordinator = _as(app, "drita")
    since = _last_log_id(app)
    vesa = _snapshot(app, "vesa")

    # 1. Create a psychologist account (with or without a password of their choice).
    for extra in ({}, {"password": "a long new passphrase"}):
        response = _post(
            coordinator,
            "/users/new",
            {
                "username": "fake-psych",
                "full_name": "Fake",
                "role": "psychologist",
                "locale": "en",
                "is_active": "y",
            }
            | extra,
        )
        assert response.status_code == 403
    assert _user(app, "fake-psych") is None
    # 2. Set a new password on the existing psychologist, or have one issued.
    for path, data in (
        (f"/users/{psych.id}/edit", _account_form(psych, password=NEW_PASSWORD)),
        (f"/users/{psych.id}/password", {}),
    ):
        _refused(app, _post(coordinator, path, data), "vesa", vesa, since)
    # 3. So no way in: signing in as the psychologist takes her own password.
    assert _login(_client(app), "vesa", NEW_PASSWORD).status_code == 401
    # 4. The most a coordinator can make is an account of a role that sees no more
    # than they do: assigned to the family, it still cannot read the clinical notes.
    response = _post(
        coordinator,
        "/users/new",
        {
            "username": "helper",
            "full_name": "Helper",
            "role": "social_worker",
            "locale": "en",
            "is_active": "y",
        },
    )
    assert response.status_code == 200
    temporary = _TEMPORARY.search(response.get_data(as_text=True)).group(1)
    helper = _user(app, "helper")
    response = _post(
        coordinator,
        f"/families/{family.id}/assignments",
        {"user_id": str(helper.id)},
        page=f"/families/{family.id}",
    )
    assert response.status_code == 302
    response = _post(
        coordinator,
        f"/users/{helper.id}/edit",
        _account_form(helper, role="psychologist"),
    )
    assert response.status_code == 403
    assert _user(app, "helper").role == "social_worker"
    as_helper = _as(app, "helper", temporary)
    _post(
        as_helper,
        "/auth/password",
        {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/auth/password",
    )
    page = as_helper.get(f"/submissions/{session_id}")
    assert page.status_code in (403, 404)
    assert SECRET_NOTE not in page.get_data(as_text=True)
    family_page = as_helper.get(f"/families/{family.id}").get_data(as_text=True)
    assert SECRET_NOTE not in family_page


# --- each escalation path, refused -----------------------------------------------------


@pytest.mark.parametrize("role", ["psychologist", "admin"])
def test_coordinator_cannot_create_a_psychologist_or_an_admin(app, staff, role):
    coordinator = _as(app, "drita")
    since = _last_log_id(app)
    response = _post(
        coordinator,
        "/users/new",
        {
            "username": "sneaky",
            "full_name": "Sneaky",
            "role": role,
            "locale": "sq",
            "is_active": "y",
        },
    )
    assert response.status_code == 403
    assert _user(app, "sneaky") is None
    (entry,) = _log(app, "refused", since)
    assert entry.detail == {"attempt": "create", "role": [None, role]}
    assert entry.username == "drita"


@pytest.mark.parametrize("to_role", ["psychologist", "admin"])
@pytest.mark.parametrize("target", ["social_worker", "instructor", "coordinator"])
def test_coordinator_cannot_promote_anyone_to_psychologist_or_admin(
    app, staff, target, to_role
):
    coordinator = _as(app, "drita")
    username = staff[target].username
    before = _snapshot(app, username)
    since = _last_log_id(app)
    response = _post(
        coordinator,
        f"/users/{staff[target].id}/edit",
        _account_form(staff[target], role=to_role),
    )
    _refused(app, response, username, before, since)


@pytest.mark.parametrize(
    "change",
    [
        {"role": "social_worker"},  # demote
        {"role": "coordinator"},  # "promote" out of the role
        {"is_active": None},  # deactivate
        {"full_name": "Someone Else", "username": "taken-over"},  # reassign
        {},  # a plain save
    ],
    ids=["demote", "move", "deactivate", "reassign", "save"],
)
@pytest.mark.parametrize("target", ["psychologist", "admin"])
def test_coordinator_cannot_change_a_psychologist_or_admin_account(
    app, staff, target, change
):
    coordinator = _as(app, "drita")
    account = staff[target]
    before = _snapshot(app, account.username)
    since = _last_log_id(app)
    assert coordinator.get(f"/users/{account.id}/edit").status_code == 403
    response = _post(
        coordinator, f"/users/{account.id}/edit", _account_form(account, **change)
    )
    _refused(app, response, account.username, before, since)


def test_coordinator_cannot_reactivate_a_psychologist(app, staff):
    account = staff["psychologist"]
    with app.app_context():
        db.session().get(User, account.id).is_active = False
        db.session().commit()
    coordinator = _as(app, "drita")
    before = _snapshot(app, account.username)
    since = _last_log_id(app)
    account = _user(app, account.username)
    response = _post(
        coordinator,
        f"/users/{account.id}/edit",
        _account_form(account, is_active="y"),
    )
    _refused(app, response, account.username, before, since)


@pytest.mark.parametrize("actor", ["boss", "drita"])
@pytest.mark.parametrize("field", ["password", "new_password", "Password"])
@pytest.mark.parametrize("target", ["coordinator", "social_worker", "instructor"])
def test_nobody_sets_another_persons_password_with_a_crafted_post(
    app, staff, actor, field, target
):
    client = _as(app, actor)
    account = staff[target]
    before = _snapshot(app, account.username)
    since = _last_log_id(app)
    response = _post(
        client,
        f"/users/{account.id}/edit",
        _account_form(account, full_name="Changed") | {field: NEW_PASSWORD},
    )
    _refused(app, response, account.username, before, since)
    assert "temporary password" in response.get_data(as_text=True)
    assert _login(_client(app), account.username, NEW_PASSWORD).status_code == 401


@pytest.mark.parametrize("target", ROLES)
def test_coordinator_cannot_issue_a_temporary_password(app, staff, target):
    coordinator = _as(app, "drita")
    account = staff[target]
    before = _snapshot(app, account.username)
    response = _post(coordinator, f"/users/{account.id}/password", {})
    assert response.status_code == 403
    assert _snapshot(app, account.username) == before
    assert "temporary-password" not in response.get_data(as_text=True)


@pytest.mark.parametrize("actor", ["boss", "drita"])
def test_nobody_changes_their_own_role_or_standing(app, staff, actor):
    client = _as(app, actor)
    me = staff[actor]
    page = client.get(f"/users/{me.id}/edit").get_data(as_text=True)
    assert 'name="role"' not in page
    assert 'name="is_active"' not in page
    before = _snapshot(app, me.username)
    since = _last_log_id(app)
    response = _post(
        client, f"/users/{me.id}/edit", _account_form(me, role="social_worker")
    )
    _refused(app, response, me.username, before, since)
    # Saving one's own name leaves the role and standing alone (no is_active sent).
    response = _post(
        client, f"/users/{me.id}/edit", _account_form(me, full_name="New Name")
    )
    assert response.status_code == 302
    after = _user(app, me.username)
    assert (after.full_name, after.role, after.is_active) == (
        "New Name",
        me.role,
        True,
    )
    if actor == "boss":
        response = _post(client, f"/users/{me.id}/password", {})
        assert response.status_code == 403


# --- who may do what, per target role (the table of issue 22) --------------------------


@pytest.mark.parametrize("target", ROLES)
@pytest.mark.parametrize("actor", ["boss", "drita"])
def test_each_manager_manages_exactly_the_accounts_of_the_decision(
    app, staff, actor, target
):
    client = _as(app, actor)
    account = staff[target]
    may = target in MAY_MANAGE[staff[actor].role]
    edit = client.get(f"/users/{account.id}/edit")
    assert edit.status_code == (200 if may else 403)
    listing = client.get("/users/").get_data(as_text=True)
    assert (f'href="/users/{account.id}/edit"' in listing) is may
    response = _post(
        client,
        f"/users/{account.id}/edit",
        _account_form(account, full_name="Renamed", is_active=None),
    )
    assert response.status_code == (302 if may else 403)
    after = _user(app, account.username)
    assert (after.full_name == "Renamed") is may
    assert after.is_active is not may


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("actor", ["boss", "drita"])
def test_each_manager_creates_exactly_the_roles_of_the_decision(
    app, staff, actor, role
):
    client = _as(app, actor)
    may = role in MAY_MANAGE[staff[actor].role]
    form = client.get("/users/new").get_data(as_text=True)
    assert (role in _options(form)) is may
    assert 'type="password"' not in form
    response = _post(
        client,
        "/users/new",
        {
            "username": "fresh",
            "full_name": "Fresh",
            "role": role,
            "locale": "en",
            "is_active": "y",
        },
    )
    assert response.status_code == (200 if may else 403)
    assert (_user(app, "fresh") is not None) is may


def test_edit_page_offers_only_the_roles_a_coordinator_may_give(app, staff):
    page = (
        _as(app, "drita")
        .get(f"/users/{staff['social_worker'].id}/edit")
        .get_data(as_text=True)
    )
    assert _options(page) & set(ROLES) == {"social_worker", "instructor", "coordinator"}
    assert 'type="password"' not in page
    assert "Issue a temporary password" not in page


def test_coordinator_still_manages_workers_instructors_and_coordinators(app, staff):
    coordinator = _as(app, "drita")
    worker, peer = staff["social_worker"], staff["coordinator"]
    response = _post(
        coordinator,
        f"/users/{worker.id}/edit",
        _account_form(worker, role="coordinator"),
    )
    assert response.status_code == 302
    response = _post(
        coordinator,
        f"/users/{peer.id}/edit",
        _account_form(peer, full_name="Peer Renamed", is_active=None),
    )
    assert response.status_code == 302
    assert _user(app, worker.username).role == "coordinator"
    peer_after = _user(app, peer.username)
    assert (peer_after.full_name, peer_after.is_active) == ("Peer Renamed", False)


# --- admins can, and it is logged ------------------------------------------------------


def test_admin_creates_a_psychologist_who_must_choose_a_password(app, staff):
    admin = _as(app, "boss")
    since = _last_log_id(app)
    response = _post(
        admin,
        "/users/new",
        {
            "username": "vesa",
            "full_name": "Vesa Gashi",
            "role": "psychologist",
            "locale": "sq",
            "is_active": "y",
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    temporary = _TEMPORARY.search(response.get_data(as_text=True)).group(1)
    assert len(temporary) >= 16
    vesa = _user(app, "vesa")
    assert (vesa.role, vesa.must_change_password) == ("psychologist", True)
    assert vesa.check_password(temporary)
    entries = _log(app, since=since)
    assert [(e.action, e.username) for e in entries] == [
        ("create", "boss"),
        ("password_issued", "boss"),
    ]
    assert entries[0].detail == {"role": [None, "psychologist"], "active": [None, True]}
    _assert_no_password_logged(app, temporary)


def test_admin_promotes_demotes_and_deactivates_and_each_is_logged(app, staff):
    admin = _as(app, "boss")
    worker = staff["social_worker"]
    worker_client = _as(app, worker.username)
    since = _last_log_id(app)
    response = _post(
        admin, f"/users/{worker.id}/edit", _account_form(worker, role="psychologist")
    )
    assert response.status_code == 302
    worker = _user(app, worker.username)
    response = _post(
        admin,
        f"/users/{worker.id}/edit",
        _account_form(worker, role="social_worker", is_active=None),
    )
    assert response.status_code == 302
    changes = [
        (e.action, e.detail)
        for e in _log(app, since=since)
        if e.action in ("role_change", "activation_change")
    ]
    assert changes == [
        ("role_change", {"role": ["social_worker", "psychologist"]}),
        ("role_change", {"role": ["psychologist", "social_worker"]}),
        ("activation_change", {"active": [True, False]}),
    ]
    # Deactivation ended the worker's session at once.
    assert worker_client.get("/").status_code == 302
    page = admin.get("/audit/?action=role_change").get_data(as_text=True)
    assert "Role: Social worker → Psychologist" in page


def _assert_no_password_logged(app, password: str) -> None:
    with app.app_context():
        for entry in db.session().scalars(sa.select(AccessLogEntry)):
            assert password not in json.dumps(entry.detail), entry.action
            assert password not in entry.record_id + entry.username


def test_admin_issues_a_temporary_password_that_ends_sessions_and_tells_the_owner(
    app, staff, caplog
):
    owner = staff["psychologist"]
    owner_phone = _as(app, owner.username)
    owner_tablet = _as(app, owner.username)
    admin = _as(app, "boss")
    assert "Issue a temporary password" in admin.get(
        f"/users/{owner.id}/edit"
    ).get_data(as_text=True)
    since = _last_log_id(app)
    caplog.set_level("DEBUG")

    response = _post(admin, f"/users/{owner.id}/password", {})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    temporary = _TEMPORARY.search(response.get_data(as_text=True)).group(1)
    after = _user(app, owner.username)
    assert after.must_change_password
    assert after.check_password(temporary)
    assert not after.check_password(PASSWORD)
    # Every session of the owner ended.
    assert _open_sessions(app, owner.id) == 0
    for device in (owner_phone, owner_tablet):
        assert device.get("/families/").status_code == 302
    # The owner's devices are told, in the owner's language, with no name.
    with app.app_context():
        (notification,) = db.session().scalars(
            sa.select(Notification).where(Notification.user_id == owner.id)
        )
    assert notification.kind == "password_reset"
    assert notification.payload == {"type": "password_reset", "count": 1, "url": "/"}
    (entry,) = _log(app, "password_issued", since)
    assert (entry.username, entry.record_id) == ("boss", str(owner.id))
    assert entry.detail == {"notified": True}
    _assert_no_password_logged(app, temporary)
    assert temporary not in caplog.text


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("en", "Your password was reset by an administrator"),
        ("sq", "Fjalëkalimi juaj u rivendos nga një administrator"),
        ("sr_Latn", "Administrator je resetovao vašu lozinku"),
        ("sr_Cyrl", "Администратор је ресетовао вашу лозинку"),
    ],
)
def test_password_notifications_speak_the_recipients_language(app, locale, title):
    with app.test_request_context():
        built = payloads.build("password_reset", 1, "/", locale)
        changed = payloads.build("password_changed", 1, "/", locale)
    assert built["title"] == title
    assert built["type"] == "password_reset"
    assert changed["type"] == "password_changed"
    assert (changed["title"] == "Your password was changed") is (locale == "en")


# --- the temporary password forces the change page, then works no more -----------------


def test_temporary_password_must_be_replaced_before_anything_else(app, staff):
    owner = staff["social_worker"]
    response = _post(_as(app, "boss"), f"/users/{owner.id}/password", {})
    temporary = _TEMPORARY.search(response.get_data(as_text=True)).group(1)

    client = _client(app)
    response = _login(client, owner.username, temporary, next="/families/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/password")
    # Every other page, form and API call leads there first.
    for path in ("/", "/families/", "/settings/notifications", "/submissions/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/auth/password"), path
    token = csrf_token(client, "/auth/password")
    response = client.post("/families/new", data={"name": "X", "csrf_token": token})
    assert response.headers["Location"] == "/auth/password"
    for method, path in (
        ("GET", "/api/v1/sync/pull"),
        ("GET", "/api/v1/csrf"),
        ("POST", "/api/v1/sync/push"),
    ):
        response = client.open(
            path, method=method, json={}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 403, path
        assert response.json["error"] == "password_change_required"
        assert response.json["message"]
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Choose your password" in page
    assert 'name="current_password"' not in page
    assert 'aria-label="Main"' not in page  # no menu of pages that would bounce

    def choose(new: str, confirm: str | None = None):
        return client.post(
            "/auth/password",
            data={
                "new_password": new,
                "confirm": new if confirm is None else confirm,
                "next": "/families/",
                "csrf_token": token,
            },
        )

    assert choose("short").status_code == 422
    assert choose(NEW_PASSWORD, "something else entirely").status_code == 422
    same = choose(temporary)
    assert same.status_code == 422
    assert "different" in same.get_data(as_text=True)
    assert _user(app, owner.username).must_change_password

    response = choose(NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/families/"
    assert client.get("/families/").status_code == 200
    assert client.get("/api/v1/csrf").status_code == 200
    assert not _user(app, owner.username).must_change_password
    assert _login(_client(app), owner.username, temporary).status_code == 401
    assert _login(_client(app), owner.username, NEW_PASSWORD).status_code == 302
    (entry,) = _log(app, "password_changed")
    assert entry.detail == {"was_temporary": True, "notified": False}


def test_signing_out_is_allowed_before_choosing(app, staff):
    owner = staff["instructor"]
    response = _post(_as(app, "boss"), f"/users/{owner.id}/password", {})
    temporary = _TEMPORARY.search(response.get_data(as_text=True)).group(1)
    client = _as(app, owner.username, temporary)
    token = csrf_token(client, "/auth/password")
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert "logged_out=1" in response.headers["Location"]
    assert _open_sessions(app, owner.id) == 0


def test_an_old_temporary_password_expires_with_the_same_answer_as_a_wrong_one(
    app, staff
):
    owner = staff["instructor"]
    response = _post(_as(app, "boss"), f"/users/{owner.id}/password", {})
    temporary = _TEMPORARY.search(response.get_data(as_text=True)).group(1)
    with app.app_context():
        user = db.session().get(User, owner.id)
        user.password_changed_at -= timedelta(
            hours=app.config["TEMPORARY_PASSWORD_HOURS"], minutes=1
        )
        db.session().commit()
    expired = _login(_client(app), owner.username, temporary)
    unknown = _login(_client(app), "nobody-at-all", temporary)
    assert expired.status_code == unknown.status_code == 401
    assert "Wrong username or password." in expired.get_data(as_text=True)


# --- changing one's own password --------------------------------------------------------


def test_anyone_changes_their_own_password_with_the_current_one(app, staff):
    owner = staff["psychologist"]
    client = _as(app, owner.username)
    other_device = _as(app, owner.username)
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Change your password" in page
    assert 'autocomplete="current-password"' in page
    token = csrf_token(client, "/auth/password")
    since = _last_log_id(app)

    wrong = client.post(
        "/auth/password",
        data={
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.get_data(as_text=True)
    assert _log(app, "password_change_failed", since)
    assert _user(app, owner.username).check_password(PASSWORD)

    response = client.post(
        "/auth/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert _user(app, owner.username).check_password(NEW_PASSWORD)
    # This session goes on; the other device is signed out.
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    assert _open_sessions(app, owner.id) == 1
    (entry,) = _log(app, "password_changed", since)
    assert entry.detail == {"was_temporary": False, "notified": True}
    with app.app_context():
        kinds = db.session().scalars(
            sa.select(Notification.kind).where(Notification.user_id == owner.id)
        )
        assert list(kinds) == ["password_changed"]
    _assert_no_password_logged(app, NEW_PASSWORD)


def test_guessing_the_current_password_is_throttled(app, staff):
    owner = staff["coordinator"]
    client = _as(app, owner.username)
    token = csrf_token(client, "/auth/password")
    statuses = []
    for attempt in range(12):
        response = client.post(
            "/auth/password",
            data={
                "current_password": f"guess number {attempt}",
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "csrf_token": token,
            },
        )
        statuses.append(response.status_code)
    assert statuses[0] == 422
    assert 429 in statuses
    assert _user(app, owner.username).check_password(PASSWORD)


# --- the command line ---------------------------------------------------------------------


def test_user_create_temporary_prints_a_password_to_replace(app, runner):
    result = runner.invoke(
        args=["user", "create", "vesa", "--role", "psychologist", "--temporary"]
    )
    assert result.exit_code == 0, result.output
    temporary = re.search(r"shown only now\): (\S+)", result.output).group(1)
    vesa = _user(app, "vesa")
    assert vesa.must_change_password
    assert vesa.check_password(temporary)
    actions = [(e.action, e.username) for e in _log(app)]
    assert ("create", "flask-cli") in actions
    assert ("password_issued", "flask-cli") in actions
    _assert_no_password_logged(app, temporary)


def test_user_create_refuses_both_a_password_and_a_temporary_one(app, runner):
    result = runner.invoke(
        args=[
            *("user", "create", "vesa", "--role", "instructor"),
            *("--password", "a strong passphrase", "--temporary"),
        ]
    )
    assert result.exit_code != 0
    assert _user(app, "vesa") is None


def test_user_temporary_password_command_resets_and_ends_sessions(app, runner, staff):
    owner = staff["admin"]
    _as(app, owner.username)
    result = runner.invoke(args=["user", "temporary-password", owner.username])
    assert result.exit_code == 0, result.output
    temporary = re.search(r"shown only now\): (\S+)", result.output).group(1)
    assert _user(app, owner.username).check_password(temporary)
    assert _open_sessions(app, owner.id) == 0
    unknown = runner.invoke(args=["user", "temporary-password", "nobody"])
    assert unknown.exit_code != 0
