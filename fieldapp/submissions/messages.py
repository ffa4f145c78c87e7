"""Messages for the sync engine's verdicts, in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext

from forms import Issue
from sync.changes import ItemResult


def _(text: str, **params: Any) -> str:
    """Translate ``text`` (typed wrapper of flask_babel.gettext)."""
    return str(gettext(text, **params))


def _engine_messages() -> dict[str, Callable[[dict[str, Any]], str]]:
    # Built per call so gettext runs under the locale chosen by the caller.
    return {
        "invalid": lambda p: _("This value is missing or has the wrong format."),
        "time_range": lambda p: _(
            "The time in %(field)s is not one the server can store (it must fall "
            "between the years 1 and 9999). Check the date and time of this device.",
            field=p.get("field", ""),
        ),
        "family_exists": lambda p: _("This family is already registered."),
        "not_your_family": lambda p: _("This family is not in your caseload."),
        "not_your_course": lambda p: _("This course is not one of your courses."),
        "unknown_form": lambda p: _("This form does not exist."),
        "unknown_version": lambda p: _(
            "Version %(version)s of this form is no longer accepted (known versions: "
            "%(known)s). Open the form again to fill in the current version.",
            version=p.get("version", ""),
            known=p.get("known", ""),
        ),
    }


def time_message(field: str, *, out_of_range: bool) -> str:
    """Return the message of a time that cannot be read or stored, in this request's
    language (the HTML form's hidden times; the sync API says the same per item)."""
    if out_of_range:
        return _engine_messages()["time_range"]({"field": field})
    return _("The time in %(field)s could not be read.", field=field)


def issue_dict(issue: Issue, locale: str) -> dict[str, Any]:
    """Return {code, params, message} for one issue, in ``locale``."""
    with force_locale(locale):
        render = _engine_messages().get(issue.code)
        if render is not None:
            return {
                "code": issue.code,
                "params": dict(issue.params),
                "message": render(dict(issue.params)),
            }
    return issue.as_dict(locale)


def stored_issue_dict(code: str, params: dict[str, Any], locale: str) -> dict[str, Any]:
    """Return {code, params, message} for an issue kept as code and params."""
    try:
        return issue_dict(Issue(code, params), locale)
    except KeyError:  # a code this version no longer knows: show the code itself
        return {"code": code, "params": params, "message": code}


def result_message(result: ItemResult, locale: str) -> str:
    """Return one plain sentence that tells the user what happened to an item."""
    with force_locale(locale):
        if result.status == "accepted":
            return _("Received and stored.")
        if result.status == "duplicate":
            return _("This was already received earlier; it was stored only once.")
        if result.status == "conflict":
            return _(
                "A different version of this form was already received. Both "
                "versions are kept for a coordinator to review; nothing is lost."
            )
        if result.status == "refused":
            for found in result.errors.values():
                if found and found[0].code == "time_range":
                    return str(issue_dict(found[0], locale)["message"])
            return {
                "wrong_user": _(
                    "This form was filled in by another user. Sign in as "
                    "that user to send it."
                ),
                "uuid_taken": _(
                    "This form's identifier belongs to another user's "
                    "form. Please fill it in again."
                ),
                "form_not_allowed": _("Your role may not fill in this form."),
                "family_erased": _(
                    "This family was erased, so this form cannot be stored. Delete it "
                    "from this device."
                ),
                "not_stored": _(
                    "The server could not store this form just now. It stays on "
                    "this device and will be sent again."
                ),
            }.get(
                result.code,
                _("This form could not be read. Please open it and send it again."),
            )
        for found in result.errors.values():
            if found and found[0].code in _engine_messages():
                return str(issue_dict(found[0], locale)["message"])
        return _("Some answers need your attention before this form can be stored.")
