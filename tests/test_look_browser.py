"""The look in a real browser (Debian's Chromium via Playwright, against the nginx-served build):
print on A4, charts legible in light and dark schemes, the email edition on a phone.

Screenshots and PDFs go to test-artifacts/ so that a person can look at them."""

from __future__ import annotations

import re

import pytest
from coloraide import Color
from playwright.sync_api import Browser

from tests.browsing import ARTIFACTS, DESKTOP, PHONE, open_page
from tests.webserver import Nginx

pytestmark = pytest.mark.browser

PRINTED = {
    "stats": "/stats/",
    "report": "/articles/daxing-jixianfeng/",
    "profile": "/profiles/shi-jian/",
    "edition": "/editions/2/",
}
BASE_URL = "https://example.org/"


@pytest.mark.parametrize("name", PRINTED)
def test_pages_print_cleanly_on_a4(browser: Browser, served_site: Nginx, name: str):
    path = PRINTED[name]
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.emulate_media(media="print")
    watch = open_page(page, served_site.base, path)
    out = ARTIFACTS / "print"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{name}-print.png"), full_page=True)
    pdf = page.pdf(format="A4", path=str(out / f"{name}.pdf"))
    state = page.evaluate(
        """() => {
        const style = (el, prop) => getComputedStyle(el).getPropertyValue(prop);
        const shown = el => el.getClientRects().length > 0;
        return {
          nav: [...document.querySelectorAll('.site-header, .site-nav, .skip-link')].some(shown),
          url: [...document.querySelectorAll('.print-url')].filter(shown).map(el => el.textContent),
          headings: [...document.querySelectorAll('main h1, main h2, main h3')].map(h => style(h, 'break-after')),
          unsplit: [...document.querySelectorAll('figure, .chart, .chart-tile, blockquote, .stat')]
                     .map(el => style(el, 'break-inside')),
          tables: [...document.querySelectorAll('.chart-table')].map(t => t.getBoundingClientRect().height),
          bg: style(document.body, 'background-color'),
        };
      }"""
    )
    context.close()
    assert watch.problems == []
    assert state["nav"] is False  # no navigation on paper
    assert state["url"] == [f"本页网址：{BASE_URL}{path.lstrip('/')}"]  # the page's own address at the foot
    assert state["headings"] and set(state["headings"]) == {"avoid"}  # no heading left alone at a page end
    assert set(state["unsplit"]) <= {"avoid"}  # figures, charts, quotes never split
    assert state["unsplit"] or name == "edition"
    assert state["bg"] == "rgb(255, 255, 255)"
    if name == "stats":  # on paper the numbers are printed as tables too
        assert state["tables"] and min(state["tables"]) > 20
    # A4 pages: 210 × 297 mm is 595 × 842 points (Chromium rounds to whole pixels: 595.92 × 842.88).
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)


def _rgb(css: str) -> Color:
    return Color(css)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chart_colours_pass_contrast_as_drawn(browser: Browser, served_site: Nginx, scheme: str):
    context = browser.new_context(**DESKTOP, color_scheme=scheme)
    page = context.new_page()
    open_page(page, served_site.base, "/stats/")
    drawn = page.evaluate(
        """() => {
        const c = (sel, prop) => getComputedStyle(document.querySelector(sel)).getPropertyValue(prop);
        return {
          paper: getComputedStyle(document.body).backgroundColor,
          tile: c('.chart-tile', 'background-color'),
          bar: c('.chart-bar', 'fill'),
          label: c('.chart-label', 'fill'),
          value: c('.chart-svg .chart-value', 'fill'),
          dot: c('.chart-dot', 'fill'),
          tileValue: c('.chart-tile-value', 'color'),
        };
      }"""
    )
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"stats-{scheme}.png"), full_page=False)
    context.close()
    paper, tile = _rgb(drawn["paper"]), _rgb(drawn["tile"])
    assert paper.contrast(_rgb(drawn["label"])) >= 4.5
    assert paper.contrast(_rgb(drawn["value"])) >= 4.5
    assert paper.contrast(_rgb(drawn["bar"])) >= 3  # graphics: WCAG 1.4.11
    assert tile.contrast(_rgb(drawn["dot"])) >= 3
    assert tile.contrast(_rgb(drawn["tileValue"])) >= 4.5


SHOWN = {
    "stats": "/stats/",
    "organization": "/organizations/jingkaiqu/",
    "edition": "/editions/1/",
    "email": "/editions/2/email.html",
}


@pytest.mark.parametrize("name", SHOWN)
def test_charts_edition_and_email_on_desktop_and_phone(browser: Browser, served_site: Nginx, name: str):
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for screen, options in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(**options)
        page = context.new_page()
        watch = open_page(page, served_site.base, SHOWN[name])
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        page.screenshot(path=str(out / f"{name}-{screen}.png"), full_page=True)
        context.close()
        assert widths[0] <= widths[1], f"{name} scrolls sideways on {screen}: {widths}"
        if name != "email":  # the email links to base_url, which is not this test server
            assert watch.problems == []
