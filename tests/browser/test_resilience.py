"""What must never lose or double a form: reloads, restarts, dropped connections, expired
sessions, service-worker updates, browsers without Background Sync, signing out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Playwright
from playwright.sync_api import Route

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PUSH = "**/api/v1/sync/push"


def start_visit(page: Page, family: str = "Krasniqi") -> None:
    """Open the home visit (offline: the cached shell) and type some answers."""
    page.goto("/forms/home_visit")
    page.wait_for_selector("#fill-form[data-enhanced]")
    value = page.locator("#subject_id option", has_text=family).first.get_attribute(
        "value"
    )
    page.select_option("#subject_id", value=value)
    page.fill("#visit_date", "2026-01-12")
    page.fill("#others_present", "a neighbour")


def test_reload_while_offline_keeps_the_outbox_and_the_draft(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    queued = pwa.enqueue_visits(page, 1)
    context.set_offline(True)
    start_visit(page)
    page.wait_for_selector("[data-draft-status]:not(:empty)")
    page.reload()
    pwa.vault_open(page)  # a reload asks for the PIN (issue 19)
    page.wait_for_selector("#fill-form[data-enhanced]")
    assert pwa.queued(page) == queued
    # The draft is offered, and continuing it brings back every answer.
    page.locator(".draft-offer button.button").click()
    assert page.input_value("#visit_date") == "2026-01-12"
    assert page.input_value("#others_present") == "a neighbour"
    assert (
        page.locator("#subject_id option:checked").inner_text().startswith("Krasniqi")
    )
    draft_uuid = pwa.idb(page, "(await db.all('drafts'))[0].uuid")
    assert page.input_value("[name=submission_uuid]") == draft_uuid


def test_restart_of_the_browser_while_offline_loses_and_doubles_nothing(
    playwright: Playwright, live_server: Any, pwa: Any, tmp_path: Path
) -> None:
    profile = str(tmp_path / "profile")

    def launch(offline: bool) -> BrowserContext:
        ctx = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            base_url=live_server.url,
            offline=offline,
        )
        ctx.set_default_timeout(15000)
        return ctx

    ctx = launch(offline=False)
    page = ctx.pages[0]
    pwa.login(page, "social")
    ctx.set_offline(True)
    start_visit(page)
    page.locator("label:has(input[name=present_members])").first.click()
    page.locator("label:has(input[name=living_conditions][value='4'])").click()
    page.locator("label:has(input[name=risk_level][value=no_concern])").click()
    page.click("#fill-form button[type=submit]:visible")
    saved = page.wait_for_selector("[data-saved-uuid]").get_attribute("data-saved-uuid")
    uuids = [saved, *pwa.enqueue_visits(page, 2)]
    ctx.close()

    ctx = launch(offline=True)
    page = ctx.pages[0]
    response = page.goto("/")
    assert response is not None
    assert response.from_service_worker  # the offline start page
    pwa.vault_open(page)  # a restarted browser asks for the PIN (issue 19)
    page.wait_for_selector("#outbox-summary li")
    assert sorted(pwa.queued(page)) == sorted(uuids)
    assert live_server.count(uuids) == dict.fromkeys(uuids, 0)
    ctx.set_offline(False)
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count(uuids) == dict.fromkeys(uuids, 1)
    ctx.close()


def test_connection_lost_after_the_server_stored_a_batch_doubles_nothing(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    context.set_offline(True)
    uuids = pwa.enqueue_visits(page, 20)
    pushes: list[str] = []

    def drop_answer_once(route: Route) -> None:
        pushes.append(route.request.url)
        if len(pushes) == 1:
            route.fetch()  # the server stores the batch...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    page.route(PUSH, drop_answer_once)
    context.set_offline(False)
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count(uuids) == dict.fromkeys(uuids, 1)
    # 20 items go in one request; the retry is the second.
    assert len(pushes) == 2
    receipts = pwa.idb(page, "(await db.all('receipts')).map((r) => r.status)")
    assert sorted(set(receipts)) == ["duplicate"]


def test_expired_session_keeps_items_asks_to_sign_in_then_sends(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    context.set_offline(True)
    uuids = pwa.enqueue_visits(page, 2)
    live_server.expire_sessions()
    context.set_offline(False)
    # A locator, not an element handle: the status line re-renders as sync state changes.
    link = page.locator("#status a[href^='/auth/login']")
    link.wait_for()
    assert "2" in link.inner_text()
    assert sorted(pwa.queued(page)) == sorted(uuids)
    assert live_server.count(uuids) == dict.fromkeys(uuids, 0)
    link.click()
    page.wait_for_selector("#username")
    page.fill("#username", "social")
    page.fill("#password", "a long browser-test passphrase")
    page.click("form[data-replace-history] button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count(uuids) == dict.fromkeys(uuids, 1)


def test_service_worker_update_with_items_queued_loses_nothing(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    page.route(PUSH, lambda route: route.abort("internetdisconnected"))
    uuids = pwa.enqueue_visits(page, 2)
    old_caches = page.evaluate("caches.keys()")
    live_server.app.config["PWA_BUILD"] = "test-update-2"
    try:
        page.evaluate(
            "navigator.serviceWorker.getRegistration().then((r) => r.update())"
        )
        reload = page.locator("#status [data-reload]")
        reload.wait_for()
        with page.expect_navigation():  # the prompt reloads the page
            reload.click()
        pwa.poll(
            page,
            "navigator.serviceWorker.controller"
            " && navigator.serviceWorker.controller.state === 'activated'",
        )
        pwa.poll(
            page,
            "caches.keys().then((k) => k.includes('fieldapp-shell-test-update-2'))",
        )
    finally:
        live_server.app.config.pop("PWA_BUILD")
    new_caches = page.evaluate("caches.keys()")
    assert "fieldapp-pages" in old_caches
    assert "fieldapp-pages" in new_caches
    assert not [
        c for c in new_caches if c.startswith("fieldapp-shell") and c in old_caches
    ]
    assert sorted(pwa.queued(page)) == sorted(uuids)
    # The cached form still opens offline after the update (the new worker does not
    # have the data key: the PIN is asked).
    context.set_offline(True)
    page.goto("/forms/home_visit")
    pwa.vault_open(page)
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")
    context.set_offline(False)
    page.unroute(PUSH)
    pwa.idb(page, "sync.requestSync('test')")
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count(uuids) == dict.fromkeys(uuids, 1)


def test_without_background_sync_the_outbox_still_goes_out(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    context.add_init_script(
        "Object.defineProperty(ServiceWorkerRegistration.prototype,'sync',"
        "{get(){return undefined}})"
    )
    pwa.login(page, "social")
    assert page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.sync === undefined)"
    )
    context.set_offline(True)
    uuids = pwa.enqueue_visits(page, 3)
    context.set_offline(False)
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count(uuids) == dict.fromkeys(uuids, 1)


def test_sign_out_with_unsent_items_warns_and_keeps_them_for_the_same_user(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    page.route(PUSH, lambda route: route.abort("internetdisconnected"))
    uuids = pwa.enqueue_visits(page, 1)
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("#logout-form button")
    page.wait_for_url("**/auth/login**")
    assert dialogs
    assert "1" in dialogs[0]
    assert pwa.queued(page) == uuids
    assert pwa.idb(page, "db.all('families')") == []
    assert "fieldapp-pages" not in page.evaluate("caches.keys()")
    page.unroute(PUSH)
    pwa.login(page, "social")
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count(uuids) == {uuids[0]: 1}


def test_signing_out_offline_says_it_needs_a_connection_and_changes_nothing(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    families = pwa.idb(page, "db.all('families')")
    assert families
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    context.set_offline(True)
    try:
        start = page.url
        page.click("#logout-form button")
        for _ in range(100):
            if dialogs:
                break
            page.wait_for_timeout(100)
        assert dialogs, "no message about the connection"
        assert (
            "lidhje me internetin" in dialogs[0]
        )  # the Albanian message, not a confirm
        # No browser error page, still signed in on this phone with its caseload.
        assert page.url == start
        assert pwa.idb(page, "db.getMeta('user')") is not None
        assert len(pwa.idb(page, "db.all('families')")) == len(families)
    finally:
        context.set_offline(False)
    assert (
        live_server.scalar(
            'SELECT count(*) FROM auth_session s JOIN "user" u ON u.id = s.user_id '
            "WHERE u.username = 'social' AND s.ended_at IS NULL"
        )
        >= 1
    )
