"""Issue 19: the phone as a vault, in a real Chromium.

Everything naming a person is encrypted in IndexedDB under a data key wrapped by the
PIN and by a key the server holds for the device; a locked phone still sends.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

#: Demo names, villages and a note the tests type: none may be readable on the phone.
SECRETS = ["Krasniqi", "Gashi", "Berisha", "Bardhosh", "Landovic", "Fatime", "Shpresa"]
NOTE = "Zgjedhja-e-fshehte-e-shenimit"
WRONG = "975310"
NEW_PIN = "barn owl at dusk"

#: Every record of every store, with binary parts in each encoding the app could use
#: (UTF-8 and Latin-1 text, base64), and every string also base64-decoded.
DUMP = """async () => {
  const out = [];
  const bin = (buf) => {
    const bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const latin = String.fromCharCode(...bytes);
    out.push(latin, new TextDecoder().decode(bytes), btoa(latin));
  };
  const walk = (v) => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) { bin(v); return; }
    if (typeof v === 'string') {
      out.push(v);
      try { const d = atob(v); out.push(d, new TextDecoder().decode(Uint8Array.from(d, (c) => c.charCodeAt(0)))); } catch (e) {}
      return;
    }
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push(k); walk(x); }
    else out.push(String(v));
  };
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('fieldapp'); r.onsuccess = () => resolve(r.result); r.onerror = reject;
  });
  for (const name of db.objectStoreNames) {
    const rows = await new Promise((resolve) => {
      const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => resolve(r.result);
    });
    out.push(JSON.stringify({ store: name, n: rows.length }));
    walk(rows);
  }
  db.close();
  return out.join('\\n');
}"""

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


def count_rows(page: Page, store: str) -> int:
    return int(
        page.evaluate(
            """async (store) => { const db = await new Promise((ok) => {
              const r = indexedDB.open('fieldapp'); r.onsuccess = () => ok(r.result); });
              const n = await new Promise((ok) => { const r = db.transaction(store)
                .objectStore(store).count(); r.onsuccess = () => ok(r.result); });
              db.close(); return n; }""",
            store,
        )
    )


def queue_with_note(page: Page, pwa: Any) -> str:
    """Queue a home visit naming a demo family, with a note; return its uuid."""
    return str(
        pwa.idb(
            page,
            f"""(async () => {{
              const user = await db.getMeta('user');
              const family = (await db.all('families')).find((f) => f.name === 'Krasniqi');
              const item = {{ uuid: crypto.randomUUID(), form_id: 'home_visit', form_version: 1,
                subject_id: family.id, course_id: null, started_at: new Date().toISOString(),
                completed_at: new Date().toISOString(), respondent_locale: 'sq',
                author_id: user.id, answers: {{ visit_date: '2026-01-12',
                present_members: [family.members[0].id], living_conditions: 3,
                risk_level: 'low', observations: '{NOTE}' }} }};
              await outbox.enqueue(item, {{ label: 'Vizita · ' + family.name + ' · ' + family.village }});
              await db.put('drafts', {{ uuid: crypto.randomUUID(), authorId: user.id,
                draftKey: [user.id, 'home_visit', family.id, ''].join('|'), formId: 'home_visit',
                updatedAt: new Date().toISOString(), label: family.name,
                snapshot: {{ fields: [['observations', '{NOTE}']] }} }});
              return item.uuid;
            }})()""",
        )
    )


def locked_screen(page: Page) -> None:
    page.wait_for_selector("#vault-unlock")
    assert page.locator("#main").is_hidden()


def enter_pin(page: Page, pin: str) -> None:
    page.fill("#vault-pin", pin)
    page.click("#vault-unlock button[type=submit]")
    for _ in range(200):
        if not page.locator("#vault-unlock button[disabled]").count():
            return
        page.wait_for_timeout(100)


def test_the_raw_database_and_the_caches_name_nobody(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    pwa.login(page, "social")
    context.set_offline(True)  # keep the queued item on the phone
    queue_with_note(page, pwa)
    # Through the app, with the key, everything is there.
    assert pwa.idb(
        page, "(await db.all('families')).some((f) => f.name === 'Krasniqi')"
    )
    assert pwa.idb(page, "(await outbox.list())[0].item.answers.observations") == NOTE
    for store in ("families", "outbox", "drafts"):
        assert count_rows(page, store) > 0, store
    dump = page.evaluate(DUMP)
    assert '"store":"families"' in dump
    for secret in [*SECRETS, NOTE]:
        assert secret.lower() not in dump.lower(), secret
    cached = page.evaluate(CACHES)
    assert "/forms/" in cached  # the shell pages are there
    for secret in [*SECRETS, NOTE]:
        assert secret.lower() not in cached.lower(), secret


def test_offline_reload_asks_for_the_pin_and_a_wrong_pin_shows_nothing(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    pwa.login(page, "social")
    page.goto("/forms/home_visit")
    page.wait_for_selector("#fill-form[data-enhanced]")
    context.set_offline(True)
    page.reload()
    locked_screen(page)
    enter_pin(page, WRONG)
    assert page.inner_text("#vault-error") == "PIN i gabuar."
    locked_screen(page)
    text = page.inner_text("body")
    for secret in SECRETS:
        assert secret not in text
    assert pwa.idb(page, "(await db.all('families')).every((f) => f.locked && !f.name)")
    pwa.vault_open(page)
    page.wait_for_selector("#fill-form[data-enhanced]")
    assert "Krasniqi" in page.inner_text("#subject_id")


def test_a_locked_phone_still_sends(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    context.set_offline(True)
    uuid = queue_with_note(page, pwa)
    page.reload()
    locked_screen(page)
    context.set_offline(False)
    pwa.idb(page, "sync.requestSync('test')")
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    assert live_server.count([uuid]) == {uuid: 1}
    locked_screen(page)  # sent without the PIN


def test_five_wrong_pins_lock_out_and_a_password_sign_in_recovers_everything(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    pwa.login(page, "social")
    families = pwa.idb(page, "(await db.all('families')).length")
    context.set_offline(True)
    uuid = queue_with_note(page, pwa)
    page.reload()
    locked_screen(page)
    for _ in range(5):
        if not page.locator("#vault-unlock").count():
            break
        enter_pin(page, WRONG)
    page.wait_for_selector("#vault-lock:not(:has(form))")
    assert not page.locator("#vault-unlock").count()
    # The PIN wrapping is gone; the data and the queued form are not.
    assert (
        pwa.idb(
            page, "(await db.getMeta('vault:' + (await db.getMeta('user')).id)).pin"
        )
        is None
    )
    assert count_rows(page, "outbox") == 1
    # The session ended meanwhile: nothing can be sent until the user signs in.
    live_server.expire_sessions()
    context.set_offline(False)
    pwa.idb(page, "sync.requestSync('test')")
    assert live_server.count([uuid]) == {uuid: 0}
    pwa.login(page, "social", pin="147036")  # recovery through the server, new PIN
    pwa.wait_until(page, "(await outbox.list()).length === 0")
    pwa.idb(page, "sync.requestSync('again')")
    assert live_server.count([uuid]) == {uuid: 1}
    assert pwa.idb(page, "(await db.all('families')).length") == families
    assert pwa.idb(page, "(await db.all('drafts'))[0].snapshot.fields[0][1]") == NOTE
    # The new PIN opens the phone offline.
    context.set_offline(True)
    page.reload()
    locked_screen(page)
    enter_pin(page, "147036")
    pwa.wait_until(page, "document.documentElement.dataset.vault === 'open'")


def test_the_phone_locks_when_idle(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    live_server.app.config["VAULT_IDLE_MINUTES"] = 0.05  # 3 seconds
    try:
        pwa.login(page, "social")
        page.goto("/forms/home_visit")
        page.wait_for_selector("#fill-form[data-enhanced]")
        page.wait_for_selector("#vault-unlock", timeout=15000)
        assert page.locator("#main").is_hidden()
        assert "Krasniqi" not in page.inner_text("body")
    finally:
        live_server.app.config["VAULT_IDLE_MINUTES"] = 5


def test_after_a_revoked_devices_wipe_the_next_unlock_finds_nothing(
    page: Page, context: BrowserContext, live_server: Any, pwa: Any
) -> None:
    import uuid as uuid_module

    pwa.login(page, "psych")
    user_id = pwa.idb(page, "(await db.getMeta('user')).id")
    device = pwa.idb(page, f"await db.getMeta('deviceId:{user_id}')")
    with live_server.app.app_context():
        from fieldapp import db
        from fieldapp.devices import services
        from fieldapp.devices.models import Device

        row = db.session().get(Device, uuid_module.UUID(device))
        assert row.vault_key
        from fieldapp.auth.models import User

        services.revoke(row, db.session().get(User, row.user_id))
        db.session().commit()
        assert db.session().get(Device, uuid_module.UUID(device)).vault_key == ""
    pwa.idb(page, "sync.requestSync('test')")
    pwa.wait_until(page, "Boolean(await db.getMeta('revokedAt'))")
    page.reload()
    page.wait_for_timeout(1000)
    assert not page.locator("#vault-unlock").count()  # no vault left to open
    for store in ("families", "courses", "outbox", "drafts", "receipts"):
        assert count_rows(page, store) == 0, store
    keys = page.evaluate(
        """async () => { const db = await new Promise((ok) => {
          const r = indexedDB.open('fieldapp'); r.onsuccess = () => ok(r.result); });
          const k = await new Promise((ok) => { const r = db.transaction('meta')
            .objectStore('meta').getAllKeys(); r.onsuccess = () => ok(r.result); });
          db.close(); return k; }"""
    )
    assert keys == ["revokedAt"]


def test_changing_the_pin_keeps_every_item(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    pwa.login(page, "social")
    page.goto("/settings/phone")
    page.wait_for_selector("[data-change-pin]:not([hidden])")
    assert "enkriptuara" in page.inner_text(
        "#phone-encrypted"
    )  # social works in Albanian
    assert page.inner_text("[data-last-sync]").strip()
    context.set_offline(True)
    uuid = queue_with_note(page, pwa)
    families = pwa.idb(page, "(await db.all('families')).length")
    page.fill("#pin-current", WRONG)
    page.fill("#pin-new", NEW_PIN)
    page.fill("#pin-again", NEW_PIN)
    page.click("[data-change-pin] button[type=submit]")
    pwa.wait_until(
        page, "document.querySelector('[data-pin-message]').textContent !== ''"
    )
    assert page.inner_text("[data-pin-message]") == "PIN i gabuar."
    page.fill("#pin-current", "280461")
    page.click("[data-change-pin] button[type=submit]")
    pwa.wait_until(
        page,
        "document.querySelector('[data-pin-message]').textContent === 'PIN-i u ndryshua.'",
        timeout_ms=20000,
    )
    page.reload()
    locked_screen(page)
    enter_pin(page, "280461")  # the old PIN no longer opens it
    locked_screen(page)
    enter_pin(page, NEW_PIN)
    pwa.wait_until(page, "document.documentElement.dataset.vault === 'open'")
    assert pwa.idb(page, "(await outbox.list()).map((r) => r.uuid)") == [uuid]
    assert pwa.idb(page, "(await outbox.list())[0].item.answers.observations") == NOTE
    assert pwa.idb(page, "(await db.all('families')).length") == families
    assert pwa.idb(page, "(await db.all('drafts')).length") == 1


def test_after_a_long_silence_the_unlock_deletes_the_caseload_not_the_outbox(
    page: Page, context: BrowserContext, pwa: Any
) -> None:
    pwa.login(page, "social")
    context.set_offline(True)
    uuid = queue_with_note(page, pwa)
    pwa.idb(
        page,
        "db.setMeta('lastSyncAt', new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString())",
    )
    page.reload()
    locked_screen(page)
    enter_pin(page, "280461")
    pwa.wait_until(page, "Boolean(await db.getMeta('silenceWipedAt'))")
    assert pwa.idb(page, "(await db.all('families')).length") == 0
    assert pwa.idb(page, "(await outbox.list()).map((r) => r.uuid)") == [uuid]


def test_quick_exit_locks(page: Page, context: BrowserContext, pwa: Any) -> None:
    pwa.login(page, "social")
    context.set_offline(True)
    page.goto("/forms/home_visit")
    page.wait_for_selector("#fill-form[data-enhanced]")
    context.route("https://www.google.com/**", lambda route: route.fulfill(body="ok"))
    page.click("#quick-exit")
    page.wait_for_url(lambda url: "google" in url)
    page.goto("/forms/home_visit")  # not a reload: only the lock asks for the PIN
    locked_screen(page)


def test_one_device_id_however_many_ask_at_once(page: Page, pwa: Any) -> None:
    """At the first sign-in the sync loop and the vault both ask for the device id
    before either has stored one. Two ids meant the session was bound to one and then
    ended by a request naming the other: the vault stayed locked after signing in."""
    page.goto("/auth/login")
    ids = page.evaluate(
        """async () => {
          const sync = await import('/static/js/sync.js');
          const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(() => sync.deviceId(424242)));
          const again = await sync.deviceId(424242);
          return [...ids, again];
        }"""
    )
    assert len(ids) == 7
    assert len(set(ids)) == 1, ids
