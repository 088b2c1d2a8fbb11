"""Link the first mention of each profiled person in a body to their profile.

Works on Python-Markdown's element tree after inline processing, so it only ever sees
text: it cannot break markup, and it knows when text sits inside a link (including the
figure references, which are links), a heading or code, where it leaves names alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree  # noqa: N813 - Python-Markdown convention
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown.treeprocessors import Treeprocessor

from .names import NameMatcher

# Text inside these is never linked: links (figure references are links too), headings, code.
SKIP = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style", "kbd", "samp"})


@dataclass
class LinkState:
    """What the current conversion may link: set before each body, cleared after."""

    enabled: bool = False
    href: Callable[[str], str | None] = lambda name: None  # name -> URL relative to the page
    done: set[str] = field(default_factory=set)  # names already linked on this page


class NameLinks(Treeprocessor):
    def __init__(self, md, matcher: Callable[[], NameMatcher], state: LinkState):
        super().__init__(md)
        self.matcher = matcher
        self.state = state

    def run(self, root: etree.Element) -> None:
        if self.state.enabled:
            self._walk(root, self.matcher())

    def _walk(self, parent: etree.Element, matcher: NameMatcher) -> None:
        if parent.tag in SKIP:
            return
        if parent.text:
            parent.text, made = self._split(parent.text, matcher)
            for offset, el in enumerate(made):
                parent.insert(offset, el)
            children_start = len(made)
        else:
            children_start = 0
        index = children_start
        while index < len(parent):
            child = parent[index]
            self._walk(child, matcher)
            made: list[etree.Element] = []
            if child.tail:
                child.tail, made = self._split(child.tail, matcher)
            for offset, el in enumerate(made, start=1):
                parent.insert(index + offset, el)
            index += 1 + len(made)

    def _split(self, text: str, matcher: NameMatcher) -> tuple[str, list[etree.Element]]:
        """Cut text at names still to link: returns the text before the first one and the
        links made, each carrying the text that follows it as its tail."""
        head = text
        links: list[etree.Element] = []
        cursor = 0
        for match in matcher.find(text):
            href = self.state.href(match.name)
            if match.name in self.state.done or href is None:
                continue
            self.state.done.add(match.name)
            el = etree.Element("a", {"class": "person", "href": href})
            el.text = match.name
            if links:
                links[-1].tail = text[cursor : match.start]
            else:
                head = text[: match.start]
            el.tail = ""
            links.append(el)
            cursor = match.end
        if links:
            links[-1].tail = text[cursor:]
        return head, links
