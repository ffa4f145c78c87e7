"""WTForms for the case file: open, admit, close and reopen a case."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from fieldapp.families.forms import PROGRAMME_CHOICES
from fieldapp.families.forms import text

REFERRAL_SOURCE_CHOICES = [
    ("", _l("Not recorded")),
    ("centre_for_social_work", _l("Centre for Social Work")),
    ("school", _l("School")),
    ("police", _l("Police")),
    ("youth_probation", _l("Youth probation service")),
    ("court", _l("Court")),
    ("ngo", _l("Another NGO")),
    ("self", _l("Self-referral")),
    ("other", _l("Other")),
]
CLOSURE_REASON_CHOICES = [
    ("", _l("Choose a reason")),
    ("goals_met", _l("Goals met")),
    ("moved", _l("Moved away")),
    ("transferred", _l("Transferred to another organisation")),
    ("declined_support", _l("Declined further support")),
    ("lost_contact", _l("Lost contact")),
    ("other", _l("Other")),
]


class OpenCaseForm(FlaskForm):
    """Open a case for a family: the programme and the incoming referral."""

    programme = SelectField(_l("Programme"), choices=PROGRAMME_CHOICES)
    referral_source = SelectField(
        _l("Referred by"),
        choices=REFERRAL_SOURCE_CHOICES,
        default="",
        validate_choice=True,
    )
    referring_body = StringField(
        _l("Referring body (for example, which Centre for Social Work)"),
        filters=[text],
        validators=[Length(max=200)],
    )
    referred_on = DateField(_l("Date of referral"), validators=[Optional()])


class ActivateForm(FlaskForm):
    """Admit a referred case."""

    admitted_on = DateField(
        _l("Admission date"),
        default=date.today,
        validators=[InputRequired(message=_l("Enter the admission date."))],
    )
    planned_end_on = DateField(
        _l("Planned end (at most three years after admission)"),
        validators=[InputRequired(message=_l("Enter the planned end."))],
    )
    note = StringField(_l("Note"), filters=[text], validators=[Length(max=500)])


class CloseForm(FlaskForm):
    """Close an active case."""

    closed_on = DateField(
        _l("Closing date"),
        default=date.today,
        validators=[InputRequired(message=_l("Enter the closing date."))],
    )
    reason = SelectField(
        _l("Reason for closing"),
        choices=CLOSURE_REASON_CHOICES,
        validators=[DataRequired(message=_l("Choose why the case is closed."))],
    )
    reason_other = StringField(
        _l("Other reason"), filters=[text], validators=[Length(max=200)]
    )
    summary = TextAreaField(
        _l("Closing summary"),
        filters=[text],
        validators=[
            DataRequired(message=_l("Write a closing summary.")),
            Length(max=4000),
        ],
    )
    override = StringField(
        _l("Close anyway although services or referrals are open, because"),
        filters=[text],
        validators=[Length(max=500)],
    )


class ReopenForm(FlaskForm):
    """Reopen a closed case."""

    reason = StringField(
        _l("Why is the case reopened?"),
        filters=[text],
        validators=[
            DataRequired(message=_l("Say why the case is reopened.")),
            Length(max=500),
        ],
    )


SERVICE_TYPE_CHOICES = [
    ("psychotherapy", _l("Psychotherapy")),
    ("counselling", _l("Counselling")),
    ("literacy", _l("Literacy")),
    ("numeracy", _l("Numeracy")),
    ("job_skills", _l("Job skills")),
    ("vocational_training", _l("Vocational training")),
    ("life_skills", _l("Life skills")),
    ("medical", _l("Medical care")),
    ("legal", _l("Legal aid")),
    ("accommodation", _l("Accommodation")),
    ("material_support", _l("Material support")),
    ("accompaniment", _l("Accompaniment")),
    ("other", _l("Other")),
]
SERVICE_STATUS_CHOICES = [
    ("planned", _l("Planned")),
    ("in_progress", _l("In progress")),
    ("completed", _l("Completed")),
    ("not_completed", _l("Not completed")),
    ("cancelled", _l("Cancelled")),
]


class ServiceUpdateForm(FlaskForm):
    """Change a service's status and outcome."""

    status = SelectField(_l("Status"), choices=SERVICE_STATUS_CHOICES)
    completed_on = DateField(_l("Completed on"), validators=[Optional()])
    outcome = StringField(
        _l("Outcome, in a few words"), filters=[text], validators=[Length(max=500)]
    )


class ServiceForm(ServiceUpdateForm):
    """Add a service to a case."""

    service_type = SelectField(_l("Type of service"), choices=SERVICE_TYPE_CHOICES)
    provider = StringField(
        _l("Provided by (staff member or partner organisation)"),
        filters=[text],
        validators=[Length(max=200)],
    )
    planned_on = DateField(_l("Planned date"), validators=[Optional()])
    reopen_reason = StringField(
        _l("The case is closed: adding a service reopens it. Why?"),
        filters=[text],
        validators=[Length(max=500)],
    )


PARTNER_KIND_CHOICES = [
    ("csw", _l("Centre for Social Work")),
    ("iom", _l("IOM")),
    ("police", _l("Police")),
    ("health_centre", _l("Health centre")),
    ("legal_aid", _l("Legal aid")),
    ("school", _l("School")),
    ("employment_office", _l("Employment office")),
    ("ngo", _l("Another NGO")),
    ("other", _l("Other")),
]
REFERRAL_STATUS_CHOICES = [
    ("sent", _l("Sent")),
    ("accepted", _l("Accepted")),
    ("declined", _l("Declined")),
    ("done", _l("Done")),
]


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class ConsentForm(FlaskForm):
    """Record whether the family agrees that its information is shared with partners."""

    consent_share = SelectField(
        _l(
            "The family agrees that its information is shared with partners it is referred to"
        ),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
    )


class ReferralForm(FlaskForm):
    """Refer the family to a partner."""

    #: choices are the active partners, set per request; the service checks the id
    partner_id = SelectField(_l("Partner"), coerce=_int_or_none, validate_choice=False)
    sent_on = DateField(
        _l("Date sent"),
        default=date.today,
        validators=[InputRequired(message=_l("Enter the date the referral was sent."))],
    )
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])
    note = StringField(_l("Note"), filters=[text], validators=[Length(max=500)])
    override = StringField(
        _l("Refer without the family's consent to share, because"),
        filters=[text],
        validators=[Length(max=500)],
    )


class ReferralUpdateForm(FlaskForm):
    """Record the partner's answer or that the referral is done."""

    status = SelectField(_l("Status"), choices=REFERRAL_STATUS_CHOICES)
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])
    note = StringField(_l("Note"), filters=[text], validators=[Length(max=500)])


class PartnerForm(FlaskForm):
    """A partner organisation."""

    name = StringField(
        _l("Name"),
        filters=[text],
        validators=[DataRequired(message=_l("Enter the name.")), Length(max=200)],
    )
    kind = SelectField(_l("Kind"), choices=PARTNER_KIND_CHOICES)


GOAL_AREA_CHOICES = [
    ("safety", _l("Safety")),
    ("health", _l("Health")),
    ("psychological_wellbeing", _l("Psychological wellbeing")),
    ("housing", _l("Housing")),
    ("education_literacy", _l("Education and literacy")),
    ("employment_job_skills", _l("Employment and job skills")),
    ("legal", _l("Legal")),
    ("family_relations", _l("Family relations")),
]
GOAL_STATUS_CHOICES = [
    ("not_started", _l("Not started")),
    ("in_progress", _l("In progress")),
    ("achieved", _l("Achieved")),
    ("not_achieved", _l("Not achieved")),
]


class GoalForm(FlaskForm):
    """A goal of the case plan."""

    area = SelectField(_l("Area"), choices=GOAL_AREA_CHOICES)
    description = StringField(
        _l("Goal"),
        filters=[text],
        validators=[DataRequired(message=_l("Describe the goal.")), Length(max=500)],
    )
    target_on = DateField(_l("Target date"), validators=[Optional()])


class ReviewForm(FlaskForm):
    """A plan review; each goal's status and note are read as goal-<id>-status/-note."""

    reviewed_on = DateField(
        _l("Date of the review"),
        default=date.today,
        validators=[InputRequired(message=_l("Enter the date of the review."))],
    )
    summary = TextAreaField(
        _l("Summary of the review"), filters=[text], validators=[Length(max=4000)]
    )
    next_review_on = DateField(
        _l("Next review (90 days later if left empty)"), validators=[Optional()]
    )
