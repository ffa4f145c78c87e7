"""Words for the codes in the report, in the language the report is being made in.

Called inside ``flask_babel.force_locale``: gettext labels follow it, and labels kept
in the form documents (kinds of group activity, participant bands) are read in it.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from fieldapp.submissions.forms_registry import registry


def _locale() -> str:
    return str(get_locale() or "sq")


def headline_labels() -> dict[str, object]:
    """Return the headline figures' names, in report order."""
    return {
        "people_reached": _l("People reached"),
        "families_reached": _l("Families reached"),
        "new_cases": _l("New cases"),
        "closed_cases": _l("Cases closed"),
        "services_delivered": _l("Services delivered"),
        "referrals_made": _l("Referrals made to partners"),
        "referrals_received": _l("Referrals received"),
        "students_enrolled": _l("Students enrolled"),
        "students_completed": _l("Students who completed a course"),
        "group_activities": _l("Group activities"),
        "participants": _l("Participants in group activities"),
    }


def age_bands() -> dict[str, object]:
    """Return the age bands' names."""
    return {
        "0_11": _l("0–11 years"),
        "12_17": _l("12–17 years"),
        "18_25": _l("18–25 years"),
        "26_59": _l("26–59 years"),
        "60_plus": _l("60 years and over"),
        "unknown": _l("Age not recorded"),
    }


def sexes() -> dict[str, object]:
    """Return the sexes' names."""
    return {"female": _l("Female"), "male": _l("Male"), "unknown": _l("Not recorded")}


def _pairs(choices: list[tuple[str, object]]) -> dict[str, str]:
    return {k: str(v) for k, v in choices if k}


def programmes() -> dict[str, str]:
    """Return the programmes' names."""
    from fieldapp.families.forms import PROGRAMME_CHOICES

    return _pairs(PROGRAMME_CHOICES)


def closure_reasons() -> dict[str, str]:
    """Return the closure reasons' names."""
    from fieldapp.cases.forms import CLOSURE_REASON_CHOICES

    return _pairs(CLOSURE_REASON_CHOICES)


def service_types() -> dict[str, str]:
    """Return the service types' names."""
    from fieldapp.cases.forms import SERVICE_TYPE_CHOICES

    return _pairs(SERVICE_TYPE_CHOICES)


def partner_kinds() -> dict[str, str]:
    """Return the kinds of partner organisation."""
    from fieldapp.cases.forms import PARTNER_KIND_CHOICES

    return _pairs(PARTNER_KIND_CHOICES)


def referral_sources() -> dict[str, str]:
    """Return where incoming referrals come from."""
    from fieldapp.cases.forms import REFERRAL_SOURCE_CHOICES

    return _pairs(REFERRAL_SOURCE_CHOICES)


def vocations() -> dict[str, str]:
    """Return the vocations' names."""
    from fieldapp.courses.forms import VOCATION_CHOICES

    return _pairs(VOCATION_CHOICES)


def activity_kinds() -> dict[str, str]:
    """Return the kinds of group activity, from the form, in the report's language."""
    question = registry().latest("group_activity").question("kind")
    return {c.value: c.label.get(_locale()) for c in question.choices}


def participant_bands() -> dict[str, str]:
    """Return the participant bands' names, from the form's questions."""
    from fieldapp.prevention.effects import BANDS

    definition = registry().latest("group_activity")
    return {band: definition.question(band).label.get(_locale()) for band in BANDS}
