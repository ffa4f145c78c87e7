"""The right of access: everything stored about one family, for the family.

``build(family)`` gathers the family's fields, members, consents, every submission about
it (sensitive answers included, with labels in the family's language) and the access
log entries about the family, its members and those submissions. The page prints it;
the JSON file carries the same.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from fieldapp import db
from fieldapp.audit import details
from fieldapp.audit.models import AccessLogEntry
from fieldapp.crypto import decrypt_json
from fieldapp.families.models import Family
from fieldapp.protection import consents
from fieldapp.submissions.forms_registry import definition_for
from fieldapp.submissions.models import Submission
from fieldapp.submissions.sensitive import merge_sensitive
from forms.definition import Question


def language_of(family: Family) -> str:
    """Return the family's language: the one its intake was filled in, or the default."""
    locale = db.session().scalar(
        sa.select(Submission.respondent_locale)
        .where(Submission.family_id == family.id, Submission.form_id == "family_intake")
        .limit(1)
    )
    languages: list[str] = current_app.config["LANGUAGES"]
    return locale if locale in languages else languages[0]


def _show(question: Question, value: Any, language: str, names: dict[str, str]) -> str:
    if value is None:
        return "–"
    if question.type == "yes_no":
        return str(_("Yes") if value else _("No"))
    if question.type == "single_choice":
        choice = question.choice(value)
        return choice.label.get(language) if choice else str(value)
    if question.type == "multiple_choice":
        shown = []
        for item in value:
            choice = question.choice(item)
            shown.append(
                choice.label.get(language) if choice else names.get(item, item)
            )
        return ", ".join(shown)
    if question.type == "repeat":
        return " | ".join(
            "; ".join(
                f"{sub.label_in(language)}: {_show(sub, row[sub.id], language, names)}"
                for sub in question.questions
                if sub.id in row
            )
            for row in value
        )
    if question.type == "roster":
        return " | ".join(
            f"{names.get(member, member)}: "
            + "; ".join(
                _show(sub, row[sub.id], language, names)
                for sub in question.questions
                if sub.id in row
            )
            for member, row in value.items()
        )
    return str(value)


def _answers(submission: Submission, language: str, names: dict[str, str]) -> list[Any]:
    definition = definition_for(submission.form_id, submission.form_version)
    answers = dict(submission.answers)
    if submission.sensitive_answers:
        merge_sensitive(answers, decrypt_json(submission.sensitive_answers))
    if definition is None:
        return [[key, str(value)] for key, value in sorted(answers.items())]
    return [
        [
            question.label_in(language),
            _show(question, answers[question.id], language, names),
        ]
        for question in definition.questions
        if question.id in answers
    ]


def build(family: Family) -> dict[str, Any]:
    """Return everything stored about ``family``, labelled in the family's language."""
    language = language_of(family)
    session = db.session()
    names = {str(m.id): m.full_name for m in family.members}
    submissions = session.scalars(
        sa.select(Submission)
        .where(Submission.family_id == family.id)
        .order_by(Submission.received_at)
    ).all()
    record_ids = [str(family.id), *names, *(str(s.uuid) for s in submissions)]
    entries = session.execute(
        sa.select(AccessLogEntry)
        .where(AccessLogEntry.record_id.in_(record_ids))
        .order_by(AccessLogEntry.at)
    ).scalars()
    with force_locale(language):
        from fieldapp.protection.routes import consent_label

        report = {
            "language": language,
            "family": {
                "id": str(family.id),
                "fields": [
                    [_("Family name"), family.name],
                    [_("Municipality"), family.municipality],
                    [_("Village or neighbourhood"), family.village],
                    [_("Programme"), family.programme],
                    [_("Active case"), _("Yes") if family.is_active else _("No")],
                    [_("Registered"), family.created_at.date().isoformat()],
                ],
            },
            "members": [
                [
                    [_("Full name"), m.full_name],
                    [
                        _("Year of birth"),
                        "" if m.birth_year is None else str(m.birth_year),
                    ],
                    [_("Sex"), m.sex],
                    [_("Relationship"), m.relationship],
                    [_("School"), m.school],
                    [_("Grade"), m.grade],
                ]
                for m in family.members
            ],
            "consents": [
                [
                    consent_label(kind),
                    _("not asked: not allowed")
                    if row is None
                    else _("refused on %(date)s", date=row.given_on.isoformat())
                    if not row.given
                    else _(
                        "given on %(given)s, withdrawn on %(withdrawn)s",
                        given=row.given_on.isoformat(),
                        withdrawn=row.withdrawn_on.isoformat(),
                    )
                    if row.withdrawn_on
                    else _("given on %(date)s", date=row.given_on.isoformat()),
                ]
                for kind, row in consents.current(family).items()
            ],
            "submissions": [
                {
                    "id": s.id,
                    "form": _form_title(s.form_id, s.form_version, language),
                    "received_at": s.received_at.isoformat(timespec="minutes"),
                    "answers": _answers(s, language, names),
                }
                for s in submissions
            ],
            "access_log": [
                {
                    "at": e.at.isoformat(timespec="minutes"),
                    "who": e.username,
                    "action": details.action_label(e.action),
                    "action_code": e.action,
                    "record": f"{details.record_type_label(e.record_type)} {e.record_id}",
                }
                for e in entries
            ],
        }
    return report


def _form_title(form_id: str, version: int, language: str) -> str:
    definition = definition_for(form_id, version)
    return definition.text(definition.title, language) if definition else form_id
