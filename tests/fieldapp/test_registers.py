"""One register per class session (issue 21, item 5): a second register for the same
course and day is a new version of the first, and reports count the latest only."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from fieldapp import db
from fieldapp.courses.models import Attendance
from fieldapp.prevention import progress
from fieldapp.submissions.models import Submission
from sync import samples


class Device:
    """A signed-in phone pushing through /api/v1/sync/push."""

    def __init__(self, client, auth, username):
        self.client = client
        auth.login(username)
        self.token = client.get("/api/v1/csrf").json["csrf_token"]
        self.device = str(uuid.uuid4())

    def push(self, *items):
        body = {
            "protocol": 1,
            "device": {"id": self.device, "pending_count": len(items),
                       "oldest_pending_at": None, "app_version": "1"},
            "items": list(items),
        }  # fmt: skip
        response = self.client.post(
            "/api/v1/sync/push",
            json=body,
            headers={"X-CSRFToken": self.token, "X-Device-Id": self.device},
        )
        return [r["status"] for r in response.json["results"]]


def _register(course, students, absent, completed_at, day="2025-03-01"):
    item = samples.class_attendance(
        course.id, [str(s.id) for s in students], session_date=day
    )
    for student in absent:
        item["answers"]["attendance"][str(student.id)] = {"status": "absent"}
    item["completed_at"] = completed_at
    return item


def _marks(app, course_id):
    with app.app_context():
        rows = db.session().execute(
            sa.select(
                Attendance.member_id, Attendance.status, Attendance.submission_id
            ).where(Attendance.course_id == course_id)
        )
        return list(rows)


def _setup(make_user, make_family, make_course):
    teacher = make_user("ilir", "instructor")
    family = make_family(members=("Ana Berisha", "Blerim Gashi", "Dea Hoxha"))
    students = list(family.members)
    course = make_course(teacher, students=students)
    return course, students


def test_a_second_register_for_the_session_replaces_the_first(
    app, client, auth, make_user, make_family, make_course
):
    course, students = _setup(make_user, make_family, make_course)
    phone = Device(client, auth, "ilir")
    first = _register(course, students, [students[0]], "2025-03-01T10:00:00+01:00")
    second = _register(course, students, [students[1]], "2025-03-01T10:30:00+01:00")
    assert phone.push(first) == ["accepted"]
    assert phone.push(second) == ["accepted"]
    marks = _marks(app, course.id)
    assert len(marks) == len(students)  # one register's rows, not two
    absent = {m for m, status, _ in marks if status == "absent"}
    assert absent == {students[1].id}
    with app.app_context():
        newest = db.session().scalar(
            sa.select(Submission.id).where(Submission.uuid == uuid.UUID(second["uuid"]))
        )
        assert {s for _, _, s in marks} == {newest}
        # Both versions stay stored; rates count the session once.
        figures = progress.course_figures(course.id)
        assert figures[students[0].id].counted == 1
        assert figures[students[0].id].attended == 1
        assert figures[students[1].id].attended == 0


def test_an_older_version_arriving_late_does_not_replace_the_newer(
    app, client, auth, make_user, make_family, make_course
):
    course, students = _setup(make_user, make_family, make_course)
    phone = Device(client, auth, "ilir")
    newer = _register(course, students, [students[2]], "2025-03-01T11:00:00+01:00")
    older = _register(course, students, [students[0]], "2025-03-01T09:00:00+01:00")
    assert phone.push(newer) == ["accepted"]
    assert phone.push(older) == ["accepted"]  # stored, but not counted
    absent = {m for m, status, _ in _marks(app, course.id) if status == "absent"}
    assert absent == {students[2].id}


def test_two_versions_in_one_batch_keep_the_latest(
    app, client, auth, make_user, make_family, make_course
):
    course, students = _setup(make_user, make_family, make_course)
    phone = Device(client, auth, "ilir")
    a = _register(course, students, [students[0]], "2025-03-01T10:00:00+01:00")
    b = _register(course, students, [students[1]], "2025-03-01T10:05:00+01:00")
    other_day = _register(
        course, students, [], "2025-03-02T10:00:00+01:00", "2025-03-02"
    )
    assert phone.push(b, a, other_day) == ["accepted"] * 3
    marks = _marks(app, course.id)
    assert len(marks) == 2 * len(students)
    absent = {m for m, status, _ in marks if status == "absent"}
    assert absent == {students[1].id}


def test_the_register_lookup_names_who_took_it_and_when(
    app, client, auth, make_user, make_family, make_course
):
    course, students = _setup(make_user, make_family, make_course)
    phone = Device(client, auth, "ilir")
    empty = client.get(f"/courses/{course.id}/register?date=2025-03-01")
    assert empty.status_code == 200
    assert empty.json == {"taken": False}
    item = _register(course, students, [students[0]], "2025-03-01T10:00:00+01:00")
    phone.push(item)
    found = client.get(f"/courses/{course.id}/register?date=2025-03-01").json
    assert found["taken"] is True
    assert found["uuid"] == item["uuid"]
    assert found["by"]
    assert found["answers"]["attendance"][str(students[0].id)]["status"] == "absent"
    bad = client.get(f"/courses/{course.id}/register?date=01.03.2025")
    assert bad.status_code == 400


def test_the_html_form_warns_before_a_second_register_and_saves_on_confirmation(
    app, client, auth, make_user, make_family, make_course
):
    course, students = _setup(make_user, make_family, make_course)
    phone = Device(client, auth, "ilir")
    phone.push(_register(course, students, [], "2025-03-01T10:00:00+01:00"))
    page = client.get(f"/forms/class_attendance?course={course.id}").get_data(True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": token,
        "submission_uuid": str(uuid.uuid4()),
        "form_version": "1",
        "course_id": str(course.id),
        "session_date": "01.03.2025",
        **{f"attendance.{s.id}.status": "present" for s in students},
    }
    data[f"attendance.{students[2].id}.status"] = "late"
    warned = client.post("/forms/class_attendance", data=data)
    assert warned.status_code == 409
    text = warned.get_data(True)
    assert "data-register-taken" in text
    assert 'name="replace_register"' in text
    assert len(_marks(app, course.id)) == len(students)
    saved = client.post(
        "/forms/class_attendance", data={**data, "replace_register": "1"}
    )
    assert saved.status_code == 302
    late = {m for m, status, _ in _marks(app, course.id) if status == "late"}
    assert late == {students[2].id}
    assert len(_marks(app, course.id)) == len(students)
