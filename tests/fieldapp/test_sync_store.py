from __future__ import annotations

import json
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime

import sqlalchemy as sa

from fieldapp import db
from fieldapp.courses.models import Attendance
from fieldapp.crypto import decrypt_json
from fieldapp.families.models import Assignment
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.push.models import Notification
from fieldapp.submissions.ingest import ingest_batch
from fieldapp.submissions.ingest import ingest_item
from fieldapp.submissions.models import RejectedSubmission
from fieldapp.submissions.models import Submission
from fieldapp.submissions.models import SubmissionConflict
from sync import samples


def ingest(app, user, item, **kw):
    with app.test_request_context():
        user = db.session().merge(user)
        return ingest_item(item, user=user, device_id=None, locale="en", **kw)


def test_intake_creates_family_members_and_assigns_the_social_worker(app, make_user):
    ana = make_user("ana", "social_worker")
    family_id = uuid.uuid4()
    item = samples.family_intake(
        family_id,
        name="Gashi",
        members=("Vjosa", "Ilir"),
        notes="secret note",
        address="Rr. 1",
    )
    row_id = item["answers"]["members"][0]["id"]
    result = ingest(app, ana, item)
    assert result.status == "accepted", result.errors
    with app.app_context():
        family = db.session().get(Family, family_id)
        assert family.name == "Gashi"
        assert (
            family.municipality,
            family.village,
            family.programme,
            family.referral_source,
        ) == ("ferizaj", "Softaj", "prevention", "school")
        assert sorted(m.full_name for m in family.members) == ["Ilir", "Vjosa"]
        assert db.session().get(Member, uuid.UUID(row_id)).full_name == "Vjosa"
        assert "gashi" in family.search_key
        assignment = db.session().scalar(
            sa.select(Assignment).where(Assignment.family_id == family_id)
        )
        assert assignment.user_id == ana.id


def test_sensitive_answers_are_stored_encrypted_only(app, make_user):
    ana = make_user("ana", "social_worker")
    item = samples.family_intake(notes="she fears him", phone="044 123 456")
    ingest(app, ana, item)
    with app.app_context():
        sub = db.session().scalar(sa.select(Submission))
        assert "notes" not in sub.answers
        assert "phone" not in sub.answers
        assert "she fears him" not in sub.sensitive_answers
        assert decrypt_json(sub.sensitive_answers)["notes"] == "she fears him"
        raw = (
            db.session()
            .execute(sa.text("select answers, sensitive_answers from submission"))
            .one()
        )
        assert "she fears him" not in json.dumps([str(v) for v in raw])


def test_member_ids_derive_from_the_submission_when_rows_have_none(app, make_user):
    ana = make_user("ana", "social_worker")
    item = samples.family_intake()
    for row in item["answers"]["members"]:
        del row["id"]
    ingest(app, ana, item)
    with app.app_context():
        ids = set(db.session().scalars(sa.select(Member.id)))
    expected = {uuid.uuid5(uuid.UUID(item["uuid"]), str(i)) for i in range(2)}
    assert ids == expected


def test_visit_before_intake_links_and_schedules_when_the_family_arrives(
    app, make_user
):
    ana = make_user("ana", "social_worker")
    family_id = uuid.uuid4()
    visit = samples.home_visit(family_id, next_visit_date="2025-05-02")
    assert ingest(app, ana, visit).status == "accepted"
    assert ingest(app, ana, samples.family_intake(family_id)).status == "accepted"
    with app.app_context():
        family = db.session().get(Family, family_id)
        assert family.next_visit_on == date(2025, 5, 2)
        linked = db.session().scalars(
            sa.select(Submission.form_id)
            .join(Family, Family.id == Submission.family_id)
            .where(Family.id == family_id)
        )
        assert sorted(linked) == ["family_intake", "home_visit"]


def test_psych_session_sets_the_next_session(app, make_user, make_family):
    psy = make_user("pia", "psychologist")
    family = make_family(assigned_to=(psy,))
    member = str(family.members[0].id)
    item = samples.psych_support(
        family.id, present=[member], next_session_date="2025-03-20"
    )
    assert ingest(app, psy, item).status == "accepted"
    with app.app_context():
        assert db.session().get(Family, family.id).next_session_on == date(2025, 3, 20)


def test_attendance_writes_one_row_per_student(
    app, make_user, make_family, make_course
):
    teacher = make_user("ilir", "instructor")
    family = make_family(members=("A", "B", "C"))
    course = make_course(teacher, students=tuple(family.members))
    students = [str(m.id) for m in family.members]
    item = samples.class_attendance(course.id, students)
    item["answers"]["attendance"][students[1]] = {"status": "late", "note": "bus"}
    result = ingest(app, teacher, item)
    assert result.status == "accepted", result.errors
    with app.app_context():
        rows = db.session().scalars(sa.select(Attendance)).all()
        assert len(rows) == 3
        assert {r.session_on for r in rows} == {date(2025, 3, 1)}
        late = next(r for r in rows if str(r.member_id) == students[1])
        assert (late.status, late.note) == ("late", "bus")


def test_conflict_and_rejection_are_kept_encrypted_and_notify_the_author(
    app, make_user
):
    ana = make_user("ana", "social_worker")
    item = samples.home_visit(uuid.uuid4(), observations="private words")
    ingest(app, ana, item, keep_rejected=True)
    changed = json.loads(json.dumps(item))
    changed["answers"]["living_conditions"] = 1
    assert ingest(app, ana, changed, keep_rejected=True).status == "conflict"
    assert ingest(app, ana, changed, keep_rejected=True).status == "conflict"
    bad = samples.home_visit(
        uuid.uuid4(), observations="private words", living_conditions=42
    )
    result = ingest(app, ana, bad, keep_rejected=True)
    assert result.status == "rejected"
    assert result.errors["living_conditions"][0]["message"]
    with app.app_context():
        conflicts = db.session().scalars(sa.select(SubmissionConflict)).all()
        rejected = db.session().scalars(sa.select(RejectedSubmission)).all()
        assert len(conflicts) == 1
        assert len(rejected) == 1
        assert "private words" not in conflicts[0].payload
        assert "private words" not in rejected[0].payload
        assert rejected[0].errors["fields"]["living_conditions"][0]["code"] == "max"
        kinds = sorted(db.session().scalars(sa.select(Notification.kind)))
        assert kinds == ["conflict", "rejected"]


def test_the_html_path_keeps_no_rejection(app, make_user):
    ana = make_user("ana", "social_worker")
    bad = samples.home_visit(uuid.uuid4(), living_conditions=42)
    assert ingest(app, ana, bad).status == "rejected"
    with app.app_context():
        assert db.session().scalar(sa.select(sa.func.count(RejectedSubmission.id))) == 0


def test_error_messages_follow_the_locale(app, make_user):
    ana = make_user("ana", "social_worker")
    bad = samples.home_visit(uuid.uuid4(), living_conditions=42)
    with app.test_request_context():
        user = db.session().merge(ana)
        sq = ingest_item(bad, user=user, device_id=None, locale="sq")
        en = ingest_item(bad, user=user, device_id=None, locale="en")
    assert (
        sq.errors["living_conditions"][0]["message"]
        != en.errors["living_conditions"][0]["message"]
    )


def push(app, user, items):
    with app.test_request_context():
        user = db.session().merge(user)
        return ingest_batch(items, user=user, device_id=uuid.uuid4(), locale="en")


def test_the_latest_visit_by_completion_sets_the_next_visit_not_the_last_to_arrive(
    app, make_user, make_family
):
    ana = make_user("ana", "social_worker")
    family = make_family(assigned_to=(ana,))
    member = [str(family.members[0].id)]

    def visit(completed: str, next_visit: str) -> dict:
        item = samples.home_visit(family.id, member, next_visit_date=next_visit)
        item["completed_at"] = completed
        return item

    # One batch: the visit completed last wins, wherever it is in the batch.
    results = push(
        app,
        ana,
        [
            visit("2025-03-10T10:00:00+01:00", "2025-04-10"),
            visit("2025-03-12T10:00:00+01:00", "2025-04-12"),
            visit("2025-03-11T10:00:00+01:00", "2025-04-11"),
        ],
    )
    assert [r.status for r in results] == ["accepted"] * 3
    with app.app_context():
        stored = db.session().get(Family, family.id)
        assert stored.next_visit_on == date(2025, 4, 12)
        updated = stored.updated_at
    # A visit recorded earlier but synced late changes nothing (not even updated_at).
    (late,) = push(app, ana, [visit("2025-03-01T10:00:00+01:00", "2025-03-15")])
    assert late.status == "accepted"
    with app.app_context():
        stored = db.session().get(Family, family.id)
        assert (stored.next_visit_on, stored.updated_at) == (date(2025, 4, 12), updated)
    # A newer one moves it.
    push(app, ana, [visit("2025-03-20T10:00:00+01:00", "2025-05-01")])
    with app.app_context():
        stored = db.session().get(Family, family.id)
        assert stored.next_visit_on == date(2025, 5, 1)
        updated = stored.updated_at
    # A newer visit that keeps the date is no change to pull (updated_at stays)...
    push(app, ana, [visit("2025-03-25T10:00:00+01:00", "2025-05-01")])
    with app.app_context():
        stored = db.session().get(Family, family.id)
        assert (stored.next_visit_on, stored.updated_at) == (date(2025, 5, 1), updated)
        assert stored.next_visit_from == datetime(2025, 3, 25, 9, tzinfo=UTC)
    # ... but it is the latest visit now: one completed between the two changes nothing.
    push(app, ana, [visit("2025-03-22T10:00:00+01:00", "2025-06-01")])
    with app.app_context():
        assert db.session().get(Family, family.id).next_visit_on == date(2025, 5, 1)


def test_a_visit_without_a_completion_time_comes_before_any_with_one(
    app, make_user, make_family
):
    ana = make_user("ana", "social_worker")
    family = make_family(assigned_to=(ana,))
    member = [str(family.members[0].id)]

    def visit(completed: str | None, next_visit: str) -> dict:
        item = samples.home_visit(family.id, member, next_visit_date=next_visit)
        item["completed_at"] = completed
        return item

    push(app, ana, [visit(None, "2025-04-01")])
    with app.app_context():
        assert db.session().get(Family, family.id).next_visit_on == date(2025, 4, 1)
    push(app, ana, [visit("2025-03-01T10:00:00+01:00", "2025-04-02")])
    # One without a time after one with a time changes nothing.
    push(app, ana, [visit(None, "2025-04-03")])
    with app.app_context():
        assert db.session().get(Family, family.id).next_visit_on == date(2025, 4, 2)
    # In one batch, the same order: the visit with a time wins.
    other = make_family(assigned_to=(ana,))
    member = [str(other.members[0].id)]
    items = [
        samples.home_visit(other.id, member, next_visit_date="2025-05-01"),
        samples.home_visit(other.id, member, next_visit_date="2025-05-02"),
    ]
    items[1]["completed_at"] = None
    assert [r.status for r in push(app, ana, items)] == ["accepted"] * 2
    with app.app_context():
        assert db.session().get(Family, other.id).next_visit_on == date(2025, 5, 1)


def test_a_batch_registers_families_and_their_visits_in_one_go(app, make_user):
    ana = make_user("ana", "social_worker")
    intakes = [samples.family_intake(name=f"Familja {n}") for n in range(3)]
    # Two intakes of different families give a member the same id (a buggy client):
    # the second gets an id of its own instead of taking the first one's person over.
    shared = intakes[0]["answers"]["members"][0]["id"]
    intakes[1]["answers"]["members"][0]["id"] = shared
    visits = [
        samples.home_visit(i["subject_id"], [i["answers"]["members"][1]["id"]])
        for i in intakes
    ]
    results = push(app, ana, [*intakes, *visits])
    assert [r.status for r in results] == ["accepted"] * 6
    with app.app_context():
        session = db.session()
        ids = [uuid.UUID(i["subject_id"]) for i in intakes]
        members = session.scalars(sa.select(Member).where(Member.family_id.in_(ids)))
        by_family = {}
        for member in members:
            by_family.setdefault(member.family_id, set()).add(member.id)
        assert all(len(found) == 2 for found in by_family.values())
        assert uuid.UUID(shared) in by_family[ids[0]]
        assert uuid.UUID(shared) not in by_family[ids[1]]
        assigned = session.scalars(
            sa.select(Assignment.family_id).where(Assignment.user_id == ana.id)
        )
        assert set(assigned) == set(ids)
        names = session.scalars(sa.select(Family.search_key).where(Family.id == ids[0]))
        assert "familja 0" in names.one()
        receipts = {r.receipt["server_id"] for r in results}
        assert len(receipts) == 6


def test_a_member_id_stored_before_is_not_taken_over_by_a_group(app, make_user):
    ana = make_user("ana", "social_worker")
    first = samples.family_intake(name="Familja e pare")
    assert [r.status for r in push(app, ana, [first])] == ["accepted"]
    taken = first["answers"]["members"][0]["id"]
    # A later batch (stored as a group) reuses that id for someone else.
    intakes = [samples.family_intake(name=f"Familja {n}") for n in range(3)]
    intakes[1]["answers"]["members"][0]["id"] = taken
    results = push(app, ana, intakes)
    assert [r.status for r in results] == ["accepted"] * 3
    with app.app_context():
        session = db.session()
        person = session.get(Member, uuid.UUID(taken))
        assert str(person.family_id) == first["subject_id"]
        again = session.scalars(
            sa.select(Member).where(
                Member.family_id == uuid.UUID(intakes[1]["subject_id"])
            )
        ).all()
        assert len(again) == 2
        assert uuid.UUID(taken) not in {m.id for m in again}
        stored = session.scalar(sa.select(sa.func.count()).select_from(Family))
        assert stored == 4


def test_one_group_moves_each_familys_dates_by_its_own_visits(
    app, make_user, make_family
):
    # An administrator may fill both forms: visits and sessions in one group.
    ana = make_user("ana", "admin")
    fresh, ahead, same = (make_family(assigned_to=(ana,)) for _ in range(3))

    def visit(family, completed: str | None, **answers) -> dict:
        item = samples.home_visit(family.id, [str(family.members[0].id)], **answers)
        item["completed_at"] = completed
        return item

    push(
        app,
        ana,
        [visit(ahead, "2025-03-20T10:00:00+00:00", next_visit_date="2025-06-01")],
    )
    push(
        app,
        ana,
        [visit(same, "2025-03-01T10:00:00+00:00", next_visit_date="2025-04-01")],
    )
    with app.app_context():
        before = {f.id: f.updated_at for f in db.session().scalars(sa.select(Family))}
    # One group: a new date, a visit older than the family's latest, an unchanged date,
    # and a session (the other schedule) for the first family.
    items = [
        visit(fresh, "2025-03-10T10:00:00+00:00", next_visit_date="2025-04-10"),
        visit(ahead, "2025-03-10T10:00:00+00:00", next_visit_date="2025-04-10"),
        visit(same, "2025-03-10T10:00:00+00:00", next_visit_date="2025-04-01"),
        samples.psych_support(
            fresh.id, [str(fresh.members[0].id)], next_session_date="2025-04-20"
        ),
    ]
    assert [r.status for r in push(app, ana, items)] == ["accepted"] * 4
    with app.app_context():
        session = db.session()
        got = {f.id: f for f in session.scalars(sa.select(Family))}
        assert got[fresh.id].next_visit_on == date(2025, 4, 10)
        assert got[fresh.id].next_session_on == date(2025, 4, 20)
        assert got[fresh.id].updated_at != before[fresh.id]
        assert got[ahead.id].next_visit_on == date(2025, 6, 1)
        assert got[ahead.id].updated_at == before[ahead.id]
        assert got[same.id].next_visit_on == date(2025, 4, 1)
        assert got[same.id].next_visit_from == datetime(2025, 3, 10, 10, tzinfo=UTC)
        assert got[same.id].updated_at == before[same.id]
    # Groups whose visits carry no time, then no time and no date, at all (every
    # source, then every date, null): untimed visits rank by the order stored in.
    late, later = (make_family(assigned_to=(ana,)) for _ in range(2))
    items = [visit(f, None, next_visit_date="2025-05-05") for f in (late, later)]
    assert [r.status for r in push(app, ana, items)] == ["accepted"] * 2
    with app.app_context():
        for family in (late, later):
            stored = db.session().get(Family, family.id)
            assert (stored.next_visit_on, stored.next_visit_from) == (
                date(2025, 5, 5),
                None,
            )
    items = [visit(f, None, next_visit_date=None) for f in (late, later)]
    assert [r.status for r in push(app, ana, items)] == ["accepted"] * 2
    with app.app_context():
        for family in (late, later):
            assert db.session().get(Family, family.id).next_visit_on is None


def test_a_family_registered_by_another_device_meanwhile_is_rejected_not_a_500(
    app, make_user, make_family, monkeypatch
):
    from fieldapp.submissions.store import SqlSubmissionStore

    ana, bo = make_user("ana", "social_worker"), make_user("bo", "social_worker")
    known = make_family(assigned_to=(bo,))
    family_id = uuid.uuid4()
    first = samples.family_intake(family_id, name="Gashi")
    assert [r.status for r in push(app, ana, [first])] == ["accepted"]
    # bo's device registers the same family at the same moment: its look-up ran
    # before ana's commit, so its checks passed; the family's key then fails.
    real = SqlSubmissionStore.families

    def before_the_first_commit(self, author, ids):
        monkeypatch.setattr(SqlSubmissionStore, "families", real)
        return {}

    monkeypatch.setattr(SqlSubmissionStore, "families", before_the_first_commit)
    second = samples.family_intake(family_id, name="Gashi")
    visit = samples.home_visit(known.id, [str(known.members[0].id)])
    results = push(app, bo, [second, visit])
    assert [r.status for r in results] == ["rejected", "accepted"]
    assert results[0].code == "family_exists"  # as if it had come a moment later
    with app.app_context():
        session = db.session()
        kept = session.scalars(sa.select(RejectedSubmission)).one()
        assert str(kept.submission_uuid) == second["uuid"]
        assert session.get(Family, family_id).created_by_id == ana.id
        stored = session.scalars(sa.select(Submission.uuid)).all()
        assert {str(u) for u in stored} == {first["uuid"], visit["uuid"]}


def test_a_server_fault_tells_the_device_to_send_the_form_again_in_each_language(app):
    from fieldapp.submissions.messages import result_message
    from sync.changes import ItemResult

    fault = ItemResult(str(uuid.uuid4()), "refused", code="not_stored")
    unreadable = ItemResult(str(uuid.uuid4()), "refused", code="invalid_item")
    with app.test_request_context():
        said = {
            locale: result_message(fault, locale)
            for locale in ("sq", "sr_Latn", "sr_Cyrl", "en")
        }
        assert said["en"] == (
            "The server could not store this form just now. It stays on this "
            "device and will be sent again."
        )
        assert len(set(said.values())) == 4
        assert said["en"] != result_message(unreadable, "en")


class _Deadlock(Exception):
    sqlstate = "40P01"  # PostgreSQL's deadlock_detected


def test_an_item_chosen_to_give_way_in_a_deadlock_is_stored_on_its_retry(
    app, make_user, make_family, monkeypatch
):
    from fieldapp.submissions import effects

    ana = make_user("ana", "social_worker")
    family = make_family(assigned_to=(ana,))
    real = effects.apply
    faults = []

    def deadlocks(times):
        def apply(*args, **kwargs):
            if len(faults) < times:
                faults.append(1)
                raise sa.exc.OperationalError("UPDATE family ...", {}, _Deadlock())
            return real(*args, **kwargs)

        return apply

    monkeypatch.setattr(effects, "apply", deadlocks(1))
    visit = samples.home_visit(family.id, [str(family.members[0].id)])
    (once,) = push(app, ana, [visit])
    assert (once.status, faults) == ("accepted", [1])
    # Chosen every time: refused, to be sent again; nothing half-stored.
    faults.clear()
    monkeypatch.setattr(effects, "apply", deadlocks(2))
    other = samples.home_visit(family.id, [str(family.members[0].id)])
    (twice,) = push(app, ana, [other])
    assert (twice.status, twice.code, faults) == ("refused", "not_stored", [1, 1])
    with app.app_context():
        stored = db.session().scalars(sa.select(Submission.uuid)).all()
        assert {str(u) for u in stored} == {visit["uuid"]}
