"""The service worker's push and notificationclick handlers in Debian Chromium.

A push message is delivered through CDP `ServiceWorker.deliverPushMessage` (no push
service is needed). CDP cannot click a notification, so the click test dispatches a
`NotificationEvent('notificationclick')` carrying the real shown notification inside the
worker, with `clients.openWindow` and `WindowClient.focus` recorded instead of run (a
synthetic event may not open windows).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import CDPSession
from playwright.sync_api import Page
from playwright.sync_api import Worker

from fieldapp.push import keys

from .conftest import PWA

NOTIFICATIONS = (
    "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
    ".then((list) => list.map((n) => ({title: n.title, body: n.body, tag: n.tag,"
    " url: n.data && n.data.url})))"
)

#: Runs in the worker: dispatch a click on the shown notification tagged `tag` and
#: return what the handler asked for.
CLICK = """async (tag) => {
  const calls = [];
  self.clients.openWindow = async (url) => { calls.push(['open', url]); return null; };
  WindowClient.prototype.focus = async function () { calls.push(['focus', this.url]); return this; };
  const [notification] = await self.registration.getNotifications({ tag });
  try {
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
  } catch (err) { /* waitUntil refuses an untrusted event; the handler already ran */ }
  for (let i = 0; i < 50 && calls.length === 0; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const left = await self.registration.getNotifications({ tag });
  return { calls, closed: left.length === 0 };
}"""


@pytest.fixture
def signed_in(page: Page, context: BrowserContext, live_server: Any, pwa: Any) -> Page:
    """A social worker's page controlled by the service worker, notifications allowed."""
    context.grant_permissions(["notifications"], origin=live_server.url)
    pwa.login(page, "social")
    return page


@pytest.fixture
def cdp(signed_in: Page) -> Iterator[CDPSession]:
    session = signed_in.context.new_cdp_session(signed_in)
    yield session
    _REGISTRATIONS.pop(id(session), None)
    session.detach()


def registration_id(page: Page, cdp: CDPSession, scope: str) -> str:
    """Return the service worker registration id of ``scope`` from CDP events."""
    found: list[str] = []

    def on_registrations(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found.append(registration["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_registrations)
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if found:
            return found[-1]
        page.wait_for_timeout(100)
    raise AssertionError("no service worker registration reported by CDP")


_REGISTRATIONS: dict[int, str] = {}


def deliver(page: Page, cdp: CDPSession, base: str, data: str) -> None:
    # CDP reports registrations once, after ServiceWorker.enable: remember the id.
    if id(cdp) not in _REGISTRATIONS:
        _REGISTRATIONS[id(cdp)] = registration_id(page, cdp, base + "/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": base, "registrationId": _REGISTRATIONS[id(cdp)], "data": data},
    )


def shown(page: Page, count: int = 1) -> list[dict[str, Any]]:
    for _ in range(50):
        notifications: list[dict[str, Any]] = page.evaluate(NOTIFICATIONS)
        if len(notifications) >= count:
            return notifications
        page.wait_for_timeout(100)
    raise AssertionError(f"fewer than {count} notifications shown")


def wait_for(page: Page, expression: str) -> None:
    """Poll ``expression`` in the page until it is truthy."""
    PWA.poll(page, expression, timeout_ms=10000)


def worker(context: BrowserContext) -> Worker:
    [sw] = context.service_workers
    return sw


def test_push_message_is_shown_as_a_notification(
    signed_in: Page, cdp: CDPSession, live_server: Any
) -> None:
    payload = {
        "type": "visit_due",
        "count": 2,
        "url": "/families/",
        "title": "2 home visits are due",
        "body": "Due today or overdue.",
        "tag": "fieldapp-visit_due",
    }

    deliver(signed_in, cdp, live_server.url, json.dumps(payload))

    assert shown(signed_in) == [
        {
            "title": "2 home visits are due",
            "body": "Due today or overdue.",
            "tag": "fieldapp-visit_due",
            "url": "/families/",
        }
    ]


def test_same_tag_replaces_the_earlier_notification(
    signed_in: Page, cdp: CDPSession, live_server: Any
) -> None:
    for count in (1, 3):
        deliver(
            signed_in,
            cdp,
            live_server.url,
            json.dumps(
                {
                    "title": f"{count} visits",
                    "body": "b",
                    "tag": "fieldapp-visit_due",
                    "url": "/families/",
                    "type": "visit_due",
                    "count": count,
                }
            ),
        )
        signed_in.wait_for_timeout(300)
    titles = [n["title"] for n in shown(signed_in)]
    assert titles == ["3 visits"]


def test_unreadable_payload_shows_a_generic_notification(
    signed_in: Page, cdp: CDPSession, live_server: Any
) -> None:
    deliver(signed_in, cdp, live_server.url, "this is not json")

    [notification] = shown(signed_in)
    assert notification["title"] == "fieldapp"
    assert notification["body"]
    assert notification["url"] == "/"


def test_foreign_link_in_a_payload_is_replaced_by_the_start_page(
    signed_in: Page, cdp: CDPSession, live_server: Any
) -> None:
    deliver(
        signed_in,
        cdp,
        live_server.url,
        json.dumps(
            {"title": "t", "body": "b", "tag": "x", "url": "//evil.example/steal"}
        ),
    )
    assert shown(signed_in)[0]["url"] == "/"


def test_click_opens_the_notifications_page_when_it_is_not_open(
    signed_in: Page, cdp: CDPSession, live_server: Any
) -> None:
    deliver(
        signed_in,
        cdp,
        live_server.url,
        json.dumps(
            {
                "title": "A family was assigned to you",
                "body": "b",
                "tag": "fieldapp-assigned",
                "url": "/families/",
            }
        ),
    )
    shown(signed_in)
    assert not signed_in.url.endswith("/families/")

    result = worker(signed_in.context).evaluate(CLICK, "fieldapp-assigned")

    assert result["calls"] == [["open", live_server.url + "/families/"]]
    assert result["closed"] is True


def test_click_focuses_a_window_already_on_that_page(
    signed_in: Page, cdp: CDPSession, live_server: Any
) -> None:
    signed_in.goto("/families/")
    wait_for(signed_in, "navigator.serviceWorker.controller !== null")
    deliver(
        signed_in,
        cdp,
        live_server.url,
        json.dumps(
            {"title": "t", "body": "b", "tag": "fieldapp-absences", "url": "/families/"}
        ),
    )
    shown(signed_in)

    result = worker(signed_in.context).evaluate(CLICK, "fieldapp-absences")

    assert result["calls"] == [["focus", live_server.url + "/families/"]]


def test_settings_switch_reports_when_subscribing_is_impossible(
    signed_in: Page, live_server: Any
) -> None:
    # Headless Chromium has no push service: subscribe() fails, and the page must say so.
    vapid = keys.generate()
    live_server.app.config["VAPID_PRIVATE_KEY"] = vapid.raw_private
    errors: list[str] = []
    signed_in.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" else None
    )
    try:
        signed_in.goto("/settings/notifications")
        # The page is in the user's language: find the one switch by its role.
        switch = signed_in.get_by_role("switch")
        wait_for(signed_in, "!document.getElementById('push-switch').disabled")
        assert not switch.is_checked()

        switch.click()

        status = signed_in.locator("#push-status")
        wait_for(signed_in, "document.getElementById('push-status').textContent")
        wait_for(signed_in, "!document.getElementById('push-switch').disabled")
        assert status.inner_text().strip()
        assert not switch.is_checked()
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        live_server.app.config["VAPID_PRIVATE_KEY"] = ""
