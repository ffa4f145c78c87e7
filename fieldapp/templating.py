"""Template helpers shared by every feature: labels for codes in the viewer's language."""

from __future__ import annotations

from flask import Flask

from fieldapp.courses.forms import VOCATION_CHOICES
from fieldapp.i18n import current_language
from fieldapp.submissions.forms_registry import registry
from fieldapp.users.forms import role_label


def vocation_label(code: str) -> str:
    """Return a vocation's name in the current language."""
    return str(dict(VOCATION_CHOICES).get(code, code))


def form_title(form_id: str) -> str:
    """Return a form's title in the current language."""
    try:
        definition = registry().latest(form_id)
    except LookupError:
        return form_id
    return definition.text(definition.title, current_language())


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(
        role_label=role_label, vocation_label=vocation_label, form_title=form_title
    )
