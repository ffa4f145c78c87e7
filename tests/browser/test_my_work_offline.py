"""Issue 16, "My work": offline, the list opens from what the phone pulled; a service
recorded offline leaves it at once, and arrives once in the case when back online."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

SHELL = "[data-my-work-shell]"


def berisha(pwa: Any, page: Page) -> str:
    families = pwa.idb(page, "db.all('families')")
    return next(f["id"] for f in families if f["name"] == "Berisha")


def open_my_work(page: Page, pwa: Any) -> None:
    response = page.goto("/cases/my-work")
    assert response is not None
    assert response.from_service_worker
    pwa.vault_open(page)
    page.wait_for_selector(f"{SHELL}[data-filled]")


def items(page: Page) -> list[tuple[str, str, str]]:
    """(kind, family id, link) of each item shown."""
    return [
        (
            li.get_attribute("data-kind") or "",
            li.get_attribute("data-family") or "",
            li.locator("a").get_attribute("href") or "",
        )
        for li in page.locator("[data-due-list] li[data-kind]").all()
    ]


def test_my_work_offline_follows_a_service_recorded_on_the_phone(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    pwa.wait_until(
        page, "(await caches.match('/cases/my-work?shell=1&lang=sq')) !== undefined"
    )
    family = berisha(pwa, page)
    # The pulled list is kept encrypted, like the families.
    stored = pwa.idb(page, "db.raw('due')")
    assert len(stored) == 1
    assert set(stored[0]) == {"id", "_enc"}
    assert "Berisha" not in str(stored)
    assert family not in str(stored)

    context.set_offline(True)
    open_my_work(page, pwa)
    shown = items(page)
    service = f"/forms/service_record?family={family}"
    # The demo's Berisha case: literacy planned 20 days ago, a review 5 days late.
    assert ("service", family, service) in shown
    assert ("review", family, f"/families/{family}") in shown
    text = page.locator("[data-due-list]").inner_text()
    assert "Shkrim-lexim" in text  # literacy, in the worker's language (sq)
    assert "Berisha" in text
    assert "20 ditë vonesë" in text
    # Overdue first: the list runs from the oldest due day.
    kinds = [kind for kind, _, _ in shown]
    assert kinds.index("service") < kinds.index("review")

    # One tap from the form, for that family.
    page.locator(f'[data-due-list] a[href="{service}"]').click()
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")
    assert page.input_value("#subject_id") == family
    page.select_option('select[name="service_type"]', "literacy")
    page.fill("#service_date", "2026-01-15")
    page.locator('label:has(input[name="status"][value="completed"])').click()
    page.fill("#outcome", "Reads the bus timetable")
    page.click("#fill-form button[type=submit]:visible")
    uuid = page.wait_for_selector("[data-saved-uuid]").get_attribute("data-saved-uuid")
    assert uuid

    # The list on the phone changed at once, without a sync.
    open_my_work(page, pwa)
    shown = items(page)
    assert ("service", family, service) not in shown
    assert ("review", family, f"/families/{family}") in shown
    assert live_server.count([uuid]) == {uuid: 0}

    context.set_offline(False)
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count([uuid]) == {uuid: 1}
    # The planned literacy service itself is done: exactly one literacy row.
    rows = live_server.scalar(
        "SELECT count(*) FROM case_service JOIN support_case "
        "ON support_case.id = case_service.case_id "
        "WHERE replace(support_case.family_id, '-', '') = :f "
        "AND service_type = 'literacy'",
        f=family.replace("-", ""),
    )
    assert rows == 1
    done = live_server.scalar(
        "SELECT count(*) FROM case_service WHERE replace(submission_uuid, '-', '') = :u "
        "AND status = 'completed' AND outcome = 'Reads the bus timetable'",
        u=uuid.replace("-", ""),
    )
    assert done == 1
    # After the sync the pulled list agrees, and so does the server's page.
    pwa.wait_until(
        page,
        f"!(await db.get('due', 'list')).items.some((i) => i.kind === 'service'"
        f" && i.family_id === '{family}' && i.detail === 'literacy')",
    )
    assert pwa.idb(page, "(await db.get('due', 'list')).applied") == []
    page.goto("/cases/my-work")
    assert service not in page.content()
    assert f"/cases/family/{family}" in page.content()  # the review is still due


APPLY = """async () => {
  const { applyQueued } = await import('/static/js/due.js');
  const f = 'f1';
  const items = [
    { kind: 'visit', family_id: f, due_on: '2026-01-02', show_from: '2026-01-02', detail: '', target: 'form:home_visit' },
    { kind: 'session', family_id: f, due_on: '2026-01-03', show_from: '2026-01-03', detail: '', target: 'form:psych_support' },
    { kind: 'service', family_id: f, due_on: '2026-01-04', show_from: '2026-01-04', detail: 'legal', target: 'form:service_record' },
    { kind: 'service', family_id: f, due_on: '2026-01-01', show_from: '2026-01-01', detail: 'legal', target: 'form:service_record' },
    { kind: 'follow_up', family_id: f, due_on: '2026-01-05', show_from: '2026-01-05', detail: '3', target: 'form:case_follow_up' },
    { kind: 'visit', family_id: 'f2', due_on: '2026-01-02', show_from: '2026-01-02', detail: '', target: 'form:home_visit' },
  ];
  const brief = (list) => list.map((i) => [i.kind, i.family_id, i.due_on].join(' '));
  const sub = (form_id, answers) => ({ form_id, subject_id: f, answers });
  return {
    visit: brief(applyQueued(items, sub('home_visit', { next_visit_date: '2026-02-01' }))),
    visitNoNext: brief(applyQueued(items, sub('home_visit', {}))),
    session: brief(applyQueued(items, sub('psych_support', { next_session_date: '2026-03-01' }))),
    done: brief(applyQueued(items, sub('service_record', { service_type: 'legal', status: 'not_completed' }))),
    continues: brief(applyQueued(items, sub('service_record', { service_type: 'legal', status: 'in_progress' }))),
    other: brief(applyQueued(items, sub('service_record', { service_type: 'medical', status: 'completed' }))),
    followUp: brief(applyQueued(items, sub('case_follow_up', {}))),
  };
}"""


def test_each_queued_form_changes_the_list_as_the_server_will(
    page: Page, pwa: Any
) -> None:
    pwa.login(page, "psych")
    out = page.evaluate(APPLY)
    rest = ["session f1 2026-01-03", "service f1 2026-01-04", "service f1 2026-01-01"]
    # A visit moves the family's next visit (to a day the list shows once it comes).
    assert out["visit"][0:4] == [*rest, "follow_up f1 2026-01-05"]
    assert out["visit"][-2:] == ["visit f2 2026-01-02", "visit f1 2026-02-01"]
    assert "visit f1 2026-01-02" not in out["visitNoNext"]
    assert "visit f2 2026-01-02" in out["visitNoNext"]
    assert "session f1 2026-03-01" in out["session"]
    assert "session f1 2026-01-03" not in out["session"]
    # A service done (or not done) closes the earliest open one of its type.
    assert "service f1 2026-01-01" not in out["done"]
    assert "service f1 2026-01-04" in out["done"]
    assert len(out["continues"]) == 6
    assert len(out["other"]) == 6
    assert "follow_up f1 2026-01-05" not in out["followUp"]
    assert len(out["followUp"]) == 5


def test_my_work_offline_is_in_the_users_language(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    """In Serbian (Cyrillic) the labels come from the shell, the counts from the
    browser catalogs."""
    pwa.login(page, "social")
    page.goto("/?lang=sr_Cyrl")
    pwa.wait_until(
        page,
        "(await caches.match('/cases/my-work?shell=1&lang=sr_Cyrl')) !== undefined",
    )
    context.set_offline(True)
    open_my_work(page, pwa)
    assert page.locator("html").get_attribute("lang") in ("sr-Cyrl", "sr_Cyrl")
    text = page.locator("[data-due-list]").inner_text()
    assert "Ревизија плана" in text  # the review the demo has 5 days late
    assert "касни 5 дана" in text
    assert "overdue" not in text
    context.set_offline(False)
    page.goto("/?lang=sq")  # the demo user is shared by the session's tests
