"""Issue 7: quick exit replaces the screen at once and leaves no fieldapp page to go back to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

NEUTRAL = "about:blank#weather"


@pytest.fixture
def neutral_exit(live_server) -> Iterator[None]:
    """Point the quick exit at a neutral page this machine can load (no internet here)."""
    config = live_server.app.config
    saved = config["QUICK_EXIT_URL"]
    config["QUICK_EXIT_URL"] = NEUTRAL
    yield
    config["QUICK_EXIT_URL"] = saved


def test_quick_exit_leaves_nothing_of_fieldapp_in_the_back_history(
    page, pwa, neutral_exit
):
    page.goto("about:blank#before")  # what the tab showed before fieldapp
    pwa.login(page, "social")
    # Signing in replaced the login page: one fieldapp entry after the page before.
    baseline = page.evaluate("history.length")
    page.click("nav >> text=/Famil/")  # Familjet / Porodice / Families
    page.wait_for_url("**/families/")
    page.click(".list a >> nth=0")
    page.wait_for_url("**/families/*")
    # Every in-app step replaced the entry before it: nothing to walk back through.
    assert page.evaluate("history.length") == baseline
    page.click("#quick-exit")
    page.wait_for_url(NEUTRAL)
    assert page.evaluate("history.length") == baseline
    page.go_back()
    page.wait_for_timeout(300)
    assert "127.0.0.1" not in page.url


def test_pressing_escape_twice_is_a_quick_exit(page, pwa, neutral_exit):
    pwa.login(page, "psych")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)


@pytest.mark.parametrize("path", ["/auth/login", "/", "/forms/home_visit", "/outbox"])
def test_every_page_has_the_quick_exit_button(page, pwa, path, neutral_exit):
    if path != "/auth/login":
        pwa.login(page, "social")
    page.goto(path)
    button = page.locator("#quick-exit")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["height"] >= 44  # a thumb can hit it
    assert box["y"] < 60  # at the top of the screen, without scrolling
