"""Demo cases in every state, spread over the last 18 months (`flask demo`).

Each goes through the same services as the screens, so its history is real: one near
the three-year limit's planned end, one newly referred, one closed, one reopened.
Safe to run again: a demo family that already has a case is left alone.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.cases import services
from fieldapp.cases.models import Partner
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family
from fieldapp.protection import consents

# family, programme, referred by, referring body, days ago referred, then the story:
# (admitted days ago, planned end in days) or None, closed days ago or None, reopened.
# Referrals and completed services less than 14 days old are kept inside the current
# quarter (see _recent), so its donor report always has a new case and services.
_CASES = [
    ("Berisha", "rehabilitation_daily", "centre_for_social_work", "QPS Ferizaj",
     545, (540, 70), None, False),
    ("Jovanović", "rehabilitation_residential", "police", "Policia e Kosovës, Graçanicë",
     250, (240, 480), None, False),
    ("Shala", "rehabilitation_daily", "centre_for_social_work", "QPS Vushtrri",
     12, None, None, False),
    ("Krasniqi", "rehabilitation_daily", "school", "Shkolla 'Naim Frashëri'",
     480, (470, 600), 120, False),
    ("Morina", "rehabilitation_daily", "ngo", "Qendra për mbrojtjen e grave",
     400, (390, 700), 200, True),
]  # fmt: skip


# family -> (type, provider, planned in days (negative: past), status, outcome)
_SERVICES = {
    "Berisha": [
        ("psychotherapy", "Milica Psiholog", -300, "completed", "Flen më mirë."),
        ("counselling", "Besa Punonjëse", -100, "completed", "Flet më lirshëm."),
        ("literacy", "Besa Punonjëse", -20, "planned", ""),
        ("medical", "QKMF Ferizaj", -9, "completed", "Kontrolli u krye."),
        ("job_skills", "Zyra e punësimit Ferizaj", 15, "planned", ""),
    ],
    "Jovanović": [
        ("accommodation", "Qendra", -200, "in_progress", ""),
        ("legal", "Ndihma juridike falas", -45, "planned", ""),
        ("material_support", "Qendra", -5, "completed", "Pako ushqimore."),
    ],
    "Morina": [("counselling", "Besa Punonjëse", 10, "planned", "")],
}


_PARTNERS = [
    ("QPS Ferizaj", "csw"),
    ("QPS Vushtrri", "csw"),
    ("IOM Kosovo", "iom"),
    ("Policia e Kosovës", "police"),
    ("QKMF Ferizaj", "health_centre"),
    ("Ndihma juridike falas", "legal_aid"),
    ("Zyra e punësimit Ferizaj", "employment_office"),
]
# family -> (partner, sent days ago, follow up in days (negative: past))
_REFERRALS = {
    "Berisha": [("QKMF Ferizaj", 30, -7), ("Zyra e punësimit Ferizaj", 10, 20)],
    "Jovanović": [("Ndihma juridike falas", 60, -30), ("IOM Kosovo", 105, -70)],
}


# family -> (area, goal, target in days)
_GOALS = {
    "Berisha": [
        ("safety", "Plan sigurie i dakorduar dhe i njohur nga fëmijët", 30),
        ("employment_job_skills", "Punë me kohë të plotë ose kurs profesional", 60),
    ],
    "Jovanović": [
        ("housing", "Smeštaj posle izlaska iz centra", 400),
        ("psychological_wellbeing", "Redovne seanse, bolji san", 200),
    ],
}


def _recent(days_ago: int, today: date) -> int:
    """Return ``days_ago``, or fewer if that would fall before this quarter began."""
    if days_ago >= 14:
        return days_ago
    quarter_began = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return min(days_ago, (today - quarter_began).days)


def load_cases(users: dict[str, User]) -> int:
    """Create the demo cases that do not exist yet; return how many cases there are."""
    session = db.session()
    today = date.today()
    by = users["coordinator"]
    partners = {}
    for partner_name, kind in _PARTNERS:
        partner = session.scalar(sa.select(Partner).where(Partner.name == partner_name))
        if partner is None:
            partner = Partner(name=partner_name, kind=kind)
            session.add(partner)
        partners[partner_name] = partner
    session.flush()
    for (
        name,
        programme,
        source,
        body,
        referred,
        admission,
        closed,
        reopened,
    ) in _CASES:
        family = session.scalar(sa.select(Family).where(Family.name == name))
        if family is None or services.cases_of(family.id):
            continue
        referred = _recent(referred, today)
        case = services.open_case(
            family,
            by,
            programme=programme,
            referral_source=source,
            referring_body=body,
            referred_on=today - timedelta(days=referred),
        )
        case.consent_services = case.consent_data = case.consent_share = True
        # The family agreed at referral (fieldapp.protection keeps its consents).
        consents.record(
            family.id,
            {"store": True, "share": True, "report": True},
            on=today - timedelta(days=referred),
            by=by.id,
            form_id="family_intake",
            form_version=2,
        )
        if admission is not None:
            admitted, end = admission
            services.activate(
                case,
                by,
                admitted_on=today - timedelta(days=admitted),
                planned_end_on=today + timedelta(days=end),
            )
            # A demo review due a few days ago for one family, later for the others.
            due = -5 if name == "Berisha" else 40
            case.next_review_on = today + timedelta(days=due)
        if closed is not None:
            services.close(
                case,
                by,
                closed_on=today - timedelta(days=closed),
                reason="goals_met",
                reason_other="",
                summary="Qëllimet e planit u arritën; familja jeton e sigurt.",
            )
        if reopened:
            services.reopen(case, by, reason="Familja kërkoi sërish mbështetje.")
        for area, text, target in _GOALS.get(name, []):
            services.add_goal(
                case,
                by,
                area=area,
                description=text,
                target_on=today + timedelta(days=target),
            )
        for kind, provider, planned, status, outcome in _SERVICES.get(name, []):
            planned_on = today - timedelta(days=_recent(-planned, today))
            services.add_service(
                case,
                by,
                service_type=kind,
                provider=provider,
                planned_on=planned_on,
                status=status,
                completed_on=planned_on if status == "completed" else None,
                outcome=outcome,
            )
        for partner_name, sent, follow_up in _REFERRALS.get(name, []):
            services.refer(
                case,
                by,
                partner_id=partners[partner_name].id,
                sent_on=today - timedelta(days=sent),
                follow_up_on=today + timedelta(days=follow_up),
                note="",
            )
        session.flush()
    return len(list(session.scalars(sa.select(SupportCase.id))))
