"""Long choice lists and dates on a phone (issue 21, items 11, 12, 14)."""

from __future__ import annotations

from datetime import date
from typing import Any

from playwright.sync_api import Browser
from playwright.sync_api import Page


def test_the_municipality_is_a_searchable_list_sorted_with_the_error_by_its_label(
    page: Page, pwa: Any
) -> None:
    pwa.login(page, "social")
    page.goto("/forms/family_intake?respondent_lang=sr_Cyrl")
    page.wait_for_selector("#fill-form[data-enhanced='1']")
    field = page.locator("[data-q='municipality']")
    assert field.locator("input[type=radio]").count() == 0
    names = page.eval_on_selector(
        "#municipality",
        "(s) => [...s.options].filter((o) => o.value).map((o) => o.text)",
    )
    assert len(names) == 38
    assert names.index("Ђаковица") == names.index("Драгаш") + 1
    # Keyboard: type in the filter box, arrow down into the list, choose.
    page.fill("#municipality-filter", "prish")  # Latin typing finds Cyrillic names
    visible = page.eval_on_selector(
        "#municipality",
        "(s) => [...s.options].filter((o) => !o.hidden).map((o) => o.text)",
    )
    assert visible == ["Приштина"]
    page.press("#municipality-filter", "Enter")
    assert page.input_value("#municipality") == "prishtine"
    assert "Приштина" in page.inner_text("#municipality-status")
    # The error sits under the label, above the long list.
    page.fill("#municipality-filter", "")
    page.select_option("#municipality", [])
    page.evaluate("document.querySelector('#municipality').selectedIndex = -1")
    page.click("#fill-form .actions button[type=submit]")
    order = field.evaluate(
        "(f) => [...f.children].map((c) => c.matches('label') ? 'label'"
        " : c.classList.contains('error') ? 'error' : c.tagName.toLowerCase())"
    )
    assert order.index("error") == order.index("label") + 1
    summary = page.locator(".error-summary[data-js-error]")
    heading = summary.locator("h2").inner_text()
    assert heading.split()[0].isdigit()
    links = summary.locator("a")
    assert links.count() == int(heading.split()[0])
    link = summary.locator("a", has_text="Komuna")
    link.click()
    assert page.evaluate("document.activeElement.id") in (
        "municipality",
        "municipality-filter",
    )


def test_without_javascript_the_municipality_is_a_plain_select(
    browser: Browser, live_server: Any
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    try:
        page = context.new_page()
        page.goto("/auth/login")
        page.fill("#username", "social")
        page.fill("#password", "a long browser-test passphrase")
        page.click("form button[type=submit]")
        page.goto("/forms/family_intake")
        assert page.locator("select#municipality option").count() == 39
        assert page.locator("#municipality-filter").count() == 0
        # Dates are day first, preset to today on the server.
        assert page.input_value("#consent_date") == date.today().strftime("%d.%m.%Y")
    finally:
        context.close()


def test_dates_are_day_first_preset_to_today_and_stored_as_iso(
    page: Page, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    page.goto("/families/")
    page.goto("/forms/home_visit?shell=1")
    page.wait_for_selector("#fill-form[data-enhanced='1']")
    today = date.today()
    visit = page.locator("#visit_date")
    assert visit.get_attribute("type") == "text"
    assert visit.input_value() == today.strftime("%d.%m.%Y")
    # A typed date is tidied day first; a wrong one gets a clear message.
    visit.fill("5.1.2026")
    visit.blur()
    assert visit.input_value() == "05.01.2026"
    visit.fill("2026/13/45")
    page.click("#fill-form .actions button[type=submit]")
    error = page.locator("[data-q='visit_date'] .error")
    assert "31.12.2025" in error.inner_text()
    # What is read as the answer is ISO.
    visit.fill("05.01.2026")
    answer = page.evaluate(
        "async () => { const f = await import('/static/js/form-fields.js');"
        " return f.isoFromShown(document.querySelector('#visit_date').value); }"
    )
    assert answer == "2026-01-05"
