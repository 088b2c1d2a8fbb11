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

import re
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
        everything = sorted(self.names | {n for n in known if n}, key=lambda n: (-len(n), n))
        self._pattern = re.compile("|".join(map(re.escape, everything))) if everything else None

    def find(self, text: str) -> list[NameMatch]:
        if self._pattern is None:
            return []
        found: list[NameMatch] = []
        pos = 0
        while match := self._pattern.search(text, pos):
            name = match.group(0)
            start, end = match.span()
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
