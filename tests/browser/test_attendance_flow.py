"""The instructor's attendance on a phone (issue 21, items 5, 11, 13): four taps from the
start page, a roster by surname with readable buttons, and a warning before a second
register for the same session."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Page

from fieldapp import db


def _clear_today(live_server: Any, course_id: int) -> None:
    """Forget the registers of today for a course (other tests may have taken one)."""
    with db.engine(live_server.app).begin() as connection:
        connection.execute(
            sa.text("DELETE FROM attendance WHERE course_id = :c AND session_on = :d"),
            {"c": course_id, "d": date.today().isoformat()},
        )


def _marks(live_server: Any, course_id: int) -> dict[str, int]:
    with db.engine(live_server.app).connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT status, count(*) FROM attendance"
                " WHERE course_id = :c AND session_on = :d GROUP BY status"
            ),
            {"c": course_id, "d": date.today().isoformat()},
        ).all()
    return {status: n for status, n in rows}


class Taps:
    """Clicks counted: every tap of the flow goes through here."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def tap(self, selector: str) -> None:
        self.count += 1
        self.page.locator(selector).click()


def test_attendance_of_ten_with_two_absences_takes_four_taps(
    page: Page, live_server: Any, pwa: Any
) -> None:
    _clear_today(live_server, 1)
    pwa.login(page, "instructor")
    page.goto("/")
    taps = Taps(page)
    taps.tap("a.card[href='/forms/class_attendance?course=1']")
    page.wait_for_selector("#fill-form[data-enhanced='1']")
    rows = page.locator("[data-student]")
    assert rows.count() == 10
    # The session is today's, preset day first; everyone starts present.
    assert page.input_value("#session_date") == date.today().strftime("%d.%m.%Y")
    assert page.locator("[data-register-taken]").is_hidden()
    first, second = (rows.nth(i).get_attribute("data-student") for i in (2, 7))
    taps.tap(f"[data-student='{first}'] label:has(input[value=absent])")
    taps.tap(f"[data-student='{second}'] label:has(input[value=absent])")
    taps.tap("#fill-form .actions button[type=submit]")
    page.wait_for_selector("[data-saved-uuid]")
    assert taps.count <= 4
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert _marks(live_server, 1) == {"present": 8, "absent": 2}


def test_the_roster_is_by_surname_with_16px_buttons_that_never_clip(
    page: Page, pwa: Any
) -> None:
    pwa.login(page, "instructor")
    page.goto("/forms/class_attendance?course=1&lang=sr_Cyrl")
    page.wait_for_selector("#fill-form[data-enhanced='1']")
    names = page.locator("[data-student] .name").all_inner_texts()
    surnames = [name.split()[-1] for name in names]
    assert surnames == sorted(surnames)
    labels = page.locator("[data-student] .seg span")
    assert "Оправдано" in labels.all_inner_texts()
    sizes = labels.evaluate_all(
        "(spans) => spans.map((s) => ({size: parseFloat(getComputedStyle(s).fontSize),"
        " clipped: s.scrollWidth > s.clientWidth + 1, height: s.offsetHeight}))"
    )
    assert all(s["size"] >= 16 for s in sizes)
    assert not any(s["clipped"] for s in sizes)
    assert all(s["height"] >= 44 for s in sizes)
    # The behaviour note is one tap away: collapsed, on the name's line.
    first = page.locator("[data-student]").first
    note = first.locator("details.note")
    assert note.get_attribute("open") is None
    assert first.locator("details.note input").is_hidden()
    name_box = first.locator(".name").bounding_box()
    summary_box = note.locator("summary").bounding_box()
    assert name_box
    assert summary_box
    assert abs(name_box["y"] - summary_box["y"]) < summary_box["height"]
    note.locator("summary").click()
    assert first.locator("details.note input").is_visible()


def test_a_second_register_for_the_session_is_warned_and_corrects_the_first(
    page: Page, live_server: Any, pwa: Any
) -> None:
    _clear_today(live_server, 2)
    pwa.login(page, "instructor")
    url = "/forms/class_attendance?course=2"
    page.goto(url)
    page.wait_for_selector("#fill-form[data-enhanced='1']")
    students = page.locator("[data-student]")
    one = students.nth(0).get_attribute("data-student")
    two = students.nth(1).get_attribute("data-student")
    page.click(f"[data-student='{one}'] label:has(input[value=absent])")
    page.click("#fill-form .actions button[type=submit]")
    page.wait_for_selector("[data-saved-uuid]")
    pwa.wait_until(page, "(await outbox.list()).length === 0")

    page.goto(url)
    page.wait_for_selector("#fill-form[data-enhanced='1']")
    warning = page.locator("[data-register-taken]")
    warning.wait_for(state="visible")
    assert "Agron Instruktori" in warning.inner_text()
    # Saving without an answer to the warning does not save.
    page.click("#fill-form .actions button[type=submit]")
    assert page.locator("[data-saved-uuid]").count() == 0
    # Correct that register: its marks come back, change one, save.
    page.click("[data-register-load]")
    assert page.is_checked(f"[name='attendance.{one}.status'][value=absent]")
    page.click(f"[data-student='{one}'] label:has(input[value=present])")
    page.click(f"[data-student='{two}'] label:has(input[value=late])")
    page.click("#fill-form .actions button[type=submit]")
    page.wait_for_selector("[data-saved-uuid]")
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert _marks(live_server, 2) == {"present": 9, "late": 1}
    stored = live_server.scalar(
        "SELECT count(*) FROM submission WHERE form_id = 'class_attendance'"
        " AND course_id = 2 AND json_extract(answers, '$.session_date') = :d",
        d=date.today().isoformat(),
    )
    assert stored >= 2  # both versions are kept
