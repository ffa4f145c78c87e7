"""The WTForms envelope around a form definition's questions (CSRF and identifiers)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms.validators import UUID
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from fieldapp.inputs import MAX_INT


class FillForm(FlaskForm):
    """Hidden fields that travel with every filled form; the questions come from forms/."""

    submission_uuid = HiddenField(validators=[DataRequired(), UUID()])
    form_version = IntegerField(
        widget=HiddenInput(), validators=[DataRequired(), NumberRange(1, MAX_INT)]
    )
    started_at = HiddenField()
    respondent_locale = HiddenField()
    subject_id = HiddenField(validators=[Optional(), UUID()])
    course_id = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(1, MAX_INT)]
    )
