"""Build the quarterly donor impact report: anonymous by construction.

Only counts, rates and means leave this module: no name, village, birth date or
municipality. People are counted by sex and age band, families by region
(fieldapp/reports/regions.py). Every count table goes through
fieldapp/reports/suppression.py (1..4 shows "<5", a second cell is hidden where a total
would give it away); a rate or a mean over fewer than five students is not shown.
Families without consent to reporting, in force on the quarter's last day (or today,
for the current quarter), are left out of everything that is about a family.

The same dictionary is rendered as the page and printed as JSON by
``flask report quarterly``; labels are in the report's language.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp import charts
from fieldapp import db
from fieldapp.cases.models import CLOSURE_REASONS
from fieldapp.cases.models import PARTNER_KINDS
from fieldapp.cases.models import REFERRAL_SOURCES
from fieldapp.cases.models import SERVICE_TYPES
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import Partner
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.courses.models import VOCATIONS
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.families.models import PROGRAMMES
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.prevention import progress
from fieldapp.prevention.effects import BANDS
from fieldapp.prevention.models import GroupActivity
from fieldapp.protection import consents
from fieldapp.reports import regions
from fieldapp.reports.models import QuarterStory
from fieldapp.reports.outcomes import OUTCOME_MEASURES
from fieldapp.reports.outcomes import improved
from fieldapp.reports.suppression import MIN_SHOWN
from fieldapp.reports.suppression import Table
from fieldapp.reports.suppression import shown
from fieldapp.reports.suppression import suppress
from fieldapp.submissions.models import Submission

#: the languages a report can be written in (independent of the interface language)
REPORT_LANGUAGES = ("sq", "sr_Latn", "sr_Cyrl", "en")
#: the first year a report may be asked for
FIRST_YEAR = 2020
#: age bands of people reached (age on the quarter's last day)
AGE_BANDS = ("0_11", "12_17", "18_25", "26_59", "60_plus", "unknown")
SEXES = ("female", "male", "unknown")


class ReportInputError(ValueError):
    """A year, quarter or language the report cannot be made for (a 4xx, one line)."""


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter."""

    year: int
    quarter: int

    @property
    def start(self) -> date:
        """Return its first day."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """Return its last day."""
        if self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    def previous(self) -> Quarter:
        """Return the quarter before."""
        if self.quarter == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.quarter - 1)

    @property
    def label(self) -> str:
        """Return e.g. "2026 Q3"."""
        return f"{self.year} Q{self.quarter}"


def current_quarter(today: date) -> Quarter:
    """Return the quarter ``today`` is in."""
    return Quarter(today.year, (today.month - 1) // 3 + 1)


def parse_request(
    year: str | None, quarter: str | None, language: str | None, today: date
) -> tuple[Quarter, str]:
    """Check what was asked for; raise ReportInputError with a translated message."""
    try:
        year_n = int(str(year).strip())
    except ValueError:
        raise ReportInputError(_("The year must be a number, such as 2026.")) from None
    if not FIRST_YEAR <= year_n <= today.year:
        raise ReportInputError(
            _(
                "The year must be between %(first)d and %(last)d.",
                first=FIRST_YEAR,
                last=today.year,
            )
        )
    try:
        quarter_n = int(str(quarter).strip())
    except ValueError:
        raise ReportInputError(_("The quarter must be 1, 2, 3 or 4.")) from None
    if quarter_n not in (1, 2, 3, 4):
        raise ReportInputError(_("The quarter must be 1, 2, 3 or 4."))
    wanted = Quarter(year_n, quarter_n)
    if wanted.start > today:
        raise ReportInputError(
            _(
                "%(quarter)s has not started yet: choose a quarter up to %(now)s.",
                quarter=wanted.label,
                now=current_quarter(today).label,
            )
        )
    language = language or ""
    if language not in REPORT_LANGUAGES:
        raise ReportInputError(
            _(
                "Unknown language %(language)s: choose one of %(known)s.",
                language=language[:20],
                known=", ".join(REPORT_LANGUAGES),
            )
        )
    return wanted, language


def _age_band(birth_year: int | None, on: date) -> str:
    if birth_year is None:
        return "unknown"
    age = on.year - birth_year
    for band, high in (("0_11", 11), ("12_17", 17), ("18_25", 25), ("26_59", 59)):
        if age <= high:
            return band
    return "60_plus"


def _sex(value: str) -> str:
    return value if value in ("female", "male") else "unknown"


def _bounds(q: Quarter) -> tuple[datetime, datetime]:
    return (
        datetime.combine(q.start, time.min, tzinfo=UTC),
        datetime.combine(q.end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _families_reached(q: Quarter, allowed: set[uuid.UUID]) -> set[uuid.UUID]:
    """Families served in the quarter: a case open, a form about them, a class."""
    session = db.session()
    start, end = _bounds(q)
    found: set[uuid.UUID] = set()
    found.update(
        session.scalars(
            sa.select(SupportCase.family_id).where(
                sa.func.coalesce(SupportCase.referred_on, SupportCase.admitted_on)
                <= q.end,
                sa.or_(
                    SupportCase.closed_on.is_(None), SupportCase.closed_on >= q.start
                ),
            )
        )
    )
    found.update(
        f
        for f in session.scalars(
            sa.select(Submission.family_id)
            .where(
                Submission.completed_at >= start,
                Submission.completed_at < end,
                Submission.family_id.is_not(None),
            )
            .distinct()
        )
        if f is not None
    )
    found.update(
        session.scalars(
            sa.select(Member.family_id)
            .join(Attendance, Attendance.member_id == Member.id)
            .where(Attendance.session_on.between(q.start, q.end))
            .distinct()
        )
    )
    return found & allowed


def headline(q: Quarter, allowed: set[uuid.UUID]) -> dict[str, int]:
    """Return the raw headline counts of one quarter (before suppression)."""
    session = db.session()
    reached = _families_reached(q, allowed)
    people = _count_members(reached)
    cases_new = [
        f
        for f in session.scalars(
            sa.select(SupportCase.family_id).where(
                sa.func.coalesce(
                    SupportCase.referred_on, SupportCase.admitted_on
                ).between(q.start, q.end)
            )
        )
        if f in allowed
    ]
    cases_closed = [
        f
        for f in session.scalars(
            sa.select(SupportCase.family_id).where(
                SupportCase.closed_on.between(q.start, q.end)
            )
        )
        if f in allowed
    ]
    services = [
        f
        for f in session.scalars(
            sa.select(SupportCase.family_id)
            .join(CaseService, CaseService.case_id == SupportCase.id)
            .where(
                CaseService.status == "completed",
                CaseService.completed_on.between(q.start, q.end),
            )
        )
        if f in allowed
    ]
    referrals = [
        f
        for f in session.scalars(
            sa.select(SupportCase.family_id)
            .join(Referral, Referral.case_id == SupportCase.id)
            .where(Referral.sent_on.between(q.start, q.end))
        )
        if f in allowed
    ]
    enrolled, completed = _enrolment_counts(q, allowed)
    activities = session.execute(
        sa.select(
            sa.func.count(GroupActivity.id), sa.func.sum(GroupActivity.total)
        ).where(GroupActivity.held_on.between(q.start, q.end))
    ).one()
    return {
        "people_reached": people,
        "families_reached": len(reached),
        "new_cases": len(cases_new),
        "closed_cases": len(cases_closed),
        "services_delivered": len(services),
        "referrals_made": len(referrals),
        "referrals_received": len(cases_new),
        "students_enrolled": sum(enrolled.values()),
        "students_completed": sum(completed.values()),
        "group_activities": int(activities[0] or 0),
        "participants": int(activities[1] or 0),
    }


def _count_members(families: set[uuid.UUID]) -> int:
    if not families:
        return 0
    return len(_members(families))


def _members(families: set[uuid.UUID]) -> list[tuple[int | None, str, uuid.UUID]]:
    rows: list[tuple[int | None, str, uuid.UUID]] = []
    ids = list(families)
    for i in range(0, len(ids), 500):
        rows += [
            (birth_year, sex, family_id)
            for birth_year, sex, family_id in db.session().execute(
                sa.select(Member.birth_year, Member.sex, Member.family_id).where(
                    Member.family_id.in_(ids[i : i + 500])
                )
            )
        ]
    return rows


def _enrolment_rows(
    q: Quarter, allowed: set[uuid.UUID]
) -> list[tuple[str, str, date, date | None]]:
    rows = db.session().execute(
        sa.select(
            Course.vocation,
            Enrolment.status,
            Enrolment.enrolled_on,
            Enrolment.ended_on,
            Member.family_id,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .join(Member, Member.id == Enrolment.member_id)
        .where(
            sa.or_(
                Enrolment.enrolled_on.between(q.start, q.end),
                Enrolment.ended_on.between(q.start, q.end),
            )
        )
    )
    return [(v, s, e, d) for v, s, e, d, f in rows if f in allowed]


def _enrolment_counts(
    q: Quarter, allowed: set[uuid.UUID]
) -> tuple[Counter[str], Counter[str]]:
    enrolled: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    for vocation, status, enrolled_on, ended_on in _enrolment_rows(q, allowed):
        if q.start <= enrolled_on <= q.end:
            enrolled[vocation] += 1
        if (
            status == "completed"
            and ended_on is not None
            and q.start <= ended_on <= q.end
        ):
            completed[vocation] += 1
    return enrolled, completed


def _label(mapping: dict[str, Any], code: str) -> str:
    return str(mapping.get(code, code))


def _table(
    code: str,
    title: str,
    columns: list[tuple[str, str]],
    rows: list[tuple[str, str]],
    counts: list[list[int]],
    *,
    row_totals: bool,
    column_totals: bool = True,
) -> dict[str, Any]:
    """Return a suppressed table as data: columns and rows with codes and labels."""
    cells = suppress(
        Table(
            [c for c, _l in columns],
            [r for r, _l in rows],
            counts,
            row_totals=row_totals,
            column_totals=column_totals,
        )
    )
    out_columns = [{"code": c, "label": label} for c, label in columns]
    if row_totals:
        out_columns.append({"code": "total", "label": _("Total")})
    out_rows = [
        {"code": c, "label": label, "cells": cells[i]}
        for i, (c, label) in enumerate(rows)
    ]
    if column_totals:
        out_rows.append({"code": "total", "label": _("Total"), "cells": cells[-1]})
    return {"code": code, "title": title, "columns": out_columns, "rows": out_rows}


def _one_column(
    code: str,
    title: str,
    header: str,
    labels: dict[str, Any],
    counts: Counter[str],
    order: tuple[str, ...],
) -> dict[str, Any]:
    keys = [k for k in order if counts.get(k)] + sorted(
        k for k in counts if k not in order and counts[k]
    )
    return _table(
        code,
        title,
        [("count", header)],
        [(k, _label(labels, k)) for k in keys],
        [[counts[k]] for k in keys],
        row_totals=False,
    )


def build(q: Quarter, language: str, today: date | None = None) -> dict[str, Any]:
    """Return the report of quarter ``q`` in ``language``: a JSON-ready dictionary."""
    today = today or date.today()
    with force_locale(language):
        return _build(q, language, today)


def _build(q: Quarter, language: str, today: date) -> dict[str, Any]:
    from fieldapp.reports import labels

    session = db.session()
    day = min(q.end, today)
    allowed = consents.allowing("report", day)
    previous = q.previous()
    allowed_before = consents.allowing("report", min(previous.end, today))
    now = headline(q, allowed)
    before = headline(previous, allowed_before)
    names = labels.headline_labels()
    compare = []
    for key, label in names.items():
        a, b = shown(now[key]), shown(before[key])
        change = (
            now[key] - before[key]
            if isinstance(a, int) and isinstance(b, int)
            else None
        )
        compare.append(
            {
                "code": key,
                "label": str(label),
                "value": a,
                "previous": b,
                "change": change,
            }
        )

    tables: list[dict[str, Any]] = []
    # People reached, by age band and sex; families by region.
    reached = _families_reached(q, allowed)
    grid: dict[str, Counter[str]] = defaultdict(Counter)
    for birth_year, sex, _family in _members(reached):
        grid[_age_band(birth_year, q.end)][_sex(sex)] += 1
    band_names = labels.age_bands()
    sex_names = labels.sexes()
    tables.append(
        _table(
            "people_by_age_sex",
            _("People reached, by age and sex"),
            [(s, str(sex_names[s])) for s in SEXES],
            [(b, str(band_names[b])) for b in AGE_BANDS],
            [[grid[b][s] for s in SEXES] for b in AGE_BANDS],
            row_totals=True,
        )
    )
    municipalities = dict(
        session.execute(
            sa.select(Family.id, Family.municipality).where(Family.id.in_(reached))
        ).all()
        if reached
        else []
    )
    by_region = Counter(regions.region_of(m) for m in municipalities.values())
    region_names = {**regions.REGION_NAMES, regions.UNKNOWN: _l("Not recorded")}
    tables.append(
        _table(
            "families_by_region",
            _("Families reached, by region"),
            [("count", _("Families"))],
            [(r, str(region_names[r])) for r in (*regions.REGIONS, regions.UNKNOWN)],
            [[by_region[r]] for r in (*regions.REGIONS, regions.UNKNOWN)],
            row_totals=False,
        )
    )
    # Cases: new and closed per programme; closure reasons.
    new_by: Counter[str] = Counter()
    closed_by: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    received: Counter[str] = Counter()
    for family_id, programme, opened, closed_on, reason, source in session.execute(
        sa.select(
            SupportCase.family_id,
            SupportCase.programme,
            sa.func.coalesce(SupportCase.referred_on, SupportCase.admitted_on),
            SupportCase.closed_on,
            SupportCase.closure_reason,
            SupportCase.referral_source,
        ).where(
            sa.or_(
                sa.func.coalesce(
                    SupportCase.referred_on, SupportCase.admitted_on
                ).between(q.start, q.end),
                SupportCase.closed_on.between(q.start, q.end),
            )
        )
    ):
        if family_id not in allowed:
            continue
        if opened is not None and q.start <= opened <= q.end:
            new_by[programme] += 1
            received[source or "other"] += 1
        if closed_on is not None and q.start <= closed_on <= q.end:
            closed_by[programme] += 1
            reasons[reason or "other"] += 1
    programme_names = labels.programmes()
    tables.append(
        _table(
            "cases",
            _("New and closed cases, by programme"),
            [("new", _("New")), ("closed", _("Closed"))],
            [(p, _label(programme_names, p)) for p in PROGRAMMES if p != "prevention"],
            [[new_by[p], closed_by[p]] for p in PROGRAMMES if p != "prevention"],
            row_totals=False,
        )
    )
    tables.append(
        _one_column(
            "closure_reasons",
            _("Cases closed, by reason"),
            _("Cases"),
            labels.closure_reasons(),
            reasons,
            CLOSURE_REASONS,
        )
    )
    services = Counter(
        service_type
        for family_id, service_type in session.execute(
            sa.select(SupportCase.family_id, CaseService.service_type)
            .join(CaseService, CaseService.case_id == SupportCase.id)
            .where(
                CaseService.status == "completed",
                CaseService.completed_on.between(q.start, q.end),
            )
        )
        if family_id in allowed
    )
    service_names = labels.service_types()
    tables.append(
        _one_column(
            "services",
            _("Services delivered, by type"),
            _("Services"),
            service_names,
            services,
            SERVICE_TYPES,
        )
    )
    made = Counter(
        kind
        for family_id, kind in session.execute(
            sa.select(SupportCase.family_id, Partner.kind)
            .join(Referral, Referral.case_id == SupportCase.id)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.sent_on.between(q.start, q.end))
        )
        if family_id in allowed
    )
    tables.append(
        _one_column(
            "referrals_made",
            _("Referrals made, by kind of partner"),
            _("Referrals"),
            labels.partner_kinds(),
            made,
            PARTNER_KINDS,
        )
    )
    tables.append(
        _one_column(
            "referrals_received",
            _("Referrals received, by source"),
            _("Referrals"),
            labels.referral_sources(),
            received,
            REFERRAL_SOURCES,
        )
    )
    # Prevention: enrolments per vocation.
    enrolled: Counter[str] = Counter()
    completed: Counter[str] = Counter()
    left: Counter[str] = Counter()
    for vocation, status, enrolled_on, ended_on in _enrolment_rows(q, allowed):
        if q.start <= enrolled_on <= q.end:
            enrolled[vocation] += 1
        if ended_on is not None and q.start <= ended_on <= q.end:
            if status == "completed":
                completed[vocation] += 1
            elif status == "left_early":
                left[vocation] += 1
    vocation_names = labels.vocations()
    tables.append(
        _table(
            "enrolments",
            _("Students enrolled and completed, by vocation"),
            [
                ("enrolled", _("Enrolled")),
                ("completed", _("Completed")),
                ("left_early", _("Left early")),
            ],
            [(v, _label(vocation_names, v)) for v in VOCATIONS],
            [[enrolled[v], completed[v], left[v]] for v in VOCATIONS],
            row_totals=False,
        )
    )
    # Group activities and their participants (already anonymous counts).
    kinds: Counter[str] = Counter()
    people: Counter[str] = Counter()
    bands: Counter[str] = Counter()
    for kind, participants, total in session.execute(
        sa.select(
            GroupActivity.kind, GroupActivity.participants, GroupActivity.total
        ).where(GroupActivity.held_on.between(q.start, q.end))
    ):
        kinds[kind] += 1
        people[kind] += int(total or 0)
        for band, n in (participants or {}).items():
            if isinstance(n, int):
                bands[band] += n
    kind_names = labels.activity_kinds()
    kind_keys = [k for k in kind_names if kinds.get(k)] + sorted(
        k for k in kinds if k not in kind_names
    )
    tables.append(
        _table(
            "group_activities",
            _("Group activities and participants"),
            [("activities", _("Activities")), ("participants", _("Participants"))],
            [(k, _label(kind_names, k)) for k in kind_keys],
            [[kinds[k], people[k]] for k in kind_keys],
            row_totals=False,
        )
    )
    tables.append(
        _one_column(
            "participants_by_band",
            _("Participants, by sex and age"),
            _("Participants"),
            labels.participant_bands(),
            bands,
            BANDS,
        )
    )
    attendance, monthly = _attendance(q, allowed)
    outcomes = _outcomes(q, allowed)
    story = session.scalar(
        sa.select(QuarterStory.text).where(
            QuarterStory.year == q.year, QuarterStory.quarter == q.quarter
        )
    )
    report = {
        "year": q.year,
        "quarter": q.quarter,
        "language": language,
        "title": _("Quarterly impact report, %(quarter)s", quarter=q.label),
        "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
        "previous": previous.label,
        "consent_day": day.isoformat(),
        "headline": compare,
        "tables": tables,
        "attendance": attendance,
        "attendance_by_month": monthly,
        "outcomes": outcomes,
        "story": story or "",
        "legend": _(
            "<5: a number from 1 to 4, not shown. x: hidden so that a small number "
            "cannot be worked out from a total. A rate or a mean over fewer than five "
            "students is not shown (–)."
        ),
        "words": {
            "headline": _("In short"),
            "headline_caption": _("This quarter and the one before"),
            "figure": _("Figure"),
            "this_quarter": q.label,
            "change": _("Change"),
            "reached": _("People and families reached"),
            "cases": _("Support to families"),
            "prevention": _("Prevention programme"),
            "none": _("Nothing this quarter."),
            "type": _("Type"),
            "count": _("Number"),
            "vocation": _("Vocation"),
            "students": _("Students"),
            "rate": _("Attendance rate"),
            "month": _("Month"),
            "attendance": _("Class attendance, by vocation"),
            "outcomes": _("Change in outcome measures"),
            "outcomes_note": _(
                "Students who completed a course this quarter: the mean change from "
                "the first measure to the last, and the share who improved by at "
                "least the margin."
            ),
            "measure": _("Measure"),
            "mean_change": _("Mean change"),
            "improved": _("Improved"),
            "margin": _("margin"),
            "story": _("Our story this quarter"),
        },
        "suppression": {
            "small": "<5",
            "complementary": "x",
            "min_shown": MIN_SHOWN,
        },
    }
    return report


def _attendance(
    q: Quarter, allowed: set[uuid.UUID]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Class attendance rate per vocation and per month (excused not counted)."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    students: dict[str, set[uuid.UUID]] = defaultdict(set)
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    month_students: dict[str, set[uuid.UUID]] = defaultdict(set)
    rows = db.session().execute(
        sa.select(
            Course.vocation,
            Attendance.member_id,
            Attendance.status,
            Attendance.session_on,
            Member.family_id,
        )
        .join(Course, Course.id == Attendance.course_id)
        .join(Member, Member.id == Attendance.member_id)
        .where(Attendance.session_on.between(q.start, q.end))
    )
    for vocation, member_id, status, day, family_id in rows:
        if family_id not in allowed or status not in progress.COUNTED:
            continue
        hit = status in progress.ATTENDED
        per[vocation][0] += hit
        per[vocation][1] += 1
        students[vocation].add(member_id)
        month = day.strftime("%Y-%m")
        months[month][0] += hit
        months[month][1] += 1
        month_students[month].add(member_id)
    from fieldapp.reports import labels

    names = labels.vocations()

    def rate(attended: int, counted: int, n: int) -> int | None:
        if n < MIN_SHOWN or not counted:
            return None
        return (200 * attended + counted) // (2 * counted)

    by_vocation = [
        {
            "code": v,
            "label": _label(names, v),
            "students": shown(len(students[v])),
            "rate": rate(per[v][0], per[v][1], len(students[v])),
        }
        for v in VOCATIONS
        if students.get(v)
    ]
    by_month = []
    day = q.start
    while day <= q.end:
        key = day.strftime("%Y-%m")
        by_month.append(
            {
                "month": key,
                "students": shown(len(month_students[key])),
                "rate": rate(months[key][0], months[key][1], len(month_students[key])),
            }
        )
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return by_vocation, by_month


def _outcomes(q: Quarter, allowed: set[uuid.UUID]) -> list[dict[str, Any]]:
    """Mean change baseline -> completion, and the share improved, per measure.

    The cohort: students whose enrolment was completed in the quarter.
    """
    rows = (
        db.session()
        .execute(
            sa.select(Enrolment.member_id, Member.family_id, Enrolment.course_id)
            .join(Member, Member.id == Enrolment.member_id)
            .where(
                Enrolment.status == "completed",
                Enrolment.ended_on.between(q.start, q.end),
            )
        )
        .all()
    )
    cohort = {(m, f) for m, f, _c in rows if f in allowed}
    courses = sorted({c for m, f, c in rows if f in allowed})
    found = progress.measures_of_many(sorted(cohort, key=str), courses)
    out = []
    for measure in OUTCOME_MEASURES:
        changes = []
        better = 0
        for timepoints in found.values():
            first = measure.read(timepoints[0])
            last = measure.read(timepoints[-1])
            if first is None or last is None:
                continue
            changes.append(last - first)
            better += improved(measure, first, last)
        n = len(changes)
        visible = n >= MIN_SHOWN
        out.append(
            {
                "code": measure.code,
                "label": str(measure.label),
                "students": shown(n),
                "mean_change": round(sum(changes) / n, 1) if visible else None,
                "improved_share": round(100 * better / n) if visible else None,
                "margin": measure.margin * measure.direction,
                "unit": measure.unit,
            }
        )
    return out


def charts_of(report: dict[str, Any]) -> list[Any]:
    """Return the report's charts (drawn from the suppressed figures only)."""
    with force_locale(report["language"]):
        out: list[Any] = []
        services = next(t for t in report["tables"] if t["code"] == "services")
        items = [
            (r["label"], r["cells"][0])
            for r in services["rows"]
            if r["code"] != "total"
        ]
        if items:
            out.append(
                charts.bar_chart(
                    "chart-services",
                    _("Services delivered, by type"),
                    [(label, v if isinstance(v, int) else None) for label, v in items],
                    _("The most delivered: %(kind)s.", kind=items[0][0])
                    if items
                    else "",
                    texts=[str(v) for _label, v in items],
                )
            )
        enrol = next(t for t in report["tables"] if t["code"] == "enrolments")
        rows = [
            (r["label"], r["cells"][1]) for r in enrol["rows"] if r["code"] != "total"
        ]
        out.append(
            charts.bar_chart(
                "chart-completed",
                _("Students who completed a course, by vocation"),
                [(label, v if isinstance(v, int) else None) for label, v in rows],
                _("Completions this quarter per vocation; <5 marks a small number."),
                texts=[str(v) for _label, v in rows],
            )
        )
        monthly = report["attendance_by_month"]
        values = [(m["month"], m["rate"]) for m in monthly]
        taken = [f"{m}: {r}%" for m, r in values if r is not None]
        out.append(
            charts.line_chart(
                "chart-attendance",
                _("Class attendance rate by month"),
                values,
                100,
                "; ".join(taken) if taken else _("Too few students to show a rate."),
                "%",
            )
        )
        return out
