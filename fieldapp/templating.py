"""Template helpers shared by every feature: labels for codes in the viewer's language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask

from fieldapp.courses.forms import VOCATION_CHOICES
from fieldapp.i18n import current_language
from fieldapp.submissions.forms_registry import registry
from fieldapp.users.forms import role_label
from forms.collation import sorted_by

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: a single choice with more options than this is a select with a filter box, not
#: radio buttons (the 38 municipalities)
LONG_LIST = 12


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


def date_input(value: Any) -> str:
    """Return an ISO date as a date field shows it, 31.12.2025 (other text as it is)."""
    if isinstance(value, str) and (match := _ISO_DATE.match(value)):
        year, month, day = match.groups()
        return f"{day}.{month}.{year}"
    return "" if value is None else str(value)


def sort_choices(choices: Iterable[Any], locale: str) -> list[Any]:
    """Return a question's choices in the alphabetical order of ``locale``."""
    return sorted_by(choices, lambda choice: choice.label.get(locale), locale)


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.jinja_env.globals.update(
        role_label=role_label,
        vocation_label=vocation_label,
        form_title=form_title,
        municipality_label=municipality_label,
        long_list=LONG_LIST,
    )
    app.jinja_env.filters.update(date_input=date_input, sort_choices=sort_choices)
