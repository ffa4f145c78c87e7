from __future__ import annotations

import copy
import uuid
from datetime import UTC
from datetime import datetime

from sync import samples
from sync.engine import apply_item
from sync.engine import apply_push
from sync.engine import content_hash
from sync.protocol import parse_item
from sync.store import Author
from sync.store import StoredSubmission

WORKER = Author(7, "social_worker")
OTHER = Author(8, "social_worker")
INSTRUCTOR = Author(9, "instructor")


def push(store, registry, *items, author=WORKER):
    return apply_push(store, items, author=author, registry=registry).results


def test_replaying_a_batch_any_number_of_times_stores_each_item_once(store, registry):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    first = push(store, registry, *batch)
    assert [r.status for r in first] == ["accepted"] * 3
    for _ in range(5):
        again = push(store, registry, *copy.deepcopy(batch))
        assert [r.status for r in again] == ["duplicate"] * 3
        assert [r.receipt for r in again] == [r.receipt for r in first]
    assert len(store.rows) == 3


def test_same_uuid_with_different_content_is_a_conflict_kept_once_per_hash(
    store, registry
):
    item = samples.home_visit(uuid.uuid4())
    assert push(store, registry, item)[0].status == "accepted"
    changed = copy.deepcopy(item)
    changed["answers"]["living_conditions"] = 1
    for _ in range(3):
        result = push(store, registry, changed)[0]
        assert result.status == "conflict"
        assert result.receipt is None
    other = copy.deepcopy(item)
    other["answers"]["living_conditions"] = 2
    assert push(store, registry, other)[0].status == "conflict"
    assert len(store.conflicts) == 2
    assert len(store.rows) == 1


def test_metadata_changes_are_not_conflicts(store, registry):
    item = samples.home_visit(uuid.uuid4())
    first = push(store, registry, item)[0]
    resent = dict(
        item, completed_at="2025-03-02T08:00:00+01:00", respondent_locale="en"
    )
    again = push(store, registry, resent)[0]
    assert again.status == "duplicate"
    assert again.receipt == first.receipt


def test_hash_ignores_key_order_and_unicode_composition():
    item = samples.home_visit(uuid.uuid4(), follow_up="Vizitë e ardhshme")
    reordered = dict(reversed(list(item.items())))
    reordered["answers"] = dict(reversed(list(item["answers"].items())))
    # "ë" as e + combining diaeresis (NFD), as some keyboards send it
    reordered["answers"]["follow_up"] = "Vizite\u0308 e ardhshme"
    one, _, _ = parse_item(item)
    two, _, _ = parse_item(reordered)
    assert content_hash(one) == content_hash(two)


def test_hash_changes_with_any_answer(registry):
    item = samples.home_visit(uuid.uuid4())
    changed = copy.deepcopy(item)
    changed["answers"]["risk_level"] = "high"
    one, _, _ = parse_item(item)
    two, _, _ = parse_item(changed)
    assert content_hash(one) != content_hash(two)


def test_a_bad_item_is_rejected_field_by_field_and_the_others_are_stored(
    store, registry
):
    good = samples.home_visit(uuid.uuid4())
    bad = samples.home_visit(
        uuid.uuid4(), living_conditions=99, risk_level="nope", surprise="x"
    )
    later = samples.home_visit(uuid.uuid4())
    results = push(store, registry, good, bad, later)
    assert [r.status for r in results] == ["accepted", "rejected", "accepted"]
    errors = results[1].errors
    assert {i.code for i in errors["living_conditions"]} == {"max"}
    assert {i.code for i in errors["risk_level"]} == {"choice"}
    assert {i.code for i in errors["surprise"]} == {"unknown_field"}
    assert len(store.rows) == 2
    assert len(store.rejections) == 1


def test_rejection_is_kept_once_however_often_it_is_replayed(store, registry):
    bad = samples.home_visit(uuid.uuid4(), living_conditions=99)
    for _ in range(3):
        assert push(store, registry, bad)[0].status == "rejected"
    assert len(store.rejections) == 1


def test_a_visit_to_an_unknown_family_is_accepted(store, registry):
    unknown = uuid.uuid4()
    assert push(store, registry, samples.home_visit(unknown))[0].status == "accepted"


def test_visit_first_then_intake_in_one_batch_both_accepted(store, registry):
    family = uuid.uuid4()
    visit = samples.home_visit(family)
    intake = samples.family_intake(family)
    results = push(store, registry, visit, intake)
    assert [r.status for r in results] == ["accepted", "accepted"]
    assert store.families(WORKER, {family})[family].visible


def test_a_visit_to_another_workers_family_is_rejected(store, registry):
    family = uuid.uuid4()
    store.family_rows[family] = {"workers": {OTHER.id}, "members": []}
    result = push(store, registry, samples.home_visit(family))[0]
    assert result.status == "rejected"
    assert result.code == "not_your_family"
    assert not store.rows


def test_present_members_must_belong_to_a_known_family(store, registry):
    family = uuid.uuid4()
    member = str(uuid.uuid4())
    store.family_rows[family] = {"workers": {WORKER.id}, "members": [member]}
    ok = push(store, registry, samples.home_visit(family, present=[member]))[0]
    stranger = push(store, registry, samples.home_visit(family, present=["x"]))[0]
    assert ok.status == "accepted"
    assert stranger.status == "rejected"
    assert "present_members" in stranger.errors


def test_a_second_intake_for_a_registered_family_is_rejected(store, registry):
    family = uuid.uuid4()
    push(store, registry, samples.family_intake(family))
    again = push(store, registry, samples.family_intake(family))[0]
    assert again.status == "rejected"
    assert again.code == "family_exists"


def test_roster_naming_a_student_not_enrolled_is_rejected_for_that_student(
    store, registry
):
    store.courses[1] = {"instructor": INSTRUCTOR.id, "roster": ["s1", "s2"]}
    item = samples.class_attendance(1, ["s1", "s2", "intruder"])
    result = push(store, registry, item, author=INSTRUCTOR)[0]
    assert result.status == "rejected"
    assert list(result.errors) == ["attendance.intruder"]
    assert result.errors["attendance.intruder"][0].code == "not_enrolled"


def test_attendance_for_someone_elses_course_is_rejected(store, registry):
    store.courses[1] = {"instructor": 99, "roster": ["s1"]}
    result = push(
        store, registry, samples.class_attendance(1, ["s1"]), author=INSTRUCTOR
    )[0]
    assert (result.status, result.code) == ("rejected", "not_your_course")


def test_a_form_version_that_does_not_exist_is_rejected_with_the_known_ones(
    store, registry
):
    item = dict(samples.home_visit(uuid.uuid4()), form_version=99)
    result = push(store, registry, item)[0]
    assert result.status == "rejected"
    issue = result.errors["form_version"][0]
    assert issue.code == "unknown_version"
    assert issue.params["known"] == "1"


def test_unknown_form_is_rejected(store, registry):
    item = dict(samples.home_visit(uuid.uuid4()), form_id="no_such_form")
    result = push(store, registry, item)[0]
    assert (result.status, result.code) == ("rejected", "unknown_form")


def test_an_item_of_another_author_is_refused_and_not_kept(store, registry):
    item = dict(samples.home_visit(uuid.uuid4()), author_id=OTHER.id)
    result = push(store, registry, item)[0]
    assert (result.status, result.code) == ("refused", "wrong_user")
    assert not store.rows
    assert not store.rejections


def test_a_uuid_stored_by_someone_else_is_refused(store, registry):
    item = samples.home_visit(uuid.uuid4())
    push(store, registry, item, author=OTHER)
    result = push(store, registry, item)[0]
    assert (result.status, result.code) == ("refused", "uuid_taken")


def test_a_role_that_may_not_fill_the_form_is_refused(store, registry):
    result = push(store, registry, samples.psych_support(uuid.uuid4()))[0]
    assert (result.status, result.code) == ("refused", "form_not_allowed")


def test_malformed_items_are_refused_not_raised(store, registry):
    results = push(
        store,
        registry,
        None,
        [],
        "x",
        {"uuid": "not-a-uuid"},
        dict(samples.home_visit(uuid.uuid4()), form_version="1"),
        dict(samples.home_visit(uuid.uuid4()), answers=[1]),
    )
    assert [r.status for r in results] == ["refused"] * 6
    assert results[4].errors["form_version"]


def test_losing_an_insert_race_answers_duplicate_with_the_winners_receipt(
    store, registry
):
    item = samples.home_visit(uuid.uuid4())
    parsed, _, _ = parse_item(item)
    winner = StoredSubmission(
        41, parsed.uuid, WORKER.id, content_hash(parsed), datetime.now(UTC)
    )
    store.race = winner
    result = apply_item(store, item, author=WORKER, registry=registry)
    assert result.status == "duplicate"
    assert result.receipt == winner.receipt()


def test_hidden_answers_are_dropped_not_stored(store, registry):
    item = samples.family_intake(referral_source="school", referral_other="hidden")
    result = push(store, registry, item)[0]
    assert result.status == "accepted"
    assert "referral_other" not in store.answers[uuid.UUID(item["uuid"])]


def test_future_dates_are_judged_on_the_day_the_form_was_completed(store, registry):
    from datetime import date

    item = samples.home_visit(uuid.uuid4(), visit_date="2025-03-05")
    item["completed_at"] = "2025-03-01T10:00:00+01:00"
    result = apply_item(
        store, item, author=WORKER, registry=registry, today=date(2025, 6, 1)
    )
    assert result.status == "rejected"
    assert "visit_date" in result.errors


def test_a_twin_delivery_that_loses_the_race_is_a_duplicate_not_a_rejection(
    store, registry
):
    # Two deliveries of one intake at the same moment: the twin asked about the family
    # just before the winner committed, so its checks pass, and the insert then finds
    # the UUID taken.
    item = samples.family_intake(uuid.uuid4())
    winner = apply_item(store, item, author=WORKER, registry=registry)
    assert winner.status == "accepted"
    real_families = store.families
    store.families = lambda author, ids: {}  # the look-up before the winner's commit
    twin = apply_item(store, item, author=WORKER, registry=registry)
    assert twin.status == "duplicate"
    assert twin.receipt == winner.receipt
    # Asked after the commit, its family "exists": a replay still, not a rejection.
    store.families = real_families
    again = apply_item(store, item, author=WORKER, registry=registry)
    assert again.status == "duplicate"
    assert again.receipt == winner.receipt
    assert store.rejections == []


def test_a_stored_uuid_is_answered_as_a_replay_whatever_the_checks_say_now(
    store, registry
):
    family = uuid.uuid4()
    store.family_rows[family] = {"workers": {WORKER.id}, "members": ["m1"]}
    visit = samples.home_visit(family, ["m1"])
    changed = copy.deepcopy(visit)
    changed["answers"]["living_conditions"] = 1
    assert push(store, registry, visit)[0].status == "accepted"
    store.family_rows[family]["workers"] = {OTHER.id}  # reassigned since
    assert push(store, registry, visit)[0].status == "duplicate"
    assert push(store, registry, changed)[0].status == "conflict"
    assert store.rejections == []


# Storing in groups: a batch is looked up once and stored in few transactions, yet each
# item is judged as if the items before it had been stored one by one.


def test_a_batch_is_looked_up_once_and_stored_in_one_transaction(store, registry):
    family = uuid.uuid4()
    store.family_rows[family] = {"workers": {WORKER.id}, "members": ["m1"]}
    batch = [samples.home_visit(family, ["m1"]) for _ in range(50)]
    results = push(store, registry, *batch)
    assert [r.status for r in results] == ["accepted"] * 50
    assert store.groups == [50]
    # New items: the families asked about once; stored or not, the insert tells.
    assert (store.family_lookups, store.lookups) == (1, 0)
    assert [r.receipt.server_id for r in results] == list(range(1, 51))


def test_groups_are_as_large_as_asked(store, registry):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(7)]
    result = apply_push(store, batch, author=WORKER, registry=registry, group=3)
    assert [r.status for r in result.results] == ["accepted"] * 7
    assert store.groups == [3, 3, 1]


def test_a_visit_to_a_family_registered_earlier_in_the_batch_checks_its_members(
    store, registry
):
    family = uuid.uuid4()
    intake = samples.family_intake(family)
    members = [row["id"] for row in intake["answers"]["members"]]
    good = samples.home_visit(family, members[:1])
    stranger = samples.home_visit(family, [str(uuid.uuid4())])
    again = samples.family_intake(family, name="Another")
    results = push(store, registry, intake, good, stranger, again)
    assert [r.status for r in results] == [
        "accepted",
        "accepted",
        "rejected",
        "rejected",
    ]
    assert "present_members" in results[2].errors
    assert results[3].code == "family_exists"
    # The intake was stored before the visit was judged: the visit saw its members.
    assert store.groups == [1, 1]


def test_the_same_uuid_twice_in_one_batch_is_stored_once(store, registry):
    item = samples.home_visit(uuid.uuid4())
    changed = copy.deepcopy(item)
    changed["answers"]["living_conditions"] = 1
    results = push(store, registry, item, copy.deepcopy(item), changed)
    assert [r.status for r in results] == ["accepted", "duplicate", "conflict"]
    assert results[1].receipt == results[0].receipt
    assert len(store.rows) == 1
    assert len(store.conflicts) == 1


def test_a_group_that_loses_a_race_answers_the_twin_and_stores_the_rest(
    store, registry
):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    parsed, _, _ = parse_item(batch[1])
    winner = StoredSubmission(
        41, parsed.uuid, WORKER.id, content_hash(parsed), datetime.now(UTC)
    )
    store.race = winner
    results = push(store, registry, *batch)
    assert [r.status for r in results] == ["accepted", "duplicate", "accepted"]
    assert results[1].receipt == winner.receipt()
    # The group of three failed as a whole; then the other two, as a group again.
    assert store.groups == [3, 2]
    assert len(store.rows) == 3


def test_a_batch_resent_after_its_response_was_lost_is_answered_as_replays(
    store, registry
):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(4)]
    first = push(store, registry, *batch[:3])
    # Resent with one new item: one failed insert tells which were stored.
    again = push(store, registry, *copy.deepcopy(batch))
    assert [r.status for r in again] == ["duplicate"] * 3 + ["accepted"]
    assert [r.receipt for r in again[:3]] == [r.receipt for r in first]
    assert store.groups == [3, 4, 1]
    assert store.lookups == 0


def test_a_group_that_cannot_be_stored_is_stored_again_item_by_item(store, registry):
    store.refuse_groups = True  # e.g. two items of the group collide on a constraint
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    results = push(store, registry, *batch)
    assert [r.status for r in results] == ["accepted"] * 3
    assert store.groups == [3, 1, 1, 1]


def test_a_family_registered_by_another_device_meanwhile_is_a_rejection_not_a_500(
    store, registry
):
    # Two devices register one family (two intakes, two UUIDs) at the same moment:
    # the second asked about the family before the first committed.
    family = uuid.uuid4()
    first = samples.family_intake(family, name="Gashi")
    assert push(store, registry, first, author=OTHER)[0].status == "accepted"
    real_families = store.families

    def before_the_first_commit(author, ids):
        store.families = real_families  # the next look-up comes after it
        return {}

    store.families = before_the_first_commit
    second = samples.family_intake(family, name="Gashi")
    visit = samples.home_visit(uuid.uuid4())
    results = push(store, registry, second, visit)
    # Its group failed on the family's key; alone, it failed again and was judged
    # anew: the family exists (someone else's) now. The visit is stored all the same.
    assert [r.status for r in results] == ["rejected", "accepted"]
    assert results[0].code == "family_exists"
    assert store.groups == [1, 2, 1, 1]  # the first push, then the second
    assert store.rejections == [
        (
            uuid.UUID(second["uuid"]),
            content_hash(parse_item(second)[0]),
            "family_exists",
        )
    ]


def test_an_item_the_store_cannot_take_is_refused_to_be_sent_again(
    store, registry, caplog
):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    store.broken.add(uuid.UUID(batch[1]["uuid"]))
    results = push(store, registry, *batch)
    # Refused, not rejected: the device keeps it and sends it again; nothing for the
    # user to fix, and the others are stored.
    assert [r.status for r in results] == ["accepted", "refused", "accepted"]
    assert results[1].code == "not_stored"
    # The group, then each item: the broken one twice (judged again in between).
    assert store.groups == [3, 1, 1, 1, 1]
    assert uuid.UUID(batch[1]["uuid"]) not in store.rows
    assert store.rejections == []
    assert batch[1]["uuid"] in caplog.text


def test_the_last_group_may_be_left_for_the_caller_to_commit(store, registry):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(5)]
    apply_push(store, batch, author=WORKER, registry=registry, group=2)
    assert store.left_open == 0
    apply_push(
        store,
        [samples.home_visit(uuid.uuid4()) for _ in range(5)],
        author=WORKER,
        registry=registry,
        group=2,
        leave_open=True,
    )
    # Groups of 2, 2 and 1: only the last one's transaction is left open.
    assert store.groups == [2, 2, 1, 2, 2, 1]
    assert store.left_open == 1


def test_a_visit_after_its_familys_group_was_stored_still_checks_the_members(
    store, registry
):
    family = uuid.uuid4()
    intake = samples.family_intake(family)
    stranger = samples.home_visit(family, [str(uuid.uuid4())])
    batch = [intake, samples.home_visit(uuid.uuid4()), stranger]
    result = apply_push(store, batch, author=WORKER, registry=registry, group=2)
    # The first two were stored as a group before the third was judged.
    assert [r.status for r in result.results] == ["accepted", "accepted", "rejected"]
    assert "present_members" in result.results[2].errors
    assert store.groups == [2]


def test_a_time_that_cannot_be_stored_refuses_that_item_only(store, registry):
    # Valid ISO 8601, but after 9999-12-31 (or before year 1) once in UTC.
    late = samples.home_visit(uuid.uuid4()) | {
        "completed_at": "9999-12-31T23:59:59-14:00"
    }
    early = samples.home_visit(uuid.uuid4()) | {
        "started_at": "0001-01-01T00:00:00+14:00"
    }
    good = samples.home_visit(uuid.uuid4())
    results = push(store, registry, late, good, early)
    assert [r.status for r in results] == ["refused", "accepted", "refused"]
    assert [r.code for r in results] == ["invalid_item", "", "invalid_item"]
    assert results[0].errors["completed_at"][0].code == "time_range"
    assert results[0].errors["completed_at"][0].params == {"field": "completed_at"}
    assert results[2].errors["started_at"][0].code == "time_range"
    assert results[0].uuid == late["uuid"]
    assert set(store.rows) == {uuid.UUID(good["uuid"])}


def test_the_ends_of_the_window_are_stored_and_beyond_them_refused(store, registry):
    # 0001-01-02 to 9999-12-30 in UTC: storable, and shown in any zone (sync.times).
    first = samples.home_visit(uuid.uuid4()) | {"started_at": "0001-01-02T00:00:00Z"}
    last = samples.home_visit(uuid.uuid4()) | {
        "completed_at": "9999-12-31T13:59:59.999999+14:00"
    }
    assert [r.status for r in push(store, registry, first, last)] == ["accepted"] * 2
    before = samples.home_visit(uuid.uuid4()) | {
        "started_at": "0001-01-02T00:00:00+00:01"
    }
    after = samples.home_visit(uuid.uuid4()) | {"completed_at": "9999-12-31T00:00:00Z"}
    results = push(store, registry, before, after)
    assert [r.status for r in results] == ["refused"] * 2
    assert [next(iter(r.errors)) for r in results] == ["started_at", "completed_at"]


def test_a_crash_while_storing_one_item_refuses_it_and_stores_the_others(
    store, registry, caplog
):
    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    store.crash.add(uuid.UUID(batch[1]["uuid"]))
    results = push(store, registry, *batch)
    assert [r.status for r in results] == ["accepted", "refused", "accepted"]
    assert results[1].code == "not_stored"
    assert set(store.rows) == {uuid.UUID(batch[0]["uuid"]), uuid.UUID(batch[2]["uuid"])}
    assert store.recoveries >= 1
    # Logged by uuid and where it failed; the exception's own text is left out.
    assert batch[1]["uuid"] in caplog.text
    assert "ZeroDivisionError" in caplog.text
    assert "living_conditions" not in caplog.text  # the error's text quoted answers


def test_a_crash_while_judging_one_item_refuses_it_and_stores_the_others(
    store, registry, caplog, monkeypatch
):
    from sync import engine

    batch = [samples.home_visit(uuid.uuid4()) for _ in range(3)]
    batch[1]["answers"]["observations"] = "secret words"
    real = engine.validate_answers

    def failing(definition, answers, context=None):
        if answers.get("observations") == "secret words":
            raise KeyError(answers["observations"])
        return real(definition, answers, context)

    monkeypatch.setattr(engine, "validate_answers", failing)
    results = push(store, registry, *batch)
    assert [r.status for r in results] == ["accepted", "refused", "accepted"]
    assert results[1].code == "not_stored"
    assert results[1].uuid == batch[1]["uuid"]
    assert len(store.rows) == 2
    assert batch[1]["uuid"] in caplog.text
    assert "secret words" not in caplog.text
