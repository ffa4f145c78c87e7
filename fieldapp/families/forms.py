"""WTForms for families, members and assignments (coordinator screens)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError


def text(value: str | None) -> str:
    """Trim a text input; an empty or missing field becomes "" (the columns are NOT NULL)."""
    return (value or "").strip()


PROGRAMME_CHOICES = [
    ("prevention", _l("Prevention (Vocations for the Future)")),
    ("rehabilitation_residential", _l("Rehabilitation and reintegration, residential")),
    ("rehabilitation_daily", _l("Rehabilitation and reintegration, daily")),
]
SEX_CHOICES = [("", _l("Not recorded")), ("female", _l("Female")), ("male", _l("Male"))]
RELATIONSHIP_CHOICES = [
    ("head", _l("Head of household")),
    ("spouse", _l("Spouse or partner")),
    ("child", _l("Child")),
    ("grandparent", _l("Grandparent")),
    ("other_relative", _l("Other relative")),
    ("other", _l("Other")),
]


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def _consent(label: str | Any, required: bool = True) -> RadioField:
    return RadioField(
        label,
        choices=YES_NO,
        validators=[
            InputRequired(message=_l("Record the family's answer."))
            if required
            else Optional()
        ],
    )


class FamilyForm(FlaskForm):
    """A family's details and its consents, asked like the intake asks them."""

    name = StringField(
        _l("Family name"),
        filters=[text],
        validators=[Length(max=200)],
    )
    #: choices are set per request from the intake form's list, in the user's language
    municipality = SelectField(_l("Municipality"), validate_choice=True)
    village = StringField(
        _l("Village or neighbourhood"), filters=[text], validators=[Length(max=200)]
    )
    programme = SelectField(_l("Programme"), choices=PROGRAMME_CHOICES)
    is_active = BooleanField(_l("Active case"), default=True)
    consent_store = _consent(
        _l(
            "The family agrees that its personal data is kept (names, contacts, village)"
        )
    )
    consent_share = _consent(
        _l("The family agrees that its data is shared with partners through referrals")
    )
    consent_report = _consent(
        _l("The family agrees to be counted in reports that leave the NGO")
    )
    consent_photos = _consent(_l("The family agrees to be photographed"), False)

    def validate_name(self, field: StringField) -> None:
        """A name is needed only when the family agrees that it is kept."""
        if self.consent_store.data == "yes" and not field.data:
            raise ValidationError(_l("Enter the family name."))

    def consents(self) -> dict[str, bool]:
        """Return the decisions the form records (an unanswered one is left out)."""
        return {
            kind: getattr(self, f"consent_{kind}").data == "yes"
            for kind in ("store", "share", "report", "photos")
            if getattr(self, f"consent_{kind}").data in ("yes", "no")
        }


class MemberForm(FlaskForm):
    """A family member."""

    full_name = StringField(
        _l("Full name"),
        filters=[text],
        validators=[DataRequired(message=_l("Enter the name.")), Length(max=200)],
    )
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[
            Optional(),
            NumberRange(
                min=1900,
                max=date.today().year,
                message=_l("Enter a year between %(min)s and %(max)s."),
            ),
        ],
    )
    sex = SelectField(_l("Sex"), choices=SEX_CHOICES, validate_choice=True)
    relationship = SelectField(
        _l("Relationship to the head of household"), choices=RELATIONSHIP_CHOICES
    )
    school = StringField(_l("School"), filters=[text], validators=[Length(max=200)])
    grade = StringField(_l("Grade"), filters=[text], validators=[Length(max=32)])


class AssignmentForm(FlaskForm):
    """Assign a social worker or psychologist to a family."""

    user_id = SelectField(_l("Worker"), coerce=int, validate_choice=True)
