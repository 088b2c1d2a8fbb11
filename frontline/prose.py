"""Markdown bodies -> HTML: figure references, caption-only photos, CJK-safe line breaks,
and links from the first mention of each profiled person to their profile (autolink.py).

Shortcodes an editor writes in a body:
  {{fig KEY}}        the figure KEY from content/stats, formatted (近1000万元)
  {{photo 说明}}      on a line of its own: a photo caption with no image (▲ kept as written)

Links and images point at source files, relative to the file they are written in, exactly as
GitHub and editors' Markdown previews resolve them: [施剑](../profiles/shi-jian.md),
![说明](../media/photo.jpg). The renderer rewrites them to the URL of the page or file.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
import xml.etree.ElementTree as etree  # noqa: N813 - Python-Markdown convention
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .autolink import LinkState, NameLinks
from .names import NameMatcher, matcher_for
from .sanitize import clean

SHORTCODE = re.compile(r"\{\{\s*([A-Za-z]*)\s*(.*?)\s*\}\}")
KNOWN_SHORTCODES = ("fig", "photo")
# CJK ideographs and full-width punctuation: a newline between two of them is not a space.
CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019\u2026\u2014"
CJK_NEWLINE = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")


@dataclass(frozen=True)
class Shortcode:
    kind: str
    arg: str
    line: int  # 0-based line within the body
    col: int  # 1-based column


def _matches(body: str, pattern: re.Pattern[str], needle: str) -> Iterator[tuple[re.Match[str], int, int]]:
    """Each match of pattern in body with its 0-based line and 1-based column; every match of
    pattern contains needle, so lines without it are not searched."""
    if needle not in body:
        return
    for lineno, line in enumerate(body.split("\n")):
        if needle in line:
            for match in pattern.finditer(line):
                yield match, lineno, match.start() + 1


# The checks ask for a body's links and shortcodes more than once per build, and the preview asks
# again after every save: each body's are remembered (a body is its own key).
BODIES_REMEMBERED = 1 << 16


def find_shortcodes(body: str) -> list[Shortcode]:
    return list(_shortcodes(body))


@functools.lru_cache(maxsize=BODIES_REMEMBERED)
def _shortcodes(body: str) -> tuple[Shortcode, ...]:
    return tuple(Shortcode(m.group(1), m.group(2), line, col) for m, line, col in _matches(body, SHORTCODE, "{{"))


# An inline link or image: [text](target "title") or ![alt](target). Reference-style links are
# not followed (the guide says so); their targets are checked by nothing and rendered as written.
LINK = re.compile(r"(!?)\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


@dataclass(frozen=True)
class LinkRef:
    image: bool
    text: str
    target: str
    line: int  # 0-based line within the body
    col: int  # 1-based column


def find_links(body: str) -> list[LinkRef]:
    return list(_links(body))


@functools.lru_cache(maxsize=BODIES_REMEMBERED)
def _links(body: str) -> tuple[LinkRef, ...]:
    return tuple(
        LinkRef(bool(m.group(1)), m.group(2), m.group(3), line, col) for m, line, col in _matches(body, LINK, "](")
    )


def resolve_link(source: str, href: str) -> tuple[str, str] | None:
    """(path from the site root, fragment) of a link written in source; None if it leaves the site.

    A leading / means the site root (as on GitHub, where it is the repository root)."""
    if not href or href.startswith("#") or EXTERNAL.match(href):
        return None
    path, _, fragment = href.partition("#")
    path = unquote(path)
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(source), path)
    return posixpath.normpath(joined), fragment


@dataclass(frozen=True)
class FigureLink:
    text: str  # formatted value, e.g. 近1000万元
    label: str
    href: str


class _FigurePattern(InlineProcessor):
    def __init__(self, lookup: Callable[[str], FigureLink | None]):
        super().__init__(r"\{\{\s*fig\s+([a-z0-9-]+)\s*\}\}")
        self.lookup = lookup

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's API name
        figure = self.lookup(m.group(1))
        if figure is None:  # link stage has already reported it; never print the raw code
            return "", m.start(0), m.end(0)
        # Values from YAML are text, never Markdown or HTML: escaped here (Markdown's serializer
        # keeps anything that looks like an entity) and atomic (no inline pattern runs on them).
        label = html.escape(figure.label, quote=False)
        el = etree.Element("a", {"class": "fig", "href": figure.href, "title": label})
        el.text = AtomicString(html.escape(figure.text, quote=False))
        return el, m.start(0), m.end(0)


class _PhotoBlock(BlockProcessor):
    RE = re.compile(r"^\{\{\s*photo\s+(.+?)\s*\}\}$")

    def test(self, parent, block):
        return bool(self.RE.match(block.strip()))

    def run(self, parent, blocks):
        caption = self.RE.match(blocks.pop(0).strip()).group(1)
        marked = caption.startswith("▲")
        figure = etree.SubElement(parent, "figure", {"class": "photo-note" + (" marked" if marked else "")})
        cap = etree.SubElement(figure, "figcaption")
        cap.text = caption


class _CjkLineBreaks(Treeprocessor):
    def run(self, root):
        for el in root.iter():
            if el.tag in ("pre", "code"):
                continue
            if el.text:
                el.text = CJK_NEWLINE.sub("", el.text)
            if el.tail:
                el.tail = CJK_NEWLINE.sub("", el.tail)


class _SourceLinks(Treeprocessor):
    """Rewrites links to source files into links to their pages; a link whose page is not
    built (a draft, in the production build) becomes plain text rather than a dead link."""

    def __init__(self, md, target: Callable[[str], str | None]):
        super().__init__(md)
        self.target = target

    def run(self, root):
        for el in root.iter():
            attr = {"a": "href", "img": "src"}.get(el.tag)
            if attr is None or el.get(attr) is None or el.get("class") == "fig":
                continue
            url = self.target(el.get(attr))
            if url is not None:
                el.set(attr, url)
            elif el.tag == "a" and not EXTERNAL.match(el.get(attr)) and not el.get(attr).startswith("#"):
                el.tag = "span"
                el.attrib.clear()


class _FrontlineExtension(Extension):
    def __init__(
        self,
        lookup: Callable[[str], FigureLink | None],
        target: Callable[[str], str | None],
        matcher: NameMatcher,
        names: LinkState,
    ):
        super().__init__()
        self.lookup = lookup
        self.target = target
        self.matcher = matcher
        self.names = names

    def extendMarkdown(self, md):  # noqa: N802
        md.inlinePatterns.register(_FigurePattern(self.lookup), "frontline-fig", 185)
        md.parser.blockprocessors.register(_PhotoBlock(md.parser), "frontline-photo", 105)
        md.treeprocessors.register(_CjkLineBreaks(md), "frontline-cjk", 1)
        md.treeprocessors.register(_SourceLinks(md, self.target), "frontline-links", 2)
        # After line breaks are joined, so that a name broken across two lines is still found.
        md.treeprocessors.register(NameLinks(md, lambda: self.matcher, self.names), "frontline-names", 0.5)


class Prose:
    """A reusable Markdown converter bound to one site's figures and people."""

    def __init__(
        self,
        lookup: Callable[[str, str], FigureLink | None],
        targets: dict[str, str] | None = None,
        *,
        people: dict[str, str] | None = None,
        known: frozenset[str] = frozenset(),
    ):
        # lookup(key, root) gives the figure's text and a link relative to the page's root;
        # targets maps a source file (content/profiles/shi-jian.md) to its output path;
        # people maps a profiled name to its page's path from the site root; known holds every
        # other name the site knows, so that none of them is mistaken for a shorter one.
        self._lookup = lookup
        self._targets = targets or {}
        self._root = ""
        self._source = ""
        self._people = people or {}
        self._names = LinkState()
        matcher = matcher_for(frozenset(self._people), frozenset(known))
        extension = _FrontlineExtension(lambda key: self._lookup(key, self._root), self._target, matcher, self._names)
        self._md = markdown.Markdown(extensions=["sane_lists", "tables", extension], output_format="html")

    def _target(self, href: str) -> str | None:
        resolved = resolve_link(self._source, href)
        if resolved is None or resolved[0] not in self._targets:
            return None
        path, fragment = resolved
        return self._root + self._targets[path] + (f"#{fragment}" if fragment else "")

    def html(
        self, body: str, root: str, source: str = "", *, link_names: bool = True, skip_name: str | None = None
    ) -> str:
        """Body as HTML for a page at root; link_names=False honours an editor's `autolink: false`,
        skip_name keeps a profile from linking to itself."""
        self._root, self._source = root, source
        self._names.enabled = link_names and bool(self._people)
        self._names.href = lambda name: None if name == skip_name else root + self._people[name]
        self._names.done = set()
        try:
            # Raw HTML an editor pasted, and any URL, passes the allowlist before a reader sees it.
            return clean(self._md.reset().convert(body))
        finally:
            self._root = self._source = ""
            self._names.enabled = False


def plain_text(body: str, figure_text: Callable[[str], str]) -> str:
    """Body as plain sentences: for mention excerpts and descriptions."""

    def code(m: re.Match) -> str:
        kind, arg = m.group(1), m.group(2)
        return figure_text(arg) if kind == "fig" else (arg if kind == "photo" else "")

    text = SHORTCODE.sub(code, body)
    text = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`>]", "", text)
    return CJK_NEWLINE.sub("", text)


def with_figures(text: str, figure_text: Callable[[str], str]) -> str:
    """A front-matter text (models.FIGURE_TEXT_FIELDS: a quote, a summary) with each {{fig KEY}}
    replaced by the figure as the site prints it (link() has refused any other shortcode)."""
    if "{{" not in text:
        return text
    return SHORTCODE.sub(lambda m: figure_text(m.group(2)) if m.group(1) == "fig" else "", text)


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[。！？!?])(?![”’])|\n+", text)
    return [p.strip() for p in parts if p.strip()]
