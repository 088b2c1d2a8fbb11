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

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick


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
        # thousands of profiles that was most of a build. An Aho-Corasick automaton finds every
        # occurrence of every known name in one pass over the text.
        self._index = NameIndex(self.names | {n for n in known if n})

    def present(self, text: str) -> set[str]:
        """Every known name that occurs in text: a sentence that contains none of them has no match."""
        return self._index.found_in(text)

    def find(self, text: str) -> list[NameMatch]:
        # The longest known name starting at each position: the regex this replaces tried the
        # names longest first, leftmost match first.
        longest: dict[int, int] = {}
        for start, end in self._index.occurrences(text):
            if end > longest.get(start, start):
                longest[start] = end
        if not longest:
            return []
        found: list[NameMatch] = []
        pos = 0
        for start in sorted(longest):
            if start < pos:
                continue
            end = longest[start]
            if _stands_alone(text, start, end):
                name = text[start:end]
                if name in self.names:
                    found.append(NameMatch(start, end, name))
                pos = end  # a known longer name consumes its characters even if not linked
            # else: try again from the next position (pos stays below start + 1)
        return found


@functools.lru_cache(maxsize=2)
def matcher_for(names: frozenset[str], known: frozenset[str]) -> NameMatcher:
    """The NameMatcher of these names, made once for link() and the renderer of one build, and
    kept for the next build of the same names (the preview's next save): building the automaton
    of ten thousand names took longer than the rest of making the renderer. (It is read only.)"""
    return NameMatcher(names, known)


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
        self._automaton = ahocorasick.Automaton()
        for name in self.names:
            self._automaton.add_word(name, len(name))
        if self.names:
            self._automaton.make_automaton()

    def occurrences(self, text: str) -> Iterable[tuple[int, int]]:
        """(start, end) of every occurrence of every name in text, overlapping ones included."""
        if not self.names:
            return ()
        return ((last + 1 - size, last + 1) for last, size in self._automaton.iter(text))

    def found_in(self, text: str) -> set[str]:
        """The names that occur in text (exactly those for which `name in text` holds)."""
        if not self.names:
            return set()
        return {text[last + 1 - size : last + 1] for last, size in self._automaton.iter(text)}


def content_key(text: str) -> bytes:
    """A short key of text (the names an index is made of, say) that holds from one run to the next."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
