"""WTForms of the data-protection screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired


class EraseForm(FlaskForm):
    """The typed confirmation of an erasure."""

    confirm = StringField(_l("Confirmation code"), validators=[DataRequired()])
