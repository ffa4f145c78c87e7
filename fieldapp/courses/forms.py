"""WTForms for courses and enrolments (coordinator screens)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from fieldapp.families.forms import text

VOCATION_CHOICES = [
    ("welding", _l("Welding")),
    ("electrical_installation", _l("Electrical installation")),
    ("barbering", _l("Barbering")),
    ("tailoring", _l("Tailoring")),
    ("cooking", _l("Cooking")),
]
WEEKDAY_CHOICES = [
    ("1", _l("Monday")),
    ("2", _l("Tuesday")),
    ("3", _l("Wednesday")),
    ("4", _l("Thursday")),
    ("5", _l("Friday")),
    ("6", _l("Saturday")),
    ("7", _l("Sunday")),
]


class CourseForm(FlaskForm):
    """A course's details and schedule."""

    name = StringField(
        _l("Course name"),
        filters=[text],
        validators=[
            DataRequired(message=_l("Enter the course name.")),
            Length(max=200),
        ],
    )
    vocation = SelectField(_l("Vocation"), choices=VOCATION_CHOICES)
    instructor_id = SelectField(_l("Instructor"), coerce=int)
    weekdays = SelectMultipleField(
        _l("Days"),
        choices=WEEKDAY_CHOICES,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    duration_minutes = IntegerField(
        _l("Length in minutes"),
        default=120,
        validators=[
            NumberRange(
                min=15,
                max=600,
                message=_l("Enter between %(min)s and %(max)s minutes."),
            )
        ],
    )
    location = StringField(_l("Location"), filters=[text], validators=[Length(max=200)])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    is_active = BooleanField(_l("Running"), default=True)


class EnrolmentForm(FlaskForm):
    """Enrol a family member in a course."""

    member_id = SelectField(_l("Student"), validate_choice=True)
    age_reason = TextAreaField(
        _l("Reason for enrolling outside the age range (12–16)"),
        filters=[text],
        validators=[Length(max=1000)],
    )
