"""Lighthouse (mobile profile) on the login page, the start page and a form; prints the
performance score and the cumulative layout shift (CLS) beside the targets (issue 21).

    npm ci --prefix bench/lighthouse        # once: Lighthouse, pinned in package.json
    .venv/bin/python bench/lighthouse.py [--runs 3] [--lang sq]

Targets: CLS <= 0.05 and a performance score >= 95 on each page (Lighthouse's default
mobile profile: an emulated mid-range phone, simulated slow 4G, 4x CPU slowdown).

The app runs with the demo data from a temporary SQLite database on 127.0.0.1, served
by werkzeug's threaded server (no compression: a real deployment is faster). Debian's
Chromium runs once with a profile of its own: Lighthouse measures the login page signed
out, then the script signs in as a social worker in that browser (Playwright; the PIN
chosen, the first pull and the offline copies done, as on a phone in use) and Lighthouse
measures the start page and the home visit form with storage kept (the signed-in
session, the service worker and the vault's key as a worker's phone has them).
Figures are medians of --runs runs. Nothing is pass/fail: compare with the targets.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pwa_budget import ARGS
from pwa_budget import CHROMIUM
from pwa_budget import login
from pwa_budget import serve

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
TARGET_SCORE = 95
TARGET_CLS = 0.05
PAGES = [
    ("login page", "/auth/login", False),
    ("start page", "/", True),
    ("home visit form", "/forms/home_visit", True),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lighthouse(url: str, port: int, out: Path) -> dict[str, Any]:
    """Run Lighthouse once on ``url`` in the browser at ``port``; return its report."""
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--port={port}",
            "--only-categories=performance",
            "--disable-storage-reset",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def figures(report: dict[str, Any]) -> dict[str, float]:
    audits = report["audits"]
    return {
        "score": round(100 * (report["categories"]["performance"]["score"] or 0)),
        "cls": float(audits["cumulative-layout-shift"]["numericValue"]),
        "fcp": float(audits["first-contentful-paint"]["numericValue"]),
        "lcp": float(audits["largest-contentful-paint"]["numericValue"]),
        "tbt": float(audits["total-blocking-time"]["numericValue"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median)")
    parser.add_argument("--lang", default="sq", help="interface language")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: npm ci --prefix bench/lighthouse")
    results: dict[str, list[dict[str, float]]] = {}
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    keep = HERE / "results"  # the last reports, for a closer look (not in git)
    keep.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base, server = serve(folder)
        port = free_port()
        try:
            with sync_playwright() as p:
                context = p.chromium.launch_persistent_context(
                    str(folder / "profile"),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=[*ARGS, f"--remote-debugging-port={port}"],
                    base_url=base,
                    viewport={"width": 360, "height": 740},
                )
                page = context.pages[0] if context.pages else context.new_page()
                page.goto(f"/auth/login?lang={args.lang}")
                signed_in = False
                for name, path, needs_login in PAGES:
                    if needs_login and not signed_in:
                        login(page, "social")
                        page.goto("about:blank")
                        signed_in = True
                    for run in range(args.runs):
                        out = keep / f"lighthouse-{name.replace(' ', '-')}-{run}.json"
                        report = lighthouse(base + path, port, out)
                        results.setdefault(name, []).append(figures(report))
                context.close()
        finally:
            server.shutdown()

    version = json.loads(
        (
            HERE / "lighthouse" / "node_modules" / "lighthouse" / "package.json"
        ).read_text()
    )["version"]
    print(
        f"Lighthouse {version}, mobile profile, "
        f"median of {args.runs} run(s), language {args.lang}"
    )
    print(
        f"{'page':<18} {'score':>5} {'target':>7}   {'CLS':>6} {'target':>7}   "
        f"{'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7}"
    )
    for name, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"{name:<18} {med['score']:>5.0f} {'>= ' + str(TARGET_SCORE):>7}   "
            f"{med['cls']:>6.3f} {'<= ' + str(TARGET_CLS):>7}   "
            f"{med['fcp']:>7.0f} {med['lcp']:>7.0f} {med['tbt']:>7.0f}"
        )


if __name__ == "__main__":
    main()
