"""WTForms for the prevention programme (coordinator screens)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from fieldapp.families.forms import text

REFERRAL_SOURCE_CHOICES = [
    ("school", _l("School")),
    ("csw", _l("Centre for Social Work")),
    ("youth_probation", _l("Youth probation service")),
    ("other", _l("Other")),
]
REFERRAL_RISK_CHOICES = [
    ("", _l("Not recorded")),
    ("victim", _l("At risk of becoming a victim")),
    ("perpetrator", _l("At risk of becoming a perpetrator")),
    ("both", _l("Both")),
]
FORM_LOCALE_CHOICES = [
    ("sq", "Shqip"),
    ("sr_Latn", "Srpski (latinica)"),
    ("sr_Cyrl", "Српски (ћирилица)"),
    ("en", "English"),
]
LEAVING_REASON_CHOICES = [
    ("moved", _l("Moved away")),
    ("lost_interest", _l("Lost interest")),
    ("family_decision", _l("Family decision")),
    ("school_conflict", _l("Conflict with school")),
    ("employment", _l("Found work")),
    ("other", _l("Other")),
]


class StudentForm(FlaskForm):
    """A family member's record in the prevention programme."""

    school = StringField(_l("School"), filters=[text], validators=[Length(max=200)])
    grade = StringField(_l("Grade"), filters=[text], validators=[Length(max=32)])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    referral_source = SelectField(
        _l("Referred by"), choices=REFERRAL_SOURCE_CHOICES, validate_choice=True
    )
    referral_on = DateField(
        _l("Date of referral"),
        validators=[DataRequired(message=_l("Enter the date of the referral."))],
    )
    referral_risk = SelectField(
        _l("Risk named in the referral"),
        choices=REFERRAL_RISK_CHOICES,
        validate_choice=True,
    )
    form_locale = SelectField(
        _l("Language of the student's forms"),
        choices=FORM_LOCALE_CHOICES,
        validate_choice=True,
    )


class CompletionForm(FlaskForm):
    """The student completed the course."""

    completed_on = DateField(
        _l("Completed on"),
        validators=[DataRequired(message=_l("Enter the date of completion."))],
    )
    certificate = BooleanField(_l("Certificate issued"))


class LeavingForm(FlaskForm):
    """The student left the course early."""

    left_on = DateField(
        _l("Left on"), validators=[DataRequired(message=_l("Enter the date."))]
    )
    reason = SelectField(
        _l("Why did the student leave?"),
        choices=LEAVING_REASON_CHOICES,
        validate_choice=True,
    )
    note = TextAreaField(_l("Note"), filters=[text], validators=[Length(max=1000)])
