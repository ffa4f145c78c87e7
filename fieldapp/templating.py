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


def municipality_choices(locale: str) -> list[tuple[str, str]]:
    """Return (code, name) of Kosovo's municipalities, from the intake form, in ``locale``."""
    try:
        question = registry().latest("family_intake").question("municipality")
    except (LookupError, KeyError):
        return []
    return [(choice.value, choice.label.get(locale)) for choice in question.choices]


def municipality_label(code: str) -> str:
    """Return a municipality's name in the current language (the code if unknown)."""
    return dict(municipality_choices(current_language())).get(code, code)


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(
        role_label=role_label,
        vocation_label=vocation_label,
        form_title=form_title,
        municipality_label=municipality_label,
    )
