"""Issue 21 item 7: offline, the start page, the families list, a family page and the
outbox open from what the phone holds, and no cache names anybody."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

FALLBACK = "[data-offline-page]"

#: Every cached response, as text, with its address.
CACHES = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out.push(request.url, await response.text());
    }
  }
  return out.join('\\n');
}"""


def day(iso: str | None) -> str:
    if not iso:
        return "–"
    y, m, d = iso[:10].split("-")
    return f"{d}.{m}.{y}"


def shells_cached(page: Page, pwa: Any, lang: str = "sq") -> None:
    for path in ("/", "/families/", "/families/shell", "/outbox"):
        pwa.poll(
            page,
            f"caches.open('fieldapp-pages').then((c) => c.match('{path}?shell=1&lang={lang}')).then(Boolean)",
        )


def open_offline(page: Page, pwa: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None, path
    assert response.from_service_worker, path
    pwa.vault_open(page)  # the worker may have stopped and forgotten the key
    assert page.locator(FALLBACK).count() == 0, f"{path} fell back to the offline page"


def test_a_family_can_be_looked_up_offline_and_its_visit_started(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    pwa.login(page, "social")
    shells_cached(page, pwa)
    families = pwa.idb(page, "db.all('families')")
    family = max(families, key=lambda f: (bool(f["last_visit_on"]), len(f["members"])))
    context.set_offline(True)

    open_offline(page, pwa, "/")
    page.wait_for_selector("[data-offline-forms]:not([hidden]) .card")
    count = page.locator("[data-family-count]")
    pwa.poll(
        page, "/\\d/.test(document.querySelector('[data-family-count]').textContent)"
    )
    assert str(len(families)) in count.inner_text()

    count.click()
    page.wait_for_url("**/families/")
    pwa.vault_open(page)
    assert page.locator(FALLBACK).count() == 0
    rows = page.locator("[data-family-list] li[data-family]")
    rows.first.wait_for()
    assert rows.count() == len(families)
    page.fill("[data-family-filter]", family["name"][:4].lower())
    page.locator(f"[data-family='{family['id']}'] a").click()

    page.wait_for_url(f"**/families/{family['id']}")
    pwa.vault_open(page)
    assert page.locator(FALLBACK).count() == 0
    page.wait_for_selector(f"[data-family-shell][data-filled='{family['id']}']")
    assert page.locator("h1").inner_text() == family["name"]
    text = page.locator("[data-family-shell]").inner_text()
    assert family["village"] in text
    assert (
        day(family["last_visit_on"])
        in page.locator("[data-family-last-visit]").inner_text()
    )
    assert (
        day(family["next_visit_on"])
        == page.locator("[data-family-next-visit]").inner_text()
    )
    assert page.locator("[data-family-programme]").inner_text() not in ("", "–")
    members = page.locator("[data-family-members] li").all_inner_texts()
    assert [m.split(" (")[0] for m in members] == [
        m["full_name"] for m in family["members"]
    ]
    assert page.locator("a[data-up]").get_attribute("href") == "/families/"

    page.locator("a[data-form-link][href^='/forms/home_visit']").click()
    page.wait_for_url("**/forms/home_visit?family=*")
    pwa.vault_open(page)
    page.wait_for_selector("#fill-form[data-shell='1'][data-enhanced]")
    assert page.locator("#subject_id").input_value() == family["id"]

    open_offline(page, pwa, "/outbox")
    page.wait_for_selector("[data-outbox-page] [data-outbox-sent] li")


def test_the_offline_page_leads_to_the_start_page_and_goes_when_connected(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    pwa.login(page, "social")
    shells_cached(page, pwa)
    context.set_offline(True)
    page.goto("/submissions/")  # a page never kept for offline use
    page.wait_for_selector(FALLBACK)
    page.click("[data-start-link]")
    pwa.vault_open(page)
    page.wait_for_selector("[data-start-shell]")
    assert page.locator(FALLBACK).count() == 0
    page.goto("/submissions/")
    page.wait_for_selector(FALLBACK)
    context.set_offline(False)
    # The real page replaces the stand-in: nothing says "offline" any more.
    pwa.poll(page, "!document.querySelector('[data-offline-page]')")
    pwa.vault_open(page)
    pwa.poll(page, "document.getElementById('status').textContent.length > 0")
    # Nothing says "offline" (sq: "pa lidhje") any more: the heading or the status line.
    assert "pa lidhje" not in page.locator("h1").inner_text().lower()
    pwa.poll(page, "!/Pa lidhje/.test(document.getElementById('status').textContent)")


def test_the_caches_name_nobody(page: Page, context: BrowserContext, pwa: Any) -> None:
    pwa.login(page, "social")
    shells_cached(page, pwa)
    names = pwa.idb(
        page,
        "(async () => { const out = []; for (const f of await db.all('families')) {"
        " out.push(f.name, f.village); for (const m of f.members) out.push(m.full_name); }"
        " for (const c of await db.all('courses')) for (const s of c.roster) out.push(s.full_name);"
        " out.push((await db.getMeta('user')).full_name || ''); return out.filter(Boolean); })()",
    )
    assert len(names) > 5
    cached = page.evaluate(CACHES)
    assert "/families/shell?shell=1" in cached
    assert "/?shell=1" in cached
    for name in names:
        assert name not in cached, name
    # The signed-in worker's own name is on the live pages, never on the kept copies.
    assert "Shpresa" not in cached
