"""Issue 21 items 8, 10 and 16 on a 360x740 phone: a visible way up on every page, a
status line that shifts nothing, and targets a thumb can hit."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

#: Layout shifts since the page started, as the browser reports them (buffered), with
#: the elements that moved; shifts right after an input are not counted (as CLS does).
SHIFTS = """() => new Promise((resolve) => {
  const out = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      out.push({ value: e.value, sources: (e.sources || []).map((s) => s.node
        ? (s.node.id || s.node.className || s.node.nodeName) + ' < ' + (s.node.parentElement ? (s.node.parentElement.id || s.node.parentElement.nodeName) : '')
        : '') });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => resolve(out), 300);
})"""

#: Visible links, buttons and summaries lower than 44 px (the skip link shows on focus only).
SMALL = """() => [...document.querySelectorAll('a[href], button, summary')]
  .filter((e) => !e.closest('.skip') && !e.classList.contains('skip'))
  .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(e).visibility !== 'hidden'; })
  .map((e) => ({ text: (e.textContent || '').trim().slice(0, 40), tag: e.tagName,
    height: Math.round(e.getBoundingClientRect().height * 10) / 10 }))
  .filter((x) => x.height < 44)"""


def first_family(page: Page, pwa: Any) -> dict[str, Any]:
    family: dict[str, Any] = pwa.idb(page, "(await db.all('families'))[0]")
    return family


def open_page(page: Page, pwa: Any, path: str) -> None:
    page.goto(path)
    pwa.vault_open(page)
    pwa.poll(page, "document.querySelector('#status .status-toggle') !== null")


def test_each_main_page_has_a_visible_way_up_and_it_adds_no_history(
    page: Page, pwa: Any
) -> None:
    pwa.login(page, "social")
    family = first_family(page, pwa)
    fid = family["id"]
    expected = {
        "/families/": "/",
        f"/families/{fid}": "/families/",
        "/forms/home_visit": "/",
        f"/forms/home_visit?family={fid}": f"/families/{fid}",
        "/outbox": "/",
        "/submissions/": "/",
        "/settings/phone": "/",
    }
    for path, up in expected.items():
        open_page(page, pwa, path)
        link = page.locator("main a[data-up]")
        assert link.count() == 1, path
        assert link.is_visible(), path
        assert link.get_attribute("href") == up, path
        box = link.bounding_box()
        assert box, path
        assert box["y"] < 740 / 2, path  # on the first screen, near the top
    open_page(page, pwa, "/")
    assert page.locator("main a[data-up]").count() == 0  # the start page is the top
    # Up replaces the history entry like every in-app link (quick exit's guarantee).
    open_page(page, pwa, f"/families/{fid}")
    before = page.evaluate("history.length")
    page.click("main a[data-up]")
    page.wait_for_url("**/families/")
    assert page.evaluate("history.length") == before


def test_the_instructors_pages_lead_up_to_the_course(page: Page, pwa: Any) -> None:
    pwa.login(page, "instructor")
    open_page(page, pwa, "/")
    href = page.locator("a.card[href*='course=']").first.get_attribute("href")
    assert href
    course = href.split("course=")[1]
    open_page(page, pwa, href)
    assert page.locator("main a[data-up]").get_attribute("href") == f"/courses/{course}"
    # On the attendance form a student is on the first screen, under the status line.
    first = page.locator("[data-student]").first.bounding_box()
    assert first
    # Another test may have taken today's register already: the warning that says so
    # (with its choices) comes first, by design; the student follows right under it.
    taken = page.locator(".attendance-taken")
    extra = taken.bounding_box()["height"] if taken.is_visible() else 0
    assert first["y"] - extra + 30 < 740
    open_page(page, pwa, f"/courses/{course}")
    assert page.locator("main a[data-up]").get_attribute("href") == "/courses/"


@pytest.mark.parametrize("path", ["/", "/forms/home_visit"])
def test_the_status_line_causes_no_layout_shift(
    page: Page, live_server: Any, pwa: Any, path: str
) -> None:
    pwa.login(page, "social")
    page.route("**/api/v1/sync/push", lambda route: route.abort())  # they stay waiting
    pwa.enqueue_visits(page, 2)  # something to say: two forms waiting
    open_page(page, pwa, path)
    pwa.poll(
        page, "/2/.test(document.querySelector('#status .status-text').textContent)"
    )
    shifts = page.evaluate(SHIFTS)
    assert sum(s["value"] for s in shifts) <= 0.01, shifts
    # Filled, with an action and the update prompt, the line keeps its reserved height.
    status = page.locator("#status")
    reserved = status.bounding_box()
    assert reserved
    assert reserved["height"] < 60
    live_server.app.config["PWA_BUILD"] = f"shift-{path}"
    try:  # a new version waiting: the line offers to reload
        page.evaluate(
            "navigator.serviceWorker.getRegistration().then((r) => r.update())"
        )
        page.wait_for_selector("#status [data-reload]")
    finally:
        live_server.app.config.pop("PWA_BUILD")
    assert status.bounding_box()["height"] == reserved["height"]
    assert sum(s["value"] for s in page.evaluate(SHIFTS)) <= 0.01


def test_the_status_line_is_one_line_and_opens_its_details(
    page: Page, pwa: Any
) -> None:
    pwa.login(page, "social")
    pwa.enqueue_visits(page, 1)
    open_page(page, pwa, "/")
    toggle = page.locator("#status .status-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#status-more").is_hidden()
    header = page.locator("header.top").bounding_box()
    status = page.locator("#status").bounding_box()
    assert header
    assert status
    # Header, navigation and status line: well under a quarter of the screen.
    assert status["y"] + status["height"] <= 0.25 * 740
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#status-more").is_visible()
    assert page.locator("#status-more a[href='/outbox']").is_visible()


def test_the_storage_warning_shows_once_with_a_way_to_act(page: Page, pwa: Any) -> None:
    pwa.login(page, "social")
    pwa.idb(
        page,
        "(async () => { await db.setMeta('storageFull', true);"
        " await db.setMeta('storageNoticeSeen', null); })()",
    )
    open_page(page, pwa, "/families/")
    action = page.locator("#status .status-line a[href='/settings/phone#storage']")
    action.wait_for()
    open_page(page, pwa, "/outbox")
    assert (
        page.locator("#status .status-line a[href='/settings/phone#storage']").count()
        == 0
    )
    # Still there for who looks, in the details.
    page.click("#status .status-toggle")
    assert page.locator("#status-more a[href='/settings/phone#storage']").is_visible()
    open_page(page, pwa, "/settings/phone#storage")
    assert page.locator("#storage").is_visible()


def test_targets_are_at_least_44px_tall(page: Page, pwa: Any) -> None:
    pwa.login(page, "social")
    pwa.enqueue_visits(page, 1)
    fid = first_family(page, pwa)["id"]
    for path in (
        "/",
        "/families/",
        f"/families/{fid}",
        "/outbox",
        "/forms/home_visit",
        "/settings/phone",
    ):
        open_page(page, pwa, path)
        page.click("#status .status-toggle")  # the details' links too
        small = page.evaluate(SMALL)
        assert small == [], (path, small)
    # Links in list cards look like links: underlined.
    open_page(page, pwa, "/families/")
    strong = page.locator(".list > li > a strong").first
    assert "underline" in strong.evaluate(
        "(e) => getComputedStyle(e).textDecorationLine"
    )
