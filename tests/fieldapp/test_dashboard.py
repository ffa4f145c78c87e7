"""Issue 18: dashboards: figures on crafted data, the links behind them, each role."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from fieldapp import db
from fieldapp.charts import bar_chart
from fieldapp.charts import line_chart
from fieldapp.courses.models import Attendance
from fieldapp.families.models import Family
from fieldapp.submissions.models import Submission


def test_bar_chart_scales_bars_and_keeps_hidden_values_out():
    chart = bar_chart(
        "c", "T", [("a", 10), ("b", 5), ("c", None)], "s", texts=["10", "5", "<5"]
    )
    assert chart.bars[0].length == chart.bar_width
    assert chart.bars[1].length == chart.bar_width / 2
    assert chart.bars[2].length == 0
    assert chart.bars[2].value_text == "<5"
    assert chart.rows == [("a", "10"), ("b", "5"), ("c", "<5")]


def test_bar_labels_are_shortened_to_fit_left_of_the_bars():
    from fieldapp.charts import text_width

    long = "Seanca mbështetëse"  # overflowed the chart's left edge at 18 characters
    wide = "ШШШШШШШШШШШШ"
    chart = bar_chart("c", "T", [("Shërbimet", 3), (long, 0), (wide, 1)], "s")
    labels = [bar.label for bar in chart.bars]
    assert labels[0] == "Shërbimet"
    assert labels[1].endswith("…")
    assert labels[2].endswith("…")
    assert all(text_width(label) <= chart.label_width for label in labels)
    # The table behind the chart keeps the whole label.
    assert [row[0] for row in chart.rows] == ["Shërbimet", long, wide]


def test_line_chart_leaves_gaps_and_labels_long_series_sparsely():
    chart = line_chart("c", "T", [("1", 50), ("2", None), ("3", 100)], 100, "s", "%")
    assert [p[3] for p in chart.points] == ["50%", "100%"]
    assert chart.path.startswith("M56.0,62.0")  # in from the axis at 40
    long = line_chart("c", "T", [(str(n), n) for n in range(12)], 12, "s")
    assert len(long.labels) == 6


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_coordinator_figures_link_to_the_records_behind_them(app, world, signed_in):
    with app.app_context():
        family = db.session().get(Family, world.ids["family"])
        family.next_visit_on = date.today() - timedelta(days=2)
        db.session().commit()
    client, _token = signed_in("coordinator")
    html = client.get("/dashboard/").get_data(as_text=True)
    links = _links(html)
    for wanted in (
        "/cases/my-work?kind=visit",
        "/cases/my-work?kind=service",
        "/cases/?referral_age=0-30",
        "/cases/?ending=90",
        f"/courses/{world.ids['course']}",
        "/review/#conflicts",
        "/review/#rejected",
        "/reports/quarterly",
    ):
        assert wanted in links, wanted
    assert f"/cases/?worker={world.users['social'].id}" in links
    assert 'style="' not in html
    # The figures match the lists they link to.
    due = client.get("/cases/my-work?kind=visit").get_data(as_text=True)
    assert "Krasniqi" in due
    assert "Gashi" not in due
    referred = client.get("/cases/?referral_age=0-30").get_data(as_text=True)
    assert "Krasniqi" in referred
    older = client.get("/cases/?referral_age=91-").get_data(as_text=True)
    assert "Krasniqi" not in older
    # Devices are the admin's: the coordinator sees the counts without the link.
    assert "/devices/?silent=3" not in links
    admin, _token = signed_in("admin")
    assert "/devices/?silent=3" in _links(
        admin.get("/dashboard/").get_data(as_text=True)
    )


def test_conflicts_and_rejects_are_counted(app, world, signed_in):
    client, _token = signed_in("coordinator")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert re.search(r'tile-n">1</span> [^<]*conflict', html) or "conflict" in html
    from fieldapp.dashboard import services

    with app.app_context():
        health = services.sync_health()
    assert health["conflicts"] == 1
    assert health["rejected"] == 1


def test_a_student_absent_three_times_in_a_row_is_at_risk(app, world, signed_in):
    import uuid

    table = db.table_of(Submission)
    with app.app_context():
        template = dict(db.session().execute(sa.select(table)).mappings().first())
        marks = ("present", "absent", "absent", "absent")
        for n, status in enumerate(marks):
            row = template | {"id": None, "uuid": uuid.uuid4()}
            row.pop("id")
            new_id = (
                db.session()
                .execute(sa.insert(table).values(**row))
                .inserted_primary_key[0]
            )
            db.session().add(
                Attendance(
                    submission_id=new_id,
                    course_id=world.ids["course"],
                    member_id=world.ids["member"],
                    session_on=date.today() - timedelta(days=7 * (len(marks) - n)),
                    status=status,
                )
            )
        db.session().commit()
    teacher, _token = signed_in("instructor")
    html = teacher.get("/dashboard/").get_data(as_text=True)
    assert f"/students/{world.ids['member']}" in _links(html)
    assert "25%" in html  # one class of four attended
    coordinator, _token = signed_in("coordinator")
    assert f"/students/{world.ids['member']}" in _links(
        coordinator.get("/dashboard/").get_data(as_text=True)
    )
    other, _token = signed_in("instructor2")
    assert f"/students/{world.ids['member']}" not in _links(
        other.get("/dashboard/").get_data(as_text=True)
    )


def test_case_workers_see_their_own_figures_and_instructors_their_courses(
    app, world, signed_in
):
    social, _token = signed_in("social")
    html = social.get("/dashboard/").get_data(as_text=True)
    assert "QPS" in html  # their open referral, to the case file
    assert f"/cases/family/{world.ids['family']}" in _links(html)
    other, _token = signed_in("social2")
    assert "QPS" not in other.get("/dashboard/").get_data(as_text=True)
    teacher, _token = signed_in("instructor")
    html = teacher.get("/dashboard/").get_data(as_text=True)
    assert f"/courses/{world.ids['course']}" in _links(html)
    assert "Tailoring" not in html
    assert "/reports/quarterly" not in _links(html)


def test_device_and_case_list_filters_answer_bad_values_without_error(world, signed_in):
    admin, _token = signed_in("admin")
    assert admin.get("/devices/?silent=abc").status_code == 200
    assert admin.get("/devices/?silent=3").status_code == 200
    assert admin.get("/devices/?pending=1").status_code == 200
    assert admin.get("/cases/?ending=-5&referral_age=zzz").status_code == 200
    assert admin.get("/cases/my-work?kind=nonsense").status_code == 200
