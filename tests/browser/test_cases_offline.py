"""Issue 16: a service recorded offline on the phone lands once in the family's case."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

TODAY = "2026-01-15"  # any past date: the form refuses future dates


def choose(page: Page, name: str, value: str) -> None:
    """Tap the label of a radio button, as a person does."""
    page.locator(f'label:has(input[name="{name}"][value="{value}"])').click()
    assert page.locator(f'input[name="{name}"][value="{value}"]').is_checked()


def open_offline(page: Page, context: BrowserContext, path: str) -> None:
    """Go offline and open ``path``: it must come from the service worker's cache."""
    context.set_offline(True)
    response = page.goto(path)
    assert response is not None
    assert response.from_service_worker
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")


def test_a_service_recorded_offline_arrives_once_in_the_case(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    open_offline(page, context, "/forms/service_record")
    page.select_option(
        "#subject_id",
        label=page.locator("#subject_id option", has_text="Berisha").first.inner_text(),
    )
    # Thirteen types: a long list, so a select (with a search box) rather than radios.
    page.select_option('select[name="service_type"]', "numeracy")
    page.fill("#service_date", TODAY)
    choose(page, "status", "completed")
    page.fill("#outcome", "Counts money at the market")
    page.click("#fill-form button[type=submit]:visible")
    uuid = page.wait_for_selector("[data-saved-uuid]").get_attribute("data-saved-uuid")
    assert uuid
    assert live_server.count([uuid]) == {uuid: 0}

    context.set_offline(False)
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count([uuid]) == {uuid: 1}
    rows = live_server.scalar(
        "SELECT count(*) FROM case_service "
        "WHERE replace(submission_uuid, '-', '') = :u AND service_type = 'numeracy' "
        "AND status = 'completed' AND outcome = 'Counts money at the market'",
        u=uuid.replace("-", ""),
    )
    assert rows == 1
    # The case file shows it, in the worker's language.
    family = live_server.scalar(
        "SELECT family_id FROM submission WHERE replace(uuid, '-', '') = :u",
        u=uuid.replace("-", ""),
    )
    page.goto(f"/cases/family/{family}")
    assert "Counts money at the market" in page.content()
