"""The quarterly donor report prints to A4: a sane page count, no text cut, charts kept.

Chromium renders the report (demo data of the current quarter) to PDF through
page.pdf(); the page count comes from the PDF's page objects. "No text cut" is checked
in print emulation with the viewport as wide as the A4 page's content area, where the
print layout is the same: nothing wider than the page, no table wider than its box, no
element that clips its text.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page

from fieldapp.reports.services import current_quarter

#: A4 is 210 x 297 mm; page.pdf() below prints with 15 mm margins all round.
MARGIN_MM = 15
MM = 96 / 25.4  # CSS pixels per millimetre
CONTENT_WIDTH = math.floor((210 - 2 * MARGIN_MM) * MM)
CONTENT_HEIGHT = math.floor((297 - 2 * MARGIN_MM) * MM)
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")

#: Everything that overflows the page or its own box, and every chart as printed.
LAYOUT = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    if (el.closest('.visually-hidden')) continue;  // for screen readers, 1px on purpose
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    if (box.right > width + 1) wide.push(`${name} ends at ${Math.round(box.right)} > ${width}`);
    const style = getComputedStyle(el);
    const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1) wide.push(`${name} clips ${el.scrollWidth} > ${el.clientWidth}`);
  }
  for (const table of document.querySelectorAll('.report table')) {
    const box = table.parentElement.getBoundingClientRect();
    if (table.getBoundingClientRect().width > box.width + 1) wide.push(`table ${table.querySelector('caption')?.textContent} wider than its box`);
  }
  const charts = [...document.querySelectorAll('.report .chart svg')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return {shown: getComputedStyle(svg).display !== 'none' && box.width > 100 && box.height > 50,
            marks: svg.querySelectorAll('rect, path, circle').length};
  });
  return {scrollWidth: root.scrollWidth, clientWidth: width, wide, charts,
          height: root.scrollHeight,
          parts: document.querySelectorAll('.report .report-part').length};
}"""


def _pages(pdf: bytes) -> int:
    return len(PAGE_OBJECT.findall(pdf))


@pytest.mark.parametrize("language", ["en", "sq", "sr_Cyrl"])
def test_the_report_prints_to_a4_with_nothing_cut(
    page: Page, live_server: Any, pwa: Any, language: str
) -> None:
    pwa.login(page, "coordinator")
    quarter = current_quarter(date.today())
    page.goto(
        f"/reports/quarterly?year={quarter.year}&quarter={quarter.quarter}"
        f"&language={language}"
    )
    page.wait_for_selector("article.report")
    on_screen = page.locator(".report .chart svg").count()
    assert on_screen >= 2, "the demo's report has charts"

    page.emulate_media(media="print")
    page.set_viewport_size({"width": CONTENT_WIDTH, "height": CONTENT_HEIGHT})
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["clientWidth"], layout["wide"]
    assert layout["wide"] == [], layout["wide"]
    # Charts print: every one of them, drawn, with its marks.
    assert len(layout["charts"]) == on_screen
    assert all(c["shown"] and c["marks"] for c in layout["charts"]), layout["charts"]
    # Navigation, the picker and the story form stay off paper.
    for hidden in (".report-pick", "form[action$='/story']", ".nav"):
        for box in page.locator(hidden).all():
            assert not box.is_visible(), hidden

    pdf = page.pdf(
        format="A4",
        print_background=True,
        margin={side: f"{MARGIN_MM}mm" for side in ("top", "right", "bottom", "left")},
    )
    assert pdf.startswith(b"%PDF")
    pages = _pages(pdf)
    # Each part starts a page; the content needs at least its height in pages; whole
    # sections moved to the next page waste at most about half a page each.
    needed = max(1, math.ceil(layout["height"] / CONTENT_HEIGHT))
    at_least = max(needed, layout["parts"])
    at_most = layout["parts"] + 2 * needed + 1
    assert at_least <= pages <= at_most, (pages, at_least, at_most, layout["height"])
