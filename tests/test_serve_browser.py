"""The preview in a real browser (Debian's Chromium): a page open in the browser reloads
itself after a save, shows the build error, and comes back when the file is fixed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import make_site
from tests.test_serve import Server

WAIT = 30.0


def wait_for(page: Page, condition: Callable[[], bool]) -> None:
    """Poll from outside the page: wait_for_function would need eval, which the CSP forbids."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except PlaywrightError:
            pass  # the page is reloading
        page.wait_for_timeout(50)
    raise AssertionError(f"page did not update: {page.url}")


# The strict policy the published pages carry: the reload script must work under it.
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = make_site(tmp_path / "site")
    base = root / "templates/base.html"
    meta = f'<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    base.write_text(base.read_text(encoding="utf-8").replace('<meta charset="utf-8">', meta, 1), encoding="utf-8")
    srv = Server(root)
    yield srv
    srv.stop()


def test_open_page_reloads_itself_through_errors_and_back(server: Server, browser: Browser):
    profile = server.root / "content/profiles/shi-jian.md"
    good = profile.read_text(encoding="utf-8")
    page = browser.new_page()
    try:
        problems: list[str] = []
        # The error page is served with status 500, which Chromium logs as a failed load: expected.
        expected = ("Failed to load resource",)
        page.on(
            "console",
            lambda m: problems.append(m.text) if m.type == "error" and not m.text.startswith(expected) else None,
        )
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(server.url + "/profiles/shi-jian/")
        assert "施剑主动请缨。" in page.inner_text("main")

        profile.write_text(good.replace("主动请缨", "率先垂范"), encoding="utf-8")
        wait_for(page, lambda: "施剑率先垂范。" in page.inner_text("body"))

        profile.write_text(good.replace("name:", "nmae:"), encoding="utf-8")
        wait_for(page, lambda: page.title().startswith("构建失败"))
        assert "content/profiles/shi-jian.md:2:1: error: [nmae] 未知字段 nmae，是否想写 name？" in page.inner_text(
            "body"
        )

        profile.write_text(good, encoding="utf-8")
        wait_for(page, lambda: "施剑主动请缨。" in page.inner_text("body"))
        assert problems == []
    finally:
        page.close()
