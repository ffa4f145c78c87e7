"""The family intake in the family's language (issue 21, item 3), in a real browser."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

INTAKE = "/forms/family_intake"


def _open(page: Page, pwa: Any, query: str = "") -> None:
    pwa.login(page, "social")
    page.goto(INTAKE + query)
    page.wait_for_selector("#fill-form[data-enhanced='1']")


def test_yes_no_intro_and_consent_script_follow_the_family_language(
    page: Page, pwa: Any
) -> None:
    _open(page, pwa, "?respondent_lang=sr_Cyrl")
    consent = page.locator("[data-q='consent_services']")
    assert consent.locator(".seg span").all_inner_texts() == ["Да", "Не"]
    # The introduction and the consent section's script, from the form document.
    assert (
        "Попуните заједно са породицом"
        in page.locator("[data-intro='description'] .form-description").inner_text()
    )
    script = page.locator("[data-intro='section.consent.description']")
    assert "Прочитајте породици образац сагласности" in script.inner_text()
    # The worker (Albanian interface) also gets it in their language.
    worker = script.locator("[data-worker-copy]")
    assert worker.is_visible()
    assert "Lexojani familjes formularin e pëlqimit" in worker.inner_text()


def test_staff_only_questions_are_out_of_the_family_part(page: Page, pwa: Any) -> None:
    _open(page, pwa, "?respondent_lang=sr_Cyrl")
    family_part = page.locator("#fill-form > section.section:not([data-staff-part])")
    texts = " ".join(family_part.all_inner_texts())
    for staff_text in ("Показатељи ризика", "Трговина људима", "Белешке социјалног"):
        assert staff_text not in texts
    staff = page.locator("[data-staff-part]")
    # Labelled in the worker's language (Albanian), after the family's part.
    assert (
        staff.locator("[data-q='risk_indicators'] legend")
        .inner_text()
        .startswith("Treguesit e rrezikut")
    )
    assert staff.locator("[data-q='notes'] textarea").count() == 1
    order = page.evaluate(
        "[...document.querySelectorAll('#fill-form > section')].map((s) =>"
        " s.hasAttribute('data-staff-part'))"
    )
    assert order[-1] is True
    assert order.count(True) == 1


def test_switching_the_family_language_keeps_every_answer_without_reload(
    page: Page, pwa: Any
) -> None:
    _open(page, pwa)
    page.fill("#family_name", "Berisha")
    page.fill("#village", "Hajvali")
    page.fill("[name='members.0.full_name']", "Vjosa Berisha")
    page.check("[name='consent_services'][value='true']")
    page.fill("#notes", "Shënim i punonjëses")
    page.select_option("#municipality", "prishtine")
    page.evaluate("window.__noReload = 1")
    page.click("[data-respondent-lang='sr_Cyrl']")
    assert page.evaluate("window.__noReload") == 1  # the same document
    assert "respondent_lang=sr_Cyrl" in page.url
    assert page.input_value("#family_name") == "Berisha"
    assert page.input_value("#village") == "Hajvali"
    assert page.input_value("[name='members.0.full_name']") == "Vjosa Berisha"
    assert page.is_checked("[name='consent_services'][value='true']")
    assert page.input_value("#notes") == "Shënim i punonjëses"
    assert page.input_value("#municipality") == "prishtine"
    assert (
        page.locator("label[for='family_name']")
        .inner_text()
        .startswith("Презиме породице")
    )
    assert (
        page.locator("[data-q='consent_services'] .seg span").first.inner_text() == "Да"
    )
    assert page.locator("[data-respondent-lang='sr_Cyrl']").get_attribute(
        "aria-current"
    )
    assert page.input_value("[name='respondent_locale']") == "sr_Cyrl"
    assert page.locator(".draft-offer").count() == 0
    # The municipalities are now in Cyrillic alphabetical order.
    names = page.eval_on_selector(
        "#municipality",
        "(s) => [...s.options].filter((o) => o.value).map((o) => o.text)",
    )
    assert names[:3] == ["Витина", "Вучитрн", "Глоговац"]
    assert names.index("Ђаковица") == names.index("Драгаш") + 1
    assert names[-2:] == ["Штимље", "Штрпце"]


def test_validation_messages_stay_in_the_worker_language(page: Page, pwa: Any) -> None:
    _open(page, pwa, "?respondent_lang=sr_Cyrl")
    page.click("#fill-form button[type=submit]")
    error = page.locator("[data-q='family_name'] .error")
    assert error.inner_text() == "Kjo fushë është e detyrueshme."
    assert error.get_attribute("lang") == "sq"
    summary = page.locator(".error-summary")
    assert "përgjigje" in summary.locator("h2").inner_text()


def test_the_family_language_switcher_looks_like_a_control(
    page: Page, pwa: Any
) -> None:
    _open(page, pwa)
    option = page.locator("[data-respondent-lang='en']")
    box = option.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    style = option.evaluate(
        "(a) => { const s = getComputedStyle(a); return {border: s.borderTopWidth,"
        " decoration: s.textDecorationLine}; }"
    )
    assert style == {"border": "2px", "decoration": "none"}
    current = page.locator("[data-respondent-lang='sq']").evaluate(
        "(a) => getComputedStyle(a).backgroundColor"
    )
    assert current not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    # Not the interface's language links: another place, another name.
    assert page.locator(".respondent-lang").get_attribute("role") == "group"
    label = page.locator("#respondent-lang-label").inner_text()
    interface = page.locator("footer nav.langs, nav.langs").first.get_attribute(
        "aria-label"
    )
    assert label != interface
    assert page.locator(".respondent-lang nav.langs").count() == 0
