"""The WTForms envelope around a form definition's questions (CSRF and identifiers)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms.validators import UUID
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from fieldapp.inputs import MAX_INT
from fieldapp.submissions.messages import time_message
from sync.times import NotATime
from sync.times import TimeOutOfRange
from sync.times import parse_client_time


def client_time(form: Any, field: Field) -> None:
    """Refuse a time the sync protocol would not read (sync.times, the one parser)."""
    if not field.data:
        return
    try:
        parse_client_time(field.data)
    except TimeOutOfRange:
        raise ValidationError(time_message(field.name, out_of_range=True)) from None
    except NotATime:
        raise ValidationError(time_message(field.name, out_of_range=False)) from None


class FillForm(FlaskForm):
    """Hidden fields that travel with every filled form; the questions come from forms/."""

    submission_uuid = HiddenField(validators=[DataRequired(), UUID()])
    form_version = IntegerField(
        widget=HiddenInput(), validators=[DataRequired(), NumberRange(1, MAX_INT)]
    )
    started_at = HiddenField(validators=[client_time])
    respondent_locale = HiddenField()
    subject_id = HiddenField(validators=[Optional(), UUID()])
    course_id = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(1, MAX_INT)]
    )
