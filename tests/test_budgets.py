"""Light pages for old phones: the front page transfers at most 60 KB compressed (images excluded),
the CSS is at most 20 KB, measured as the browser receives them from nginx."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browsing import PHONE, open_page
from tests.webserver import Nginx

pytestmark = pytest.mark.browser

FRONT_PAGE_BUDGET = 60 * 1024  # bytes on the wire, gzip, headers included, images excluded
CSS_BUDGET = 20 * 1024  # bytes of each stylesheet as written (before compression)


def test_front_page_transfers_under_budget(browser: Browser, served_site: Nginx):
    context = browser.new_context(**PHONE)  # a fresh context: nothing cached
    page = context.new_page()
    try:
        watch = open_page(page, served_site.base, "/")
        entries = page.evaluate(
            """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
                .map(e => ({name: e.name, type: e.initiatorType, transfer: e.transferSize, body: e.decodedBodySize}))"""
        )
    finally:
        context.close()
    assert watch.problems == []
    counted = [e for e in entries if e["type"] not in ("img", "image") and not e["name"].startswith("data:")]
    assert all(e["transfer"] > 0 for e in counted), counted  # every one came over the network
    total = sum(e["transfer"] for e in counted)
    print(f"front page: {len(counted)} requests, {total} bytes transferred, {sum(e['body'] for e in counted)} decoded")
    for e in counted:
        print(f"  {e['transfer']:>7} {e['body']:>7}  {e['name']}")
    assert total <= FRONT_PAGE_BUDGET


def test_css_under_budget(real_site: Path):
    sheets = sorted((real_site / "output").rglob("*.css"))
    assert sheets
    for sheet in sheets:
        data = sheet.read_bytes()
        print(f"{sheet.name}: {len(data)} bytes, {len(gzip.compress(data, 6))} gzip")
        assert len(data) <= CSS_BUDGET, sheet.name
