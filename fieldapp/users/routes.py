"""Staff accounts: admins and coordinators create and edit users, as access.py allows.

Coordinators manage social workers, instructors and coordinators; only admins manage
psychologists and admins and issue temporary passwords (see access.ACCOUNT_MANAGERS).
What a user may not do is neither offered on the page nor accepted from a crafted
request: such a request is answered 403, changes nothing and is logged as "refused".
"""

from __future__ import annotations

from typing import Any
from typing import NoReturn

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from fieldapp import access
from fieldapp import db
from fieldapp.access import MANAGERS
from fieldapp.access import PASSWORD_ISSUERS
from fieldapp.access import require
from fieldapp.audit import log
from fieldapp.auth.models import Role
from fieldapp.auth.models import User
from fieldapp.errors import ForbiddenError
from fieldapp.errors import NotFoundError
from fieldapp.users import services
from fieldapp.users.forms import ROLE_CHOICES
from fieldapp.users.forms import UserForm

bp = Blueprint("users", __name__, template_folder="templates")

_ROLES = frozenset(role.value for role in Role)
#: Why a refused attempt (as logged) was refused, for the 403 page.
_REFUSALS = {
    "create": _l(
        "Only administrators manage the accounts of psychologists and administrators."
    ),
    "own_role": _l("Nobody changes their own role or whether they may sign in."),
    "set_password": _l(
        "Nobody sets another person's password. An administrator can issue a "
        "temporary password instead."
    ),
    "issue_password": _l(
        "Change your own password with your current one, on the page "
        "“Change your password”."
    ),
}


def _refuse(attempt: str, account_id: object = "", **detail: Any) -> NoReturn:
    """Log a refused attempt to manage an account, keep the entry, and answer 403."""
    log.record("refused", "user", account_id, attempt=attempt, **detail)
    db.session().commit()
    raise ForbiddenError(str(_REFUSALS.get(attempt, _REFUSALS["create"])))


def _refuse_password_fields(account_id: object = "") -> None:
    """Refuse a request that tries to set a password: the forms have no such field."""
    if any("password" in key.lower() and value for key, value in request.form.items()):
        _refuse("set_password", account_id)


def _form(account: User | None = None) -> UserForm:
    form = UserForm(obj=account)
    allowed = access.manageable_roles(g.user)
    form.role.choices = [choice for choice in ROLE_CHOICES if choice[0] in allowed]
    if account is not None and not access.may_change_standing(g.user, account):
        # Their own account: role and standing are shown as text, not offered.
        del form.role
        del form.is_active
    return form


def _account_or_404(user_id: int) -> User:
    """Return the account ``user_id`` if the signed-in user may manage it.

    :raise 404: if there is no such account; 403 (logged) if it is not theirs to manage.
    """
    account = db.session().get(User, user_id)
    if account is None:
        raise NotFoundError()
    if not access.may_manage_account(g.user, account):
        _refuse("manage_account", account.id, account_role=account.role)
    return account


def _render(form: UserForm, account: User | None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "users/edit.html",
        form=form,
        user=account,
        may_issue_password=account is not None
        and access.may_issue_password(g.user, account),
    )
    return page, status


def _show_temporary(account: User, password: str, *, new: bool) -> str:
    """Show a temporary password once: it is stored only as a hash from here on."""
    return render_template(
        "users/temporary_password.html",
        account=account,
        password=password,
        new=new,
        hours=current_app.config["TEMPORARY_PASSWORD_HOURS"],
    )


@bp.get("/")
@require(*MANAGERS)
def index() -> str:
    """List staff accounts."""
    users = db.session().scalars(
        sa.select(User).order_by(User.is_active.desc(), User.full_name)
    )
    return render_template(
        "users/index.html",
        users=list(users),
        manageable=access.manageable_roles(g.user),
    )


@bp.get("/new")
@require(*MANAGERS)
def create() -> str:
    """Show an empty account form."""
    return _render(_form(), None)[0]


@bp.post("/new")
@require(*MANAGERS)
def create_submit() -> tuple[str, int] | str:
    """Create an account with a temporary password, and show that password once."""
    _refuse_password_fields()
    role = request.form.get("role", "")
    if role in _ROLES and not access.may_give_role(g.user, role):
        _refuse("create", role=[None, role])
    form = _form()
    valid = form.validate_on_submit()
    username = (form.username.data or "").strip().lower()
    if valid and services.username_taken(username):
        form.username.errors = [_("This username is already taken.")]
        return _render(form, None, 409)
    if not valid:
        return _render(form, None, 422)
    account, temporary = services.create_user(
        username,
        form.full_name.data or "",
        form.role.data or "",
        locale=form.locale.data or "sq",
        active=bool(form.is_active.data),
    )
    db.session().commit()
    assert temporary is not None  # noqa: S101 - no password given, so one was made
    return _show_temporary(account, temporary, new=True)


@bp.get("/<int:user_id>/edit")
@require(*MANAGERS)
def edit(user_id: int) -> str:
    """Show an account filled in."""
    account = _account_or_404(user_id)
    return _render(_form(account), account)[0]


@bp.post("/<int:user_id>/edit")
@require(*MANAGERS)
def edit_submit(user_id: int) -> tuple[str, int] | Response:
    """Store changes to an account."""
    account = _account_or_404(user_id)
    _refuse_password_fields(account.id)
    standing = access.may_change_standing(g.user, account)
    role = request.form.get("role", account.role)
    if role != account.role and role in _ROLES:
        if not standing:
            _refuse("own_role", account.id, role=[account.role, role])
        if not access.may_give_role(g.user, role):
            _refuse("grant_role", account.id, role=[account.role, role])
    form = _form(account)
    valid = form.validate_on_submit()
    username = (form.username.data or "").strip().lower()
    if valid and services.username_taken(username, except_id=account.id):
        form.username.errors = [_("This username is already taken.")]
        return _render(form, account, 409)
    if not valid:
        return _render(form, account, 422)
    details = {
        "username": username,
        "full_name": form.full_name.data or "",
        "locale": form.locale.data or account.locale,
    }
    changed = [
        name for name, value in details.items() if getattr(account, name) != value
    ]
    for name, value in details.items():
        setattr(account, name, value)
    log.record("update", "user", account.id, changed=changed)
    if standing:
        services.change_role(account, form.role.data or account.role)
        services.set_active(account, bool(form.is_active.data))
    db.session().commit()
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/password")
@require(*PASSWORD_ISSUERS)
def password_submit(user_id: int) -> str:
    """Issue a temporary password to an account, and show it once."""
    account = _account_or_404(user_id)
    if not access.may_issue_password(g.user, account):
        _refuse("issue_password", account.id)
    password = services.issue_temporary_password(account)
    db.session().commit()
    return _show_temporary(account, password, new=False)
