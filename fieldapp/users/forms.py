"""WTForms for managing staff accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Regexp

ROLE_CHOICES = [
    ("social_worker", _l("Social worker")),
    ("psychologist", _l("Psychologist")),
    ("instructor", _l("Vocational instructor")),
    ("coordinator", _l("Coordinator")),
    ("admin", _l("Administrator")),
]
LOCALE_CHOICES = [
    ("sq", "Shqip"),
    ("sr_Latn", "Srpski"),
    ("sr_Cyrl", "Српски"),
    ("en", "English"),
]


class UserForm(FlaskForm):
    """A staff account. It has no password: nobody sets another person's password.

    New accounts get a temporary one (shown once to their creator); administrators
    issue new ones (users.password_submit); everyone changes their own.
    """

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Length(max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l(
                    "Use only letters without accents, digits, dots, dashes and "
                    "underscores."
                ),
            ),
        ],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Enter the full name.")), Length(max=200)],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    is_active = BooleanField(_l("Active (may sign in)"), default=True)


def role_label(role: str) -> str:
    """Return the role's name in the current language."""
    return str(dict(ROLE_CHOICES).get(role, role))
