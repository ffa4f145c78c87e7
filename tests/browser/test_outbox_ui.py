"""What the user sees about waiting items: a rejected form stays to be fixed and then
arrives; an item older than 72 hours raises an unmissable alarm."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page


def test_rejected_item_stays_with_its_errors_and_can_be_fixed_and_sent(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    # Saved by an older page that did not check the date: the server refuses a future visit.
    [uuid] = pwa.enqueue_visits(page, 1)
    pwa.idb(
        page,
        f"""(async () => {{
          const record = await outbox.find('{uuid}');
          record.item.answers.visit_date = '2999-01-01';
          record.url = '/forms/home_visit?family=' + record.item.subject_id;
          record.snapshot = {{ fields: [['subject_id', record.item.subject_id],
            ['visit_date', '2999-01-01'], ['present_members', record.item.answers.present_members[0]],
            ['living_conditions', '3'], ['risk_level', 'low'], ['submission_uuid', '{uuid}']],
            rows: {{}} }};
          await db.put('outbox', record);
          await sync.requestSync('test');
        }})()""",
    )
    pwa.wait_until(page, f"(await outbox.find('{uuid}')).state === 'rejected'")
    assert live_server.count([uuid]) == {uuid: 0}
    page.goto("/outbox")
    item = page.wait_for_selector(f"[data-rejected='{uuid}']")
    # The question's label in the interface language, not the field id.
    listed = page.locator(f"[data-rejected='{uuid}'] [data-error-path='visit_date']")
    assert listed.inner_text().startswith("Data e vizitës:")
    assert "visit_date" not in item.inner_text()
    page.click(f"[data-rejected='{uuid}'] a")
    page.wait_for_selector("#fill-form[data-enhanced]")
    assert page.input_value("[name=submission_uuid]") == uuid
    assert page.locator("[data-q=visit_date] .error").count() == 1
    page.fill("#visit_date", "05.01.2026")
    page.click("#fill-form button[type=submit]:visible")
    page.wait_for_selector("[data-saved-uuid]")
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count([uuid]) == {uuid: 1}


def test_an_item_waiting_more_than_72_hours_raises_an_alarm(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    context.set_offline(True)
    [uuid] = pwa.enqueue_visits(page, 1)
    page.goto("/outbox")
    assert page.locator("#sync-alarm").is_hidden()
    pwa.idb(
        page,
        f"""(async () => {{
          const record = await outbox.find('{uuid}');
          record.createdAt = new Date(Date.now() - 73 * 3600 * 1000).toISOString();
          await db.put('outbox', record);
        }})()""",
    )
    page.reload()
    pwa.vault_open(page)  # a reload asks for the PIN (issue 19)
    alarm = page.locator(
        "#sync-alarm[role=alert]:not([hidden])"
    )  # re-rendered: locator
    alarm.wait_for()
    assert "1" in alarm.inner_text()
    assert "is-alarm" in (alarm.get_attribute("class") or "")
    context.set_offline(False)
