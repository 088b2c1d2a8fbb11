"""Test harness: Debian's Chromium through Playwright, and what a page does while it loads.

Never `playwright install`: the browser is /usr/bin/chromium (installed by
scripts/setup-test-tools.sh), started with the flags that keep it from calling other hosts.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, sync_playwright

from tests.webserver import REPO, SETUP_HINT

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}


@contextlib.contextmanager
def launch() -> Iterator[Browser]:
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not executable:
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: {SETUP_HINT}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def page_kinds(output: Path) -> dict[str, str]:
    """One URL path per kind of page: the front page, the 404 page, and for each top-level folder
    its index page, its first child page and that child's other pages (so kinds added later are
    covered too)."""
    kinds = {"front": "/", "404": "/no-such-page/"}
    for folder in sorted(p for p in output.iterdir() if p.is_dir()):
        if (folder / "index.html").exists():
            kinds[f"{folder.name}-index"] = f"/{folder.name}/"
        children = sorted(c for c in folder.iterdir() if (c / "index.html").exists())
        if children:
            kinds[folder.name] = f"/{folder.name}/{children[0].name}/"
            # Other pages beside it, e.g. an edition's email version (editions/1/email.html).
            for other in sorted(children[0].glob("*.html")):
                if other.name != "index.html":
                    kinds[f"{folder.name}-{other.stem}"] = f"/{folder.name}/{children[0].name}/{other.name}"
    return kinds


@dataclass
class Watch:
    """Everything that went wrong, or left the site, while a page was loaded."""

    origin: str
    url: str
    expected_status: int = 200
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, msg: ConsoleMessage) -> None:
        # The 404 page's own status is logged as an error; it is what that page is for.
        own_status = self.expected_status != 200 and msg.location.get("url") == self.url
        if msg.type == "error" and not own_status:
            self.problems.append(f"console error: {msg.text} ({msg.location.get('url')})")

    def _failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request to another host: {request.url}")

    def _response(self, response: Response) -> None:
        expected = self.expected_status if response.request.is_navigation_request() else 200
        if response.status != expected and not (300 <= response.status < 400):
            self.problems.append(f"HTTP {response.status}: {response.url}")


def open_page(page: Page, origin: str, path: str, expected_status: int = 200) -> Watch:
    watch = Watch(origin, origin + path, expected_status)
    watch.attach(page)
    response = page.goto(watch.url, wait_until="load")
    assert response is not None and response.status == expected_status, f"{path}: {response and response.status}"
    return watch
