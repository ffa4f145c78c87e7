"""Issue 17: an outcome measure filled offline; the phone refuses partial answers and
the server stores the score it computes itself."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

from tests.browser.test_offline_forms import TODAY
from tests.browser.test_offline_forms import choose
from tests.browser.test_offline_forms import go_online_and_drain
from tests.browser.test_offline_forms import open_offline
from tests.browser.test_offline_forms import submit_and_confirm

# 3 + (3-0) + 2 + 1 + (3-1) + (3-2) + 3 + (3-3) + (3-0) + 2 = 20
ANSWERS = (3, 0, 2, 1, 1, 2, 3, 3, 0, 2)


def test_self_esteem_filled_offline_is_scored_and_arrives_once(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    open_offline(page, context, "/forms/self_esteem")
    assert page.locator("[data-unreviewed]").count() == 1  # shown to staff
    page.select_option("#subject_id", index=1)
    page.wait_for_selector("[data-members] input")
    student = page.eval_on_selector("[data-members] input", "e => e.value")
    choose(page, "student", student)
    choose(page, "timepoint", "baseline")
    page.fill("#measure_date", TODAY)
    for n, value in enumerate(ANSWERS, 1):
        if n != 5:
            choose(page, f"rses_{n}", str(value))
    # Statement 5 is not answered: no score, and the form says which one.
    page.click("#fill-form button[type=submit]:visible")
    page.wait_for_selector("[data-js-error]")
    summary = page.locator(".error-summary").inner_text()
    assert "5" in summary
    assert page.locator("[data-q='rses_5'] .error").count() == 1
    assert pwa.queued(page) == []
    assert page.locator("input[name='rses_1'][value='3']").is_checked()  # kept
    choose(page, "rses_5", str(ANSWERS[4]))
    uuid = submit_and_confirm(page)
    go_online_and_drain(page, context, pwa)
    assert live_server.count([uuid]) == {uuid: 1}
    answers = live_server.scalar(
        "SELECT answers FROM submission WHERE replace(uuid, '-', '') = :u",
        u=uuid.replace("-", ""),
    )
    stored = json.loads(answers) if isinstance(answers, str) else answers
    assert stored["_scores"] == {"self_esteem": 20}
    assert stored["student"] == student


def test_the_course_page_opens_offline_from_the_pulled_roster(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "instructor")
    course = pwa.idb(page, "(await db.all('courses'))[0]")
    assert "rate" in course["roster"][0]  # the figures come with the pull
    # The user's language (another test may have changed the instructor's).
    lang = page.evaluate("document.body.dataset.lang")
    url = f"/courses/{course['id']}?shell=1&lang={lang}"
    pwa.wait_until(
        page, f"!!(await (await caches.open('fieldapp-pages')).match('{url}'))"
    )
    cached = page.evaluate(
        "async (u) => (await (await caches.open('fieldapp-pages')).match(u)).text()",
        url,
    )
    for student in course["roster"]:
        assert student["full_name"] not in cached  # no personal data in any cache
    context.set_offline(True)
    response = page.goto(f"/courses/{course['id']}")
    assert response is not None
    assert response.from_service_worker
    page.wait_for_selector("[data-course-roster] [data-student-row]")
    names = page.locator("[data-course-roster] [data-student-row] > span:first-child")
    assert names.all_inner_texts() == [s["full_name"] for s in course["roster"]]
    assert page.locator("[data-course-name]").inner_text() == course["name"]
