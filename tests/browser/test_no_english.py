"""Issue 21 item 2: in sq, sr_Latn and sr_Cyrl no English reaches the screen from the
phone's own texts: the status line (and its details), the outbox, drafts, a rejected
item's errors, the offline page, the look-up pages kept offline and the update prompt.

The English is every msgid of the JS catalog (fieldapp/translations/messages-js.pot):
each literal stretch of a msgid (between its placeholders) of two words or more must
not appear in the visible text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page

from fieldapp import db

POT = (
    Path(__file__).resolve().parents[2]
    / "fieldapp"
    / "translations"
    / "messages-js.pot"
)
#: English words the phone's texts use, which no translation keeps.
WORDS = {
    "waiting",
    "sent",
    "draft",
    "saved",
    "offline",
    "online",
    "details",
    "reload",
    "receipt",
    "forms",
    "ago",
    "hours",
    "minutes",
    "corrections",
    "continue",
    "sync",
    "phone",
    "none",
}  # not "version": Albanian writes it so too


@pytest.fixture
def language_restored(live_server: Any) -> Iterator[None]:
    """Give "social" back the interface language of the demo (sq) after the test:
    switching the language is remembered on the account, and the next tests expect sq."""
    yield
    with db.engine(live_server.app).begin() as connection:
        connection.execute(
            sa.text('UPDATE "user" SET locale = :lang WHERE username = :name'),
            {"lang": "sq", "name": "social"},
        )


def english_fragments() -> list[str]:
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    out: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for msgid in ids:
            for piece in re.split(r"%\(\w+\)[sd]|%%", msgid):
                piece = piece.strip(" .,:;·()“”\"'")
                if len(piece.split()) >= 2:
                    out.add(piece)
    return sorted(out)


def english_on(text: str, fragments: list[str]) -> list[str]:
    found = [f for f in fragments if f in text]
    words = set(re.findall(r"[a-z]+", text.lower()))
    return found + sorted(words & WORDS)


def visible(page: Page) -> str:
    """The text a person sees: the status line with its details open, and the page."""
    toggle = page.locator("#status .status-toggle")
    if toggle.count() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    return str(page.locator("body").inner_text())


def open_(page: Page, pwa: Any, path: str) -> None:
    page.goto(path)
    pwa.vault_open(page)
    pwa.poll(page, "document.querySelector('#status .status-toggle') !== null")


@pytest.mark.parametrize("lang", ["sq", "sr_Latn", "sr_Cyrl"])
def test_no_english_on_the_phones_own_screens(
    page: Page,
    context: BrowserContext,
    live_server: Any,
    pwa: Any,
    lang: str,
    language_restored: None,
) -> None:
    fragments = english_fragments()
    assert "waiting to be sent" in " ".join(fragments)  # the catalog was read
    pwa.login(page, "social")
    page.goto(f"/?lang={lang}")
    pwa.vault_open(page)
    pwa.wait_until(
        page, f"(await caches.match('/?shell=1&lang={lang}')) !== undefined", 20000
    )
    page.route("**/api/v1/sync/push", lambda route: route.abort())  # items stay
    _waiting, rejected = pwa.enqueue_visits(page, 2)
    pwa.idb(
        page,
        f"""(async () => {{
          const r = await outbox.find('{rejected}');
          r.state = 'rejected';
          r.errors = {{ visit_date: [{{ code: 'required', message: 'x' }}] }};
          await db.put('outbox', r);
          const user = await db.getMeta('user');
          await db.put('drafts', {{ uuid: crypto.randomUUID(), authorId: user.id,
            draftKey: 'k', formId: 'home_visit', url: '/forms/home_visit',
            startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
            label: 'Morina', snapshot: {{ fields: [], rows: {{}} }} }});
          await db.setMeta('persistRefused', true);
          await db.setMeta('storageNoticeSeen', null);
        }})()""",
    )
    screens: dict[str, str] = {}
    open_(page, pwa, "/")
    screens["start, status line"] = visible(page)
    open_(page, pwa, "/outbox")
    page.wait_for_selector("[data-outbox-rejected] li[data-rejected]")
    screens["outbox, drafts, errors"] = visible(page)
    open_(page, pwa, "/forms/home_visit")
    page.click("#fill-form button[type=submit]:visible")  # nothing filled: errors
    page.wait_for_selector(".error-summary[data-js-error]")
    screens["form errors"] = visible(page)
    context.set_offline(True)
    for path in ("/", "/families/", "/outbox", "/submissions/"):
        page.goto(path)
        pwa.vault_open(page)
        page.wait_for_selector("#status .status-toggle")
        screens[f"offline {path}"] = visible(page)
    context.set_offline(False)
    pwa.poll(page, "!document.querySelector('[data-offline-page]')")  # it gives way
    pwa.vault_open(page)
    # The update prompt, as a new service worker waiting makes it.
    live_server.app.config["PWA_BUILD"] = f"no-english-{lang}"
    try:
        page.goto("/")
        pwa.vault_open(page)
        page.evaluate(
            "navigator.serviceWorker.getRegistration().then((r) => r.update())"
        )
        page.locator("#status [data-reload]").wait_for()
        screens["update prompt"] = visible(page)
    finally:
        live_server.app.config.pop("PWA_BUILD")
    problems = {
        name: found
        for name, text in screens.items()
        if (found := english_on(text.replace("fieldapp", ""), fragments))
    }
    assert problems == {}, problems
