"""Screenshot pages at a phone's size (360x740) in each language, for a human to judge.

Usage: python tools/screenshots.py BASE_URL PASSWORD OUTDIR [role:path ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

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


def main() -> None:
    """Log in as each role given and capture its pages in every language."""
    base, password, outdir, *targets = sys.argv[1:]
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    langs = ["sq", "sr_Latn", "sr_Cyrl", "en"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        by_role: dict[str, list[str]] = {}
        for target in targets:
            role, path = target.split(":", 1)
            by_role.setdefault(role, []).append(path)
        for role, paths in by_role.items():
            ctx = browser.new_context(
                viewport={"width": 360, "height": 740}, device_scale_factor=1
            )
            page = ctx.new_page()
            if role != "anon":
                page.goto(base + "/auth/login?lang=en")
                page.fill("#username", role)
                page.fill("#password", password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            for path in paths:
                for lang in langs:
                    sep = "&" if "?" in path else "?"
                    page.goto(f"{base}{path}{sep}lang={lang}")
                    page.wait_for_load_state("networkidle")
                    name = (
                        f"{role}{path.replace('/', '_').replace('?', '_')}_{lang}.png"
                    )
                    page.screenshot(path=str(out / name), full_page=True)
                    print(out / name)
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
