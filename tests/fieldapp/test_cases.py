"""Issue 16: the case lifecycle (referred -> active -> closed -> active), its refusals,
its append-only history, the intake that opens a case, and the coordinator's list."""

from __future__ import annotations

import uuid
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.cases import services
from fieldapp.cases.models import CaseEvent
from fieldapp.cases.models import CaseGoal
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import FollowUp
from fieldapp.cases.models import Partner
from fieldapp.cases.models import PlanReview
from fieldapp.cases.models import Referral
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family
from fieldapp.protection import consents
from fieldapp.submissions.ingest import ingest_item
from sync import samples

TODAY = date.today()


def _case(app, case_id: int) -> SupportCase:
    with app.app_context():
        case = db.session().get(SupportCase, case_id)
        assert case is not None
        db.session().expunge(case)
        return case


def _events(app, case_id: int) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        rows = db.session().execute(
            sa.select(
                CaseEvent.kind,
                CaseEvent.from_status,
                CaseEvent.to_status,
                CaseEvent.reason,
            )
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id)
        )
        return [tuple(row) for row in rows]


def _new_case(app, world, status: str = "referred", **fields) -> int:
    with app.app_context():
        case = SupportCase(
            family_id=world.ids["family"],
            programme="rehabilitation_residential",
            status=status,
            **fields,
        )
        db.session().add(case)
        if fields.get("consent_share") is not None:
            # The family's consent is what referrals ask (fieldapp.protection).
            consents.record(
                case.family_id,
                {"share": fields["consent_share"]},
                on=TODAY - timedelta(days=300),
                by=None,
                form_id="family_intake",
                form_version=2,
            )
        db.session().commit()
        return case.id


def _post(client, token, path, **data):
    return client.post(path, data={"csrf_token": token, **data})


def test_coordinator_opens_a_case_and_its_history_says_who_and_what(
    app, world, signed_in
):
    client, token = signed_in("coordinator")
    family = world.ids["family"]
    response = _post(
        client,
        token,
        f"/cases/family/{family}/open",
        programme="rehabilitation_residential",
        referral_source="centre_for_social_work",
        referring_body="QPS Ferizaj",
        referred_on=(TODAY - timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session().scalar(
            sa.select(SupportCase).where(
                SupportCase.programme == "rehabilitation_residential"
            )
        )
        assert case.status == "referred"
        assert case.referring_body == "QPS Ferizaj"
        event = db.session().scalar(
            sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
        )
        assert event.kind == "opened"
        assert event.user_id == world.users["coordinator"].id
        assert event.changes["referring_body"] == [None, "QPS Ferizaj"]
    page = client.get(f"/cases/family/{family}").get_data(as_text=True)
    assert "QPS Ferizaj" in page
    assert "Centre for Social Work" in page


def test_a_second_open_case_in_the_same_programme_is_refused(app, world, signed_in):
    client, token = signed_in("coordinator")
    response = _post(
        client,
        token,
        f"/cases/family/{world.ids['family']}/open",
        programme="rehabilitation_daily",  # the world's case is active in it
        referring_body="kept text",
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already has an open case in this programme" in page
    assert 'value="kept text"' in page


def test_activation_records_admission_and_planned_end(app, world, signed_in):
    case_id = _new_case(app, world)
    client, token = signed_in("social")
    end = TODAY + timedelta(days=700)
    response = _post(
        client,
        token,
        f"/cases/{case_id}/activate",
        admitted_on=TODAY.isoformat(),
        planned_end_on=end.isoformat(),
        note="admitted after the CSW meeting",
    )
    assert response.status_code == 302
    case = _case(app, case_id)
    assert (case.status, case.admitted_on, case.planned_end_on) == (
        "active",
        TODAY,
        end,
    )
    assert _events(app, case_id) == [
        ("activate", "referred", "active", "admitted after the CSW meeting")
    ]


@pytest.mark.parametrize(
    ("admitted", "end", "message"),
    [
        (TODAY, services.latest_end(TODAY) + timedelta(days=1), "at most three years"),
        (TODAY, TODAY, "must be after the admission date"),
        (
            TODAY + timedelta(days=1),
            TODAY + timedelta(days=30),
            "cannot be in the future",
        ),
    ],
)
def test_activation_refuses_bad_dates_and_keeps_what_was_typed(
    app, world, signed_in, admitted, end, message
):
    case_id = _new_case(app, world)
    client, token = signed_in("coordinator")
    response = _post(
        client,
        token,
        f"/cases/{case_id}/activate",
        admitted_on=admitted.isoformat(),
        planned_end_on=end.isoformat(),
        note="typed note",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="typed note"' in page
    assert f'value="{end.isoformat()}"' in page
    assert _case(app, case_id).status == "referred"
    assert _events(app, case_id) == []


def test_three_years_from_29_february_ends_on_28_february():
    assert services.latest_end(date(2024, 2, 29)) == date(2027, 2, 28)
    assert services.latest_end(date(2025, 3, 1)) == date(2028, 3, 1)


def test_a_transition_that_skips_a_state_is_refused(app, world, signed_in):
    referred = _new_case(app, world)
    client, token = signed_in("coordinator")
    response = _post(
        client,
        token,
        f"/cases/{referred}/close",
        closed_on=TODAY.isoformat(),
        reason="goals_met",
        summary="done",
    )
    assert response.status_code == 409
    assert "A case that is referred cannot become closed." in response.get_data(
        as_text=True
    )
    assert _case(app, referred).status == "referred"
    # Reopening a case that is not closed, or admitting an active one, is refused too.
    active = world.ids["case"]
    response = _post(client, token, f"/cases/{active}/reopen", reason="why not")
    assert response.status_code == 409
    response = _post(
        client,
        token,
        f"/cases/{active}/activate",
        admitted_on=TODAY.isoformat(),
        planned_end_on=(TODAY + timedelta(days=10)).isoformat(),
    )
    assert response.status_code == 409
    assert _events(app, active) == []


def _admitted(app, world, **fields) -> int:
    return _new_case(
        app,
        world,
        status="active",
        admitted_on=TODAY - timedelta(days=200),
        planned_end_on=TODAY + timedelta(days=500),
        **fields,
    )


def test_closure_needs_a_reason_a_text_for_other_and_a_summary(app, world, signed_in):
    case_id = _admitted(app, world)
    client, token = signed_in("social")
    path = f"/cases/{case_id}/close"
    no_reason = _post(client, token, path, closed_on=TODAY.isoformat(), summary="s")
    assert no_reason.status_code == 422
    assert "Choose why the case is closed." in no_reason.get_data(as_text=True)
    other = _post(
        client,
        token,
        path,
        closed_on=TODAY.isoformat(),
        reason="other",
        summary="kept summary",
    )
    assert other.status_code == 422
    assert "Say why the case is closed." in other.get_data(as_text=True)
    assert "kept summary" in other.get_data(as_text=True)
    no_summary = _post(
        client, token, path, closed_on=TODAY.isoformat(), reason="goals_met"
    )
    assert no_summary.status_code == 422
    assert "Write a closing summary." in no_summary.get_data(as_text=True)
    before_admission = _post(
        client,
        token,
        path,
        closed_on=(TODAY - timedelta(days=300)).isoformat(),
        reason="goals_met",
        summary="s",
    )
    assert before_admission.status_code == 422
    assert _case(app, case_id).status == "active"
    assert _events(app, case_id) == []


def test_close_then_reopen_keeps_the_whole_history(app, world, signed_in):
    case_id = _admitted(app, world)
    client, token = signed_in("social")
    closed = _post(
        client,
        token,
        f"/cases/{case_id}/close",
        closed_on=TODAY.isoformat(),
        reason="moved",
        summary="The family moved to Prizren.",
    )
    assert closed.status_code == 302
    case = _case(app, case_id)
    assert (case.status, case.closure_reason, case.closed_on) == (
        "closed",
        "moved",
        TODAY,
    )
    refused = _post(client, token, f"/cases/{case_id}/reopen", reason="")
    assert refused.status_code == 422
    reopened = _post(
        client, token, f"/cases/{case_id}/reopen", reason="They came back."
    )
    assert reopened.status_code == 302
    assert _case(app, case_id).status == "active"
    assert _events(app, case_id) == [
        ("close", "active", "closed", ""),
        ("reopen", "closed", "active", "They came back."),
    ]
    with app.app_context():
        close_event = db.session().scalar(
            sa.select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.kind == "close"
            )
        )
        assert close_event.changes["closure_reason"] == ["", "moved"]
        assert close_event.changes["status"] == ["active", "closed"]
        reopen_event = db.session().scalar(
            sa.select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.kind == "reopen"
            )
        )
        assert reopen_event.changes["closed_on"] == [TODAY.isoformat(), None]
    page = client.get(f"/cases/family/{world.ids['family']}").get_data(as_text=True)
    assert page.index("Reopened") < page.index("They came back.")


def test_a_family_can_have_a_new_case_after_the_last_one_closed(app, world, signed_in):
    client, token = signed_in("coordinator")
    with app.app_context():
        case = db.session().get(SupportCase, world.ids["case"])
        case.admitted_on = TODAY - timedelta(days=30)
        db.session().commit()
    assert (
        _post(
            client,
            token,
            f"/cases/{world.ids['case']}/close",
            closed_on=TODAY.isoformat(),
            reason="goals_met",
            summary="Goals met.",
            override="The counselling moves to the new case.",
        ).status_code
        == 302
    )
    response = _post(
        client,
        token,
        f"/cases/family/{world.ids['family']}/open",
        programme="rehabilitation_daily",
    )
    assert response.status_code == 302
    with app.app_context():
        statuses = db.session().scalars(
            sa.select(SupportCase.status)
            .where(SupportCase.family_id == world.ids["family"])
            .order_by(SupportCase.id)
        )
        assert list(statuses) == ["closed", "referred"]
    # The old case cannot be reopened while the new one is open in that programme.
    refused = _post(client, token, f"/cases/{world.ids['case']}/reopen", reason="r")
    assert refused.status_code == 409


def test_open_items_block_closure_unless_a_coordinator_confirms_with_a_reason(
    app, world, signed_in, monkeypatch
):
    monkeypatch.setattr(services, "open_items", lambda case: 2)
    case_id = _admitted(app, world)
    form = {
        "closed_on": TODAY.isoformat(),
        "reason": "lost_contact",
        "summary": "No answer since May.",
        "override": "The worker tried",  # ignored: not a coordinator
    }
    client, token = signed_in("social")
    refused = _post(client, token, f"/cases/{case_id}/close", **form)
    assert refused.status_code == 409
    assert "still open" in refused.get_data(as_text=True)
    assert _case(app, case_id).status == "active"
    client, token = signed_in("coordinator")
    without = _post(client, token, f"/cases/{case_id}/close", **form | {"override": ""})
    assert without.status_code == 409
    confirmed = _post(
        client,
        token,
        f"/cases/{case_id}/close",
        **form | {"override": "Family unreachable for 4 months"},
    )
    assert confirmed.status_code == 302
    assert _events(app, case_id) == [
        ("close", "active", "closed", "Family unreachable for 4 months")
    ]
    with app.app_context():
        logged = db.session().scalar(
            sa.select(AccessLogEntry).where(AccessLogEntry.action == "close")
        )
        assert logged.detail["override"] == "Family unreachable for 4 months"


def test_a_social_worker_sees_only_cases_of_assigned_families(app, world, signed_in):
    case_id = _admitted(app, world)
    client, token = signed_in("social2")
    assert client.get(f"/cases/family/{world.ids['family']}").status_code == 404
    response = _post(client, token, f"/cases/{case_id}/reopen", reason="r")
    assert response.status_code == 404
    client, token = signed_in("instructor")
    assert client.get(f"/cases/family/{world.ids['family']}").status_code == 403


def test_an_intake_into_rehabilitation_opens_a_referred_case_with_its_referral(
    app, make_user
):
    worker = make_user("drita", "social_worker")
    rehab, prevention = uuid.uuid4(), uuid.uuid4()
    with app.test_request_context():
        user = db.session().merge(worker)
        for family_id, programme in (
            (rehab, "rehabilitation_residential"),
            (prevention, "prevention"),
        ):
            item = samples.family_intake(
                family_id,
                programme=programme,
                referral_source="other",
                referral_other="Women's shelter Gjakova",
                referral_date="2025-02-20",
                consent_data=False,
            )
            result = ingest_item(item, user=user, device_id=None, locale="en")
            assert result.status == "accepted", result.errors
        db.session().commit()
        cases = list(db.session().scalars(sa.select(SupportCase)))
        assert [c.family_id for c in cases] == [rehab]
        case = cases[0]
        assert (case.status, case.programme) == (
            "referred",
            "rehabilitation_residential",
        )
        assert case.referral_source == "other"
        assert case.referring_body == "Women's shelter Gjakova"
        assert case.referred_on == date(2025, 2, 20)
        assert (case.consent_services, case.consent_data) == (True, False)
        assert case.opened_by_id == worker.id
        events = list(db.session().scalars(sa.select(CaseEvent)))
        assert [(e.case_id, e.kind, e.user_id) for e in events] == [
            (case.id, "opened", worker.id)
        ]


def test_case_list_filters_by_status_worker_and_programme(
    app, world, signed_in, make_family
):
    with app.app_context():
        other_family = db.session().scalar(
            sa.text("SELECT id FROM family WHERE name = 'Gashi'")
        )
        db.session().add(
            SupportCase(
                family_id=uuid.UUID(str(other_family)),
                programme="rehabilitation_residential",
                status="referred",
            )
        )
        db.session().commit()
    client, _ = signed_in("coordinator")
    page = client.get("/cases/").get_data(as_text=True)
    assert "Krasniqi" in page
    assert "Gashi" in page
    page = client.get("/cases/?status=referred").get_data(as_text=True)
    assert "Gashi" in page
    assert "Krasniqi" not in page
    social2 = world.users["social2"].id
    page = client.get(f"/cases/?worker={social2}").get_data(as_text=True)
    assert "Gashi" in page
    assert "Krasniqi" not in page
    page = client.get("/cases/?programme=rehabilitation_daily").get_data(as_text=True)
    assert "Krasniqi" in page
    assert "Gashi" not in page
    page = client.get("/cases/?status=closed").get_data(as_text=True)
    assert "Krasniqi" not in page
    assert "No cases match." in page


def test_demo_loads_cases_in_every_state_once(app, runner, monkeypatch):
    monkeypatch.setenv("FIELDAPP_DEMO_PASSWORD", "demo password for tests")
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        first = sorted(db.session().scalars(sa.select(SupportCase.status)))
        events = db.session().scalar(sa.select(sa.func.count()).select_from(CaseEvent))
    assert set(first) == {"referred", "active", "closed"}
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert sorted(db.session().scalars(sa.select(SupportCase.status))) == first
        again = db.session().scalar(sa.select(sa.func.count()).select_from(CaseEvent))
        assert again == events
        soon = db.session().scalar(
            sa.select(sa.func.count())
            .select_from(SupportCase)
            .where(
                SupportCase.status == "active",
                SupportCase.planned_end_on <= TODAY + timedelta(days=90),
            )
        )
        assert soon >= 1
        demo_services = list(db.session().scalars(sa.select(CaseService)))
        assert any(s.is_overdue(TODAY) for s in demo_services)


def test_a_refusal_speaks_the_users_language(app, world, signed_in):
    case_id = _new_case(app, world)
    client, token = signed_in("coordinator")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sq"
    with app.app_context():
        user = db.session().get(
            type(world.users["coordinator"]), world.users["coordinator"].id
        )
        user.locale = "sq"
        db.session().commit()
    response = _post(
        client,
        token,
        f"/cases/{case_id}/activate",
        admitted_on=TODAY.isoformat(),
        planned_end_on=(TODAY + timedelta(days=2000)).isoformat(),
    )
    assert response.status_code == 422
    assert "Mbështetja zgjat më së shumti tre vjet" in response.get_data(as_text=True)


def test_a_service_is_added_with_its_history_and_overdue_is_computed(
    app, world, signed_in
):
    case_id = _admitted(app, world)
    client, token = signed_in("psych")
    response = _post(
        client,
        token,
        f"/cases/{case_id}/services",
        service_type="literacy",
        provider="Qendra, Besa",
        planned_on=(TODAY - timedelta(days=5)).isoformat(),
        status="planned",
        outcome="",
    )
    assert response.status_code == 302
    with app.app_context():
        service = db.session().scalar(
            sa.select(CaseService).where(CaseService.case_id == case_id)
        )
        assert (service.service_type, service.provider) == ("literacy", "Qendra, Besa")
        assert service.is_overdue(TODAY)
        assert not service.is_overdue(TODAY - timedelta(days=10))
        service_id = service.id
    page = client.get(f"/cases/family/{world.ids['family']}").get_data(as_text=True)
    assert "overdue" in page
    done = _post(
        client,
        token,
        f"/cases/services/{service_id}",
        **{
            f"s{service_id}-status": "completed",
            f"s{service_id}-completed_on": TODAY.isoformat(),
            f"s{service_id}-outcome": "Reads short texts.",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        events = list(
            db.session().scalars(
                sa.select(CaseEvent)
                .where(CaseEvent.service_id == service_id)
                .order_by(CaseEvent.id)
            )
        )
        assert [e.kind for e in events] == ["service_added", "service_changed"]
        assert events[1].changes["status"] == ["planned", "completed"]
        assert events[1].changes["outcome"] == ["", "Reads short texts."]
        assert events[1].user_id == world.users["psych"].id
        assert not db.session().get(CaseService, service_id).is_overdue(TODAY)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"planned_on": (TODAY - timedelta(days=400)).isoformat()},
            "before the admission",
        ),
        ({"status": "completed"}, "Enter the date the service was completed."),
        (
            {
                "status": "completed",
                "completed_on": (TODAY + timedelta(days=2)).isoformat(),
            },
            "cannot be in the future",
        ),
    ],
)
def test_a_bad_service_is_refused_and_what_was_typed_is_kept(
    app, world, signed_in, fields, message
):
    case_id = _admitted(app, world)
    client, token = signed_in("social")
    data = {
        "service_type": "medical",
        "provider": "Health centre Ferizaj",
        "status": "planned",
    } | fields
    response = _post(client, token, f"/cases/{case_id}/services", **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Health centre Ferizaj"' in page
    with app.app_context():
        count = db.session().scalar(
            sa.select(sa.func.count())
            .select_from(CaseService)
            .where(CaseService.case_id == case_id)
        )
        assert count == 0


def test_an_open_service_blocks_closure_for_a_worker(app, world, signed_in):
    with app.app_context():
        db.session().get(SupportCase, world.ids["case"]).admitted_on = TODAY
        db.session().commit()
    client, token = signed_in("social")
    response = _post(
        client,
        token,
        f"/cases/{world.ids['case']}/close",
        closed_on=TODAY.isoformat(),
        reason="goals_met",
        summary="Done.",
    )
    assert response.status_code == 409
    assert "still open" in response.get_data(as_text=True)
    assert _case(app, world.ids["case"]).status == "active"


def test_a_service_on_a_closed_case_offers_to_reopen_it(app, world, signed_in):
    case_id = _new_case(
        app,
        world,
        status="closed",
        admitted_on=TODAY - timedelta(days=300),
        planned_end_on=TODAY + timedelta(days=300),
        closed_on=TODAY - timedelta(days=10),
        closure_reason="goals_met",
    )
    client, token = signed_in("social")
    page = client.get(f"/cases/family/{world.ids['family']}").get_data(as_text=True)
    assert "adding a service reopens it" in page
    data = {"service_type": "legal", "status": "planned", "provider": "Legal aid"}
    refused = _post(client, token, f"/cases/{case_id}/services", **data)
    assert refused.status_code == 409
    assert "This case is closed." in refused.get_data(as_text=True)
    assert _case(app, case_id).status == "closed"
    added = _post(
        client,
        token,
        f"/cases/{case_id}/services",
        **data | {"reopen_reason": "Court hearing next month"},
    )
    assert added.status_code == 302
    assert _case(app, case_id).status == "active"
    assert [e[0] for e in _events(app, case_id)] == ["reopen", "service_added"]
    assert _events(app, case_id)[0][3] == "Court hearing next month"


def _service_record(family_id, **answers):
    item = {
        "uuid": str(uuid.uuid4()),
        "form_id": "service_record",
        "form_version": 1,
        "subject_id": str(family_id),
        "course_id": None,
        "respondent_locale": "sq",
        "answers": {
            "service_type": "counselling",
            "service_date": TODAY.isoformat(),
            "status": "completed",
            "provider": "Besa",
            "outcome": "Calmer",
        }
        | answers,
    }
    return item


def test_a_service_recorded_on_a_phone_lands_in_the_case_once(app, world):
    item = _service_record(world.ids["family"])
    with app.test_request_context():
        social = db.session().merge(world.users["social"])
        first = ingest_item(item, user=social, device_id=None, locale="en")
        assert first.status == "accepted", first.errors
        again = ingest_item(item, user=social, device_id=None, locale="en")
        assert again.status == "duplicate"
        db.session().commit()
        rows = list(
            db.session().scalars(
                sa.select(CaseService).where(
                    CaseService.submission_uuid == uuid.UUID(item["uuid"])
                )
            )
        )
        assert len(rows) == 1
        service = rows[0]
        assert service.case_id == world.ids["case"]
        assert (service.service_type, service.status) == ("counselling", "completed")
        assert service.completed_on == TODAY
        assert service.created_by_id == world.users["social"].id
        event = db.session().scalar(
            sa.select(CaseEvent).where(CaseEvent.service_id == service.id)
        )
        assert event.kind == "service_added"
        assert event.changes["outcome"] == [None, "Calmer"]


def test_a_service_recorded_on_a_phone_reopens_a_closed_case(app, world):
    with app.app_context():
        case = db.session().get(SupportCase, world.ids["case"])
        case.status, case.closed_on = "closed", TODAY
        db.session().commit()
    item = _service_record(world.ids["family"], status="in_progress")
    with app.test_request_context():
        psych = db.session().merge(world.users["psych"])
        result = ingest_item(item, user=psych, device_id=None, locale="en")
        assert result.status == "accepted", result.errors
        db.session().commit()
    case = _case(app, world.ids["case"])
    assert (case.status, case.closed_on) == ("active", None)
    kinds = [e[:3] for e in _events(app, world.ids["case"])]
    assert kinds == [("reopen", "closed", "active"), ("service_added", "", "active")]


def test_a_service_record_of_a_family_outside_the_caseload_is_refused(app, world):
    item = _service_record(world.ids["family"])
    with app.test_request_context():
        social2 = db.session().merge(world.users["social2"])
        result = ingest_item(item, user=social2, device_id=None, locale="en")
        assert result.status == "rejected"  # not_your_family
        db.session().commit()
        assert (
            db.session().scalar(
                sa.select(sa.func.count())
                .select_from(CaseService)
                .where(CaseService.submission_uuid.is_not(None))
            )
            == 0
        )


def _partner(app, name="IOM Kosovo", active=True) -> int:
    with app.app_context():
        partner = Partner(name=name, kind="iom", is_active=active)
        db.session().add(partner)
        db.session().commit()
        return partner.id


def _referrals(app, case_id):
    with app.app_context():
        return [
            (r.partner_id, r.status, r.consent_override)
            for r in db.session().scalars(
                sa.select(Referral)
                .where(Referral.case_id == case_id)
                .order_by(Referral.id)
            )
        ]


def test_a_referral_without_consent_to_share_is_refused_with_a_clear_message(
    app, world, signed_in
):
    case_id = _admitted(app, world)
    partner = _partner(app)
    client, token = signed_in("social")
    data = {
        "partner_id": str(partner),
        "sent_on": TODAY.isoformat(),
        "note": "needs a lawyer",
        "override": "I am sure",  # not a coordinator: ignored
    }
    refused = _post(client, token, f"/cases/{case_id}/referrals", **data)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "has not agreed that its information is shared with partners" in page
    assert 'value="needs a lawyer"' in page
    assert _referrals(app, case_id) == []
    # Once the family agrees, the same referral goes through, with its history.
    assert (
        _post(
            client, token, f"/cases/{case_id}/consent", consent_share="yes"
        ).status_code
        == 302
    )
    sent = _post(client, token, f"/cases/{case_id}/referrals", **data)
    assert sent.status_code == 302
    assert _referrals(app, case_id) == [(partner, "sent", "")]
    kinds = [e[0] for e in _events(app, case_id)]
    assert kinds == ["change", "referral_sent"]


def test_a_coordinator_may_refer_without_consent_and_the_reason_is_logged(
    app, world, signed_in
):
    case_id = _admitted(app, world)
    partner = _partner(app)
    client, token = signed_in("coordinator")
    data = {"partner_id": str(partner), "sent_on": TODAY.isoformat()}
    assert (
        _post(client, token, f"/cases/{case_id}/referrals", **data).status_code == 409
    )
    ok = _post(
        client,
        token,
        f"/cases/{case_id}/referrals",
        **data | {"override": "Immediate danger: police protection needed"},
    )
    assert ok.status_code == 302
    assert _referrals(app, case_id) == [
        (partner, "sent", "Immediate danger: police protection needed")
    ]
    with app.app_context():
        entry = db.session().scalar(
            sa.select(AccessLogEntry).where(
                AccessLogEntry.action == "refer_without_consent"
            )
        )
        assert entry is not None
        assert entry.detail["reason"] == "Immediate danger: police protection needed"
        assert entry.user_id == world.users["coordinator"].id


def test_a_referral_to_an_unknown_or_retired_partner_is_refused(app, world, signed_in):
    case_id = _admitted(app, world, consent_share=True)
    retired = _partner(app, "Old NGO", active=False)
    client, token = signed_in("social")
    for partner in ("999999", str(retired), ""):
        response = _post(
            client,
            token,
            f"/cases/{case_id}/referrals",
            partner_id=partner,
            sent_on=TODAY.isoformat(),
        )
        assert response.status_code == 422
        assert "Choose a partner from the list." in response.get_data(as_text=True)
    assert _referrals(app, case_id) == []


def test_referral_status_moves_sent_accepted_done_and_no_skipping(
    app, world, signed_in
):
    referral = world.ids["referral"]
    client, token = signed_in("social")

    def move(status, follow_up=""):
        return _post(
            client,
            token,
            f"/cases/referrals/{referral}",
            **{
                f"r{referral}-status": status,
                f"r{referral}-follow_up_on": follow_up,
                f"r{referral}-note": "",
            },
        )

    skipped = move("done")
    assert skipped.status_code == 409
    assert "A referral that is sent cannot become done." in skipped.get_data(
        as_text=True
    )
    early = move("accepted", (TODAY - timedelta(days=3)).isoformat())
    assert early.status_code == 422
    assert move("accepted", (TODAY + timedelta(days=14)).isoformat()).status_code == 302
    assert move("done").status_code == 302
    assert move("sent").status_code == 409
    with app.app_context():
        changes = [
            e.changes["status"]
            for e in db.session().scalars(
                sa.select(CaseEvent)
                .where(CaseEvent.referral_id == referral)
                .order_by(CaseEvent.id)
            )
        ]
    assert changes == [["sent", "accepted"], ["accepted", "done"]]


def test_partners_are_kept_by_the_coordinator(app, world, signed_in):
    client, token = signed_in("coordinator")
    assert (
        _post(
            client, token, "/cases/partners", name="Legal aid Peja", kind="legal_aid"
        ).status_code
        == 302
    )
    again = _post(client, token, "/cases/partners", name="Legal aid Peja", kind="other")
    assert again.status_code == 409
    assert "already on the list" in again.get_data(as_text=True)
    empty = _post(client, token, "/cases/partners", name="", kind="other")
    assert empty.status_code == 422
    with app.app_context():
        partner = db.session().scalar(
            sa.select(Partner).where(Partner.name == "Legal aid Peja")
        )
    _post(client, token, f"/cases/partners/{partner.id}/toggle")
    with app.app_context():
        assert db.session().get(Partner, partner.id).is_active is False
    page = client.get(f"/cases/family/{world.ids['family']}").get_data(as_text=True)
    assert "Legal aid Peja" not in page


def test_activation_schedules_the_first_plan_review_after_90_days(
    app, world, signed_in
):
    case_id = _new_case(app, world)
    client, token = signed_in("coordinator")
    admitted = TODAY - timedelta(days=10)
    _post(
        client,
        token,
        f"/cases/{case_id}/activate",
        admitted_on=admitted.isoformat(),
        planned_end_on=(TODAY + timedelta(days=300)).isoformat(),
    )
    assert _case(app, case_id).next_review_on == admitted + timedelta(days=90)


def test_plan_goals_and_a_review_record_progress_per_goal(app, world, signed_in):
    case_id = _admitted(app, world, next_review_on=TODAY - timedelta(days=1))
    client, token = signed_in("psych")
    page = client.get(f"/cases/family/{world.ids['family']}").get_data(as_text=True)
    assert "review due" in page
    for area, text in (("safety", "Safety plan agreed"), ("housing", "Own flat")):
        response = _post(
            client,
            token,
            f"/cases/{case_id}/goals",
            area=area,
            description=text,
            target_on=(TODAY + timedelta(days=100)).isoformat(),
        )
        assert response.status_code == 302
    with app.app_context():
        goals = {
            g.area: g.id
            for g in db.session().scalars(
                sa.select(CaseGoal).where(CaseGoal.case_id == case_id)
            )
        }
    response = _post(
        client,
        token,
        f"/cases/{case_id}/reviews",
        reviewed_on=TODAY.isoformat(),
        summary="Good progress.",
        **{
            f"goal-{goals['safety']}-status": "achieved",
            f"goal-{goals['safety']}-note": "Plan in place",
            f"goal-{goals['housing']}-status": "in_progress",
        },
    )
    assert response.status_code == 302
    case = _case(app, case_id)
    assert case.next_review_on == TODAY + timedelta(days=90)
    with app.app_context():
        review = db.session().scalar(
            sa.select(PlanReview).where(PlanReview.case_id == case_id)
        )
        assert review.progress[str(goals["safety"])] == {
            "before": "not_started",
            "status": "achieved",
            "note": "Plan in place",
        }
        statuses = {
            g.area: g.status
            for g in db.session().scalars(
                sa.select(CaseGoal).where(CaseGoal.case_id == case_id)
            )
        }
        assert statuses == {"safety": "achieved", "housing": "in_progress"}
    kinds = [e[0] for e in _events(app, case_id)]
    assert kinds == [
        "goal_added",
        "goal_added",
        "goal_changed",
        "goal_changed",
        "plan_reviewed",
    ]


def test_bad_goals_and_reviews_are_refused(app, world, signed_in):
    case_id = _admitted(app, world)
    client, token = signed_in("social")
    late = _post(
        client,
        token,
        f"/cases/{case_id}/goals",
        area="legal",
        description="Residence permit",
        target_on=(TODAY + timedelta(days=900)).isoformat(),
    )
    assert late.status_code == 422
    assert "after the planned end" in late.get_data(as_text=True)
    assert 'value="Residence permit"' in late.get_data(as_text=True)
    future = _post(
        client,
        token,
        f"/cases/{case_id}/reviews",
        reviewed_on=(TODAY + timedelta(days=1)).isoformat(),
        summary="kept",
    )
    assert future.status_code == 422
    assert "cannot be in the future" in future.get_data(as_text=True)
    closed = _new_case(
        app,
        world,
        status="closed",
        admitted_on=TODAY - timedelta(days=100),
        closed_on=TODAY,
    )
    refused = _post(
        client, token, f"/cases/{closed}/reviews", reviewed_on=TODAY.isoformat()
    )
    assert refused.status_code == 409
    assert "Only the plan of an active case can be reviewed." in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert (
            db.session().scalar(sa.select(sa.func.count()).select_from(PlanReview)) == 0
        )


def test_closure_schedules_follow_ups_that_a_phone_form_marks_done(
    app, world, signed_in
):
    case_id = _admitted(app, world)
    closed_on = TODAY - timedelta(days=10)
    client, token = signed_in("social")
    response = _post(
        client,
        token,
        f"/cases/{case_id}/close",
        closed_on=closed_on.isoformat(),
        reason="goals_met",
        summary="Done.",
    )
    assert response.status_code == 302
    with app.app_context():
        due = [
            (f.months, f.due_on, f.status)
            for f in db.session().scalars(
                sa.select(FollowUp)
                .where(FollowUp.case_id == case_id)
                .order_by(FollowUp.id)
            )
        ]
    assert [d[0] for d in due] == [3, 6, 12]
    assert due[0][1] == services.add_months(closed_on, 3)
    assert all(d[2] == "due" for d in due)
    assert services.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    page = client.get(f"/cases/family/{world.ids['family']}").get_data(as_text=True)
    assert "Record the follow-up" in page
    item = {
        "uuid": str(uuid.uuid4()),
        "form_id": "case_follow_up",
        "form_version": 1,
        "subject_id": str(world.ids["family"]),
        "course_id": None,
        "respondent_locale": "sq",
        "answers": {
            "follow_up_date": TODAY.isoformat(),
            "contact": "phone",
            "situation": "stable",
        },
    }
    with app.test_request_context():
        social = db.session().merge(world.users["social"])
        result = ingest_item(item, user=social, device_id=None, locale="en")
        assert result.status == "accepted", result.errors
        db.session().commit()
        statuses = [
            (f.months, f.status, f.done_on)
            for f in db.session().scalars(
                sa.select(FollowUp)
                .where(FollowUp.case_id == case_id)
                .order_by(FollowUp.id)
            )
        ]
    assert statuses == [(3, "done", TODAY), (6, "due", None), (12, "due", None)]
    # Reopening cancels what is still due; nothing is deleted.
    _post(client, token, f"/cases/{case_id}/reopen", reason="Back again")
    with app.app_context():
        after = [
            f.status
            for f in db.session().scalars(
                sa.select(FollowUp)
                .where(FollowUp.case_id == case_id)
                .order_by(FollowUp.id)
            )
        ]
    assert after == ["done", "cancelled", "cancelled"]


def test_my_work_lists_everything_due_with_a_link_to_where_to_do_it(
    app, world, signed_in
):
    family = world.ids["family"]
    with app.app_context():
        fam = db.session().get(Family, family)
        fam.next_visit_on = TODAY - timedelta(days=2)
        fam.next_session_on = TODAY
        case = db.session().get(SupportCase, world.ids["case"])
        case.admitted_on = TODAY - timedelta(days=900)
        case.planned_end_on = TODAY + timedelta(days=60)
        case.next_review_on = TODAY - timedelta(days=5)
        service = db.session().get(CaseService, world.ids["service"])
        service.planned_on = TODAY - timedelta(days=3)
        service.service_type = "literacy"
        referral = db.session().get(Referral, world.ids["referral"])
        referral.follow_up_on = TODAY
        closed = SupportCase(
            family_id=family,
            programme="rehabilitation_residential",
            status="closed",
            closed_on=TODAY - timedelta(days=100),
        )
        db.session().add(closed)
        db.session().flush()
        db.session().add(
            FollowUp(case_id=closed.id, months=3, due_on=TODAY - timedelta(days=8))
        )
        db.session().commit()
        from fieldapp.cases import due

        social = db.session().get(type(world.users["social"]), world.users["social"].id)
        kinds = [(i.kind, i.target) for i in due.due_for(social, TODAY)]
        psych = db.session().get(type(world.users["psych"]), world.users["psych"].id)
        psych_kinds = {i.kind for i in due.due_for(psych, TODAY)}
        other = db.session().get(
            type(world.users["social2"]), world.users["social2"].id
        )
        assert due.due_for(other, TODAY) == []
    # The oldest first: follow-up (8 days), review (5), service (3), visit (2), ...
    assert kinds == [
        ("follow_up", "form:case_follow_up"),
        ("review", "file"),
        ("service", "form:service_record"),
        ("visit", "form:home_visit"),
        ("referral", "file"),
        ("ending", "file"),
    ]
    # Psychologists get the sessions (their form), not the home visits.
    assert "session" in psych_kinds
    assert "visit" not in psych_kinds
    client, _ = signed_in("social")
    page = client.get("/cases/my-work").get_data(as_text=True)
    assert f"/forms/home_visit?family={family}" in page
    assert f"/forms/service_record?family={family}" in page
    assert "Literacy" in page
    assert "8 days overdue" in page
    client, _ = signed_in("social2")
    assert "Nothing is due." in client.get("/cases/my-work").get_data(as_text=True)


def test_the_access_log_records_a_family_change_before_and_after(app, world, signed_in):
    client, token = signed_in("coordinator")
    response = _post(
        client,
        token,
        f"/families/{world.ids['family']}/edit",
        name="Krasniqi",
        consent_store="yes",
        consent_share="yes",
        consent_report="yes",
        municipality="ferizaj",
        village="Softaj",
        programme="rehabilitation_daily",
        is_active="y",
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session().scalar(
            sa.select(AccessLogEntry).where(
                AccessLogEntry.action == "update",
                AccessLogEntry.record_type == "family",
            )
        )
        assert entry.detail["changes"]["municipality"] == ["prishtine", "ferizaj"]
        assert entry.detail["changes"]["programme"] == [
            "prevention",
            "rehabilitation_daily",
        ]
        assert "name" not in entry.detail["changes"]
        # What names or locates the family: only that it changed, never the value
        # (the access log outlives an erasure).
        assert entry.detail["changes"]["village"] == "changed"
        assert "Softaj" not in str(entry.detail)


def test_admission_and_reopening_are_logged(app, world, signed_in):
    case_id = _new_case(app, world)
    client, token = signed_in("social")
    _post(
        client,
        token,
        f"/cases/{case_id}/activate",
        admitted_on=TODAY.isoformat(),
        planned_end_on=(TODAY + timedelta(days=30)).isoformat(),
    )
    with app.app_context():
        db.session().get(SupportCase, case_id).status = "closed"
        db.session().commit()
    _post(client, token, f"/cases/{case_id}/reopen", reason="Again")
    with app.app_context():
        actions = list(
            db.session().scalars(
                sa.select(AccessLogEntry.action).where(
                    AccessLogEntry.record_type == "case",
                    AccessLogEntry.record_id == str(case_id),
                    AccessLogEntry.username == "social",
                )
            )
        )
    assert actions == ["activate", "reopen"]


def test_the_coordinator_reassigns_a_case_in_one_step(app, world, signed_in):
    client, token = signed_in("coordinator")
    response = _post(
        client,
        token,
        f"/cases/{world.ids['case']}/reassign",
        worker=str(world.users["social2"].id),
    )
    assert response.status_code == 302
    with app.app_context():
        from fieldapp.families.models import Assignment

        current = sorted(
            db.session().scalars(
                sa.select(Assignment.user_id).where(
                    Assignment.family_id == world.ids["family"],
                    Assignment.ended_at.is_(None),
                )
            )
        )
    # The other social worker replaces "social"; the psychologist stays.
    assert current == sorted([world.users["social2"].id, world.users["psych"].id])
    old, _ = signed_in("social")
    assert old.get(f"/cases/family/{world.ids['family']}").status_code == 404
    bad = _post(client, token, f"/cases/{world.ids['case']}/reassign", worker="999")
    assert bad.status_code == 422


def test_the_case_file_prints_only_what_the_viewer_may_see(app, world, signed_in):
    family = world.ids["family"]
    item = samples.psych_support(family, present=[str(world.ids["member"])])
    with app.test_request_context():
        psych = db.session().merge(world.users["psych"])
        result = ingest_item(item, user=psych, device_id=None, locale="en")
        assert result.status == "accepted", result.errors
        db.session().commit()
    session_link = f"/submissions/{item['uuid']}"
    client, _ = signed_in("psych")
    assert session_link in client.get(f"/cases/family/{family}").get_data(as_text=True)
    client, _ = signed_in("social")
    page = client.get(f"/cases/family/{family}").get_data(as_text=True)
    # Psychological sessions stay with psychologists (and managers), on screen and
    # on paper; the forms to change the case are not printed.
    assert session_link not in page
    assert 'class="no-print"' in page
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "@media print" in css
    assert "size:A4" in css.replace(" ", "")
    assert ".no-print" in css.split("@media print", 1)[1]
