"""What a built site must never contain: anything that runs script, or loads from another host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Elements that run, embed or redirect: none of them belongs on a page of ours.
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "portal"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href", "background", "cite", "srcset"}
# Attributes that make a request as the page loads (a plain <a href> does not).
LOADING = {("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"), ("video", "src")}
LOADING |= {("audio", "src"), ("img", "srcset"), ("video", "poster"), ("input", "src"), ("track", "src")}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _scheme(url: str) -> str:
    match = re.match(r"([a-z][a-z0-9+.\-]*):", _CONTROL.sub("", url).lower())
    return match.group(1) if match else ""


class Scan(HTMLParser):
    """Collects every script-capable or off-site construct in one HTML document."""

    def __init__(self, allowed_hosts: tuple[str, ...] = ()):
        super().__init__(convert_charrefs=True)
        self.allowed_hosts = allowed_hosts
        self.found: list[str] = []
        self.in_script: str | bool = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "script":
            self.in_script = values.get("type") == "application/ld+json" and "data" or "code"
            if self.in_script == "code" and (
                not values.get("src") or _scheme(values["src"]) or values["src"].startswith("//")
            ):
                self.found.append("<script> that the site does not ship as a local file")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "link" and "stylesheet" in values.get("rel", "") and self._external(values.get("href", "")):
            self.found.append(f"external stylesheet {values['href']}")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"event handler {name}= on <{tag}>")
            icon = tag == "link" and name == "href" and value == "data:,"  # the site's empty favicon
            if name in URL_ATTRIBUTES and _scheme(value) not in ("", "http", "https", "mailto", "tel") and not icon:
                self.found.append(f"{name}={value!r} on <{tag}>")
            if (tag, name) in LOADING and self._external(value):
                self.found.append(f"<{tag} {name}> loads {value}")
            if name == "style" and re.search(r"url\s*\(|expression\s*\(|@import", value, re.I):
                self.found.append(f"style with url() on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        # JSON-LD is data, never run; but a "<" in it could close the element and start markup.
        if self.in_script == "data" and "<" in data:
            self.found.append("JSON-LD with an unescaped <")
        elif self.in_script == "code" and data.strip():
            self.found.append("inline script")

    def _external(self, url: str) -> bool:
        cleaned = _CONTROL.sub("", url)
        external = bool(_scheme(cleaned)) or cleaned.startswith(("//", "\\\\", "/\\"))
        return external and not cleaned.startswith(self.allowed_hosts or ("\0",))


def unsafe(html: str, allowed_hosts: tuple[str, ...] = ()) -> list[str]:
    scan = Scan(allowed_hosts)
    scan.feed(html)
    scan.close()
    return scan.found


def unsafe_in_site(out: Path, base_url: str = "https://example.org/") -> dict[str, list[str]]:
    """Every page of a built site that has something unsafe, with what it has. URLs under the
    site's own base_url are its own (the email edition must use them: mail has no relative URLs)."""
    found = {}
    for page in sorted(out.rglob("*.html")):
        problems = unsafe(page.read_text(encoding="utf-8"), (base_url,))
        if problems:
            found[page.relative_to(out).as_posix()] = problems
    return found
