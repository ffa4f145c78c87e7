"""axe finds no accessibility violations on the form pages, the start page and the login
page (online and from the offline cache); the manifest has no installability errors.

Needs axe-core: `npm install --no-save --no-package-lock axe-core@4.14.1` at the repo root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Playwright

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def violations(page: Page) -> list[str]:
    """Run axe on the page; return one line per violation and node."""
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".flatMap((v) => v.nodes.map((n) => v.id + ': ' + n.target.join(' ') + ' ' + n.failureSummary))"
    )
    return list(found)


@pytest.fixture
def axe_context(context: BrowserContext) -> BrowserContext:
    """A context with axe loaded into every page (an init script passes the strict CSP)."""
    if not AXE.exists():
        pytest.fail(
            f"{AXE} is missing: run `npm install --no-save axe-core@4.14.1` at the repo root"
        )
    context.add_init_script(path=str(AXE))
    return context


def check(page: Page, path: str, *, selector: str = "main") -> list[str]:
    """Open ``path``, wait for the script to finish, return axe's complaints."""
    page.goto(path)
    page.wait_for_selector(selector)
    page.wait_for_timeout(300)  # let the status line and the form script render
    return [f"{path}: {v}" for v in violations(page)]


def test_login_start_and_form_pages_have_no_axe_violations(
    axe_context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    page = axe_context.new_page()
    problems = check(page, "/auth/login")
    pwa.login(page, "social")
    problems += check(page, "/")
    for path in ("/forms/home_visit", "/forms/family_intake", "/outbox"):
        problems += check(page, path)
    # The intake in Cyrillic for the family: the staff-only part, the filter box of
    # the municipalities, and the error summary with its links.
    problems += check(page, "/forms/family_intake?respondent_lang=sr_Cyrl")
    page.fill("#municipality-filter", "pri")
    page.click("#fill-form .actions button[type=submit]")
    problems += [f"intake with errors: {v}" for v in violations(page)]
    axe_context.set_offline(True)
    for path in ("/forms/home_visit", "/forms/family_intake?respondent_lang=en", "/"):
        problems += check(page, path)
    axe_context.set_offline(False)
    assert problems == [], "\n".join(problems)


def test_psych_and_attendance_forms_have_no_axe_violations(
    axe_context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    page = axe_context.new_page()
    pwa.login(page, "psych")
    problems = check(page, "/forms/psych_support")
    page.click("#logout-form button")
    page.wait_for_url("**/auth/login**")
    pwa.login(page, "instructor")
    course = pwa.idb(page, "(await db.all('courses'))[0].id")
    problems += check(page, f"/forms/class_attendance?course={course}&lang=sr_Cyrl")
    page.locator("details.note summary").first.click()
    problems += [f"roster with a note open: {v}" for v in violations(page)]
    problems += check(page, "/")
    axe_context.set_offline(True)
    problems += check(
        page, f"/forms/class_attendance?course={course}", selector="[data-enhanced]"
    )
    axe_context.set_offline(False)
    assert problems == [], "\n".join(problems)


def test_the_manifest_makes_the_app_installable(
    playwright: Playwright, live_server: Any, pwa: Any, tmp_path: Path
) -> None:
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=ARGS,
        base_url=live_server.url,
    )
    try:
        page = ctx.pages[0]
        pwa.login(page, "social")
        cdp = ctx.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
    finally:
        ctx.close()


def test_the_vault_screens_have_no_axe_violations(
    axe_context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    """Issue 19: choosing the PIN, the lock screen and the "This phone" page."""
    page = axe_context.new_page()
    page.goto("/auth/login")
    page.fill("#username", "social")
    page.fill("#password", "a long browser-test passphrase")  # conftest.PASSWORD
    page.click("form[data-replace-history] button[type=submit]")
    page.wait_for_selector("#vault-setup")
    problems = [f"PIN setup: {v}" for v in violations(page)]
    # The focus is in the dialog, and the page behind it is hidden.
    assert page.evaluate("document.activeElement.id") == "vault-new-pin"
    assert page.locator("#main").is_hidden()
    pwa.vault_open(page)
    pwa.ready(page)
    problems += check(page, "/settings/phone", selector="[data-change-pin]")
    axe_context.set_offline(True)
    page.reload()
    page.wait_for_selector("#vault-unlock")
    problems += [f"lock screen: {v}" for v in violations(page)]
    assert page.evaluate("document.activeElement.id") == "vault-pin"
    page.keyboard.type("975310")
    page.keyboard.press("Enter")  # the keyboard alone unlocks (here: refuses)
    page.wait_for_selector("#vault-error:not(:empty)", timeout=20000)
    assert page.get_attribute("#vault-error", "role") == "alert"
    axe_context.set_offline(False)
    assert problems == [], "\n".join(problems)


def test_look_up_pages_and_the_status_details_have_no_axe_violations(
    axe_context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    """Issue 21: the families pages online and offline, the status line opened."""
    page = axe_context.new_page()
    pwa.login(page, "social")
    family = pwa.idb(page, "(await db.all('families'))[0].id")
    pwa.wait_until(
        page, "(await caches.match('/families/shell?shell=1&lang=sq')) !== undefined"
    )
    problems = check(page, "/families/")
    problems += check(page, f"/families/{family}")
    page.click("#status .status-toggle")
    problems += [f"status details: {v}" for v in violations(page)]
    axe_context.set_offline(True)
    for path in ("/families/", f"/families/{family}", "/outbox", "/submissions/"):
        page.goto(path)
        pwa.vault_open(page)
        page.wait_for_selector("#status .status-toggle")
        page.wait_for_timeout(300)
        problems += [f"offline {path}: {v}" for v in violations(page)]
    axe_context.set_offline(False)
    assert problems == []


@pytest.mark.parametrize(
    ("username", "report"),
    [("coordinator", True), ("social", False), ("instructor", False)],
)
def test_dashboards_and_the_donor_report_have_no_axe_violations(
    axe_context: BrowserContext, live_server: Any, pwa: Any, username: str, report: bool
) -> None:
    """Issue 18: each role's dashboard (phone and office width) and the report."""
    from datetime import date

    from fieldapp.reports.services import current_quarter

    page = axe_context.new_page()
    pwa.login(page, username)
    problems = check(page, "/dashboard/", selector="main h1")
    assert page.locator("main svg[role=img]").count() >= 1  # the charts were checked
    if report:
        quarter = current_quarter(date.today())
        for language in ("sq", "sr_Cyrl"):
            problems += check(
                page,
                f"/reports/quarterly?year={quarter.year}&quarter={quarter.quarter}"
                f"&language={language}&lang={language}",
                selector="article.report",
            )
        problems += check(page, "/reports/quarterly", selector=".report-pick")
    page.set_viewport_size({"width": 1280, "height": 800})
    problems += check(page, "/dashboard/", selector="main h1")
    assert problems == [], "\n".join(problems)


def test_my_work_online_and_offline_has_no_axe_violations(
    axe_context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    """Issue 16: "My work" from the server and from the phone (filled from IndexedDB)."""
    page = axe_context.new_page()
    pwa.login(page, "social")
    pwa.wait_until(
        page, "(await caches.match('/cases/my-work?shell=1&lang=sq')) !== undefined"
    )
    problems = check(page, "/cases/my-work")
    axe_context.set_offline(True)
    page.goto("/cases/my-work")
    pwa.vault_open(page)
    page.wait_for_selector("[data-my-work-shell][data-filled]")
    page.wait_for_timeout(300)
    assert page.locator("[data-due-list] li[data-kind]").count() > 0
    problems += [f"offline /cases/my-work: {v}" for v in violations(page)]
    axe_context.set_offline(False)
    assert problems == []
