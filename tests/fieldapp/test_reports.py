"""Issue 18: the quarterly donor report: suppression, consent, bad input, CLI JSON."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from fieldapp import db
from fieldapp.audit.models import AccessLogEntry
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import SupportCase
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.protection import consents
from fieldapp.reports import regions
from fieldapp.reports import services
from fieldapp.reports.models import QuarterStory
from fieldapp.reports.suppression import Table
from fieldapp.reports.suppression import suppress

Q = services.Quarter(2025, 2)


def test_a_single_hidden_cell_in_a_row_with_a_total_hides_a_second():
    shown = suppress(Table(["a", "b", "c"], ["r"], [[3, 10, 7]], column_totals=False))
    assert shown == [["<5", 10, "x", 20]]


def test_zero_stays_zero_and_five_stays_five():
    shown = suppress(Table(["a", "b"], ["r1", "r2"], [[0, 5], [5, 0]]))
    assert shown == [[0, 5, 5], [5, 0, 5], [5, 5, 10]]


def test_complementary_suppression_in_rows_and_columns_and_totals():
    shown = suppress(Table(["a", "b"], ["r1", "r2"], [[3, 10], [8, 9]]))
    # 3 hidden; 10 for its row, 8 for its column, then 9 for the second row/column.
    assert shown == [["<5", "x", 13], ["x", "x", 17], [11, 19, 30]]
    # A small total is hidden too, and its only partner with it.
    alone = suppress(Table(["n"], ["r1", "r2"], [[2], [0]], row_totals=False))
    assert alone == [["<5"], [0], ["<5"]]
    # No row or column (each with its total) is left with exactly one hidden cell.
    lines = [*shown, *zip(*shown, strict=True)]
    assert all(sum(isinstance(c, str) for c in line) != 1 for line in lines)


def test_every_municipality_of_the_intake_is_in_exactly_one_region(app):
    from fieldapp.templating import municipality_choices

    with app.test_request_context():
        codes = [code for code, _label in municipality_choices("en")]
    assert sorted(codes) == sorted(m for ms in regions.REGIONS.values() for m in ms)
    assert len(regions.REGIONS) == 7


def _family(
    name: str,
    *,
    consent: bool | None,
    members: int = 1,
    municipality: str = "fushe_kosove",
) -> uuid.UUID:
    family = Family(name=name, municipality=municipality, village="Secret village")
    db.session().add(family)
    db.session().flush()
    for n in range(members):
        db.session().add(
            Member(
                family_id=family.id,
                full_name=f"{name} {n}",
                birth_year=1990,
                sex="female",
            )
        )
    if consent is not None:
        consents.record(
            family.id,
            {"report": consent},
            on=date(2024, 1, 1),
            by=None,
            form_id="family_intake",
            form_version=2,
        )
    return family.id


def _case(family_id: uuid.UUID, *, services_done: int = 0) -> None:
    case = SupportCase(
        family_id=family_id,
        programme="rehabilitation_daily",
        status="active",
        referral_source="police",
        referred_on=date(2025, 4, 10),
        admitted_on=date(2025, 4, 20),
    )
    db.session().add(case)
    db.session().flush()
    for _n in range(services_done):
        db.session().add(
            CaseService(
                case_id=case.id,
                service_type="counselling",
                status="completed",
                completed_on=date(2025, 5, 5),
            )
        )


@pytest.fixture
def crafted(app):
    """Seven consenting families with a case, one refusing, one never asked."""
    with app.app_context():
        for n in range(7):
            _case(_family(f"Yes{n}", consent=True, members=2), services_done=1)
        _case(_family("Refused", consent=False, members=3), services_done=4)
        _case(_family("Never asked", consent=None, members=3), services_done=4)
        db.session().commit()
    return app


def _report(app, language: str = "en") -> dict:
    with app.test_request_context():
        return services.build(Q, language, today=date(2026, 1, 15))


def test_families_without_reporting_consent_are_left_out(crafted):
    report = _report(crafted)
    head = {row["code"]: row["value"] for row in report["headline"]}
    assert head["families_reached"] == 7
    assert head["people_reached"] == 14
    assert head["new_cases"] == 7
    assert head["services_delivered"] == 7  # not the 8 of the two others


def test_the_report_holds_no_names_or_villages_and_hides_small_counts(crafted):
    report = _report(crafted)
    text = json.dumps(report, ensure_ascii=False)
    for secret in ("Yes0", "Refused", "Secret village", "1990", "fushe_kosove"):
        assert secret not in text
    head = {row["code"]: row["value"] for row in report["headline"]}
    assert head["closed_cases"] == 0
    people = next(t for t in report["tables"] if t["code"] == "people_by_age_sex")
    total = people["rows"][-1]["cells"]
    assert total == [14, 0, 0, 14]
    # A single small count never appears as its value, anywhere.
    assert head["referrals_made"] == 0


def test_small_counts_show_as_less_than_five_in_json(app):
    with app.app_context():
        for n in range(3):
            _case(_family(f"F{n}", consent=True), services_done=1)
        db.session().commit()
    report = _report(app)
    head = {row["code"]: row for row in report["headline"]}
    assert head["new_cases"]["value"] == "<5"
    assert head["new_cases"]["change"] is None
    services_table = next(t for t in report["tables"] if t["code"] == "services")
    assert [r["cells"] for r in services_table["rows"]] == [["<5"], ["<5"]]


def test_an_empty_quarter_is_a_valid_report_of_zeros(app):
    report = _report(app)
    assert all(row["value"] == 0 for row in report["headline"])
    assert report["tables"]


def test_the_report_speaks_each_of_the_four_languages(crafted):
    titles = {
        lang: _report(crafted, lang)["title"] for lang in services.REPORT_LANGUAGES
    }
    assert len(set(titles.values())) == 4, titles
    assert "Q2" in titles["sr_Cyrl"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc&quarter=1&language=en", "year must be a number"),
        ("year=1999&quarter=1&language=en", "between"),
        ("year=2025&quarter=7&language=en", "quarter must be"),
        ("year=2025&quarter=x&language=en", "quarter must be"),
        ("year=2025&quarter=1&language=xx", "Unknown language"),
        ("year=2025&quarter=1", "Unknown language"),
    ],
)
def test_bad_input_gets_a_clear_4xx(app, world, signed_in, query, message):
    client, _token = signed_in("coordinator")
    response = client.get("/reports/quarterly?" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_future_quarter_is_refused(app, world, signed_in):
    client, _token = signed_in("coordinator")
    future = date.today().year + 1
    response = client.get(
        f"/reports/quarterly?year={date.today().year}&quarter=4&language=en"
    )
    assert response.status_code in (200, 400)
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        with pytest.raises(services.ReportInputError, match="not started"):
            services.parse_request(
                str(date.today().year), "4", "en", date(date.today().year, 1, 2)
            )
        with pytest.raises(services.ReportInputError):
            services.parse_request(str(future), "1", "en", date.today())


def test_the_page_shows_the_report_and_logs_it(crafted, world, signed_in):
    client, _token = signed_in("coordinator")
    response = client.get("/reports/quarterly?year=2025&quarter=2&language=sr_Cyrl")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="sr-Cyrl"' in html
    assert "<svg" in html
    assert "<caption" in html
    # Wide tables scroll in a named, focusable box on a phone.
    assert 'class="table-scroll table-wide" role="region" tabindex="0"' in html
    # The page's language links are still the site's (not the report's choices).
    assert "hreflang=\"('" not in html
    assert 'hreflang="sq"' in html
    assert "Yes0" not in html
    assert "Secret village" not in html
    assert 'style="' not in html
    with crafted.app_context():
        entry = (
            db.session()
            .scalars(
                sa.select(AccessLogEntry).where(AccessLogEntry.record_type == "report")
            )
            .one()
        )
        assert entry.record_id == "2025 Q2"


def test_coordinators_write_the_story_of_a_quarter(app, world, signed_in):
    client, token = signed_in("coordinator")
    data = {"csrf_token": token, "year": "2025", "quarter": "2", "language": "en"}
    response = client.post(
        "/reports/quarterly/story", data=data | {"story": "We grew."}
    )
    assert response.status_code == 302
    html = client.get("/reports/quarterly?year=2025&quarter=2&language=en").get_data(
        as_text=True
    )
    assert "We grew." in html
    too_long = client.post(
        "/reports/quarterly/story", data=data | {"story": "x" * 2001}
    )
    assert too_long.status_code == 400
    with app.app_context():
        assert db.session().scalar(sa.select(QuarterStory.text)) == "We grew."
        assert (
            db.session().scalar(
                sa.select(sa.func.count()).where(
                    AccessLogEntry.record_type == "quarter_story"
                )
            )
            == 1
        )


def test_cli_prints_json_with_suppressed_cells_as_strings(app, runner):
    with app.app_context():
        for n in range(3):
            _case(_family(f"F{n}", consent=True), services_done=1)
        db.session().commit()
    result = runner.invoke(
        args=[
            "report",
            "quarterly",
            "--year",
            "2025",
            "--quarter",
            "2",
            "--lang",
            "en",
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    head = {row["code"]: row["value"] for row in data["headline"]}
    assert head["new_cases"] == "<5"
    assert data["language"] == "en"


@pytest.mark.parametrize(
    "args",
    [
        ["--year", "abc", "--quarter", "1"],
        ["--year", "2025", "--quarter", "5"],
        ["--year", "2025", "--quarter", "1", "--lang", "de"],
        ["--year", str(date.today().year + 1), "--quarter", "1"],
    ],
)
def test_cli_bad_input_is_one_clear_line_and_a_failure(runner, args):
    result = runner.invoke(args=["report", "quarterly", *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "Error:" in result.output


def test_the_demo_fills_this_and_the_last_quarters_report_and_the_dashboard(
    app, runner, monkeypatch
):
    """`flask demo` on an empty database: real figures, one family left out."""
    from fieldapp.auth.models import User
    from fieldapp.dashboard import services as dashboard

    monkeypatch.setenv("FIELDAPP_DEMO_PASSWORD", "demo password for the report")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    today = date.today()
    now = services.current_quarter(today)
    with app.test_request_context():
        allowed = consents.allowing("report", today)
        this = services.headline(now, allowed)
        last = services.headline(
            now.previous(), consents.allowing("report", now.previous().end)
        )
        refusing = db.session().scalar(
            sa.select(Family.id).where(Family.name == "Stojanović")
        )
        families = db.session().scalar(sa.select(sa.func.count(Family.id)))
        coordinator = db.session().scalar(
            sa.select(User).where(User.username == "coordinator")
        )
        health = dashboard.sync_health()
        due = dashboard.overdue(coordinator, today)
        classes = dashboard.courses(coordinator)
    assert refusing not in allowed
    assert len(allowed) == families - 1
    for quarter in (this, last):
        assert quarter["students_enrolled"] > 0, quarter
        assert quarter["students_completed"] > 0, quarter
        assert quarter["people_reached"] >= 5, quarter
    assert this["new_cases"] > 0, this
    assert this["services_delivered"] > 0, this
    assert all(health.values()), health
    assert all(due.values()), due
    assert classes
    assert all(c.percent for c in classes)
    assert any(c.at_risk for c in classes)
    # The same report as JSON from the command line.
    printed = runner.invoke(
        args=[
            "report",
            "quarterly",
            "--year",
            str(now.year),
            "--quarter",
            str(now.quarter),
            "--format",
            "json",
        ]
    )
    assert printed.exit_code == 0, printed.output
    head = {row["code"]: row["value"] for row in json.loads(printed.output)["headline"]}
    assert head["students_completed"] not in (0, None)
