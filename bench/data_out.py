"""Data out: coordinator dashboard and quarterly donor report on three busy years.

    .venv/bin/python bench/data_out.py [--db sqlite|postgresql|both] [--runs 5]

Generates, with bulk Core inserts, the data of three years of a busy NGO: 1,000
families (4 members each), 300 students in 60 courses, 150,000 submissions, and the
attendance, case, service and referral rows that go with them; then measures the
server time of GET /dashboard/ for a coordinator and of the quarterly report of the
last full quarter (median of --runs, after one warm-up). Targets: dashboard <= 300 ms,
report <= 1 s. One function per measure (MEASURES): the exports' figures (issue 18)
are added there as further functions over the same data set.
PostgreSQL: FIELDAPP_BENCH_PG_URL, or the local server scripts/postgres-test-db.sh starts.
"""

from __future__ import annotations

import random
import re
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from common import PASSWORD
from common import arguments
from common import fresh_database
from common import machine
from common import make_app

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import Partner
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.courses.models import VOCATIONS
from fieldapp.courses.models import Attendance
from fieldapp.courses.models import Course
from fieldapp.courses.models import Enrolment
from fieldapp.devices.models import Device
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.prevention.models import GroupActivity
from fieldapp.prevention.models import Student
from fieldapp.protection.models import FamilyConsent
from fieldapp.reports.regions import REGIONS
from fieldapp.submissions.models import Submission

FAMILIES = 1000
STUDENTS = 300
SUBMISSIONS = 150_000
COURSES = 60
SESSIONS = 70  # class sessions per course
TARGETS = {"dashboard": 0.300, "report": 1.0}
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    table = db.table_of(model)
    for i in range(0, len(rows), 5000):
        db.session().execute(sa.insert(table), rows[i : i + 5000])


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def generate(today: date) -> dict[str, int]:
    """Fill the database with three years of work; return the row counts."""
    rng = random.Random(18)
    start = today - timedelta(days=3 * 365)
    days = (today - start).days
    hashed = PasswordHasher().hash(PASSWORD)
    users = [("coord", "coordinator")]
    users += [(f"social{n}", "social_worker") for n in range(20)]
    users += [(f"psych{n}", "psychologist") for n in range(5)]
    users += [(f"teach{n}", "instructor") for n in range(10)]
    _insert(
        User,
        [
            {
                "username": u,
                "full_name": u.title(),
                "role": r,
                "password_hash": hashed,
                "must_change_password": False,
                "locale": "en",
            }
            for u, r in users
        ],
    )
    ids = dict(db.session().execute(sa.select(User.username, User.id)).all())
    workers = [ids[f"social{n}"] for n in range(20)] + [
        ids[f"psych{n}"] for n in range(5)
    ]
    municipalities = [m for ms in REGIONS.values() for m in ms]
    families, members, assignments, consents = [], [], [], []
    member_ids: list[tuple[uuid.UUID, uuid.UUID]] = []
    for n in range(FAMILIES):
        fid = uuid.uuid4()
        prevention = n < 400
        families.append(
            {
                "id": fid,
                "name": f"Familja {n}",
                "search_key": f"familja {n}",
                "municipality": rng.choice(municipalities),
                "village": "",
                "programme": "prevention"
                if prevention
                else rng.choice(("rehabilitation_residential", "rehabilitation_daily")),
                "next_visit_on": today + timedelta(days=rng.randint(-20, 30)),
                "next_session_on": today + timedelta(days=rng.randint(-20, 30)),
            }
        )
        for k in range(4):
            mid = uuid.uuid4()
            members.append(
                {
                    "id": mid,
                    "family_id": fid,
                    "full_name": f"Person {n}-{k}",
                    "search_key": "",
                    "birth_year": rng.randint(1950, 2014),
                    "sex": rng.choice(("female", "male")),
                }
            )
            member_ids.append((mid, fid))
        assignments.append({"family_id": fid, "user_id": rng.choice(workers)})
        consents.append(
            {
                "family_id": fid,
                "kind": "report",
                "given": rng.random() < 0.9,
                "given_on": start,
                "form_id": "family_intake",
                "form_version": 2,
            }
        )
    _insert(Family, families)
    _insert(Member, members)
    _insert(Assignment, assignments)
    _insert(FamilyConsent, consents)
    partners = [
        {"name": f"Partner {n}", "kind": rng.choice(("csw", "iom", "police", "ngo"))}
        for n in range(12)
    ]
    _insert(Partner, partners)
    partner_ids = list(db.session().scalars(sa.select(Partner.id)))
    cases = []
    for fam in families[400:]:
        opened = start + timedelta(days=rng.randint(0, days))
        closed = opened + timedelta(days=rng.randint(90, 900))
        is_closed = closed < today
        cases.append(
            {
                "family_id": fam["id"],
                "programme": fam["programme"],
                "status": "closed" if is_closed else "active",
                "referral_source": rng.choice(
                    ("police", "centre_for_social_work", "ngo", "self")
                ),
                "referred_on": opened,
                "admitted_on": opened + timedelta(days=7),
                "planned_end_on": opened + timedelta(days=3 * 365),
                "next_review_on": today + timedelta(days=rng.randint(-30, 90)),
                "closed_on": closed if is_closed else None,
                "closure_reason": rng.choice(("goals_met", "moved", "lost_contact"))
                if is_closed
                else "",
            }
        )
    _insert(SupportCase, cases)
    case_rows = (
        db.session().execute(sa.select(SupportCase.id, SupportCase.referred_on)).all()
    )
    services, referrals = [], []
    for case_id, opened in case_rows:
        for _k in range(35):
            planned = opened + timedelta(days=rng.randint(0, 800))
            done = planned < today - timedelta(days=10)
            services.append(
                {
                    "case_id": case_id,
                    "service_type": rng.choice(
                        ("counselling", "legal", "medical", "literacy", "job_skills")
                    ),
                    "planned_on": planned,
                    "status": "completed" if done else "planned",
                    "completed_on": planned if done else None,
                }
            )
        for _k in range(3):
            sent = opened + timedelta(days=rng.randint(0, 700))
            if sent <= today:
                referrals.append(
                    {
                        "case_id": case_id,
                        "partner_id": rng.choice(partner_ids),
                        "sent_on": sent,
                        "status": rng.choice(("sent", "accepted", "done")),
                        "follow_up_on": sent + timedelta(days=30),
                    }
                )
    _insert(CaseService, services)
    _insert(Referral, referrals)
    # Prevention: 300 students in 60 courses (20 a year, about 8 weeks of classes twice a week).
    student_members = [
        m for m in member_ids if m[1] in {f["id"] for f in families[:400]}
    ][:STUDENTS]
    _insert(
        Student,
        [{"member_id": m, "referral_source": "school"} for m, _f in student_members],
    )
    teachers = [ids[f"teach{n}"] for n in range(10)]
    courses = []
    for n in range(COURSES):
        begins = start + timedelta(days=int(n * days / COURSES))
        courses.append(
            {
                "name": f"Course {n}",
                "vocation": VOCATIONS[n % len(VOCATIONS)],
                "instructor_id": teachers[n % 10],
                "weekdays": "1,3",
                "starts_on": begins,
                "ends_on": begins + timedelta(days=SESSIONS * 3 + 10),
                "is_active": begins + timedelta(days=SESSIONS * 3 + 10) >= today,
            }
        )
    _insert(Course, courses)
    course_rows = (
        db.session()
        .execute(sa.select(Course.id, Course.starts_on, Course.ends_on))
        .all()
    )
    enrolments, roster = [], {}
    for index, (course_id, begins, ends) in enumerate(course_rows):
        chosen = [student_members[(index * 5 + k) % STUDENTS] for k in range(12)]
        roster[course_id] = (begins, chosen)
        for member_id, _fam in chosen:
            finished = ends < today
            enrolments.append(
                {
                    "course_id": course_id,
                    "member_id": member_id,
                    "enrolled_on": begins,
                    "status": "completed" if finished else "enrolled",
                    "ended_on": ends if finished else None,
                }
            )
    _insert(Enrolment, enrolments)
    author = ids["teach0"]
    submissions, attendance_plan = [], []
    for course_id, (begins, chosen) in roster.items():
        for s in range(SESSIONS):
            day = begins + timedelta(days=3 * s)
            if day > today:
                break
            sub_uuid = uuid.uuid4()
            submissions.append(
                {
                    "uuid": sub_uuid,
                    "form_id": "class_attendance",
                    "form_version": 1,
                    "subject_type": "course_session",
                    "family_id": None,
                    "course_id": course_id,
                    "author_id": author,
                    "completed_at": _at(day),
                    "received_at": _at(day),
                    "answers": {"session_date": day.isoformat()},
                    "sensitive_answers": "",
                    "content_hash": "0" * 64,
                }
            )
            attendance_plan.append((sub_uuid, course_id, day, chosen))
    while len(submissions) < SUBMISSIONS:
        fam = families[rng.randrange(FAMILIES)]
        day = start + timedelta(days=rng.randint(0, days))
        submissions.append(
            {
                "uuid": uuid.uuid4(),
                "form_id": "home_visit",
                "form_version": 1,
                "subject_type": "family",
                "family_id": fam["id"],
                "course_id": None,
                "author_id": rng.choice(workers),
                "completed_at": _at(day),
                "received_at": _at(day),
                "answers": {
                    "visit_date": day.isoformat(),
                    "living_conditions": 3,
                    "risk_level": "low",
                },
                "sensitive_answers": "",
                "content_hash": "0" * 64,
            }
        )
    _insert(Submission, submissions)
    sub_ids = dict(
        db.session()
        .execute(
            sa.select(Submission.uuid, Submission.id).where(
                Submission.form_id == "class_attendance"
            )
        )
        .all()
    )
    attendance = []
    for sub_uuid, course_id, day, chosen in attendance_plan:
        for member_id, _fam in chosen:
            attendance.append(
                {
                    "submission_id": sub_ids[sub_uuid],
                    "course_id": course_id,
                    "member_id": member_id,
                    "session_on": day,
                    "status": rng.choices(
                        ("present", "late", "absent", "excused"), (80, 5, 12, 3)
                    )[0],
                }
            )
    _insert(Attendance, attendance)
    activity_subs = [
        {
            "uuid": uuid.uuid4(),
            "form_id": "group_activity",
            "form_version": 1,
            "subject_type": "none",
            "author_id": author,
            "answers": {},
            "sensitive_answers": "",
            "content_hash": "0" * 64,
        }
        for _n in range(300)
    ]
    _insert(Submission, activity_subs)
    act_ids = list(
        db.session().scalars(
            sa.select(Submission.id).where(Submission.form_id == "group_activity")
        )
    )
    _insert(
        GroupActivity,
        [
            {
                "submission_id": sid,
                "held_on": start + timedelta(days=rng.randint(0, days)),
                "kind": rng.choice(("workshop", "awareness", "parents")),
                "topic": "other",
                "participants": {"girls_12_16": 8, "boys_12_16": 9},
                "total": 17,
            }
            for sid in act_ids
        ],
    )
    _insert(
        Device,
        [
            {
                "id": uuid.uuid4(),
                "user_id": w,
                "last_sync_at": _at(today - timedelta(days=rng.randint(0, 9))),
                "pending_count": rng.randint(0, 4),
            }
            for w in workers
        ],
    )
    db.session().commit()
    return {
        "families": FAMILIES,
        "members": len(members),
        "students": len(student_members),
        "submissions": len(submissions) + len(activity_subs),
        "attendance": len(attendance),
        "services": len(services),
        "referrals": len(referrals),
        "cases": len(cases),
    }


def _signed_in(app: Any) -> Any:
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = _META_CSRF.search(page).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/auth/login",
        data={"username": "coord", "password": PASSWORD, "csrf_token": token},
    )
    assert done.status_code == 302, done.status_code
    return client


def _timed(client: Any, path: str, runs: int) -> float:
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code)
    times = []
    for _n in range(runs):
        began = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200
    return statistics.median(times)


def dashboard(client: Any, today: date, runs: int) -> float:
    """Coordinator dashboard: server time of GET /dashboard/."""
    return _timed(client, "/dashboard/", runs)


def report(client: Any, today: date, runs: int) -> float:
    """Quarterly report of the last full quarter, in English."""
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)
    return _timed(
        client, f"/reports/quarterly?year={year}&quarter={quarter}&language=en", runs
    )


#: measure name -> function(client, today, runs) -> seconds; exports add theirs here
MEASURES: dict[str, Callable[[Any, date, int], float]] = {
    "dashboard": dashboard,
    "report": report,
}


def main() -> None:
    """Print the figures for each database asked for."""
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measure")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"# bench/data_out.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    today = date.today()
    for kind in kinds:
        with fresh_database(kind) as url:
            app = make_app(url)
            with app.app_context():
                began = time.perf_counter()
                counts = generate(today)
                took = time.perf_counter() - began
            print(f"{kind:<10} generated in {took:5.1f} s: {counts}")
            client = _signed_in(app)
            for name, measure in MEASURES.items():
                seconds = measure(client, today, args.runs)
                target = TARGETS.get(name)
                verdict = (
                    ""
                    if target is None
                    else ("meets" if seconds <= target else "ABOVE")
                )
                print(
                    f"{kind:<10} {name:<10} median {seconds * 1000:7.1f} ms"
                    f" | target <= {target * 1000:.0f} ms {verdict}"
                    if target
                    else ""
                )
            db.engine(app).dispose()


if __name__ == "__main__":
    main()
