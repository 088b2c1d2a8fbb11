"""Finding people's names in Chinese text: one rule shared by mentions and automatic links.

Chinese has no spaces, so "inside a longer word" cannot be decided by word boundaries. We
decide it conservatively, because a wrong link names the wrong person while a missing link
costs nothing (the next mention or the people cards still lead to the profile):
  * names are tried longest first at each position, so 王娟娟 wins over 王娟 when both are
    known, and a matched name is consumed and never matched again inside itself;
  * a name is not matched when a longer known name (any profile, even a draft or one that
    is not linked, and every byline) covers the same characters;
  * a name is not matched when the next character repeats its last one (王娟 in 王娟娟): a
    doubled given name is another person, not 王娟 followed by a word;
  * a name with Latin letters or digits must not touch another letter or digit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class NameMatch:
    start: int
    end: int
    name: str


class NameMatcher:
    """Finds the names to link (`names`) among all the names a site knows (`known`)."""

    def __init__(self, names: Iterable[str], known: Iterable[str] = ()):
        self.names = frozenset(n for n in names if n)
        # Searching with one regex alternation of every name costs names x characters: with tens of
        # thousands of profiles that was most of a build. _search finds the same leftmost, longest
        # match through set look-ups of the text's substrings instead.
        self._index = NameIndex(self.names | {n for n in known if n})

    def _search(self, text: str, pos: int, present: set[str], sizes: list[int]) -> tuple[int, int] | None:
        for start in range(pos, len(text)):
            for size in sizes:  # longest first: the regex tried names longest first
                if start + size <= len(text) and text[start : start + size] in present:
                    return start, start + size
        return None

    def find(self, text: str) -> list[NameMatch]:
        present = self._index.found_in(text)
        if not present:
            return []
        sizes = sorted({len(n) for n in present}, reverse=True)
        found: list[NameMatch] = []
        pos = 0
        while span := self._search(text, pos, present, sizes):
            start, end = span
            name = text[start:end]
            if _stands_alone(text, start, end):
                if name in self.names:
                    found.append(NameMatch(start, end, name))
                pos = end  # a known longer name consumes its characters even if not linked
            else:
                pos = start + 1
        return found


def _stands_alone(text: str, start: int, end: int) -> bool:
    name = text[start:end]
    after = text[end : end + 1]
    before = text[start - 1 : start] if start else ""
    if after and after == name[-1] and not name[-1].isascii():
        return False
    if name[0].isascii() and name[0].isalnum() and before.isascii() and before.isalnum():
        return False
    return not (name[-1].isascii() and name[-1].isalnum() and after.isascii() and after.isalnum())


class NameIndex:
    def __init__(self, names: Iterable[str]):
        self.names = frozenset(n for n in names if n)
        self.lengths = sorted({len(n) for n in self.names})

    def found_in(self, text: str) -> set[str]:
        """The names that occur in text (exactly those for which `name in text` holds)."""
        found: set[str] = set()
        for size in self.lengths:
            if size > len(text):
                break
            grams = {text[i : i + size] for i in range(len(text) - size + 1)}
            found |= grams & self.names
        return found
