"""Issue 21 item 1: the form page's confirmation follows the item, whoever sends it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Route

TODAY = "2026-01-15"


def fill_visit(page: Page) -> None:
    page.goto("/forms/home_visit")
    page.wait_for_selector("#fill-form[data-enhanced]")
    page.select_option("#subject_id", index=1)
    page.wait_for_selector("[data-members] input[type=checkbox]")
    page.locator("[data-members] label").first.click()
    page.fill("#visit_date", TODAY)
    page.locator('label:has(input[name="living_conditions"][value="3"])').click()
    page.locator('label:has(input[name="risk_level"][value="low"])').click()


def test_online_send_shows_sent_and_the_receipt(
    page: Page, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    fill_visit(page)
    page.click("#fill-form button[type=submit]:visible")
    box = page.wait_for_selector("[data-saved-uuid][data-receipt]", timeout=10000)
    uuid = box.get_attribute("data-saved-uuid")
    assert live_server.count([uuid])[uuid] == 1
    receipt = box.get_attribute("data-receipt")
    assert receipt
    assert receipt in box.inner_text()


def test_sent_shows_when_another_tab_sends_the_item_first(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    other = context.new_page()  # a second tab of the same phone
    other.goto("/outbox")
    pwa.vault_open(other)
    fill_visit(page)
    # This tab's own sync runs never reach the server: only the other tab can send.
    failed: list[str] = []

    def refuse(route: Route) -> None:
        failed.append(route.request.url)
        route.abort()

    page.route("**/api/v1/sync/push", refuse)
    page.click("#fill-form button[type=submit]:visible")
    box = page.wait_for_selector("[data-saved-uuid]")
    uuid = box.get_attribute("data-saved-uuid")
    pwa.poll(page, "document.querySelector('[data-saved-uuid]') !== null")
    for _ in range(100):
        if failed:
            break
        page.wait_for_timeout(100)
    assert failed, "this tab tried to send and failed"
    # The other tab (or the worker's Background Sync, through it) may already have sent
    # the item on its own by now: either way this tab must end with the receipt.
    pwa.idb(other, "sync.requestSync('other-tab')")
    page.wait_for_selector("[data-saved-uuid][data-receipt]", timeout=10000)
    assert live_server.count([uuid])[uuid] == 1
    assert box.get_attribute("data-state") == "sent"
    assert box.get_attribute("data-receipt") in box.inner_text()
