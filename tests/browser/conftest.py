"""Real-browser fixtures: the app in a real HTTP server thread, Debian Chromium via Playwright.

One server (fresh migrated SQLite file, demo staff/families/courses) and one browser per
session; each test gets its own browser context (its own IndexedDB, caches, worker).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import Playwright
from playwright.sync_api import sync_playwright
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from fieldapp import create_app
from fieldapp import db
from fieldapp.demo.cli import load_demo

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PASSWORD = "a long browser-test passphrase"
#: The PIN the tests choose at the first sign-in on a phone (issue 19).
PIN = "280461"
TEST_DATA_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="
#: Hides Background Sync, as in browsers without it (Firefox, Safari).
HIDE_BACKGROUND_SYNC = (
    "Object.defineProperty(ServiceWorkerRegistration.prototype,'sync',"
    "{get(){return undefined}})"
)
HERE = Path(__file__).resolve().parent
AXE = HERE.parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this directory `browser`."""
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """The app served over HTTP on 127.0.0.1, plus ways to look at what it stored."""

    def __init__(self, app: Flask, server: BaseWSGIServer) -> None:
        self.app = app
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"

    def scalar(self, sql: str, **params: Any) -> Any:
        """Run one SQL query on the server's database and return the first column."""
        with db.engine(self.app).connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()

    def count(
        self, uuids: list[str] | None = None, *, form_id: str | None = None
    ) -> dict[str, int]:
        """Return how many times each submission uuid was stored (all, or of ``form_id``)."""
        with db.engine(self.app).connect() as connection:
            rows = connection.execute(
                sa.text("SELECT uuid, form_id FROM submission")
            ).all()
        found: dict[str, int] = {}
        for uuid_value, form in rows:
            key = str(uuid_value).replace("-", "")
            if form_id and form != form_id:
                continue
            found[key] = found.get(key, 0) + 1
        if uuids is None:
            return found
        return {u: found.get(u.replace("-", ""), 0) for u in uuids}

    def expire_sessions(self) -> None:
        """End every login on the server, as an idle timeout would."""
        with db.engine(self.app).begin() as connection:
            connection.execute(sa.text("DELETE FROM auth_session"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Serve a fresh app with demo data from a thread for the whole session."""
    folder = tmp_path_factory.mktemp("browser-app")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser test secret",
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite"),
            "SESSION_COOKIE_SECURE": False,
            "DATA_KEYS": TEST_DATA_KEY,
            "PUSH_ALLOW_LOOPBACK": True,
            "HSTS_SECONDS": 0,
        }
    )
    app.instance_path = str(folder / "instance")
    db.upgrade(app)
    with app.app_context():
        load_demo(PASSWORD)
        db.session().commit()
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, server)
    server.shutdown()
    thread.join(timeout=5)
    db.engine(app).dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright driver per session."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, shared by all tests."""
    instance = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=ARGS
    )
    yield instance
    instance.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser profile (its own storage and service worker)."""
    ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}
    )
    ctx.set_default_timeout(15000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in ``context``."""
    return context.new_page()


class PWA:
    """Helpers the browser tests share (importable modules are not, under importlib)."""

    @staticmethod
    def login(
        page: Page, username: str, password: str = PASSWORD, pin: str = PIN
    ) -> None:
        """Sign in through the login page, choose the PIN if the phone asks for one,
        and wait until the app is ready offline."""
        page.goto("/auth/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("form[data-replace-history] button[type=submit]")
        page.wait_for_url(lambda url: "/auth/login" not in url)
        PWA.vault_open(page, pin)
        PWA.ready(page)

    @staticmethod
    def vault_state(page: Page) -> str:
        """'open', 'locked' or '' (not decided yet): html[data-vault] of lock.js."""
        for _ in range(3):
            try:
                return str(
                    page.evaluate("document.documentElement.dataset.vault || ''")
                )
            except PlaywrightError as error:
                if "Execution context was destroyed" not in str(error):
                    raise
                page.wait_for_timeout(100)
        return ""

    @staticmethod
    def vault_open(page: Page, pin: str = PIN, timeout_ms: int = 20000) -> None:
        """Wait until the vault is open, choosing ``pin`` or entering it if asked."""
        for _ in range(timeout_ms // 100):
            if PWA.vault_state(page) == "open":
                return
            if page.locator("#vault-setup").count():
                page.fill("#vault-new-pin", pin)
                page.fill("#vault-new-pin-2", pin)
                page.click("#vault-setup button[type=submit]")
                page.wait_for_selector("#vault-setup", state="detached")
            elif (
                page.locator("#vault-unlock").count()
                and not page.locator("#vault-unlock button[disabled]").count()
            ):
                page.fill("#vault-pin", pin)
                page.click("#vault-unlock button[type=submit]")
                for _ in range(50):
                    if not page.locator("#vault-unlock button[disabled]").count():
                        break
                    page.wait_for_timeout(100)
            page.wait_for_timeout(100)
        raise AssertionError(f"the vault did not open: {PWA.vault_state(page)}")

    @staticmethod
    def ready(page: Page) -> None:
        """Wait for the worker to control the page and the first pull to be stored."""
        PWA.poll(page, "navigator.serviceWorker.controller !== null")
        PWA.wait_until(
            page, "(await db.getMeta('cursor')) && (await db.getMeta('pagesSignature'))"
        )

    @staticmethod
    def poll(page: Page, expression: str, timeout_ms: int = 30000) -> None:
        """Evaluate ``expression`` until it is truthy (30 s: Playwright's own default).

        Not page.wait_for_function: given a string it evals it inside the page, which
        our CSP forbids (script-src 'self'); page.evaluate goes through the DevTools
        protocol instead. A navigation under way is waited out.
        """
        for _ in range(timeout_ms // 100):
            try:
                if page.evaluate(expression):
                    return
            except PlaywrightError as error:
                if "Execution context was destroyed" not in str(error):
                    raise
            page.wait_for_timeout(100)
        worker = page.evaluate(
            "navigator.serviceWorker.getRegistration().then((r) => r ? {"
            " installing: !!r.installing, waiting: !!r.waiting,"
            " active: r.active ? r.active.state : null } : null)"
        )
        raise AssertionError(
            f"still false after {timeout_ms} ms: {expression} (worker: {worker})"
        )

    @staticmethod
    def wait_until(page: Page, expression: str, timeout_ms: int = 15000) -> None:
        """Poll ``expression`` (see idb()) until it is truthy."""
        for _ in range(timeout_ms // 100):
            if PWA.idb(page, expression):
                return
            page.wait_for_timeout(100)
        raise AssertionError(f"still false after {timeout_ms} ms: {expression}")

    @staticmethod
    def idb(page: Page, expression: str) -> Any:
        """Evaluate ``expression`` with `db` (local-db.js), `outbox` and `sync` modules in scope."""
        return page.evaluate(
            "async () => { const db = await import('/static/js/local-db.js');"
            " const outbox = await import('/static/js/outbox.js');"
            " const sync = await import('/static/js/sync.js');"
            f" return await ({expression}); }}"
        )

    @staticmethod
    def queued(page: Page) -> list[str]:
        """Return the uuids in the outbox of ``page``'s browser profile."""
        result: list[str] = PWA.idb(page, "(await outbox.list()).map((r) => r.uuid)")
        return result

    @staticmethod
    def enqueue_visits(page: Page, n: int) -> list[str]:
        """Put ``n`` valid home visits in the outbox through outbox.js; return their uuids."""
        uuids: list[str] = PWA.idb(
            page,
            f"""(async () => {{
              const user = await db.getMeta('user');
              const family = (await db.all('families'))[0];
              const out = [];
              for (let i = 0; i < {n}; i += 1) {{
                const item = {{ uuid: crypto.randomUUID(), form_id: 'home_visit', form_version: 1,
                  subject_id: family.id, course_id: null, started_at: new Date().toISOString(),
                  completed_at: new Date().toISOString(), respondent_locale: 'sq',
                  author_id: user.id, answers: {{ visit_date: '2026-01-1' + (i % 10),
                  present_members: [family.members[0].id], living_conditions: 3,
                  risk_level: 'low' }} }};
                await outbox.enqueue(item, {{ label: 'visit ' + i }});
                out.push(item.uuid);
              }}
              return out;
            }})()""",
        )
        return uuids


@pytest.fixture(scope="session")
def pwa() -> type[PWA]:
    """The helpers: login, ready, idb, queued."""
    return PWA
