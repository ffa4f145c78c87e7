"""Issue 20: retention anonymises closed cases N years after closure, from cron, with a
dry run; a policy that would touch open cases is refused."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from fieldapp import cron
from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import SupportCase
from fieldapp.crypto import decrypt_json
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.protection import consents
from fieldapp.submissions.models import Submission

LONG_AGO = datetime(2015, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def config_overrides():
    return {"RETENTION_POLICY": {"anonymise": "closed", "after_years": 5}}


def _close_long_ago(app, family_id) -> None:
    with app.app_context():
        db.session().execute(
            sa.update(db.table_of(Family))
            .where(Family.id == family_id)
            .values(is_active=False, updated_at=LONG_AGO)
        )
        db.session().execute(
            sa.update(db.table_of(Submission))
            .where(Submission.family_id == family_id)
            .values(received_at=LONG_AGO)
        )
        # Its cases closed then too, with words about the family in them.
        db.session().execute(
            sa.update(db.table_of(SupportCase))
            .where(SupportCase.family_id == family_id)
            .values(
                status="closed",
                closed_on=LONG_AGO.date(),
                closure_reason="goals_met",
                closing_summary="Drita found work in Peja.",
            )
        )
        db.session().commit()


def _snapshot(app):
    with app.app_context():
        families = db.session().execute(sa.select(Family.id, Family.name)).all()
        members = (
            db.session().execute(sa.select(Member.full_name, Member.birth_year)).all()
        )
        answers = (
            db.session()
            .execute(sa.select(Submission.answers, Submission.sensitive_answers))
            .all()
        )
        return sorted(map(repr, families)), sorted(map(repr, members)), len(answers)


def test_dry_run_lists_and_the_run_anonymises_closed_cases_only(app, world, runner):
    family_id, other_id = world.ids["family"], None
    with app.app_context():
        other_id = db.session().scalar(
            sa.select(Family.id).where(Family.id != family_id)
        )
        # A closed case, but closed recently: kept.
        db.session().execute(
            sa.update(db.table_of(Family))
            .where(Family.id == other_id)
            .values(is_active=False)
        )
        db.session().commit()
    with app.app_context():
        visit = (
            db.session()
            .scalars(sa.select(Submission).where(Submission.family_id == family_id))
            .first()
        )
        visit.answers = {**visit.answers, "others_present": "Tezja Shpresa"}
        db.session().commit()
    _close_long_ago(app, family_id)
    before = _snapshot(app)

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would anonymise 1 families" in dry.output
    assert str(family_id) in dry.output
    assert str(other_id) not in dry.output
    assert _snapshot(app) == before

    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0, done.output
    assert "anonymised 1 families" in done.output
    with app.app_context():
        family = db.session().get(Family, family_id)
        code = consents.code_for(family_id)
        assert family.name == code
        assert {m.full_name for m in family.members} == {f"{code}-1", f"{code}-2"}
        assert {m.birth_year for m in family.members} == {2010}  # 2010, 2011: a band
        assert family.municipality == "prishtine"  # aggregates stay
        visit = (
            db.session()
            .scalars(sa.select(Submission).where(Submission.family_id == family_id))
            .first()
        )
        secret = decrypt_json(visit.sensitive_answers)
        assert secret["risk_level"] == "low"  # a choice, counted by reports
        assert "observations" not in secret  # free text goes
        assert "others_present" not in visit.answers
        assert "visit_date" in visit.answers
        assert db.session().get(Family, other_id).name == "Gashi"
        assert db.session().scalar(
            sa.select(AccessLogEntry.record_id).where(
                AccessLogEntry.action == "anonymise"
            )
        ) == str(family_id)
    again = runner.invoke(args=["retention", "run", "--dry-run"])
    assert "would anonymise 0 families" in again.output


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"anonymise": "open", "after_years": 5}, "would anonymise 'open' cases"),
        ({"anonymise": "all", "after_years": 1}, "would anonymise 'all' cases"),
        ({"anonymise": "closed", "after_years": 0}, "1 or more"),
        ("anonymise everything", "is not a policy"),
    ],
)
def test_a_policy_that_would_touch_open_cases_is_refused(
    app, world, runner, policy, message
):
    app.config["RETENTION_POLICY"] = policy
    _close_long_ago(app, world.ids["family"])
    before = _snapshot(app)
    for args in (["retention", "run"], ["retention", "run", "--dry-run"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert _snapshot(app) == before


def test_no_policy_does_nothing_and_cron_runs_retention(app, world, runner):
    app.config["RETENTION_POLICY"] = ""
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0
    assert "no policy configured" in result.output
    assert "retention" in dict(cron.JOBS)


def test_an_open_case_keeps_the_family_and_anonymising_clears_case_texts(
    app, world, runner
):
    family_id = world.ids["family"]
    _close_long_ago(app, family_id)
    with app.app_context():
        # Reopened since: the family has an open case again, so it is kept.
        case = (
            db.session()
            .scalars(sa.select(SupportCase).where(SupportCase.family_id == family_id))
            .first()
        )
        case.status = "active"
        case.closed_on = None
        db.session().commit()
    assert runner.invoke(args=["retention", "run"]).exit_code == 0
    with app.app_context():
        assert db.session().get(Family, family_id).name != consents.code_for(family_id)
        case = (
            db.session()
            .scalars(sa.select(SupportCase).where(SupportCase.family_id == family_id))
            .first()
        )
        case.status = "closed"
        case.closed_on = LONG_AGO.date()
        db.session().execute(
            sa.update(db.table_of(CaseService))
            .where(CaseService.case_id == case.id)
            .values(outcome="Drita reads short texts.")
        )
        db.session().commit()
    assert runner.invoke(args=["retention", "run"]).exit_code == 0
    with app.app_context():
        assert db.session().get(Family, family_id).name == consents.code_for(family_id)
        case = db.session().get(SupportCase, case.id)
        # What reports count stays; the words about the family go.
        assert (case.status, case.closure_reason) == ("closed", "goals_met")
        assert case.closing_summary == ""
        outcomes = (
            db.session()
            .scalars(
                sa.select(CaseService.outcome).where(CaseService.case_id == case.id)
            )
            .all()
        )
        assert outcomes
        assert set(outcomes) == {""}
