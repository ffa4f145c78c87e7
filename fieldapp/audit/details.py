"""Say in the reader's language what an access-log entry records.

Actions and record kinds are stored as codes (the log is data) and put in words here;
every code that `log.record` is called with must have a label
(tests/fieldapp/test_access_log.py checks the source). Only the details of account
events are put in words (role and sign-in before and after, refusals); other details
stay in the database for whoever queries it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp.users.forms import role_label

#: Actions, as the access log's reader says them.
ACTIONS = {
    "view": _l("viewed"),
    "list": _l("listed"),
    "create": _l("created"),
    "update": _l("changed"),
    "export": _l("downloaded"),
    "assign": _l("assigned"),
    "unassign": _l("unassigned"),
    "enrol": _l("enrolled"),
    "unenrol": _l("removed from the course"),
    "complete": _l("marked the course completed"),
    "leave": _l("recorded leaving the course early"),
    "resolve": _l("resolved"),
    "revoke": _l("disconnected"),
    "sign_out": _l("signed out the device"),
    "login": _l("signed in"),
    "logout": _l("signed out"),
    "login_failed": _l("failed to sign in"),
    "login_throttled": _l("sign-in slowed down"),
    "login_locked": _l("sign-in refused (locked)"),
    "refused": _l("refused"),
    "role_change": _l("role changed"),
    "activation_change": _l("sign-in allowed or stopped"),
    "password_issued": _l("temporary password issued"),
    "password_changed": _l("password changed"),
    "password_change_failed": _l("password change failed"),
    "session_device_mismatch": _l("session ended: another device"),
    "vault_key": _l("unlock key handed to the device"),
    "activate": _l("admitted"),
    "close": _l("closed"),
    "reopen": _l("reopened"),
    "consent": _l("recorded consent"),
    "refer_without_consent": _l("referral refused: no consent to share"),
    "review": _l("reviewed the case plan"),
    "reassign": _l("reassigned"),
    "anonymise": _l("anonymised"),
    "erase": _l("erased"),
    "withdraw_consent": _l("recorded a withdrawal of consent"),
}
#: Kinds of record, as the reader says them.
RECORD_TYPES = {
    "family": _l("family"),
    "member": _l("family member"),
    "student": _l("student"),
    "course": _l("course"),
    "user": _l("staff account"),
    "device": _l("device"),
    "submission": _l("form"),
    "form": _l("records of a form"),
    "submission_conflict": _l("conflict"),
    "rejected_submission": _l("refused form"),
    "access_log": _l("access log"),
    "caseload": _l("caseload"),
    "case": _l("case"),
    "case_file": _l("case file"),
    "case_goal": _l("case plan goal"),
    "case_service": _l("service"),
    "referral": _l("referral"),
    "partner": _l("partner organisation"),
    "due": _l("due list"),
    "dashboard": _l("dashboard"),
    "report": _l("donor report"),
    "quarter_story": _l("story of a quarter's report"),
}


def action_label(code: str) -> str:
    """Return the action ``code`` in the reader's language (the code if unknown)."""
    return str(ACTIONS.get(code, code))


def record_type_label(code: str) -> str:
    """Return the record kind ``code`` in the reader's language (the code if unknown)."""
    return str(RECORD_TYPES.get(code, code))


#: What a refused request tried to do (users.routes._refuse), in words.
ATTEMPTS = {
    "create": _l("create an account of that role"),
    "grant_role": _l("give an account that role"),
    "own_role": _l("change their own role or whether they may sign in"),
    "manage_account": _l("change an account they may not manage"),
    "set_password": _l("set another person's password"),
    "issue_password": _l("issue a temporary password"),
}
#: Account fields named in an "update" entry's list of changes.
FIELDS = {
    "username": _l("Username"),
    "full_name": _l("Full name"),
    "locale": _l("Language"),
}


def _pair(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    return None


def _yes_no(value: Any) -> str:
    if value is None:
        return "–"
    return str(_("yes") if value else _("no"))


def describe(detail: dict[str, Any] | None) -> list[str]:
    """Return the sentences that say what ``detail`` of an entry records."""
    detail = detail or {}
    lines: list[str] = []
    if attempt := detail.get("attempt"):
        what = ATTEMPTS.get(str(attempt), str(attempt))
        lines.append(_("Refused: %(what)s", what=what))
    if role := detail.get("account_role"):
        lines.append(_("Account: %(role)s", role=role_label(str(role))))
    if roles := _pair(detail.get("role")):
        before, after = (role_label(str(r)) if r else "–" for r in roles)
        lines.append(_("Role: %(before)s → %(after)s", before=before, after=after))
    if active := _pair(detail.get("active")):
        lines.append(
            _(
                "May sign in: %(before)s → %(after)s",
                before=_yes_no(active[0]),
                after=_yes_no(active[1]),
            )
        )
    if (changed := detail.get("changed")) and isinstance(changed, list):
        names = ", ".join(str(FIELDS.get(str(name), name)) for name in changed)
        lines.append(_("Changed: %(fields)s", fields=names))
    if detail.get("new") is True:
        lines.append(_("For a new account"))
    if detail.get("was_temporary") is True:
        lines.append(_("Replaced a temporary password"))
    if detail.get("notified") is True:
        lines.append(_("The owner's devices were notified"))
    return lines
