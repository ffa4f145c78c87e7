"""Issue 4: switching language works offline for the pages the device keeps."""

from __future__ import annotations

SHELL_SR_CYRL = "/forms/home_visit?shell=1&lang=sr_Cyrl"


def test_switching_language_offline_shows_the_cached_pages_in_that_language(
    page, context, pwa, live_server
):
    pwa.login(page, "social")
    try:
        # Online, the worker reads Serbian Cyrillic once: the device then keeps that too.
        page.goto("/?lang=sr_Cyrl")
        pwa.wait_until(
            page, f"!!(await caches.match('{SHELL_SR_CYRL}'))", timeout_ms=20000
        )
        page.goto("/?lang=sq")
        pwa.wait_until(
            page, "!!(await caches.match('/forms/home_visit?shell=1&lang=sq'))"
        )

        context.set_offline(True)
        page.goto("/forms/home_visit?lang=sr_Cyrl")
        assert page.locator("html").get_attribute("lang") == "sr-Cyrl"
        heading = page.locator("h1").inner_text()
        assert heading == "Кућна посета"
        # The script's own texts (status line) come from the cached Cyrillic catalog.
        # (Polled from here: a string predicate would need eval, which our CSP forbids.)
        pwa.wait_until(page, "document.getElementById('status').textContent.length > 0")
        status = page.locator("#status").inner_text()
        assert not any(
            "a" <= ch.lower() <= "z" for ch in status.replace("fieldapp", "")
        ), status

        page.goto("/forms/home_visit?lang=sq")
        assert page.locator("html").get_attribute("lang") == "sq"
        assert page.locator("h1").inner_text() == "Vizita në shtëpi"
    finally:
        context.set_offline(False)
        page.goto("/?lang=sq")  # the demo user is shared by the session's tests
