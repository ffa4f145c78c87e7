"""The form definitions loaded at start-up, and which of them a user may fill."""

from __future__ import annotations

from flask import Flask
from flask import current_app

from fieldapp.auth.models import User
from forms import FormDefinition
from forms import FormRegistry
from forms import load_registry


def init_app(app: Flask) -> None:
    """Load every form document once; a broken document stops the app from starting."""
    app.extensions["fieldapp.forms"] = load_registry(
        app.config.get("FORMS_DIR") or None
    )


def registry() -> FormRegistry:
    """Return the current app's form registry."""
    forms: FormRegistry = current_app.extensions["fieldapp.forms"]
    return forms


def forms_for(user: User) -> list[FormDefinition]:
    """Return the latest definitions that ``user``'s role may fill."""
    return [
        definition for definition in registry().all() if user.role in definition.roles
    ]


def definition_for(form_id: str, version: int | None) -> FormDefinition | None:
    """Return the definition a submission answered, else the form's latest, else None."""
    try:
        return registry().get(form_id, version)
    except LookupError:
        try:
            return registry().latest(form_id)
        except LookupError:
            return None
