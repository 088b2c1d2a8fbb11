"""The real site in a real browser: Debian's Chromium (through Playwright) against the nginx-served build.

Every kind of page, on a 360 px phone and a 1280 px desktop, loads without horizontal scrolling,
console errors, failed requests or requests to another host (the server's Content-Security-Policy
is in force, so a blocked inline script or style shows up as a console error). The front page, a
report and a profile are kept as screenshots in test-artifacts/screenshots/ (desktop, phone, print
media, dark scheme). Chinese text is
drawn with a CJK font, not tofu.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browsing import ARTIFACTS, DESKTOP, PHONE, open_page, page_kinds
from tests.webserver import Nginx

pytestmark = pytest.mark.browser

SCREENS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def kinds(served_site: Nginx) -> dict[str, str]:
    found = page_kinds(served_site.root)
    assert {"front", "404", "articles", "profiles"} <= found.keys()
    return found


@pytest.mark.parametrize("screen", SCREENS)
def test_every_page_kind_loads_cleanly(browser: Browser, served_site: Nginx, kinds: dict[str, str], screen: str):
    context = browser.new_context(**SCREENS[screen])
    problems = []
    try:
        for kind, path in kinds.items():
            page = context.new_page()
            watch = open_page(page, served_site.base, path, 404 if kind == "404" else 200)
            overflow = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if overflow[0] > overflow[1]:
                problems.append(f"{kind} {path}: scrolls sideways ({overflow[0]} px content in {overflow[1]} px)")
            problems += [f"{kind} {path}: {p}" for p in watch.problems]
            page.close()
    finally:
        context.close()
    print(f"{screen}: {len(kinds)} page kinds loaded: {', '.join(kinds)}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("kind", ["front", "articles", "profiles"])
def test_screenshots_for_desktop_phone_print_and_dark(browser: Browser, served_site: Nginx, kinds, kind: str):
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    name = {"front": "front", "articles": "report", "profiles": "profile"}[kind]
    for screen in ("desktop", "phone", "print", "dark"):
        scheme = "dark" if screen == "dark" else "light"
        context = browser.new_context(**(PHONE if screen == "phone" else DESKTOP), color_scheme=scheme)
        page = context.new_page()
        if screen == "print":
            page.emulate_media(media="print")
        watch = open_page(page, served_site.base, kinds[kind])
        nav_shown = page.locator(".site-nav").is_visible()
        shot = out / f"{name}-{screen}.png"
        page.screenshot(path=str(shot), full_page=True)
        context.close()
        assert watch.problems == []
        assert shot.stat().st_size > 10_000
        # Print drops the navigation; screens keep it.
        assert nav_shown == (screen != "print"), screen


def fonts_used(page, selector: str) -> list[dict]:
    """The fonts Chromium actually drew the element's text with (from the DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def test_chinese_text_is_drawn_with_a_cjk_font(browser: Browser, served_site: Nginx, kinds):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        open_page(page, served_site.base, kinds["profiles"])
        heading = page.locator("h1").first.inner_text()
        fonts = {"h1": fonts_used(page, "h1"), "body": fonts_used(page, ".prose p")}
    finally:
        context.close()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in heading)
    for where, used in fonts.items():
        # Every glyph of the text came from a CJK font: no fallback boxes (tofu) from a Latin font.
        assert used and all("CJK" in f["familyName"] for f in used), (where, used)
    print(f"fonts drawn: {fonts}")


def test_keyboard_focus_is_always_visible(browser: Browser, served_site: Nginx):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        open_page(page, served_site.base, "/")
        seen = []
        for _ in range(12):
            page.keyboard.press("Tab")
            seen.append(
                page.evaluate(
                    """() => {
                        const el = document.activeElement, s = getComputedStyle(el), r = el.getBoundingClientRect();
                        return {text: el.textContent.trim().slice(0, 20), outline: s.outlineStyle,
                                width: parseFloat(s.outlineWidth), visible: r.width > 0 && r.height > 0
                                && r.right > 0 && r.bottom > 0 && r.left < innerWidth};
                    }"""
                )
            )
    finally:
        context.close()
    assert seen[0]["text"] == "跳到正文"  # the skip link comes first and shows itself
    hidden = [s for s in seen if s["outline"] == "none" or s["width"] < 2 or not s["visible"]]
    assert hidden == []


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocking: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        kind = (a.get("type") or "text/javascript").lower()
        is_js = kind in ("text/javascript", "application/javascript", "module")
        if tag == "script" and is_js and kind != "module" and "defer" not in a and "async" not in a:
            self.blocking.append(a.get("src") or "(inline script)")


def test_no_page_has_a_render_blocking_or_inline_script(real_site: Path):
    output = real_site / "output"
    found = {}
    for page in sorted(output.rglob("*.html")):
        parser = Scripts()
        parser.feed(page.read_text(encoding="utf-8"))
        if parser.blocking:
            found[page.relative_to(output).as_posix()] = parser.blocking
    assert found == {}
